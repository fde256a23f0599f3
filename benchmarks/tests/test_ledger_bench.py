"""The ledger benchmark's code (benchmarks/ledger.py) at a tiny size, so it cannot rot: no timings
are asserted, only that it measures what it says and that the grid's query count is unchanged."""

from __future__ import annotations

import math

from benchmarks.ledger import SIZES, run


def test_the_ledger_benchmark_measures_the_pages_and_the_grid_queries():
    figures = run("tiny", None)
    assert [f.benchmark for f in figures] == ["平时考核台账 (SQLite)"] * 4, [f.notes for f in figures]
    by_unit, by_quarter, standings, grid = figures
    units, items, count = SIZES["tiny"]
    assert by_unit.what.startswith("ledger page filtered by one unit") and f"{count:,} entries" in by_unit.what
    assert by_quarter.what.startswith("ledger page filtered by one quarter")
    assert standings.what.startswith("the quarter's standings page")
    for figure in (by_unit, by_quarter, standings):
        assert figure.unit == "ms" and math.isfinite(figure.value) and figure.value > 0
        assert "queries; CPU time median" in figure.notes[0]
    assert grid.unit == "queries" and grid.value == grid.baseline_value and grid.met is True
