"""Points as text: one spelling per amount (kaohe.core.points.normalize / format_points), exact at any size."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaohe.core.points import (
    PointsError,
    format_points,
    from_hundredths,
    normalize,
    parse_points,
    parse_typed,
)


@pytest.mark.parametrize(("given", "shown"), [
    ("2.0", "2"), ("1.50", "1.5"), ("0.250", "0.25"), ("-3.0", "-3"), ("0", "0"),
    # whole numbers past the 28 digits of the default context: exact, not rounded, not refused
    ("1.0e+28", "10000000000000000000000000000"),
    ("123456789012345678901234567890", "123456789012345678901234567890"),
    ("12345678901234567890123456789.50", "12345678901234567890123456789.5"),
])
def test_every_amount_has_one_exact_spelling(given, shown):
    assert format_points(Decimal(given)) == shown
    assert normalize(Decimal(given)) == Decimal(given)


def test_an_unknown_amount_is_shown_as_a_question_mark():
    assert format_points(None) == "?"


@pytest.mark.parametrize(("given", "read"), [
    ("1.0e+28", "10000000000000000000000000000"), ("1" * 40 + ".120", "1" * 40 + ".12"),
])
def test_amounts_of_any_size_are_read_exactly(given, read):
    # (what a database column cannot hold is refused where a scheme is imported: kaohe.schemes.importing)
    assert parse_points(given) == Decimal(read) and format_points(parse_points(given)) == read


def test_more_than_two_places_is_refused_at_any_size():
    with pytest.raises(PointsError, match="最多两位小数"):
        parse_points("1" * 40 + ".125")


def test_hundredths_become_points_with_two_places_exactly():
    assert str(from_hundredths(150)) == "1.50" and str(from_hundredths(0)) == "0.00"
    assert from_hundredths(-7) == Decimal("-0.07") and from_hundredths(123456789) == Decimal("1234567.89")


# ----------------------------------------------------------------------------- points as people type them
# kaohe.core.points.parse_typed: the one rule for points typed in the grid, the self-assessment, the
# scoring sheet's text cells, the API's strings, objection answers and adjustments.

FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
DECIMAL_POINTS = [".", "．", "。", "｡"]
BLANKS = ["", " ", "\u3000", "\t", "\u00a0", " \u3000 "]


def _amounts():
    return st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)


@given(amount=_amounts(), point=st.sampled_from(DECIMAL_POINTS), widths=st.lists(st.booleans(), min_size=12),
       before=st.sampled_from(BLANKS), after=st.sampled_from(BLANKS))
def test_full_width_digits_and_any_decimal_point_read_as_the_ascii_number(amount, point, widths, before, after):
    ascii_text = format(amount, "f")
    typed = "".join(point if ch == "." else (FULL_WIDTH[ch] if wide else ch)
                    for ch, wide in zip(ascii_text, widths + [False] * len(ascii_text), strict=False))
    assert parse_typed(before + typed + after) == Decimal(ascii_text)
    assert str(parse_typed(typed)) == ascii_text  # exactly as typed: 1.50 stays 1.50


@given(st.text(alphabet=" \t\u3000\u00a0", max_size=10))
def test_blank_text_is_no_value(text):
    assert parse_typed(text) is None


ALLOWED = set("0123456789+-eE.．。｡＋－−") | set(FULL_WIDTH.values()) | set(" \t\r\n\u3000\u00a0\u202f\u2007")


@given(st.text(max_size=30) | st.text(alphabet="0123456789１５．。.,，、eE+-－ 一①٣_分", max_size=12))
def test_only_what_the_rule_names_is_ever_read_as_a_number(text):
    try:
        value = parse_typed(text)
    except PointsError as error:
        assert error.kind in (PointsError.SYNTAX, PointsError.COMMA)
        if error.kind == PointsError.COMMA:
            assert any(comma in text for comma in "，,、､﹐﹑")
        return
    if value is None:
        assert not text.strip(" \t\r\n\u3000\u00a0\u202f\u2007")
        return
    assert set(text) <= ALLOWED  # no other character is ever taken for part of a number
    assert value.is_finite()


@pytest.mark.parametrize(("typed", "read"), [
    ("１．５", "1.5"), ("1。5", "1.5"), ("１。５", "1.5"), ("1｡5", "1.5"), ("　２　", "2"), ("1。", "1"),
    ("。5", "0.5"), (".5", "0.5"), ("０.２５", "0.25"), ("－１", "-1"), ("−0.5", "-0.5"), ("＋1", "1"),
    ("01.50", "1.50"), ("1e1", "10"), ("1E+1", "10"),
])
def test_what_is_clearly_meant_is_read(typed, read):
    assert parse_typed(typed) == Decimal(read)


@pytest.mark.parametrize("typed", ["1,5", "１，５", "1、5", "1,000"])
def test_a_comma_is_refused_with_its_own_reason(typed):
    with pytest.raises(PointsError) as refused:
        parse_typed(typed)
    assert refused.value.kind == PointsError.COMMA and "逗号" in str(refused.value)


@pytest.mark.parametrize("typed", [
    "1.5分", "一点五", "①", "٣", "1_0", "1 .5", "1 5", "1.5.2", "1。5。", "..5", ".", "。", "-", "－", "+",
    "NaN", "Infinity", "inf", "0x10", "1e", "e1", "1ｅ1", "½", "1/2", "9" * 70,
])
def test_anything_else_is_not_a_number(typed):
    with pytest.raises(PointsError) as refused:
        parse_typed(typed)
    assert refused.value.kind == PointsError.SYNTAX and "不是数字" in str(refused.value)
