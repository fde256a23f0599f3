"""The unit's published scorecard and the objection pages (rules in `kaohe.objections.flow`).

- `/cycles/<pk>/scorecard/`: a unit user's own published results: the latest version's figures
  (percent, dimension totals, rank in its group, grade) and, while the cycle is locked, every item
  that applied with the points, the department and the reason for a deduction; items can be ticked
  to object while the window is open. Other roles go to the office's scorecards.
- `/cycles/<pk>/objections/`: the objections the user may see; `…/<id>/`: one objection, with the
  departments' answer forms and the office's confirm / send-back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.accounts.decorators import SignedInRequest
from kaohe.accounts.permissions import is_office, reads_all, unit_code
from kaohe.claims.rules import read_evidence_upload
from kaohe.core.points import two_places
from kaohe.cycles.access import scoring_department, visible_cycle_or_404
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.objections import flow
from kaohe.objections.flow import ObjectionError
from kaohe.objections.models import ObjectionItem
from kaohe.results.models import ResultSnapshot
from kaohe.results.scorecard import scorecard_rows


def _fail(request: SignedInRequest, error: ObjectionError, back: str) -> HttpResponse:
    """403 for a refusal by role, 404 for what the user may not see; else back with the message."""
    if error.kind == ObjectionError.FORBIDDEN:
        raise PermissionDenied(error.message)
    if error.kind == ObjectionError.NOT_FOUND:
        raise Http404(error.message)
    messages.error(request, error.message)
    return redirect(back)


def published_row(snapshot: ResultSnapshot, unit_code: str) -> dict[str, Any] | None:
    row = next((r for r in snapshot.results if r["code"] == unit_code), None)
    if row is None:
        return None
    return {**row, "percent": two_places(row["percent"]), "final": two_places(row["final"]), "bonus": two_places(row["bonus"]),
            "penalty": two_places(row["penalty"]), "adjusted": two_places(row["adjusted"]),
            "group_size": sum(1 for r in snapshot.results if r["group"] == row["group"]),
            "dimensions": [{**d, "percent": two_places(d["percent"])} for d in row["dimensions"] if Decimal(d["maximum"]) > 0]}


@login_required
@require_GET
def scorecard(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    user = request.user
    own = unit_code(user)
    if own is None:
        if reads_all(user):
            return redirect("results:scorecards", pk=cycle.pk)
        raise Http404(_("成绩单只对被考核单位开放。"))
    unit = get_object_or_404(CycleUnit, cycle=cycle, code=own)
    snapshots = list(ResultSnapshot.objects.filter(cycle=cycle).order_by("-version").only("version", "published_at"))
    if not snapshots:
        return render(request, "objections/scorecard.html", {"cycle": cycle, "unit": unit, "snapshot": None})
    try:
        version = int(request.GET.get("version") or snapshots[0].version)
    except ValueError:
        version = snapshots[0].version
    snapshot = get_object_or_404(ResultSnapshot, cycle=cycle, version=version)
    latest = version == snapshots[0].version
    rows: list[dict[str, Any]] = []
    items = 0
    if latest and cycle.status == Cycle.Status.LOCKED:
        rows, items = scorecard_rows(cycle.pk, cycle.scheme_id, unit.pk)
    pending = set(flow.pending_for(unit).values_list("score__node__code", flat=True))
    problem = flow.window_problem(cycle, snapshots[0])
    return render(request, "objections/scorecard.html", {
        "cycle": cycle, "unit": unit, "snapshot": snapshot, "summary": published_row(snapshot, unit.code),
        "versions": snapshots, "latest": latest, "rows": rows, "items": items, "pending": pending,
        "window_problem": problem, "can_object": latest and not problem and bool(rows),
        "objections": flow.visible_objections(user, cycle)[:20],
    })


@login_required
@require_POST
def file_objection(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    back = reverse("objections:scorecard", args=[cycle.pk])
    own = unit_code(request.user)
    if own is None:
        return _fail(request, ObjectionError(ObjectionError.FORBIDDEN, _("只有被考核单位可以提出异议。")), back)
    try:
        files = [read_evidence_upload(cycle, f) for f in request.FILES.getlist("file")]
        objection = flow.file(request.user, cycle, own, request.POST.getlist("items"),
                              request.POST.get("reason", ""), files)
    except ObjectionError as error:
        return _fail(request, error, back)
    except flow.ClaimError as error:
        return _fail(request, ObjectionError(error.kind, error.message), back)
    messages.success(request, _("异议已提出，等待评分部门答复。"))
    return redirect("objections:detail", pk=cycle.pk, objection_id=objection.pk)


@login_required
@require_GET
def objection_list(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    objections = list(flow.visible_objections(request.user, cycle).prefetch_related("items"))
    return render(request, "objections/list.html", {"cycle": cycle, "objections": objections})


@login_required
@require_GET
def detail(request: SignedInRequest, pk: int, objection_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        objection = flow.find(request.user, cycle, objection_id)
    except ObjectionError as error:
        raise Http404(error.message) from None
    department = scoring_department(request.user, cycle)
    items = list(ObjectionItem.objects.filter(objection=objection)
                 .select_related("score__node", "score__department", "answered_by"))
    for item in items:
        item.mine = (department is not None  # type: ignore[attr-defined]  # for the template
                     and item.score.department_id == department.pk and objection.state in flow.OPEN_STATES)
    return render(request, "objections/detail.html", {
        "cycle": cycle, "objection": objection, "items": items,
        "evidence": list(objection.evidence.all()), "is_office": is_office(request.user),
    })


def _back(cycle: Cycle, objection_id: int) -> str:
    return reverse("objections:detail", args=[cycle.pk, objection_id])


@login_required
@require_POST
def answer(request: SignedInRequest, pk: int, objection_id: int, code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        flow.answer(request.user, cycle, objection_id, code, request.POST.get("decision", ""),
                    request.POST.get("points", ""), request.POST.get("answer", ""))
    except ObjectionError as error:
        return _fail(request, error, _back(cycle, objection_id))
    messages.success(request, _("已答复考核内容 %(code)s。") % {"code": code})
    return redirect(_back(cycle, objection_id))


@login_required
@require_POST
def confirm(request: SignedInRequest, pk: int, objection_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        objection = flow.confirm(request.user, cycle, objection_id, request.POST.get("comment", ""))
    except ObjectionError as error:
        return _fail(request, error, _back(cycle, objection_id))
    if objection.result_version:
        messages.success(request, _("异议已办结，结果已重新发布为第%(version)d版。") % {"version": objection.result_version})
    else:
        messages.success(request, _("异议已办结，各项均维持原评分。"))
    return redirect(_back(cycle, objection_id))


@login_required
@require_POST
def send_back(request: SignedInRequest, pk: int, objection_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        flow.send_back(request.user, cycle, objection_id, request.POST.get("comment", ""))
    except ObjectionError as error:
        return _fail(request, error, _back(cycle, objection_id))
    messages.success(request, _("已退回评分部门重新答复。"))
    return redirect(_back(cycle, objection_id))

