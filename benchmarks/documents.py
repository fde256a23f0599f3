"""Benchmark 11 (issue 15): every unit's scorecard in one PDF.

`kaohe.results.documents.write_scorecards_pdf` over `current_scorecards` (the results computed once,
then each unit's items, rendered by WeasyPrint a batch at a time and joined into one file as they
come) written to a temporary file, as the office's download "各单位考核得分表" does:

- the demo cycle (`kaohe demo`, as `make run` builds it: 18 units, the 2018 county scheme,
  open for scoring: every item listed, none scored yet), in a fresh SQLite installation: target < 10 s;
- a synthetic cycle (benchmarks.generate: units × 60 items with deductions and their reasons,
  bonuses, penalties, caps and vetoes), at a quarter of its units and at all of them: target for
  2,000 units < 10 minutes, with the process's peak memory growth (VmHWM, reset through
  /proc/self/clear_refs before each run) the same at both: memory does not grow with the units.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from pathlib import Path

from benchmarks.measure import Figure

MB = 1024 * 1024
BENCHMARK = "all units' scorecards in one PDF (SQLite)"


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """VmHWM := VmRSS (Linux); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def write(cycle, count: int | None = None) -> tuple[float, int, int, float | None]:
    """(seconds, pages, bytes, peak memory growth in MB or None) of the first `count` units'
    scorecards (all when None) in one PDF."""
    from kaohe.results import documents

    can_reset = _reset_peak()
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    with tempfile.TemporaryFile(suffix=".pdf") as out:
        cards = documents.current_scorecards(cycle)
        pages = documents.write_scorecards_pdf(cards if count is None else itertools.islice(cards, count), out)
        size = out.tell()
    seconds = time.perf_counter() - start
    growth = (_status_kb("VmHWM") - before) / 1024 if can_reset else None
    return seconds, pages, size, growth


def measure_demo(cycle) -> list[Figure]:
    units = cycle.units.count()
    write(cycle, 1)  # warm-up: WeasyPrint's fonts and Django's templates loaded once
    seconds, pages, size, _growth = write(cycle)
    return [Figure(BENCHMARK, f"the demo cycle: the scorecards of {units} units, {pages} pages ({size / MB:.1f} MB)",
                   seconds, "s", target="< 10 s", met=seconds < 10)]


def measure_synthetic(cycle, *, target_units: int = 2000) -> list[Figure]:
    units = cycle.units.count()
    write(cycle, 1)  # warm-up
    counts = sorted({max(1, units // 4), units})
    figures: list[Figure] = []
    growths: dict[int, float | None] = {}
    for count in counts:
        seconds, pages, size, growths[count] = write(cycle, count)
        big = count >= target_units
        figures.append(Figure(
            BENCHMARK, f"{cycle.name}: the scorecards of {count:,} unit{'s' if count != 1 else ''}, {pages:,} pages "
            f"({size / MB:.1f} MB)", seconds, "s",
            target="< 10 min" if big else "", met=(seconds < 600) if big else None,
            notes=[f"{seconds / count:.2f} s per unit"]))
    small, large = counts[0], counts[-1]
    if growths[large] is not None and growths[small] is not None:
        flat = growths[large] <= growths[small] * 1.5 + 20
        figures.append(Figure(
            BENCHMARK, f"peak memory growth while writing {large:,} units (VmHWM over RSS before)", growths[large], "MB",
            baseline=f"the same writing {small:,} units", baseline_value=growths[small],
            target="flat as units grow", met=flat if small != large else None))
    return figures
