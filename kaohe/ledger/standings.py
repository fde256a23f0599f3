"""The quarterly standings of a cycle's ledger, gathered from the database and ranked by the core
(kaohe.core.ledger.standings): per unit and dimension, per quarter and for the year so far, inside
the results' ranking groups (a unit named in the result settings' groups ranks there, any other
in its category). The counted entries are summed per unit, dimension, kind and quarter in one
GROUP BY, so the cost follows the units, not the entries. `report` adds the quarter's entries for
the 季度通报 (kaohe.formats.ledger_report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from kaohe.core import ledger as core
from kaohe.core.points import format_points
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.formats.ledger_report.report import LedgerReport, ReportEntry
from kaohe.ledger.models import Entry
from kaohe.results.service import groups_for, settings_for
from kaohe.schemes.models import Node


@dataclass(frozen=True)
class Figures:
    """Both periods of one quarter, and what they need to be shown."""

    quarter: int
    quarter_standings: core.Standings
    year_standings: core.Standings
    dimensions: list[tuple[str, str]]
    bonus_cap: Decimal


def default_quarter(cycle: Cycle, today: date | None = None) -> int:
    """The quarter a page opens on: today's in the cycle's year, else the last (a past year) or
    the first (a year to come)."""
    today = today or timezone.localdate()
    year = cycle.scheme.year
    if today.year == year:
        return core.quarter_of(today)
    return 4 if today.year > year else 1


def members(cycle: Cycle) -> list[core.Member]:
    settings = settings_for(cycle)
    groups = groups_for(settings)
    return [core.Member(code, name, groups.get(code) or category) for code, name, category in
            CycleUnit.objects.filter(cycle=cycle).order_by("position", "code").values_list("code", "name", "category")]


def counted(cycle: Cycle, quarter: int) -> list[core.Counted]:
    """The counted deductions and bonuses up to `quarter`, summed per unit, dimension, kind and quarter."""
    rows = (Entry.objects.filter(cycle=cycle, state=core.CONFIRMED, quarter__lte=quarter,
                                 kind__in=(core.DEDUCTION, core.BONUS)).order_by()
            .values_list("unit__code", "task__node__dimension_code", "kind", "quarter")
            .annotate(total=Sum("points"), n=Count("pk")))
    return [core.Counted(unit, dimension or "", kind, int((total or 0) * 100), number, n)
            for unit, dimension, kind, number, total, n in rows]


def dimensions(cycle: Cycle) -> list[tuple[str, str]]:
    return list(Node.objects.filter(scheme_id=cycle.scheme_id, level="dimension").order_by("position")
                .values_list("code", "title"))


def figures(cycle: Cycle, quarter: int) -> Figures:
    """The standings of the quarter and of the year up to it. Five queries."""
    cap = settings_for(cycle).bonus_cap
    found = counted(cycle, quarter)
    units = members(cycle)
    cents = int(cap * 100)
    return Figures(quarter, core.standings(units, found, quarter, cents),
                   core.standings(units, found, quarter, cents, year_to_date=True), dimensions(cycle), cap)


def report(cycle: Cycle, quarter: int) -> LedgerReport:
    """The 季度通报: both periods' standings and the quarter's counted entries."""
    shown = figures(cycle, quarter)
    kinds = dict(Entry.Kind.choices)
    entries = [ReportEntry(unit=unit, department=department, date=day, kind=str(kinds.get(kind, kind)),
                           points=format_points(points or 0), item=f"{code} {title}" if code else "", reason=reason,
                           document=document)
               for unit, department, day, kind, points, code, title, reason, document in
               Entry.objects.filter(cycle=cycle, state=core.CONFIRMED, quarter=quarter,
                                    kind__in=(core.DEDUCTION, core.BONUS))
               .order_by("unit__position", "date", "pk")
               .values_list("unit__name", "department__name", "date", "kind", "points", "task__node__code",
                            "task__node__title", "reason", "document")]
    return LedgerReport(cycle=cycle.name, year=cycle.scheme.year, quarter=quarter,
                        quarter_standings=shown.quarter_standings, year_standings=shown.year_standings,
                        dimensions=shown.dimensions, bonus_cap=format_points(shown.bonus_cap),
                        issued=timezone.localdate(), entries=entries)
