"""Benchmark 1: the results of a whole cycle (sums, percent, ranks, grades) against the limit.

The value is `kaohe.results.service.compute_cycle(cycle)` — the real code path: the pivot of the
per-(unit, dimension) totals the database keeps as scores are saved (kaohe/cycles/totals.py,
kaohe/results/sums.py), then the core's percent, adjustments, ranks and grades for every unit.
The limit is the fastest hand-written single SQL aggregate over the cycle's score rows, its rows
fetched into Python: SUM per unit, and SUM per unit and dimension (joined to the scheme's nodes,
what the results need). A phase breakdown (one extra run) tells where the time goes. At the full
size the issue's two targets are two lines: the ratio to the limit, and the time itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection, transaction

from benchmarks.measure import Figure, timed
from kaohe.core.results import compute
from kaohe.cycles.models import Cycle, Score
from kaohe.results import service, sums
from kaohe.schemes.models import Node

PER_UNIT = "SELECT unit_id, SUM(points) FROM {score} WHERE cycle_id = %s GROUP BY unit_id"
PER_DIMENSION = ("SELECT s.unit_id, n.dimension_code, SUM(s.points), SUM(n.points), COUNT(*), COUNT(s.points) "
                 "FROM {score} s JOIN {node} n ON n.id = s.node_id WHERE s.cycle_id = %s "
                 "GROUP BY s.unit_id, n.dimension_code")


def _query(sql: str, cycle_id: int) -> Callable[[], int]:
    """The query, its rows fetched; on PostgreSQL with the settings the results' query gets for a
    large cycle (JIT off, work_mem 128MB), so the limit is not handicapped."""
    sql = sql.format(score=Score._meta.db_table, node=Node._meta.db_table)

    def run() -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute(sql, [cycle_id])
            return len(cursor.fetchall())

    return run


def database_label() -> str:
    return "PostgreSQL" if connection.vendor == "postgresql" else "SQLite" if connection.vendor == "sqlite" \
        else connection.vendor


def phases(cycle: Cycle) -> list[str]:
    """One run of compute_cycle split into its phases, as notes."""
    settings = service.settings_for(cycle)
    large = cycle.units.count() >= sums.LARGE_CYCLE_UNITS
    start = time.perf_counter()
    found = list(sums.sum_rows(cycle, list(sums.dimension_titles(cycle)), large=large))
    query = time.perf_counter() - start
    start = time.perf_counter()
    inputs = sums.unit_inputs(cycle, service.groups_for(settings))
    build = time.perf_counter() - start - query  # unit_inputs runs the query again
    start = time.perf_counter()
    compute(inputs, service.rules_for(cycle, settings))
    core = time.perf_counter() - start
    return [f"phases of one run: the totals' GROUP BY (a row per unit, dimensions pivoted) and fetching its "
            f"{len(found):,} rows {query:.2f} s; "
            f"building the units' inputs {max(build, 0):.2f} s; the core (percent, ranks, grades) {core:.2f} s"]


def measure(cycle: Cycle, *, runs: int, warmup: int, full: bool) -> list[Figure]:
    label = database_label()
    units = cycle.units.count()
    scores = Score.objects.filter(cycle=cycle).count()
    items = scores // units if units else 0
    size = f"{units:,} units × {items} items = {scores:,} scores"
    per_unit = timed(_query(PER_UNIT, cycle.pk), warmup=warmup, runs=runs)
    per_dimension = timed(_query(PER_DIMENSION, cycle.pk), warmup=warmup, runs=runs)
    limit = min(per_unit.median, per_dimension.median)
    result = timed(lambda: service.compute_cycle(cycle), warmup=warmup, runs=runs)
    benchmark = f"results of a whole cycle ({label})"
    # the targets are for 12 million scores on PostgreSQL and 1 million on SQLite
    big = label == "PostgreSQL" and scores >= 10_000_000
    full = big or (label == "SQLite" and scores >= 1_000_000)
    ratio = result.median / limit if limit else None
    what = f"compute_cycle: sums, percent, ranks, grades ({size})"
    figures = [
        Figure(benchmark, f"limit: one SQL aggregate, SUM per unit ({size})", per_unit.median, "s",
               per_unit.spread),
        Figure(benchmark, f"limit: one SQL aggregate, SUM per unit and dimension, joined to the nodes ({size})",
               per_dimension.median, "s", per_dimension.spread),
        Figure(benchmark, what, result.median, "s", result.spread, baseline="the faster limit above",
               baseline_value=limit, target="≤ 1.5× the limit" if full else "(at the full size) ≤ 1.5× the limit",
               met=ratio <= 1.5 if ratio is not None and full else None, notes=phases(cycle)),
    ]
    if big:
        figures.append(Figure(benchmark, f"{what}, the same runs", result.median, "s", result.spread,
                              target="< 10 s", met=result.median < 10))
    return figures
