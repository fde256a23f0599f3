"""Points (分值) as Decimal: parsing, display and rounding, the one place for each. Never float.

- `format_points`: points or any figure as text without trailing zeros or exponent ('2', '1.5');
- `round_half_up`: two decimals (or `places`), half up, as shown and compared;
- `two_places`: a figure as the pages, sheets and reports show it ('91.67', '85.00');
- `rounded_points`: two decimals half up without trailing zeros ('95', '91.67', '1.5');
- `parse_typed`: points as people type them, by the rule below.

Points as people type them (`parse_typed`) follow one rule wherever points are entered — the scoring
grid, the self-assessment, the scoring sheet's text cells, the API's strings, objection answers,
adjustments and component values — so that what a Chinese input method produces is read as meant:

- blanks around the text are ignored (spaces, tabs, the ideographic space U+3000, no-break
  spaces); nothing left is "no value" (None);
- the full-width digits ０-９ are the digits 0-9;
- the decimal point may be "." or what an input method types for it: "．" (full-width full stop),
  "。" (ideographic full stop) or "｡" (half-width ideographic full stop) — "１．５", "1。5" and
  "1.5" are all 1.5; at most one, with a digit on at least one side ("1。" is 1, "。5" is 0.5);
- a leading sign "+" or "-" (also "＋", "－" and the minus sign "−") is read, so that the caller's
  range check can say the points may not be negative rather than that they are not a number;
- an exponent in ASCII ("1e1", "1E+1") is read, as programs write numbers that way (Python writes
  Decimal('10').normalize() as "1E+1");
- nothing else is a number. A comma ("1,5", "１，５", "1、5") is refused with its own message,
  because it is a decimal comma to some and a thousands separator to others; so are blanks inside
  the number, digit-group underscores ("1_0", which Python's Decimal would take), other scripts'
  digits, circled and Chinese numerals ("①", "一点五"), units ("1.5分"), NaN and infinity, and any
  text longer than MAX_TYPED characters (refused before any work is done on it).

The value is returned exactly as typed (1.50 stays 1.50); range, step and places are the caller's
to check (`kaohe.cycles.scoring.parse_score` for tasks, claims and answers).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

MAX_PLACES = 2
MAX_TYPED = 64  # characters of typed points, blanks around them included

_TYPED_BLANKS = " \t\r\n\u3000\u00a0\u202f\u2007"
_TYPED_CHARACTERS = str.maketrans({
    **{chr(0xFF10 + digit): str(digit) for digit in range(10)},  # full-width digits
    "．": ".", "。": ".", "｡": ".",  # decimal points from Chinese input methods
    "＋": "+", "－": "-", "−": "-",  # full-width plus and minus, the minus sign
})
_TYPED_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
_TYPED_COMMAS = "，,、､﹐﹑"


class PointsError(ValueError):
    """A points value that is not a non-negative decimal with at most two places; from
    `parse_typed`, text that is not a number: `kind` says why (SYNTAX, or COMMA for a comma), and
    the message (Chinese, without final punctuation) quotes the text, shortened to 20 characters."""

    SYNTAX, COMMA = "syntax", "comma"

    def __init__(self, message: str, kind: str = SYNTAX):
        super().__init__(message)
        self.kind = kind


def parse_typed(text: str) -> Decimal | None:
    """Points as a person typed them, by the module's rule: None when blank, else the Decimal
    exactly as typed (no range, step or places checked). PointsError (with its `kind`) otherwise."""
    if len(text) > MAX_TYPED:
        raise PointsError(f"得分“{_short(text)}”不是数字")
    stripped = text.strip(_TYPED_BLANKS)
    if not stripped:
        return None
    plain = stripped.translate(_TYPED_CHARACTERS)
    if _TYPED_NUMBER.fullmatch(plain) is None:
        if any(comma in plain for comma in _TYPED_COMMAS):
            raise PointsError(f"得分“{_short(stripped)}”不是数字：小数点请用“.”或“。”，不用逗号", PointsError.COMMA)
        raise PointsError(f"得分“{_short(stripped)}”不是数字")
    return Decimal(plain)


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


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
