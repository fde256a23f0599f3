"""How every benchmark measures: warm-up runs, then timed runs; the median and the spread.

A benchmark module returns `Figure`s; the runner writes them, with their baselines and ratios, to
BENCHMARKS.md. Figures are measurements, never assertions.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Timing:
    runs: tuple[float, ...]  # seconds, one per timed run

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.runs), max(self.runs)


@dataclass(frozen=True)
class Figure:
    """One line of BENCHMARKS.md: what was measured, the value, and what it is compared with."""

    benchmark: str  # e.g. "results at 12M scores (PostgreSQL)"
    what: str  # what exactly was measured
    value: float
    unit: str  # "s", "ms", "MB", "req/s" …
    spread: tuple[float, float] | None = None
    baseline: str = ""  # what the value is compared with, measured in the same run
    baseline_value: float | None = None
    target: str = ""  # the target, as text ("< 10 s", "≤ 1.5× the limit")
    met: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.baseline_value in (None, 0):
            return None
        return self.value / self.baseline_value


def timed(fn: Callable[[], object], *, warmup: int = 1, runs: int = 5) -> Timing:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Timing(tuple(samples))
