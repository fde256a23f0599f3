"""What a cycle leaves unscored: the scheme's items that name no assessing department.

Opening a cycle makes a task for every (unit, item) whose item has a department
(kaohe.cycles.lifecycle.open_cycle), so an item without one gets no task, and the results' maximum
— the sum of the tasks' maxima — silently leaves its points out. The 2018 county scheme has two
such places, 4.2.1 (1.5 points) and 7.3 (7.3.1–7.3.3, 2 points): a 县(市)'s maximum becomes 191.5
points, not the 195 the scheme lets it reach. The office may name a department for such an item
for one cycle while the cycle is a draft (`Cycle.item_departments`, set by
`kaohe.cycles.lifecycle.assign_departments`); opening then makes its tasks like any other's.

`unscored(cycle)` says, for the cockpit, the results page, `kaohe cycle status` and the API, which
items stay unscored and what that does to each unit's maximum: units are grouped by (what the
scheme lets them reach, what the tasks' maxima add up to). Queries: one for the scheme's leaves
(without their unit lists), then — only when some item is unscored — one for those items' units,
one for the cycle's units and, once the cycle is open, one GROUP BY of the kept dimension totals
(kaohe.cycles.totals) for each unit's scored maximum: a constant number whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from kaohe.core.points import format_points, from_hundredths
from kaohe.cycles.models import Cycle, CycleUnit, DimensionTotal
from kaohe.orgs.models import Unit
from kaohe.schemes.models import Node


@dataclass(frozen=True)
class Item:
    """An item (a scoring leaf) of the scheme without an assessing department in this cycle."""

    code: str
    title: str
    points: Decimal
    units: tuple[str, ...]  # the cycle's units it applies to, in the cycle's order


@dataclass(frozen=True)
class Maximum:
    """Units whose maximum the unscored items lower alike."""

    units: tuple[str, ...]
    reachable: Decimal  # what the scheme lets them reach
    scored: Decimal  # what their tasks add up to (the results' maximum)

    @property
    def lost(self) -> Decimal:
        return self.reachable - self.scored


@dataclass(frozen=True)
class Unscored:
    items: tuple[Item, ...] = ()
    maxima: tuple[Maximum, ...] = ()
    assigned: dict[str, str] = field(default_factory=dict)  # item code → department code, for this cycle

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def points(self) -> Decimal:
        return sum((item.points for item in self.items), Decimal(0))

    def as_json(self) -> dict:
        return {
            "items": [{"code": i.code, "title": i.title, "points": format_points(i.points), "units": list(i.units)}
                      for i in self.items],
            "maxima": [{"units": list(m.units), "reachable": format_points(m.reachable),
                        "scored": format_points(m.scored)} for m in self.maxima],
            "assigned": dict(self.assigned),
        }


def candidates(cycle: Cycle) -> list[Node]:
    """The scheme's leaves that name no assessing department (whether or not this cycle assigns
    one), in the scheme's order, with their unit lists. Two queries."""
    leaves = cycle.scheme.nodes.filter(is_leaf=True).order_by("position").values_list("pk", "departments")
    ids = [pk for pk, departments in leaves if not departments]
    return list(Node.objects.filter(pk__in=ids).order_by("position")) if ids else []


def _cycle_units(cycle: Cycle) -> list[tuple[int | None, str]]:
    """(CycleUnit id, name) once the cycle is open; (None, name) from the master data in a draft."""
    if cycle.status == Cycle.Status.DRAFT:
        names = Unit.objects.filter(code__in=cycle.unit_codes).values_list("name", flat=True)
        order = {name: i for i, name in enumerate(cycle.scheme.core().units)}
        return [(None, name) for name in sorted(names, key=lambda n: order.get(n, len(order)))]
    return list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code").values_list("pk", "name"))


def unscored(cycle: Cycle, units: list[tuple[int | None, str]] | None = None,
             scored: dict[str, Decimal] | None = None) -> Unscored:
    """What the cycle leaves unscored. A caller that has read them already may pass the cycle's
    units ((CycleUnit id, name), in order) and each unit's scored maximum by name (the results'
    maximum), which saves their queries."""
    assigned = {code: department for code, department in (cycle.item_departments or {}).items() if department}
    leaves = [leaf for leaf in candidates(cycle) if leaf.code not in assigned]
    if not leaves:
        return Unscored(assigned=assigned)
    units = units if units is not None else _cycle_units(cycle)
    names = {name for _, name in units}
    items = []
    for leaf in leaves:
        applies = set(leaf.units) & names
        if applies:
            items.append(Item(leaf.code, leaf.title, leaf.points or Decimal(0),
                              tuple(name for _, name in units if name in applies)))
    if not items:
        return Unscored(assigned=assigned)
    return Unscored(tuple(items), _maxima(cycle, units, items, scored), assigned)


def _maxima(cycle: Cycle, units: list[tuple[int | None, str]], items: list[Item],
            scored: dict[str, Decimal] | None) -> tuple[Maximum, ...]:
    lost: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        for name in item.units:
            lost[name] += item.points
    if scored is None and cycle.status == Cycle.Status.DRAFT:
        scored = _scheme_maxima(cycle, {name for _, name in units if lost[name]})
    elif scored is None:  # the tasks' maxima, as the database keeps them
        sums = dict(DimensionTotal.objects.filter(cycle=cycle).order_by().values("unit")
                    .annotate(cents=Sum("maximum_cents")).values_list("unit", "cents"))
        scored = {name: from_hundredths((sums.get(pk) if pk is not None else None) or 0) for pk, name in units}
    groups: dict[tuple[Decimal, Decimal], list[str]] = {}
    for _, name in units:
        if lost[name]:
            groups.setdefault((scored[name] + lost[name], scored[name]), []).append(name)
    return tuple(Maximum(tuple(names), reachable, points) for (reachable, points), names in groups.items())


def _scheme_maxima(cycle: Cycle, names: set[str]) -> dict[str, Decimal]:
    """For a draft: each unit's maximum from the items that have (or are given) a department."""
    assigned = set(cycle.item_departments or {})
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for code, points, departments, applies in (cycle.scheme.nodes.filter(is_leaf=True)
                                              .values_list("code", "points", "departments", "units")):
        if departments or code in assigned:
            for name in set(applies) & names:
                totals[name] += points or Decimal(0)
    return totals
