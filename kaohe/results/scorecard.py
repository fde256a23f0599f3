"""Results: the printable per-unit scorecard, the list of scorecards, and what changed between two
published versions (see docs/decisions/2026-11-25-results-engine.md).

- `/results/<pk>/scorecards/` lists every unit of the cycle with a link to its scorecard.
- `/results/<pk>/scorecard/<unit_code>/` is one unit's scorecard: every item that applied to it (its
  Score rows) under its dimension / indicator / criterion headings in scheme order, with the points
  obtained of the maximum, the department that scored it and the reason for a deduction; the
  dimension totals; and the unit's result from `service.compute_cycle` (percent, bonus, penalty,
  adjusted, final, rank in its group, grade and why). A print stylesheet makes it a clean A4 page.
- `/results/<pk>/v/<version>/changes/` compares published version N with N-1 (or, with `?current=1`,
  the current computed results with version N): final, rank and grade before → after, only for the
  units that changed, plus units added or removed.

Reading: the office and leaders (`office_or_leader`); the cycle must be visible (`visible_cycle_or_404`).
Queries: a constant number whatever the number of items (one Score query, one query for the
scheme's headings, one for the findings the scores were decided on, and the handful `compute_cycle`
needs).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaohe.accounts.decorators import SignedInRequest, office_or_leader
from kaohe.core.points import format_points, two_places
from kaohe.core.results import RulesError, UnitResult
from kaohe.cycles import proposals
from kaohe.cycles.access import visible_cycle_or_404
from kaohe.cycles.models import CycleUnit, Score
from kaohe.results import service
from kaohe.results.models import Adjustment, ResultSnapshot
from kaohe.schemes.models import Node

ZERO = Decimal(0)
HEADING_LEVELS = ("dimension", "indicator", "criterion")


# ----------------------------------------------------------------------------- the scorecard


def _headings(scheme_id: int) -> dict[int, dict[str, Any]]:
    """The scheme's non-item nodes (dimension, indicator, criterion): id → fields. One query."""
    return {row["pk"]: dict(row) for row in Node.objects.filter(scheme_id=scheme_id, level__in=HEADING_LEVELS)
            .values("pk", "code", "title", "level", "parent_id", "position")}


