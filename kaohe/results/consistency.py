"""Results: the consistency page — departments whose scores tell units apart measurably less than
their peers' (issues 5 and 14).

`/results/<pk>/consistency/` (name `results:consistency`): the office and leaders (others 403; anonymous
users log in first); the cycle must be one `visible_cycles` gives (else 404). One query of plain values
reads the cycle's scores, `department_inputs` turns them into `kaohe.core.consistency.DepartmentInput`s,
and `kaohe.core.consistency.analyse` does the rest. The page states the rule (the statistic and the
threshold, from the core's constants), then lists the departments, flagged first (each part in
department order): tasks, scored, full-marks share, discrimination (区分度), the threshold it is held
to, the finding worded once; identical patterns as one note, each group's units listed; each
department's unit percents follow. The findings are the core's messages (`Text`), shown in the
reader's language.

Queries: a constant number whatever the number of departments, units and scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaohe.accounts.decorators import SignedInRequest, office_or_leader
from kaohe.core.consistency import (
    DEFAULT_MIN_UNITS,
    DEFAULT_RATIO,
    DepartmentConsistency,
    DepartmentInput,
    analyse,
    flagged_first,
)
from kaohe.core.messages import translated
from kaohe.core.points import format_points, two_places
from kaohe.cycles.access import visible_cycle_or_404
from kaohe.cycles.models import Cycle, Score

FIELDS = ("department__code", "department__name", "unit__code", "unit__name", "node__code", "node__position",
          "node__points", "points")


def score_values(cycle: Cycle) -> Iterable[tuple[Any, ...]]:
    """The one query: the cycle's scores as plain tuples (FIELDS), by department, unit and item."""
    return (Score.objects.filter(cycle=cycle)
            .order_by("department__position", "department__code", "unit__position", "unit__code", "node__position")
            .values_list(*FIELDS))


def department_inputs(rows: Iterable[tuple[Any, ...]]) -> tuple[list[DepartmentInput], dict[str, str]]:
    """Rows of `score_values` → the departments in order, and unit code → name."""
    departments: dict[str, dict[str, Any]] = {}
    unit_names: dict[str, str] = {}
    for dept_code, dept_name, unit_code, unit_name, node_code, position, maximum, points in rows:
        dept = departments.setdefault(dept_code, {"name": dept_name, "maxima": {}, "units": {}})
        dept["maxima"][node_code] = (position, maximum if maximum is not None else Decimal(0))
        dept["units"].setdefault(unit_code, {})[node_code] = points
        unit_names[unit_code] = unit_name
    inputs = []
    for code, dept in departments.items():
        items = sorted(dept["maxima"].items(), key=lambda kv: (kv[1][0], kv[0]))
        inputs.append(DepartmentInput(code, dept["name"], {item: m for item, (_, m) in items}, dept["units"]))
    return inputs, unit_names


def percent(share: Decimal | None) -> str:
    return "—" if share is None else f"{two_places(share * 100)}%"


def figure(value: Decimal | None) -> str:
    return "—" if value is None else two_places(value)


def flag_text(result: DepartmentConsistency) -> str:
    """The department's finding, worded once, in the reader's language."""
    return translated(result.flag.message, _) if result.flag else ""


def note_text(result: DepartmentConsistency) -> str:
    """The identical patterns, summed up in one note."""
    return _("；").join(translated(n.message, _) for n in result.notes)


def department_row(result: DepartmentConsistency, unit_names: dict[str, str], ratio: Decimal) -> dict[str, Any]:
    """One department as the page shows it (figures two decimals, ROUND_HALF_UP)."""
    return {
        "code": result.code, "name": result.name, "tasks": result.tasks, "scored": result.scored,
        "full_marks": result.full_marks, "share": percent(result.full_marks_share),
        "discrimination": figure(result.discrimination),
        "threshold": figure(None if result.reference is None else result.reference * ratio),
        "flagged": result.flagged, "flag": result.flag.code if result.flag else "", "flag_text": flag_text(result),
        "note": note_text(result),
        "identical": [[unit_names.get(u, u) for u in group] for group in result.identical],
        "units": [{"code": u.unit, "name": unit_names.get(u.unit, u.unit), "obtained": format_points(u.obtained),
                   "maximum": format_points(u.maximum), "percent": two_places(u.percent), "complete": u.complete}
                  for u in result.units],
    }


@office_or_leader
@require_GET
def consistency_page(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    inputs, unit_names = department_inputs(score_values(cycle))
    results = flagged_first(analyse(inputs))
    rows = [department_row(r, unit_names, DEFAULT_RATIO) for r in results]
    return render(request, "results/consistency.html", {
        "cycle": cycle, "departments": rows, "flagged": sum(1 for r in rows if r["flagged"]),
        "ratio": format_points(DEFAULT_RATIO * 100), "min_units": DEFAULT_MIN_UNITS,
    })


urlpatterns = [
    path("<int:pk>/consistency/", consistency_page, name="consistency"),
]
