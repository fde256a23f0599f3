"""Summing a cycle's scores in the database: the input records for the pure results core.

The sums per (unit, dimension) are kept by the database as scores change (`DimensionTotal`,
kaohe/cycles/totals.py), in integer hundredths of a point. One GROUP BY unit over the cycle's
totals gives, per unit: tasks, scored, obtained and maximum, and for each dimension (一级指标)
obtained = Σ points (unscored = 0) and maximum = Σ the items' points, as filtered aggregates — a
pivot, one row per unit (measured against reading the rows in unit order and pivoting in Python,
the pivot is the faster: BENCHMARKS.md, section 1), each pair of sums packed into one integer
(`sum_rows`). The sums stay integers: the core computes on them (kaohe/core/results/), and no
Decimal is made for them. The rest is a handful of small
queries whatever the cycle's size: the cycle's units, the scheme's dimension titles, the
adjustments and the entered component values. Never a query per unit, never a score row read.

At scale (issue 6, BENCHMARKS.md: 200,000 units × 60 items) the sums' rows and the units are read
through a plain cursor, not the ORM's per-row converters or model instances. On PostgreSQL a large
cycle's GROUP BY runs with JIT compilation off and as a sorted aggregate over the (cycle, unit)
index, not a hash aggregate: a unit's row leaves the server as soon as its totals are read, so the
server sums while Python builds the inputs of the units before (on two cores about a quarter off
the whole computation, and the sorted aggregate costs the server less than the hash one, issue 20).
The rows are streamed, a few thousand at a time, and each row is reduced to shared values as it
arrives, so the rows are never all held.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain, islice
from typing import Any, cast

from django.db import connection, transaction

from kaohe.core.results import Adjustment as CoreAdjustment
from kaohe.core.results import DimensionSum, UnitInput, UnitRow, paused_gc
from kaohe.core.results.records import NO_COMPONENTS
from kaohe.cycles.models import Cycle, CycleUnit, DimensionTotal
from kaohe.results.models import Adjustment, ComponentValue
from kaohe.schemes.models import Node

LARGE_CYCLE_UNITS = 2000  # from this many units on, the GROUP BY gets the settings above on PostgreSQL
FETCH_ROWS = 5000  # rows turned into Python objects at a time
PACK = 1 << 32  # two non-negative sums below 2**31 in one integer: high · PACK + low


def sum_rows(cycle: Cycle, codes: Sequence[str], large: bool = False) -> Iterator[tuple[int, ...]]:
    """One row per unit with tasks: (unit id, tasks · PACK + scored, maximum · PACK + obtained,
    then maximum · PACK + obtained for each dimension code of `codes`, in that order, or None where
    the unit has no task under it), every sum an integer number of hundredths of a point. Two sums
    travel as one integer (`divmod(value, PACK)` takes them apart): the sums are below 2**31 — a
    unit's maximum is its scheme's total, at most 999,999.99 points (the schemes' field), and
    obtained is at most the maximum — so the low part never carries into the high one, and a sum
    of packed values is the packed value of the sums. Half the columns of one SUM per figure, and
    on SQLite half the aggregates (BENCHMARKS.md, section 1). One GROUP BY unit over the
    cycle's dimension totals, each dimension a filtered SUM (a pivot: a row per unit, not per unit
    and dimension), read through a plain cursor. `large`: tune PostgreSQL (a sorted aggregate,
    whose rows come out while it runs) and stream the rows from the server in chunks.

    Lazy: rows become Python objects `FETCH_ROWS` at a time, so a caller that keeps less than a
    row per unit (as `iter_unit_rows` does) never holds them all. Consume it to the end: the query's
    transaction is open until then."""
    return chain.from_iterable(_sum_chunks(cycle, codes, large))  # row by row in C, a chunk at a time


def _sum_chunks(cycle: Cycle, codes: Sequence[str], large: bool) -> Iterator[Sequence[tuple[int, ...]]]:
    table = connection.ops.quote_name(DimensionTotal._meta.db_table)
    columns = [_packed_sum("tasks", "scored"), _packed_sum("maximum_cents", "obtained_cents")]
    columns += [_packed_sum("maximum_cents", "obtained_cents", code) for code in codes]
    sql = f"SELECT unit_id, {', '.join(sql for sql, _ in columns)} FROM {table} WHERE cycle_id = %s GROUP BY unit_id"
    params = [*(param for _, given in columns for param in given), cycle.pk]
    tuned = large and connection.vendor == "postgresql"
    with transaction.atomic() if tuned else _no_transaction():
        if tuned:
            with connection.cursor() as settings:
                settings.execute("SET LOCAL jit = off")
                settings.execute("SET LOCAL work_mem = '128MB'")
                # rows in unit order from the index, each out once summed: no hash table, no sort to wait for
                settings.execute("SET LOCAL enable_hashagg = off")
                settings.execute("SET LOCAL enable_sort = off")
        with connection.cursor() as cursor:
            yield from _chunks(cursor, sql, params, tuned)
        if tuned:  # SET LOCAL lasts to the end of an enclosing transaction (publishing): not past this query
            with connection.cursor() as settings:
                settings.execute("SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name IN "
                                 "('jit', 'work_mem', 'enable_hashagg', 'enable_sort')")


def _packed_sum(high: str, low: str, dimension: str | None = None) -> tuple[str, list[str]]:
    """SQL and its parameters: SUM(high) · PACK + SUM(low) over the unit's rows, or over its rows of
    `dimension` only (NULL where it has none). SQLite adds the packed values (one aggregate);
    PostgreSQL packs the two sums, which stay bigints, where a sum of packed bigints would be a
    numeric (measured: BENCHMARKS.md, section 1)."""
    only, params = (" FILTER (WHERE dimension_code = %s)", [dimension]) if dimension is not None else ("", [])
    if connection.vendor == "postgresql":
        return f"SUM({high}){only} * {PACK} + SUM({low}){only}", params * 2
    return f"SUM({high} * {PACK} + {low}){only}", params


def _chunks(cursor: Any, sql: str, params: Sequence[object], streamed: bool) -> Iterator[Sequence[tuple]]:
    """The query's rows, in lists of `FETCH_ROWS`. `streamed` (PostgreSQL): the client receives
    them in chunks too (psycopg's stream), instead of the whole result first; unlike a server-side
    cursor this keeps the aggregate's parallel plan."""
    if streamed:
        rows = cursor.cursor.stream(sql, params, size=FETCH_ROWS)
        while chunk := list(islice(rows, FETCH_ROWS)):
            yield chunk
        return
    cursor.execute(sql, params)
    while chunk := cursor.fetchmany(FETCH_ROWS):
        yield chunk


class _no_transaction:  # used like transaction.atomic
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def dimension_titles(cycle: Cycle) -> dict[str, str]:
    """The scheme's dimensions (一级指标), in order: code → title."""
    return dict(Node.objects.filter(scheme_id=cycle.scheme_id, level="dimension")
                .order_by("position").values_list("code", "title"))


def adjustments_by_unit(cycle: Cycle) -> dict[int, tuple[CoreAdjustment, ...]]:
    found: dict[int, list[CoreAdjustment]] = defaultdict(list)
    for unit_id, kind, points, reason, document, cap in (
            Adjustment.objects.filter(cycle=cycle).order_by("created_at", "pk")
            .values_list("unit_id", "kind", "points", "reason", "document", "cap")):
        found[unit_id].append(CoreAdjustment(kind=kind, points=points, reason=reason, document=document, cap=cap))
    return {unit: tuple(items) for unit, items in found.items()}


def components_by_unit(cycle: Cycle) -> dict[int, dict[str, Decimal]]:
    found: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for unit_id, key, value in ComponentValue.objects.filter(cycle=cycle).values_list("unit_id", "key", "value"):
        found[unit_id][key] = value
    return found


def unit_inputs(cycle: Cycle, groups: Mapping[str, str] | None = None,
                units: list[CycleUnit] | None = None) -> list[UnitInput]:
    """One UnitInput per CycleUnit, in the cycle's order. A unit with no tasks still appears (maximum
    0). `groups` maps unit code → ranking group; a unit not in it ranks in its category."""
    with paused_gc():  # hundreds of thousands of rows and inputs at scale, none of them in a cycle
        return [UnitInput.in_hundredths(*row[:10]) for row in iter_unit_rows(cycle, groups, units)]


def iter_unit_rows(cycle: Cycle, groups: Mapping[str, str] | None = None,
                   units: list[CycleUnit] | None = None) -> Iterator[UnitRow]:
    """`unit_inputs` as the core's rows (`kaohe.core.results.UnitRow`, the sums in hundredths), one
    at a time, for `compute_rows` to score each as it comes: they are never all held (their queries
    run when the iteration starts)."""
    groups = groups or {}
    if units is None:  # plain rows through a cursor (no ORM row per unit), in order along an index
        found = (CycleUnit.objects.filter(cycle=cycle).order_by("position", "code")
                 .values_list("pk", "code", "name", "category"))
        sql, params = found.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        rows = [(unit.pk, unit.code, unit.name, unit.category) for unit in units]
    titles = dimension_titles(cycle)
    # Units with the same sums under a dimension share one DimensionSum: at scale most units repeat a
    # few hundred values, so this saves most of the memory (and the core checks each sum and makes
    # its result once). A row is reduced to these shared values as it arrives, so the rows themselves
    # are never all held. Each dimension's sums are found by their packed value (None: no task).
    shared: list[dict[int | None, DimensionSum]] = [
        {None: DimensionSum.in_hundredths(code, title, 0, 0)} for code, title in titles.items()]
    made_sum = DimensionSum.in_hundredths
    lookup = dict.get

    def reduced(row: tuple[int, ...]) -> tuple[tuple[DimensionSum, ...], int, int]:
        found = tuple(map(lookup, shared, row[3:]))
        if None in found:  # a value met for the first time
            found = tuple([known.get(value) or known.setdefault(value, made_sum(code, title, *_parts(value)))
                           for known, value, (code, title) in zip(shared, row[3:], titles.items(), strict=True)])
        return cast("tuple[DimensionSum, ...]", found), row[1], row[2]

    sums = {row[0]: reduced(row) for row in sum_rows(cycle, list(titles), large=len(rows) >= LARGE_CYCLE_UNITS)}
    adjustments = adjustments_by_unit(cycle)
    components = components_by_unit(cycle)
    plain: tuple[tuple[CoreAdjustment, ...], Mapping[str, Decimal]] = ((), NO_COMPONENTS)
    extras = {pk: (adjustments.get(pk, ()), components.get(pk, NO_COMPONENTS))  # the few units that have any
              for pk in adjustments.keys() | components.keys()}
    nothing = (tuple(known[None] for known in shared), 0, 0)
    categories: dict[str, str] = {}
    interned = categories.setdefault  # one string per category, not one per unit
    rows.reverse()
    while rows:  # each row and its sums dropped once its core row is made
        pk, unit_code, name, category = rows.pop()
        dimensions, counts, total = sums.pop(pk, nothing)
        tasks, scored = divmod(counts, PACK)
        maximum, obtained = divmod(total, PACK)
        group = interned(category, category)
        unit_adjustments, unit_components = extras.get(pk, plain)
        yield (unit_code, name, groups.get(unit_code) or group if groups else group, obtained, maximum, tasks, scored,
               dimensions, unit_adjustments, unit_components, None)


def _parts(value: int) -> tuple[int, int]:
    """A packed pair of sums (`sum_rows`) as (obtained, maximum)."""
    maximum, obtained = divmod(value, PACK)
    return obtained, maximum
