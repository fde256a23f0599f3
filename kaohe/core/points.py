"""Points (分值) as Decimal: parsing and display. Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

MAX_PLACES = 2


class PointsError(ValueError):
    """A points value that is not a non-negative decimal with at most two places."""


def parse_points(text: str | int | Decimal) -> Decimal:
    """Parse '1.5', '2', 3 or Decimal('0.5') into a Decimal; reject floats, negatives, >2 places.
    Exact at any size: what a database column cannot hold is refused where the scheme is stored."""
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
    exponent = value.as_tuple().exponent
    if (isinstance(exponent, int) and exponent < -MAX_PLACES
            and value != value.quantize(Decimal("0.01"), context=_exact(value, MAX_PLACES))):
        raise PointsError(f"分值最多两位小数：{raw}")
    return normalize(value)


def as_decimal(value: object, what: str) -> Decimal:
    """A Decimal as is, an int converted; floats (and anything else) refused, as everywhere in the
    core. `what` names the value in the message (Chinese)."""
    if type(value) is Decimal and value.is_finite():  # the common case, first
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"{what}不是有限数：{value}")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"{what}必须是十进制数（Decimal），不能是{type(value).__name__}：{value!r}")


def from_hundredths(hundredths: int) -> Decimal:
    """An integer number of hundredths of a point as points with two places: 150 → 1.50, exactly
    (how sums of points are kept in the database: kaohe.cycles.totals)."""
    return Decimal(hundredths).scaleb(-MAX_PLACES)


def normalize(value: Decimal) -> Decimal:
    """1.50 -> 1.5, 2.0 -> 2: one spelling per amount, so equal points compare and print alike."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1), context=_exact(value))
    return value.normalize(context=_exact(value))


def _exact(value: Decimal, places: int = 0) -> Context:
    """A context with room for every digit of `value` (and `places` decimals): the default 28
    digits would round a whole number from 1E+28 up, or refuse to quantize it."""
    return Context(prec=max(28, len(value.as_tuple().digits), value.adjusted() + 1 + places))


def format_points(value: Decimal | None) -> str:
    """Display form used in labels, sheets and messages: '2', '1.5', '0.25'."""
    if value is None:
        return "?"
    return str(normalize(value))


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(11)}
_ROUNDING = Context(prec=28, rounding=ROUND_HALF_UP)


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """A score as displayed and compared: ROUND_HALF_UP to `places` decimals (89.995 → 90.00),
    whatever the caller's decimal context."""
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=ROUND_HALF_UP, context=_ROUNDING)
