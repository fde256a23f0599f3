"""Chart scales: score axes start near the lowest score, histogram bins follow the spread."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaohe.core.charts import AXIS_STEPS, BIN_WIDTHS, Axis, histogram, nice_step, score_axis

D = Decimal
scores = st.integers(min_value=0, max_value=10_500).map(lambda n: D(n) / 100)  # 0 … 105 in hundredths


def is_nice(step: Decimal, multipliers) -> bool:
    mantissa = step.scaleb(-step.adjusted())
    return any(mantissa == m for m in multipliers) or mantissa == 10


# --- the axis -----------------------------------------------------------------------------------


def test_units_between_94_and_100_get_an_axis_from_92_not_from_0():
    assert score_axis([D("94.12"), D("96.5"), D("99.3"), D(100)]) == Axis(D(94), D(100), D(2))
    axis = score_axis([D(94), D("96.5"), D(100)])
    assert axis == Axis(D(92), D(100), D(2)) and axis.intervals == 4


def test_the_lowest_bar_keeps_a_visible_length_when_it_sits_on_a_tick():
    axis = score_axis([D(94), D(98)])
    assert axis.min < 94 and 94 - axis.min <= axis.interval


def test_a_wide_spread_keeps_zero_and_no_axis_goes_below_it():
    assert score_axis([D(3), D(97)]) == Axis(D(0), D(100), D(20))
    assert score_axis([D(0), D(50)]).min == 0


def test_bonuses_beyond_100_widen_the_axis_and_no_score_is_cut():
    axis = score_axis([D(96), D("103.5")])
    assert axis.max >= D("103.5") and axis.min <= 96


def test_everyone_at_one_score_still_gets_an_axis_of_two_intervals():
    axis = score_axis([D(100)] * 9)
    assert axis.min < 100 <= axis.max <= 100 and axis.intervals >= 2
    axis = score_axis([D(95)] * 3)
    assert axis.min < 95 <= axis.max and axis.intervals >= 2


def test_tiny_differences_are_not_blown_up_to_the_whole_chart():
    axis = score_axis([D("95.01"), D("95.03")])
    assert axis.interval >= D("0.4") and axis.max - axis.min >= 2 * axis.interval


def test_no_values_give_0_to_100():
    assert score_axis([]) == Axis(D(0), D(100), D(20))


def test_floats_are_refused():
    with pytest.raises(TypeError):
        score_axis([95.5])


@given(st.lists(scores, min_size=1, max_size=60))
def test_the_axis_holds_every_value_and_starts_near_the_lowest(values):
    axis = score_axis(values)
    low, high = min(values), max(values)
    assert axis.min <= low and high <= axis.max
    assert is_nice(axis.interval, AXIS_STEPS)
    assert axis.min >= 0  # no score is negative
    assert low - axis.min <= axis.interval  # at most one step below the lowest score…
    assert axis.min < low or low == 0  # …and never on it, unless it is 0
    assert axis.max - high <= 2 * axis.interval  # two when one score fills the axis
    if high <= 100:
        assert axis.max <= 100
    # about five intervals, never a 0–100 axis for a narrow spread
    assert 2 <= (axis.max - axis.min) / axis.interval <= 7
    assert axis.max - axis.min <= max(high - low, D(2)) * 2 + 2 * axis.interval


@given(st.decimals(min_value=D("0.0001"), max_value=D(10_000), places=4))
def test_nice_steps_are_the_smallest_nice_number_not_below(raw):
    step = nice_step(raw)
    assert step >= raw and is_nice(step, AXIS_STEPS)
    smaller = [m.scaleb(e) for m in AXIS_STEPS for e in range(-6, 6) if m.scaleb(e) < step]
    assert all(s < raw for s in smaller)


# --- the histogram ------------------------------------------------------------------------------


def test_eighteen_units_from_94_to_100_get_six_one_point_bins_none_empty_at_the_ends():
    values = [D(94), D("94.5"), D(95), D("95.2"), D("96.1"), D("96.8"), D(97), D("97.4"), D("97.9"), D(98),
              D("98.2"), D("98.6"), D(99), D("99.1"), D("99.5"), D("99.9"), D(100), D(100)]
    bins = histogram(values)
    assert [(b.low, b.high, b.count) for b in bins] == [
        (D(94), D(95), 2), (D(95), D(96), 2), (D(96), D(97), 2), (D(97), D(98), 3), (D(98), D(99), 3),
        (D(99), D(100), 6)]
    assert bins[-1].closed and not any(b.closed for b in bins[:-1])
    assert [b.label for b in bins][:2] == ["94–95", "95–96"]


def test_2000_units_get_about_a_dozen_bins():
    values = [D(6000 + (i * 37) % 4000) / 100 for i in range(2000)]  # 60 … 99.99
    bins = histogram(values)
    assert 6 <= len(bins) <= 13 and sum(b.count for b in bins) == 2000  # Sturges: 12; 40 points in 5-point bins


def test_one_value_is_one_bin():
    (only,) = histogram([D("97.5")] * 4)
    assert (only.low, only.high, only.count, only.closed) == (D(97), D(98), 4, True)


def test_no_values_no_bins():
    assert histogram([]) == ()


@given(st.lists(scores, min_size=1, max_size=300))
def test_bins_follow_the_spread(values):
    bins = histogram(values)
    assert sum(b.count for b in bins) == len(values)
    assert bins[0].count > 0 and bins[-1].count > 0  # the ends hold the lowest and the highest
    width = bins[0].high - bins[0].low
    assert is_nice(width, BIN_WIDTHS)
    assert all(b.high - b.low == width for b in bins)
    assert all(a.high == b.low for a, b in zip(bins, bins[1:], strict=False))
    sturges = (len(values) - 1).bit_length() + 1
    assert sturges // 2 <= len(bins) <= sturges + 1 or max(values) == min(values)
    for value in values:  # each value in exactly one bin
        assert sum(1 for b in bins if b.low <= value < b.high or (b.closed and value == b.high)) == 1
    if max(values) > min(values):  # the bins cover the spread without much room to spare
        assert bins[-1].high - bins[0].low <= (max(values) - min(values)) + 2 * width
