"""Summing a cycle's scores in the database: the input records for the pure results core.

One GROUP BY over the cycle's Score rows joined to their Node gives, per (unit, dimension):
obtained = Σ points (unscored = 0), maximum = Σ the items' points, tasks = count, scored = count
of points that are set. The rest is a handful of small queries whatever the cycle's size: the
cycle's units, the scheme's dimension titles, the adjustments and the entered component values.
Never a query per unit, never a score row in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from kaohe.core.results import Adjustment as CoreAdjustment
from kaohe.core.results import DimensionSum, UnitInput
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.results.models import Adjustment, ComponentValue
from kaohe.schemes.models import Node

ZERO = Decimal(0)


@dataclass(frozen=True)
class Sums:
    obtained: Decimal
    maximum: Decimal
    tasks: int
    scored: int


def dimension_sums(cycle: Cycle) -> dict[tuple[int, str], Sums]:
    """(unit id, dimension code) → Sums: the one GROUP BY query."""
    rows = (Score.objects.filter(cycle=cycle).order_by()
            .values("unit_id", "node__dimension_code")
            .annotate(obtained=Sum("points", default=ZERO), maximum=Sum("node__points", default=ZERO),
                      tasks=Count("pk"), scored=Count("points")))
    return {(row["unit_id"], row["node__dimension_code"]):
            Sums(Decimal(row["obtained"]), Decimal(row["maximum"]), row["tasks"], row["scored"]) for row in rows}


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
    groups = groups or {}
    if units is None:
        units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
    sums = dimension_sums(cycle)
    titles = dimension_titles(cycle)
    for _unit_id, code in sums:  # a dimension without a node row (should not happen): keep its code
        titles.setdefault(code, code)
    adjustments = adjustments_by_unit(cycle)
    components = components_by_unit(cycle)
    inputs = []
    for unit in units:
        dimensions = []
        obtained, maximum, tasks, scored = ZERO, ZERO, 0, 0
        for code, title in titles.items():
            found = sums.get((unit.pk, code), Sums(ZERO, ZERO, 0, 0))
            dimensions.append(DimensionSum(code=code, title=title, obtained=found.obtained, maximum=found.maximum))
            obtained += found.obtained
            maximum += found.maximum
            tasks += found.tasks
            scored += found.scored
        inputs.append(UnitInput(
            code=unit.code, name=unit.name, group=groups.get(unit.code) or unit.category,
            obtained=obtained, maximum=maximum, tasks=tasks, scored=scored, dimensions=tuple(dimensions),
            adjustments=adjustments.get(unit.pk, ()), components=dict(components.get(unit.pk, {}))))
    return inputs
