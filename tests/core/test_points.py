"""Points as text: one spelling per amount (kaohe.core.points.normalize / format_points), exact at any size."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.core.points import MAX_POINTS, PointsError, format_points, normalize, parse_points


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


@pytest.mark.parametrize("given", ["1000000", "1.0e+28", "1" * 60, "1" * 40 + ".123"])
def test_amounts_the_database_cannot_hold_are_refused_as_too_large(given):
    with pytest.raises(PointsError, match="分值过大"):
        parse_points(given)


def test_the_largest_amount_the_database_holds_is_accepted():
    assert parse_points("999999.99") == MAX_POINTS
