"""The grid benchmark's code (benchmarks/grid.py) at a tiny size, so it cannot rot: no timings
are asserted, only that it measures what it says and that the query count does not grow."""

from __future__ import annotations

import math

from benchmarks.grid import SIZES, run


def test_the_grid_benchmark_measures_the_whole_grid_and_the_first_screen():
    figures = run("tiny", None)
    assert [f.benchmark for f in figures] == ["scoring grid (SQLite)"] * 3
    whole, first, queries = figures
    (units, items, _what, _target), (many, _items, _what2, _target2) = SIZES["tiny"]
    assert whole.what == f"whole grid: {units} units × {items} items, {units} units on the page"
    assert first.what == f"first screen: {many} units × {items} items, 20 units on the page"
    for figure in (whole, first):
        assert figure.unit == "ms" and math.isfinite(figure.value) and figure.value > 0
        assert figure.spread[0] <= figure.value <= figure.spread[1]
        assert figure.notes[0].startswith(f"{queries.value:.0f} queries;") and "CPU time median" in figure.notes[0]
    assert queries.unit == "queries" and queries.value == queries.baseline_value and queries.met is True
