"""Scales for charts that help judge: score axes that start near the lowest score, and histogram bins
that follow the spread (issue 14). Pure: Decimal in, Decimal out; the pages turn them into ECharts
options (kaohe.results.charts).

- `score_axis(values)`: an axis of "nice" ticks (1, 2 or 5 × 10ⁿ) from just below the lowest value
  to just above the highest, about `ticks` intervals, never wider than the data needs: when every
  unit scores 94–100 the axis runs 92–100, not 0–100. The lowest value is never on the axis's start
  (its bar would have no length) unless it is `floor` itself; the axis never goes below `floor`
  (0: scores are not negative) when no value does, nor above `ceiling` when no value does. A
  spread narrower than `min_span` is drawn as if it were `min_span` wide, so that differences of a
  few hundredths are not blown up to fill the chart.
- `histogram(values)`: about log₂(n) + 1 bins (Sturges' rule: 6 for 18 units, 12 for 2,000) of a
  nice width (1, 2, 2.5 or 5 × 10ⁿ), from the bin holding the lowest value to the one holding the
  highest, so the first and the last bin are never empty. Bins are [low, high), the last one
  [low, high]. Every value falls in exactly one bin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from kaohe.core.points import as_decimal, format_points

AXIS_STEPS = (Decimal(1), Decimal(2), Decimal(5))
BIN_WIDTHS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))
DEFAULT_TICKS = 5
DEFAULT_MIN_SPAN = Decimal(2)
MAX_BINS = 30


@dataclass(frozen=True)
class Axis:
    min: Decimal
    max: Decimal
    interval: Decimal

    @property
    def intervals(self) -> int:
        return int((self.max - self.min) / self.interval)


@dataclass(frozen=True)
class Bin:
    low: Decimal
    high: Decimal
    count: int
    closed: bool = False  # the last bin holds its upper bound too

    @property
    def label(self) -> str:
        return f"{format_points(self.low)}–{format_points(self.high)}"


def _decimals(values: Iterable[object], what: str) -> list[Decimal]:
    return [as_decimal(v, what) for v in values]


def nice_step(raw: Decimal, multipliers: Sequence[Decimal] = AXIS_STEPS) -> Decimal:
    """The smallest m × 10ⁿ (m from `multipliers`, ascending in [1, 10)) that is ≥ `raw` (> 0)."""
    if raw <= 0:
        raise ValueError("步长必须大于0")
    exponent = raw.adjusted()  # raw = d.ddd × 10^exponent
    for power in (exponent, exponent + 1):
        scale = Decimal(1).scaleb(power)
        for m in multipliers:
            if m * scale >= raw:
                return m * scale
    raise AssertionError("unreachable: 10 × 10^exponent > raw")  # pragma: no cover


def _floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def _ceil_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def score_axis(values: Iterable[object], *, ticks: int = DEFAULT_TICKS, floor: Decimal | None = Decimal(0),
               ceiling: Decimal | None = Decimal(100), min_span: Decimal = DEFAULT_MIN_SPAN) -> Axis:
    """An axis for bars of `values` that starts near the lowest (see the module docstring). No
    values: 0–100 in steps of 20."""
    numbers = _decimals(values, "坐标轴的数值")
    if not numbers:
        return Axis(Decimal(0), Decimal(100), Decimal(20))
    low, high = min(numbers), max(numbers)
    step = nice_step(max(high - low, min_span) / max(ticks, 1))
    start = _floor_to(low, step)
    if start == low and (floor is None or low > floor):
        start -= step  # the lowest bar keeps a visible length
    if floor is not None and low >= floor:
        start = max(start, floor)
    end = _ceil_to(high, step)
    if ceiling is not None and high <= ceiling < end:
        end = ceiling
    while end - start < 2 * step:  # at least two intervals: all units at one score still get an axis
        if ceiling is None or high > ceiling or end + step <= ceiling:
            end += step
        elif floor is None or low < floor or start - step >= floor:
            start -= step
        else:
            break
    return Axis(start, end, step)


def histogram(values: Iterable[object], *, max_bins: int = MAX_BINS) -> tuple[Bin, ...]:
    """Bins that follow the spread of `values` (see the module docstring); () for no values."""
    numbers = _decimals(values, "分布图的数值")
    if not numbers:
        return ()
    low, high = min(numbers), max(numbers)
    wanted = min(max((len(numbers) - 1).bit_length() + 1, 1), max_bins)  # ⌈log₂ n⌉ + 1
    width = nice_step((high - low) / wanted, BIN_WIDTHS) if high > low else Decimal(1)
    start = _floor_to(low, width)
    count = int((high - start) / width) + 1  # the bin that holds `high` as its lower bound…
    if count > 1 and start + (count - 1) * width == high:
        count -= 1  # …or, when `high` is a bin's upper bound, that bin, closed
    counts = [0] * count
    for value in numbers:
        counts[min(int((value - start) / width), count - 1)] += 1
    return tuple(Bin(start + i * width, start + (i + 1) * width, n, closed=i == count - 1)
                 for i, n in enumerate(counts))