def _chain(parent_id: int | None, headings: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The item's headings, outermost first."""
    chain = []
    while parent_id is not None and parent_id in headings:
        chain.append(headings[parent_id])
        parent_id = headings[parent_id]["parent_id"]
    return chain[::-1]


def scorecard_rows(cycle_id: int, scheme_id: int, unit_id: int) -> tuple[list[dict[str, Any]], int]:
    """The scorecard's table: heading rows and item rows in scheme order, and the number of items.
    A heading's obtained/maximum sum the unit's items under it (unscored items count 0). An item
    decided on findings (the 平时考核台账, through kaohe.cycles.proposals) lists them (`findings`)."""
    scores = list(Score.objects.filter(cycle_id=cycle_id, unit_id=unit_id).order_by("node__position")
                  .values("pk", "points", "reason", "node__code", "node__title", "node__points",
                          "node__parent_id", "department__name"))
    headings = _headings(scheme_id)
    findings = proposals.bases([score["pk"] for score in scores])
    totals: dict[int, list[Decimal]] = {}
    rows: list[dict[str, Any]] = []
    open_chain: list[int] = []
    for score in scores:
        chain = _chain(score["node__parent_id"], headings)
        ids = [h["pk"] for h in chain]
        for depth, heading in enumerate(chain):
            if open_chain[depth:depth + 1] != [heading["pk"]]:
                totals.setdefault(heading["pk"], [ZERO, ZERO])
                rows.append({"kind": "heading", "level": heading["level"], "code": heading["code"],
                             "title": heading["title"], "pk": heading["pk"]})
        open_chain = ids
        maximum = score["node__points"] or ZERO
        points = score["points"]
        for pk in ids:
            totals[pk][0] += points or ZERO
            totals[pk][1] += maximum
        deducted = points is not None and points < maximum
        rows.append({"kind": "item", "code": score["node__code"], "title": score["node__title"],
                     "points": None if points is None else format_points(points), "maximum": format_points(maximum),
                     "department": score["department__name"], "deducted": deducted,
                     "lost": format_points(maximum - points) if deducted and points is not None else "",
                     "reason": score["reason"], "findings": findings.get(score["pk"], ())})
    for row in rows:
        if row["kind"] == "heading":
            obtained, maximum = totals[row.pop("pk")]
            row["obtained"], row["maximum"] = format_points(obtained), format_points(maximum)
    return rows, len(scores)


def _summary(result: UnitResult, results: list[UnitResult]) -> dict[str, Any]:
    row = service.result_row(result)
    return {
        **row,
        "percent": two_places(row["percent"]), "bonus": two_places(row["bonus"]),
        "penalty": two_places(row["penalty"]), "adjusted": two_places(row["adjusted"]),
        "final": two_places(row["final"]),
        "group_size": sum(1 for r in results if r.group == result.group),
        "dimensions": [{**d, "percent": two_places(d["percent"])} for d in row["dimensions"]
                       if Decimal(d["maximum"]) > 0],
    }


@office_or_leader
@require_GET
def scorecard(request: SignedInRequest, pk: int, unit_code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
    unit = next((u for u in units if u.code == unit_code), None)
    if unit is None:
        raise Http404(_("这个考核周期没有编码为 %(code)s 的被考核单位。") % {"code": unit_code})
    rows, items = scorecard_rows(cycle.pk, cycle.scheme_id, unit.pk)
    settings = service.settings_for(cycle)
    summary, errors, components = None, tuple[str, ...](), []
    try:
        rules = service.rules_for(cycle, settings)
        results = service.compute_cycle(cycle, settings, units)
    except RulesError as problem:
        errors = tuple(problem.problems)
    else:
        result = next(r for r in results if r.code == unit.code)
        summary = _summary(result, results)
        components = [{"label": c.label, "share": service.share(c.weight),
                       "value": two_places(result.components.get(c.key, ZERO))}
                      for c in rules.components if c.key != service.ADJUSTED]
    adjustments = list(Adjustment.objects.filter(cycle=cycle, unit=unit).order_by("created_at", "pk"))
    return render(request, "results/scorecard.html", {
        "cycle": cycle, "unit": unit, "rows": rows, "items": items, "summary": summary, "errors": errors,
        "components": components, "adjustments": adjustments,
        "group": summary["group"] if summary else service.groups_for(settings).get(unit.code, unit.category),
    })


@office_or_leader
@require_GET
def scorecards(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
    groups = service.groups_for(service.settings_for(cycle))
    by_group: dict[str, list[CycleUnit]] = {}
    for unit in units:
        by_group.setdefault(groups.get(unit.code) or unit.category, []).append(unit)
    return render(request, "results/scorecards.html", {
        "cycle": cycle, "groups": [{"name": name, "units": items} for name, items in by_group.items()],
    })


# ----------------------------------------------------------------------------- changes


def _same(a: str, b: str) -> bool:
    return Decimal(str(a)) == Decimal(str(b))


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, Any]:
    """Result rows (snapshot JSON / service.result_row) before → after: the units whose final, rank
    or grade changed (in the after order), and the units added and removed."""
    old = {row["code"]: row for row in before}
    new = {row["code"]: row for row in after}
    changed = []
    for row in after:
        was = old.get(row["code"])
        if was is None:
            continue
        flags = {"final": not _same(was["final"], row["final"]), "rank": was["rank"] != row["rank"],
                 "grade": was["grade"] != row["grade"], "group": was["group"] != row["group"]}
        if any(flags.values()):
            changed.append({"code": row["code"], "name": row["name"], "group": row["group"],
                            "old_group": was["group"], "changed": flags,
                            "final": (two_places(was["final"]), two_places(row["final"])),
                            "rank": (was["rank"], row["rank"]), "grade": (was["grade"], row["grade"])})
    added = [{"code": r["code"], "name": r["name"], "group": r["group"], "final": two_places(r["final"]),
              "rank": r["rank"], "grade": r["grade"]} for r in after if r["code"] not in old]
    removed = [{"code": r["code"], "name": r["name"], "group": r["group"], "final": two_places(r["final"]),
                "rank": r["rank"], "grade": r["grade"]} for r in before if r["code"] not in new]
    return {"changed": changed, "added": added, "removed": removed, "units": len(after)}


@office_or_leader
@require_GET
def changes(request: SignedInRequest, pk: int, version: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    snapshot = get_object_or_404(ResultSnapshot.objects.select_related("published_by"), cycle=cycle, version=version)
    current = bool(request.GET.get("current"))
    previous, comparison, errors = None, None, tuple[str, ...]()
    if current:
        try:
            after = [service.result_row(r) for r in service.compute_cycle(cycle)]
        except RulesError as problem:
            errors = tuple(problem.problems)
        else:
            comparison = compare(snapshot.results, after)
    elif version > 1:
        previous = ResultSnapshot.objects.filter(cycle=cycle, version=version - 1).first()
        if previous is not None:
            comparison = compare(previous.results, snapshot.results)
    latest = ResultSnapshot.objects.filter(cycle=cycle).order_by("-version").values_list("version", flat=True).first()
    return render(request, "results/changes.html", {
        "cycle": cycle, "snapshot": snapshot, "previous": previous, "current": current,
        "comparison": comparison, "errors": errors, "latest": latest,
        "before_label": _("第%(version)d版") % {"version": snapshot.version} if current
        else (_("第%(version)d版") % {"version": version - 1}),
        "after_label": _("当前计算结果") if current else _("第%(version)d版") % {"version": snapshot.version},
    })


urlpatterns = [
    path("<int:pk>/scorecards/", scorecards, name="scorecards"),
    path("<int:pk>/scorecard/<str:unit_code>/", scorecard, name="scorecard"),
    path("<int:pk>/v/<int:version>/changes/", changes, name="changes"),
]
