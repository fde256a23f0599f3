"""Messages of the core stored as data (kaohe.core.messages.as_data / from_data / joined): what a
notification keeps so that it can be shown in its reader's language. Pure: no Django."""

from __future__ import annotations

import json

import pytest

from kaohe.core.messages import Text, as_data, from_data, gettext_noop, joined

ENGLISH = {
    "%(cycle)s：结果已发布": "%(cycle)s: results published",
    "%(kind)s%(points)s分": "%(kind)s of %(points)s points",
    "扣分": "deduction",
    "还剩%(days)d天": "%(days)d days left",
    "、": ", ",
}


def english(message: str) -> str:
    return ENGLISH.get(message, message)


def test_a_stored_text_comes_back_whole_and_renders_in_another_language():
    kind = Text.of(gettext_noop("扣分"))
    message = joined([
        Text.of(gettext_noop("%(cycle)s：结果已发布"), cycle="County 2018"),
        Text.of(gettext_noop("%(kind)s%(points)s分"), kind=kind, points="0.5"),
        Text.of(gettext_noop("还剩%(days)d天"), days=3),
        Text("%(names)s", (("names", ("甲", "乙")),)),
    ])
    data = json.loads(json.dumps(as_data(message), ensure_ascii=False))  # as a JSON column keeps it
    back = from_data(data)
    assert back is not None and str(back) == str(message) == "County 2018：结果已发布\n扣分0.5分\n还剩3天\n甲、乙"
    assert back.render(english) == "County 2018: results published\ndeduction of 0.5 points\n3 days left\n甲, 乙"


def test_joined_leaves_out_empty_parts_and_keeps_a_separator_with_a_percent_sign():
    assert str(joined(["a", "", None, Text.of(gettext_noop("扣分"))])) == "a\n扣分"
    assert str(joined(["50", "b"], "% ")) == "50% b"
    assert str(joined([])) == ""


@pytest.mark.parametrize("data", [
    None, "plain text", 3, [], {}, {"template": 5}, {"template": "%(a)s", "params": {}},  # a value missing
    {"template": "%(a)d", "params": {"a": "x"}},  # of the wrong kind
    {"template": "%(a)s", "params": {"a": 1.5}}, {"template": "%(a)s", "params": {"a": True}},
    {"template": "%(a)s", "params": {"a": {"template": "%(b)s", "params": {"b": None}}}},
    {"template": "%(a)s", "params": []},
])
def test_anything_else_is_not_a_message(data):
    assert from_data(data) is None


def test_nesting_is_bounded():
    data: dict = {"template": "x", "params": {}}
    for _ in range(20):
        data = {"template": "%(a)s", "params": {"a": data}}
    assert from_data(data) is None
