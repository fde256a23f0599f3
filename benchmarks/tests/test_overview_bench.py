"""The leaders' overview benchmark's code (benchmarks/overview.py) at a tiny size, so it cannot rot:
no timings are asserted, only that it measures what it says (every panel drawn, else it fails) and
that the query count does not grow with the units."""

from __future__ import annotations

import math

from benchmarks.overview import SIZES, run


def test_the_overview_benchmark_measures_a_published_year_at_two_sizes():
    figures = run("tiny", None)
    assert [f.benchmark for f in figures] == ["leaders' overview (SQLite)"] * 3, figures
    small, big, queries = figures
    (few, items, _target), (many, _items, _target2) = SIZES["tiny"]
    assert small.what == f"{few} units × {items} items, published, with the year before"
    assert big.what == f"{many} units × {items} items, published, with the year before"
    for figure in (small, big):
        assert figure.unit == "ms" and math.isfinite(figure.value) and figure.value > 0
        assert figure.spread is not None and figure.spread[0] <= figure.value <= figure.spread[1]
        assert figure.notes[0].startswith(f"{queries.value:.0f} queries;") and "as a leader" in figure.notes[0]
    assert queries.unit == "queries" and queries.value == queries.baseline_value and queries.met is True
