"""Summing a cycle's scores in the database: the input records for the pure results core.

One GROUP BY over the cycle's Score rows joined to their Node gives, per (unit, dimension):
obtained = Σ points (unscored = 0), maximum = Σ the items' points, tasks = count, scored = count
of points that are set. The rest is a handful of small queries whatever the cycle's size: the
cycle's units, the scheme's dimension titles, the adjustments and the entered component values.
Never a query per unit, never a score row in Python.

At scale (issue 6, BENCHMARKS.md: 200,000 units × 60 items) the sums' rows are read through a
plain cursor, not the ORM's per-row converters, and the units as plain values, not model
instances; on PostgreSQL a large cycle's GROUP BY runs with JIT compilation off (it cost seconds
of compiling for one query) and enough work_mem for its hash aggregate to stay in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum

from kaohe.core.results import Adjustment as CoreAdjustment
from kaohe.core.results import DimensionSum, UnitInput, paused_gc
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.results.models import Adjustment, ComponentValue
from kaohe.schemes.models import Node

ZERO = Decimal(0)
LARGE_CYCLE_UNITS = 2000  # from this many units on, the GROUP BY gets the settings above on PostgreSQL
_FLOAT_CONTEXT = Context(prec=15)  # SQLite sums decimals as floats: back to cents, as Django's converter does
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Sums:
    obtained: Decimal
    maximum: Decimal
    tasks: int
    scored: int


def _decimal(value: object) -> Decimal:
    if type(value) is Decimal:
        return value  # type: ignore[return-value]
    if value is None:
        return ZERO
    if isinstance(value, float):
        return _FLOAT_CONTEXT.create_decimal_from_float(value).quantize(_CENT)
    return Decimal(value)  # type: ignore[arg-type]


def sum_rows(cycle: Cycle, large: bool = False) -> list[tuple[int, str, Decimal, Decimal, int, int]]:
    """(unit id, dimension code, obtained, maximum, tasks, scored) per (unit, dimension): the one
    GROUP BY, its rows read through a plain cursor. `large`: tune PostgreSQL for a big cycle."""
    query = (Score.objects.filter(cycle=cycle).order_by()
             .values_list("unit_id", "node__dimension_code")
             .annotate(obtained=Sum("points"), maximum=Sum("node__points"), tasks=Count("pk"), scored=Count("points")))
    sql, params = query.query.sql_with_params()
    tuned = large and connection.vendor == "postgresql"
    with transaction.atomic() if tuned else _no_transaction(), connection.cursor() as cursor:
        if tuned:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(unit_id, code, _decimal(obtained), _decimal(maximum), tasks, scored)
            for unit_id, code, obtained, maximum, tasks, scored in rows]


class _no_transaction:  # noqa: N801 - used like transaction.atomic
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def dimension_sums(cycle: Cycle) -> dict[tuple[int, str], Sums]:
    """(unit id, dimension code) → Sums: the one GROUP BY query."""
    return {(unit_id, code): Sums(obtained, maximum, tasks, scored)
            for unit_id, code, obtained, maximum, tasks, scored in sum_rows(cycle)}


def dimension_titles(cycle: Cycle) -> dict[str, str]:
    """The scheme's dimensions (一级指标), in order: code → title."""
    return dict(Node.objects.filter(scheme_id=cycle.scheme_id, level="dimension")
                .order_by("position").values_list("code", "title"))


def adjustments_by_unit(cycle: Cycle) -> dict[int, tuple[CoreAdjustment, ...]]:
    found: dict[int, list[CoreAdjustment]] = defaultdict(list)
    for adj in Adjustment.objects.filter(cycle=cycle).order_by("created_at", "pk"):
        found[adj.unit_id].append(CoreAdjustment(kind=adj.kind, points=adj.points, reason=adj.reason,
                                                 document=adj.document, cap=adj.cap))
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
        return _unit_inputs(cycle, groups or {}, units)


def _unit_inputs(cycle: Cycle, groups: Mapping[str, str], units: list[CycleUnit] | None) -> list[UnitInput]:
    if units is None:
        rows = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code")
                    .values_list("pk", "code", "name", "category"))
    else:
        rows = [(unit.pk, unit.code, unit.name, unit.category) for unit in units]
    by_unit: dict[int, dict[str, tuple[Decimal, Decimal, int, int]]] = defaultdict(dict)
    for unit_id, code, obtained, maximum, tasks, scored in sum_rows(cycle, large=len(rows) >= LARGE_CYCLE_UNITS):
        by_unit[unit_id][code] = (obtained, maximum, tasks, scored)
    titles = dimension_titles(cycle)
    for found in by_unit.values():  # a dimension without a node row (should not happen): keep its code
        for code in found:
            titles.setdefault(code, code)
    adjustments = adjustments_by_unit(cycle)
    components = components_by_unit(cycle)
    nothing = (ZERO, ZERO, 0, 0)
    inputs = []
    for pk, unit_code, name, category in rows:
        found = by_unit.get(pk, {})
        dimensions = []
        obtained, maximum, tasks, scored = ZERO, ZERO, 0, 0
        for code, title in titles.items():
            d_obtained, d_maximum, d_tasks, d_scored = found.get(code, nothing)
            dimensions.append(DimensionSum(code, title, d_obtained, d_maximum))
            obtained += d_obtained
            maximum += d_maximum
            tasks += d_tasks
            scored += d_scored
        inputs.append(UnitInput(
            code=unit_code, name=name, group=groups.get(unit_code) or category,
            obtained=obtained, maximum=maximum, tasks=tasks, scored=scored, dimensions=tuple(dimensions),
            adjustments=adjustments.get(pk, ()), components=dict(components.get(pk, {}))))
    return inputs
