"""Benchmark 5 (and the scheme figures of issue 2): reading and checking schemes, no database.

- check the synthetic scheme of 2,000 criteria (`benchmarks.synthetic.large_scheme`): < 1 s;
- read the seed, the official text of 2018 with both tables: < 0.5 s (skipped with a note when the
  seed file is not beside the repository);
- read a built-in YAML scheme, write the county scheme as the official xlsx (no targets).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks import CHECKOUT
from benchmarks.measure import Figure, timed

SEED_NAME = "000_79da29b595756ae5.txt"


def seed_path() -> Path | None:
    """The seed, as the tests find it: ../shared/seeds/ beside the repository."""
    path = CHECKOUT.parent / "shared" / "seeds" / SEED_NAME
    return path if path.is_file() else None


def measure(*, criteria: int, runs: int, warmup: int) -> list[Figure]:
    from benchmarks.synthetic import large_scheme
    from kaohe.core.check import check
    from kaohe.core.scheme import Level
    from kaohe.data import builtin_path
    from kaohe.formats.official_text.reader import read_official_text
    from kaohe.formats.xlsx_scheme import xlsx_bytes
    from kaohe.formats.yaml_scheme import read_yaml

    benchmark = "schemes"
    figures = []
    scheme = large_scheme(criteria)
    counts = scheme.counts()
    errors = [f for f in check(scheme) if f.is_error]
    took = timed(lambda: check(scheme), warmup=warmup, runs=runs)
    big = criteria >= 2000
    figures.append(Figure(
        benchmark, f"check a synthetic scheme of {criteria:,} criteria ({counts[Level.CRITERION]:,} with variants, "
                   f"{counts[Level.ITEM]:,} items, 18 units)", took.median * 1000, "ms", _ms(took.spread),
        target="< 1 s" if big else "", met=(took.median < 1) if big else None,
        notes=[f"the checker found {len(errors)} errors (expected 0)"]))
    seed = seed_path()
    if seed is None:
        figures.append(Figure(benchmark, "read the seed (official text)", float("nan"), "ms", target="< 0.5 s",
                              notes=[f"skipped: the seed {SEED_NAME} is not in ../shared/seeds/"]))
    else:
        took = timed(lambda: read_official_text(seed), warmup=warmup, runs=runs)
        figures.append(Figure(benchmark, "read the seed (official text, both tables)", took.median * 1000, "ms",
                              _ms(took.spread), target="< 0.5 s", met=took.median < 0.5))
    municipal = builtin_path("luoyang-2018-municipal")
    took = timed(lambda: read_yaml(municipal), warmup=warmup, runs=runs)
    figures.append(Figure(benchmark, "read a built-in YAML scheme (municipal, libyaml parser)", took.median * 1000,
                          "ms", _ms(took.spread)))
    county = read_yaml(builtin_path("luoyang-2018-county"))
    took = timed(lambda: xlsx_bytes(county), warmup=warmup, runs=runs)
    figures.append(Figure(benchmark, "write the county scheme as the official xlsx", took.median * 1000, "ms",
                          _ms(took.spread)))
    return figures


def _ms(spread: tuple[float, float]) -> tuple[float, float]:
    return spread[0] * 1000, spread[1] * 1000
