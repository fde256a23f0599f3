"""Benchmark 4: the ranking workbook (`kaohe.formats.results_report.ranking.ranking_xlsx`) for a large cycle.

The cycle's results are computed once (not timed); the writer is then timed writing them to a
temporary file, at a quarter of the units and at all of them, so the figures show whether time
grows linearly and memory stays flat. Memory is measured twice: tracemalloc's peak while writing
(what the writer allocates on top of its input; a separate run, since tracing slows Python down)
and the process's peak resident set (ru_maxrss: Python, Django, the computed results and the
writer together, as `kaohe results export --xlsx` on this cycle needs).
"""

from __future__ import annotations

import resource
import tempfile
import tracemalloc
from collections.abc import Sequence

from benchmarks.measure import Figure, timed
from benchmarks.results import database_label
from kaohe.core.results import UnitResult
from kaohe.cycles.models import Cycle
from kaohe.formats.results_report.ranking import write_ranking_xlsx
from kaohe.formats.results_report.report import ResultsReport
from kaohe.results import service

MB = 1024 * 1024


def _write(results: Sequence[UnitResult], rules, title: str) -> int:
    with tempfile.TemporaryFile() as out:
        write_ranking_xlsx(out, ResultsReport(title, rules, results))
        return out.tell()


def _traced_peak(results: Sequence[UnitResult], rules, title: str) -> tuple[float, int]:
    """tracemalloc's peak (MB) while writing, and the file's size (bytes)."""
    tracemalloc.start()
    try:
        size = _write(results, rules, title)
        return tracemalloc.get_traced_memory()[1] / MB, size
    finally:
        tracemalloc.stop()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def measure(cycle: Cycle, *, runs: int, warmup: int) -> list[Figure]:
    results = service.compute_cycle(cycle)
    rules = service.rules_for(cycle)
    after_compute = peak_rss_mb()
    benchmark = f"ranking workbook export ({database_label()})"
    figures = []
    sizes = sorted({max(1, len(results) // 4), len(results)})
    peaks = {}
    for count in sizes:
        part = results[:count]
        took = timed(lambda part=part: _write(part, rules, cycle.name), warmup=warmup, runs=runs)
        peaks[count], size = _traced_peak(part, rules, cycle.name)
        big = count >= 200_000
        figures.append(Figure(benchmark, f"write the ranking workbook of {count:,} units (file {size / MB:.1f} MB)",
                              took.median, "s", took.spread, target="< 60 s" if big else "",
                              met=(took.median < 60) if big else None))
    small, large = sizes[0], sizes[-1]
    flat = peaks[large] <= peaks[small] * 1.5 + 5
    figures.append(Figure(
        benchmark, f"writer's peak memory (tracemalloc) at {large:,} units", peaks[large], "MB",
        baseline=f"the same at {small:,} units", baseline_value=peaks[small],
        target="flat as rows grow", met=flat if small != large else None))
    rss = peak_rss_mb()
    figures.append(Figure(
        benchmark, f"process peak memory (RSS: Django, the {len(results):,} computed results and the writer)",
        rss, "MB", baseline="peak RSS after computing the results, before writing", baseline_value=after_compute,
        target="< 300 MB" if len(results) >= 200_000 else "", met=(rss < 300) if len(results) >= 200_000 else None))
    return figures
