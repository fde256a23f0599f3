"""Points (分值) as Decimal: parsing, display and rounding, the one place for each. Never float.

- `format_points`: points or any figure as text without trailing zeros or exponent ('2', '1.5');
- `round_half_up`: two decimals (or `places`), half up, as shown and compared;
- `two_places`: a figure as the pages, sheets and reports show it ('91.67', '85.00');
- `rounded_points`: two decimals half up without trailing zeros ('95', '91.67', '1.5').
"""

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


def format_points(value: Decimal | int | str | None) -> str:
    """Display form used in labels, sheets, messages and JSON: '2', '1.5', '0.25', at full
    precision without trailing zeros or exponent; a string is read as a decimal first."""
    if value is None:
        return "?"
    return format(normalize(_decimal(value)), "f")


def optional_points(value: Decimal | None) -> str | None:
    """`format_points`, or None for no points (an unscored task, as the audit trail and the API say it)."""
    return None if value is None else format_points(value)


def round_half_up(value: Decimal | int | str, places: int = MAX_PLACES) -> Decimal:
    """`value` rounded half up to `places` decimals (two: how scores are shown and compared)."""
    number = _decimal(value)
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_exact(number, places))


def two_places(value: Decimal | int | str) -> str:
    """A figure as displayed: two decimals, half up ('85.00'; JSON keeps full precision)."""
    return str(round_half_up(value))


def rounded_points(value: Decimal | int | str) -> str:
    """Two decimals half up without trailing zeros: '95', '91.67', '1.5'."""
    return format_points(round_half_up(value))


def _decimal(value: Decimal | int | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))
