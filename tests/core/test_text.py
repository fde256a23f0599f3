"""The one rule for free text (issue 19): valid Unicode, invisible characters removed, one limit
per field, the same table as docs/limits.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kaohe.core.text import (
    ADJUSTMENT_DOCUMENT,
    FIELDS,
    SCORE_REASON,
    TextError,
    clean,
    field,
    visible,
)


@pytest.mark.parametrize(("raw", "stored"), [
    ("  未按时召开会议 ", "未按时召开会议"),
    ("\u3000全角空格\u3000", "全角空格"),
    ("a\x00b", "ab"),  # NUL
    ("a\u202eb", "ab"),  # right-to-left override
    ("a\u200bb\u200c\u200dc", "abc"),  # zero-width space and joiners
    ("\ufeffa\u00adb\u2066c\u2069", "abc"),  # byte order mark, soft hyphen, isolates
    ("a\x7fb\x85c\x9fd", "abcd"),  # DEL and C1 controls
    ("a\ufffeb\uffff", "ab"),  # noncharacters
    ("第一行\r\n第二行\r第三行\u2028第四行", "第一行\n第二行\n第三行\n第四行"),
    ("e\u0301", "\u00e9"),  # NFC
    ("tab\there", "tab\there"),
])
def test_invisible_characters_are_removed_and_line_breaks_made_one(raw, stored):
    assert clean(raw, SCORE_REASON) == stored


def test_a_one_line_text_has_its_line_breaks_and_tabs_as_spaces():
    assert clean("文件\r\n一\t号", ADJUSTMENT_DOCUMENT) == "文件 一 号"
    assert visible("名称\n.pdf", multiline=False) == "名称 .pdf"


def test_a_lone_surrogate_is_refused_not_stored():
    with pytest.raises(TextError) as refused:
        clean("a\ud800b", SCORE_REASON)
    assert refused.value.kind == TextError.UNICODE
    assert "扣分理由含有无效的字符" in refused.value.message()


def test_the_limit_counts_characters_after_cleaning_and_refuses_rather_than_cuts():
    assert clean("理" * 500 + "\u200b" * 100, SCORE_REASON) == "理" * 500
    with pytest.raises(TextError) as refused:
        clean("理" * 501, SCORE_REASON)
    assert (refused.value.kind, refused.value.length) == (TextError.TOO_LONG, 501)
    assert refused.value.message() == "扣分理由最多500个字（现有501个）。"
    with pytest.raises(TextError):  # ten megabytes: refused before any character is looked at
        clean("x" * 10_000_000, SCORE_REASON)


def test_the_message_is_translated_by_the_callers_gettext():
    translated = {"扣分理由": "The deduction reason",
                  "%(label)s最多%(limit)d个字（现有%(length)d个）。": "%(label)s: at most %(limit)d (%(length)d)."}
    with pytest.raises(TextError) as refused:
        clean("理" * 501, SCORE_REASON)
    assert refused.value.message(lambda text: translated.get(text, text)) == "The deduction reason: at most 500 (501)."


def test_docs_limits_lists_every_field_with_its_limit():
    table = (Path(__file__).resolve().parents[2] / "docs" / "limits.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\S+) \| `([a-z_.]+)` \| ([\d,]+) \| (one|many) \|$", table, re.MULTILINE)
    assert [(label, key, int(limit.replace(",", "")), lines == "many") for label, key, limit, lines in rows] == [
        (f.label, f.key, f.limit, f.multiline) for f in FIELDS]
    assert field("score.reason") is SCORE_REASON
