"""The unit's published scorecard and the objection pages (rules in `kaohe.objections.flow`).

- `/cycles/<pk>/scorecard/`: a unit user's own published results (`kaohe.objections.scorecard`):
  the figures of the latest version (or `?version=N`) with the previous version's beside those that
  changed and, while the cycle is locked, every item that applied with the points, the department
  and the reason for a deduction, the unit's claim against the points awarded on each criterion,
  and the points before on the items that changed. While the window is open items can be ticked,
  each with its own reason, to object. Other roles go to the office's scorecards.
- `/cycles/<pk>/objections/`: the objections the user may see; `…/<id>/`: one objection: for each
  item the points and the reason for the deduction when it was filed, the unit's reason, its claim
  and evidence for the criterion; the departments' answer forms and the office's confirm /
  send-back.
Every refusal is shown in place, on the page it came from, with what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from kaohe.claims.rules import ClaimError, read_evidence_upload
from kaohe.core.points import format_points
from kaohe.cycles.access import scoring_department, visible_cycle_or_404
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.formats.download import attach
from kaohe.formats.pdf import PdfError
from kaohe.objections import context, flow, scorecard
from kaohe.objections.documents import unit_scorecard
from kaohe.objections.flow import ObjectionError
from kaohe.objections.models import ObjectionItem
from kaohe.results import documents
from kaohe.results.models import ResultSnapshot


def _refused(error: ClaimError) -> None:
    """403 for a refusal by role, 404 for what the user may not see; the callers show the rest in place."""
    if error.kind == ClaimError.FORBIDDEN:
        raise PermissionDenied(error.message)
    if error.kind == ClaimError.NOT_FOUND:
        raise Http404(error.message)


def _scorecard(request: SignedInRequest, cycle: Cycle, version: str | None = None, status: int = 200,
               **form: Any) -> HttpResponse:
    """The unit's scorecard of `version` (default the latest); `form` carries a refused objection
    back to the page: the items ticked (`picked`), their reasons (`reasons`), why each was refused
    (`item_errors`) and why the whole was (`file_error`)."""
    unit = get_object_or_404(CycleUnit, cycle=cycle, code=unit_code(request.user))
    snapshots = list(ResultSnapshot.objects.filter(cycle=cycle).order_by("-version").only("version", "published_at"))
    if not snapshots:
        return render(request, "objections/scorecard.html", {
            "cycle": cycle, "unit": unit, "snapshot": None, "file_error": form.get("file_error", "")}, status=status)
    try:
        wanted = int(version or snapshots[0].version)
    except ValueError:
        wanted = snapshots[0].version
    snapshot = get_object_or_404(ResultSnapshot, cycle=cycle, version=wanted)
    latest = wanted == snapshots[0].version
    summary = scorecard.published_row(snapshot, unit.code)
    previous = scorecard.previous_version(snapshot)
    before = scorecard.published_row(previous, unit.code) if previous else None
    rows: list[dict[str, Any]] = []
    items = 0
    if latest and cycle.status == Cycle.Status.LOCKED:
        changes = scorecard.item_changes(cycle, unit.code, previous, snapshot) if previous else {}
        rows, items = scorecard.unit_rows(cycle, unit, changes)
    problem = flow.window_problem(cycle, snapshots[0])
    was = scorecard.summary_changes(summary, before) if summary else {}
    for dimension in summary["dimensions"] if summary else ():
        dimension["was"] = was.get("dimensions", {}).get(dimension["code"])
    reasons, item_errors = form.get("reasons", {}), form.get("item_errors", {})
    for row in rows:
        row["typed_reason"], row["item_error"] = reasons.get(row["code"], ""), item_errors.get(row["code"], "")
    return render(request, "objections/scorecard.html", {
        "cycle": cycle, "unit": unit, "snapshot": snapshot, "summary": summary, "previous": previous,
        "was": was,
        "versions": snapshots, "latest": latest, "rows": rows, "items": items,
        "changed_items": sum(1 for row in rows if row.get("changed")),
        "pending": set(flow.pending_for(unit).values_list("score__node__code", flat=True)),
        "window_problem": problem, "can_object": latest and not problem and bool(rows),
        "objections": flow.visible_objections(request.user, cycle)[:20],
        "picked": set(), "file_error": "", **form,
    }, status=status)


@login_required
@require_GET
def scorecard_page(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    user = request.user
    if unit_code(user) is None:
        if reads_all(user):
            return redirect("results:scorecards", pk=cycle.pk)
        raise Http404(_("成绩单只对被考核单位开放。"))
    return _scorecard(request, cycle, request.GET.get("version"))


@login_required
@require_GET
def scorecard_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    """The unit's own published scorecard as a PDF, to keep in its records."""
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        context, snapshot = unit_scorecard(request.user, cycle, request.GET.get("version"))
    except ObjectionError as error:
        _refused(error)
        raise Http404(error.message) from None
    try:
        content = documents.scorecard_pdf(context)
    except PdfError as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return attach(response, documents.download_name(cycle, f"{context['unit']}考核得分表", "pdf", snapshot))


