"""The cockpit benchmark's code (benchmarks/cockpit.py) at a tiny size, so it cannot rot: no timings
are asserted, only that it measures both cycles and that the query count does not grow."""

from __future__ import annotations

import math

from benchmarks.cockpit import run


def test_the_cockpit_benchmark_measures_the_demo_and_the_big_cycle_with_the_same_queries():
    figures = run("tiny", None)
    assert [f.benchmark for f in figures] == ["office's cockpit (SQLite)"] * 3, [f.notes for f in figures]
    demo, big, queries = figures
    assert demo.what.startswith("the demo cycle") and big.what.startswith("60 units × 8 items")
    for figure in (demo, big):
        assert figure.unit == "ms" and math.isfinite(figure.value) and figure.value > 0
        assert figure.notes[0].startswith(f"{queries.value:.0f} queries;")
    assert queries.unit == "queries" and queries.value == queries.baseline_value and queries.met is True
