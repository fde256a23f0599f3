"""From ledger to score, in pages (rules: kaohe.ledger.proposals):

- GET  <pk>/ledger/proposals/[?unit=&changed=1]   a department's tasks with counted entries: the
       proposal against the score, accept per task, per unit or all (the office and leaders: read
       only, `?department=`)
- GET  <pk>/ledger/tasks/<task>/                  one task: its entries, proposal, score, and the
       forms to accept or to decide otherwise with a reason
- POST <pk>/ledger/accept/                        `task` (with `version`), `unit`, or `all`; from the
       grid (htmx) the answer is the grid's new cell, else back to the page
- POST <pk>/ledger/tasks/<task>/override/         `points`, `reason`, `version`
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.accounts.decorators import SignedInRequest
from kaohe.accounts.permissions import reads_all
from kaohe.core.points import format_points
from kaohe.cycles.access import visible_cycle_or_404
from kaohe.cycles.grid.views import cell_fragment
from kaohe.cycles.models import Cycle, CycleDepartment, Score
from kaohe.cycles.scoring import ScoreError
from kaohe.cycles.sheets import edit_refusal
from kaohe.ledger import proposals, rules
from kaohe.ledger.models import Basis, Entry
from kaohe.ledger.rules import LedgerError
from kaohe.ledger.views import fail

PER_PAGE = 100


def _department(request: SignedInRequest, cycle: Cycle) -> tuple[CycleDepartment, bool]:
    """The department whose proposals to show, and whether the user decides for it: scorers and
    heads their own; the office and leaders any, read-only (`?department=`, else the first)."""
    own = rules.can_record(request.user, cycle)
    if own is not None:
        return own, True
    if reads_all(request.user):
        wanted = request.GET.get("department", "").strip()
        departments = CycleDepartment.objects.filter(cycle=cycle)
        found = departments.filter(code=wanted).first() if wanted else departments.first()
        if found is None:
            raise PermissionDenied(_("这个考核周期没有考核部门。"))
        return found, False
    raise PermissionDenied(_("只有考核部门、考核办和领导可以查看台账建议。"))


def _row(score: Score, proposal: Any) -> dict[str, Any]:
    same = score.points == proposal.points and score.reason == proposal.reason
    return {"score": score, "proposal": proposal, "same": same,
            "state": "changed" if proposal.changed else "same" if same else "unscored" if score.points is None
            else "differs"}


@login_required
@require_GET
def proposal_list(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    department, decides = _department(request, cycle)
    unit = request.GET.get("unit", "").strip()[:40]
    changed_only = request.GET.get("changed") == "1"
    found = proposals.cells(cycle, department.pk)
    tasks = Score.objects.filter(cycle=cycle, department=department, ledger_entries__counted_changed_at__isnull=False)
    if unit:
        tasks = tasks.filter(unit__code=unit)
    rows = [_row(score, found[(score.node_id, score.unit_id)]) for score in
            tasks.distinct().select_related("unit", "node").order_by("unit__position", "node__position")
            if (score.node_id, score.unit_id) in found]
    if changed_only:
        rows = [row for row in rows if row["state"] == "changed"]
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    refusal = edit_refusal(cycle, department) if decides else ""
    return render(request, "ledger/proposals.html", {
        "cycle": cycle, "department": department, "decides": decides and not refusal, "refusal": refusal,
        "page": page, "unit": unit, "changed_only": changed_only,
        "waiting": sum(1 for row in rows if row["state"] != "same"),
        "departments": CycleDepartment.objects.filter(cycle=cycle) if not decides else (),
    })


def _task(request: SignedInRequest, cycle: Cycle, task_id: int) -> tuple[Score, bool]:
    """The task, if the user's department scores it (deciding) or the user reads every department."""
    score = get_object_or_404(Score.objects.select_related("unit", "node", "department", "updated_by"),
                              pk=task_id, cycle=cycle)
    own = rules.can_record(request.user, cycle)
    if own is not None and own.pk == score.department_id:
        return score, True
    if reads_all(request.user):
        return score, False
    raise PermissionDenied(_("这一项不由您所在的考核部门评分。"))


@login_required
@require_GET
def task(request: SignedInRequest, pk: int, task_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    score, decides = _task(request, cycle, task_id)
    proposal = proposals.cells(cycle, score.department_id, [score.unit_id], [score.node_id]).get(
        (score.node_id, score.unit_id))
    basis = Basis.objects.filter(score=score).select_related("decided_by").first()
    refusal = edit_refusal(cycle, score.department) if decides else ""
    return render(request, "ledger/task.html", {
        "cycle": cycle, "score": score, "proposal": proposal, "basis": basis,
        "basis_entries": list(basis.entries.order_by("date", "pk")) if basis else [],
        "entries": list(Entry.objects.filter(task=score).order_by("date", "pk")),
        "decides": decides and not refusal, "refusal": refusal,
        "can_record": decides and cycle.status == Cycle.Status.OPEN,
        "maximum": format_points(score.node.points or Decimal(0)),
    })


@login_required
@require_POST
def accept(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    back = request.POST.get("next", "")
    if not back.startswith(f"/cycles/{cycle.pk}/"):
        back = reverse("ledger:proposals", args=[cycle.pk])
    task_id = _integer(request.POST.get("task") or request.GET.get("task"))
    version = _integer(request.POST.get("version"))
    unit = request.POST.get("unit", "").strip() or None
    try:
        proposals.department_of(request.user, cycle)  # who may, before what was asked
        if task_id is None and unit is None and request.POST.get("all") != "1":
            raise LedgerError(LedgerError.INVALID, _("请选择要采纳的评分任务、单位或全部。"))
        decided = proposals.accept(request.user, cycle, task_id=task_id, unit_code=unit, version=version)
    except (LedgerError, ScoreError) as error:
        if request.htmx and task_id is not None and error.kind not in (LedgerError.FORBIDDEN, LedgerError.NOT_FOUND):
            return _cell(request, cycle, task_id, error)
        if isinstance(error, ScoreError):
            error = LedgerError(error.kind, error.message)
        return fail(request, error, back)
    if request.htmx and task_id is not None:
        score = Score.objects.select_related("node", "unit", "updated_by").get(pk=task_id)
        return cell_fragment(request, cycle, score, True, saved=True)
    messages.success(request, _("已采纳%(tasks)d项台账建议（%(changed)d项评分有改动）。") % {
        "tasks": decided.tasks, "changed": decided.changed})
    return redirect(back)


def _cell(request: SignedInRequest, cycle: Cycle, task_id: int, error: LedgerError | ScoreError) -> HttpResponse:
    """The grid's cell with the refusal in it (409: closed or a newer version; 422 otherwise)."""
    score = Score.objects.select_related("node", "unit", "updated_by").get(pk=task_id, cycle=cycle)
    if error.kind == LedgerError.CLOSED:
        return cell_fragment(request, cycle, score, False, error.status, closed=error.message)
    return cell_fragment(request, cycle, score, True, error.status, error=error.message)


def _integer(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@login_required
@require_POST
def override(request: SignedInRequest, pk: int, task_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    back = reverse("ledger:task", args=[cycle.pk, task_id])
    version = _integer(request.POST.get("version"))
    try:
        proposals.override(request.user, cycle, task_id, request.POST.get("points", ""), request.POST.get("reason", ""),
                           -1 if version is None else version)
    except (LedgerError, ScoreError) as error:
        if isinstance(error, ScoreError):
            error = LedgerError(error.kind, error.message, error.field)
        return fail(request, error, back)
    messages.success(request, _("已按本部门的意见评分，理由已记录。"))
    return redirect(back)