@login_required
@require_POST
def file_objection(request: SignedInRequest, pk: int) -> HttpResponse:
    """The scorecard's form: the ticked `items`, each with its own `reason:<code>`, and optional files.
    A refusal comes back on the scorecard with everything typed and each item's reason beside it."""
    cycle = visible_cycle_or_404(request.user, pk)
    own = unit_code(request.user)
    if own is None:
        raise PermissionDenied(_("只有被考核单位可以提出异议。"))
    codes = request.POST.getlist("items")
    reasons = {code: request.POST.get(f"reason:{code}", "") for code in codes}
    try:
        files = [read_evidence_upload(cycle, f) for f in request.FILES.getlist("file")]
        objection = flow.file(request.user, cycle, own, list(reasons.items()),
                              request.POST.get("reason", ""), files)
    except ClaimError as error:
        _refused(error)
        items = error.items if isinstance(error, ObjectionError) else {}
        message = error.message
        if request.FILES:  # a browser does not send chosen files again
            message += _("（请重新选择佐证材料。）")
        return _scorecard(request, cycle, None, error.status, picked=set(codes), reasons=reasons,
                          item_errors=items, file_error=message)
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
    return _detail(request, cycle, objection_id)


@dataclass
class ItemRow:
    """An objection's item as its page shows it."""

    item: ObjectionItem
    unit_side: context.UnitSide  # the unit's claim and evidence for the item's criterion
    mine: bool  # the user's department answers it, now
    typed: dict[str, str]  # a refused answer as typed
    answer_error: dict[str, str] | None  # its field and message
    old_text: str
    new_text: str
    maximum_text: str


def _detail(request: SignedInRequest, cycle: Cycle, objection_id: int, status: int = 200, **form: Any) -> HttpResponse:
    """One objection: for each item the points and the reason for the deduction when it was filed,
    the unit's reason, its claim for the criterion and its evidence for it (the files the user may
    open), the answer, and the answer form for the department that scored it. `form` carries a
    refused answer (`typed`, `answer_errors`: by item code) or office action (`office_error`)
    back to the page."""
    try:
        objection = flow.find(request.user, cycle, objection_id)
    except ObjectionError as error:
        raise Http404(error.message) from None
    department = scoring_department(request.user, cycle)
    items = list(ObjectionItem.objects.filter(objection=objection)
                 .select_related("score__node", "score__department", "answered_by"))
    sides = context.unit_side(request.user, cycle, objection, items)
    typed, errors = form.get("typed", {}), form.get("answer_errors", {})
    rows = [ItemRow(item=item, unit_side=sides[item.pk],
                    mine=(department is not None and item.score.department_id == department.pk
                          and objection.state in flow.OPEN_STATES),
                    typed=typed.get(item.score.node.code, {}), answer_error=errors.get(item.score.node.code),
                    old_text=points_text(item.old_points), new_text=points_text(item.new_points),
                    maximum_text=points_text(item.score.node.points)) for item in items]
    return render(request, "objections/detail.html", {
        "cycle": cycle, "objection": objection, "items": rows,
        "evidence": context.objection_evidence(request.user, cycle, objection),
        "is_office": is_office(request.user),
        "office_error": form.get("office_error", ""),
    }, status=status)


@login_required
@require_POST
def answer(request: SignedInRequest, pk: int, objection_id: int, code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    typed = {"decision": request.POST.get("decision", ""), "points": request.POST.get("points", ""),
             "answer": request.POST.get("answer", "")}
    try:
        flow.answer(request.user, cycle, objection_id, code, typed["decision"], typed["points"], typed["answer"])
    except ObjectionError as error:
        _refused(error)
        return _detail(request, cycle, objection_id, error.status, typed={code: typed},
                       answer_errors={code: {"field": error.field, "message": error.message}})
    messages.success(request, _("已答复考核内容 %(code)s。") % {"code": code})
    return redirect(_back(cycle, objection_id))


def points_text(points: Any) -> str:
    return "—" if points is None else format_points(points)


def _back(cycle: Cycle, objection_id: int) -> str:
    return reverse("objections:detail", args=[cycle.pk, objection_id])


@login_required
@require_POST
def confirm(request: SignedInRequest, pk: int, objection_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        objection = flow.confirm(request.user, cycle, objection_id, request.POST.get("comment", ""))
    except ObjectionError as error:
        _refused(error)
        return _detail(request, cycle, objection_id, error.status, office_error=error.message)
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
        _refused(error)
        return _detail(request, cycle, objection_id, error.status, office_error=error.message)
    messages.success(request, _("已退回评分部门重新答复。"))
    return redirect(_back(cycle, objection_id))
