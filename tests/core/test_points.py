"""Points as text: one spelling per amount (kaohe.core.points.normalize / format_points), exact at any size."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.core.points import PointsError, format_points, from_hundredths, normalize, parse_points


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
