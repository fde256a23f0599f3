"""Exact arithmetic on integers for the results: every figure the rules decide on (percent, bonus,
penalty, the floor at 0, components, the final and its rounding) is a fraction of two Python
integers, and rounding half up is integer division. Nothing here rounds except `half_up`.

A points value arrives as a Decimal (an adjustment, a weight, a threshold) or as integer hundredths
(the sums the database keeps); `ratio` turns a Decimal into its exact fraction once, and the core
works on those integers from there on.
"""

from __future__ import annotations

from decimal import Decimal

Fraction = tuple[int, int]  # (numerator, denominator > 0), not necessarily in lowest terms


def ratio(value: Decimal) -> Fraction:
    """The exact fraction of a finite Decimal: Decimal("2.5") → (5, 2)."""
    return value.as_integer_ratio()


def half_up(numerator: int, denominator: int, places: int) -> int:
    """numerator ÷ denominator rounded half up (away from zero on a tie, as ROUND_HALF_UP) to
    `places` decimals, as an integer count of 10^-places: half_up(200, 3, 2) → 6667 (66.67)."""
    scale: int = 10 ** places  # an int for places >= 0 (typeshed says Any: a negative power is a float)
    scaled = 2 * abs(numerator) * scale
    rounded = (scaled + denominator) // (2 * denominator)
    return -rounded if numerator < 0 else rounded


def at_least(threshold: Decimal, places: int) -> int:
    """The smallest count of 10^-places that is >= `threshold`: at_least(Decimal("89.995"), 2) → 9000,
    so a rounded final R (a count of 10^-places) reaches the threshold exactly when R >= it."""
    numerator, denominator = ratio(threshold)
    scale: int = 10 ** places
    return -((-numerator * scale) // denominator)


def floor_share(share: Decimal, count: int) -> int:
    """⌊share × count⌋ exactly (the top-grade quota of a group)."""
    numerator, denominator = ratio(share)
    return (numerator * count) // denominator


def add(first: Fraction, second: Fraction) -> Fraction:
    if first[1] == second[1]:
        return first[0] + second[0], first[1]
    return first[0] * second[1] + second[0] * first[1], first[1] * second[1]


def times(first: Fraction, second: Fraction) -> Fraction:
    return first[0] * second[0], first[1] * second[1]


def compare(first: Fraction, second: Fraction) -> int:
    """-1, 0 or 1 as first <, =, > second (both denominators positive)."""
    left, right = first[0] * second[1], second[0] * first[1]
    return (left > right) - (left < right)
