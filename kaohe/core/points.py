"""Points (分值) as Decimal: parsing and display. Never float."""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation

MAX_PLACES = 2
MAX_POINTS = Decimal("999999.99")  # what the database's points columns hold (8 digits, 2 places)


class PointsError(ValueError):
    """A points value that is not a non-negative decimal with at most two places."""


def parse_points(text: str | int | Decimal) -> Decimal:
    """Parse '1.5', '2', 3 or Decimal('0.5') into a Decimal; reject floats, negatives, >2 places
    and amounts above MAX_POINTS."""
    if isinstance(text, bool) or isinstance(text, float):
        raise PointsError(f"分值必须是十进制数，不能是浮点数：{text!r}")
    raw = str(text).strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise PointsError(f"分值不是数字：{raw!r}") from None
    if not value.is_finite():
        raise PointsError(f"分值不是有限数：{raw!r}")
    if value < 0:
        raise PointsError(f"分值不能为负：{raw}")
    if value > MAX_POINTS:
        raise PointsError(f"分值过大：{raw[:40]}（最多{MAX_POINTS}）")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES and value != value.quantize(Decimal("0.01")):
        raise PointsError(f"分值最多两位小数：{raw}")
    return normalize(value)


def normalize(value: Decimal) -> Decimal:
    """1.50 -> 1.5, 2.0 -> 2: one spelling per amount, so equal points compare and print alike."""
    # exact at any size: a context with room for every digit (28 would round 1E+28 and up, or refuse it)
    exact = Context(prec=max(28, len(value.as_tuple().digits), value.adjusted() + 1))
    if value == value.to_integral_value():
        return value.quantize(Decimal(1), context=exact)
    return value.normalize(context=exact)


def format_points(value: Decimal | None) -> str:
    """Display form used in labels, sheets and messages: '2', '1.5', '0.25'."""
    if value is None:
        return "?"
    return str(normalize(value))
