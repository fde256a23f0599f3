"""Cycle pages: list, the cycle page (the office's cockpit), create, review, and the items the
scheme leaves without a department.

Reading: `visible_cycles` decides who sees a cycle (others get 404). Every change is office only
(others get 403), is a POST, and calls `kaohe.cycles.lifecycle` or `kaohe.cycles.review`; their
errors become messages on the page the user comes back to.

Queries: the list counts every visible cycle's tasks in the same query that lists them; the detail
and review pages get every department's tasks, scores and submission in one GROUP BY query.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.accounts.decorators import SignedInRequest, office_only
from kaohe.accounts.permissions import department_code, is_office, reads_all
from kaohe.audit import vocabulary, words
from kaohe.audit.models import Event
from kaohe.core.points import format_points
from kaohe.cycles import cockpit, lifecycle, review, stages, unscored
from kaohe.cycles.access import visible_cycle_or_404, visible_cycles
from kaohe.cycles.forms import CycleForm
from kaohe.cycles.models import SCORING, Cycle, CycleDepartment, Score, Submission
from kaohe.cycles.progress import department_progress, percent
from kaohe.orgs.models import Department, Unit
from kaohe.schemes.models import SchemeRecord

STARTED = (Cycle.Status.OPEN, Cycle.Status.REVIEW, Cycle.Status.LOCKED)
UNITS_SHOWN = 100  # the cycle page names this many of its units; the self-assessment overview has all


def history(cycle: Cycle, names: dict[str, str]) -> list[dict]:
    """The cycle's state changes and its departments' submission steps, oldest first: one query."""
    events = (Event.objects.filter(cycle=cycle)
              .filter(Q(action__startswith="cycle.") | Q(action__startswith="submission."))
              .select_related("actor").order_by("id"))
    rows = []
    for event in events:
        what = vocabulary.action_label(event.action)
        if event.object_type == "submission":
            code = event.object_key.rpartition("department:")[2]
            what = _("%(department)s：%(message)s") % {"department": names.get(code, code), "message": what}
        else:
            what = str(what)
        rows.append({"at": event.at, "who": words.actor(event), "what": what, "reason": event.reason})
    return rows


def _score_count(**filters) -> Coalesce:
    counted = (Score.objects.filter(cycle=OuterRef("pk"), **filters).order_by().values("cycle")
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@login_required
def cycle_list(request: SignedInRequest) -> HttpResponse:
    # One query: the visible cycles with their scheme and, as correlated subqueries, their task and
    # scored counts (subqueries, not joins: the visibility filter's own joins cannot inflate them).
    cycles = (visible_cycles(request.user).defer("scheme__document")
              .annotate(tasks=_score_count(), scored=_score_count(points__isnull=False)))
    rows = [{"cycle": c, "percent": percent(c.scored, c.tasks)} for c in cycles]
    return render(request, "cycles/list.html", {"rows": rows, "can_create": is_office(request.user)})


@login_required
def cycle_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """The office's cockpit, read-only for leaders (kaohe.cycles.cockpit: where the cycle stands,
    its next step and what blocks it); departments and units see their own part and links."""
    cycle = visible_cycle_or_404(request.user, pk)
    user = request.user
    office = is_office(user)
    sees_all = reads_all(user)
    started = cycle.status in STARTED
    board = cockpit.overview(cycle) if sees_all else None
    sections = {section.key: section for section in board.sections} if board else {}
    if "departments" in sections:
        progress = sections["departments"].context["rows"]
    else:
        progress = department_progress(cycle) if started and not sees_all else []
    own = department_code(user)
    for row in progress:
        row.show_comment = sees_all or row.code == own
    if started:
        unit_count = cycle.units.count()
        units = list(cycle.units.order_by("position", "code").values("name", "category")[:UNITS_SHOWN])
    else:
        unit_count = len(cycle.unit_codes)
        units = list(Unit.objects.filter(code__in=cycle.unit_codes).values("name", "category")[:UNITS_SHOWN])
    totals = {"tasks": sum(r.tasks for r in progress), "scored": sum(r.scored for r in progress)}
    totals["percent"] = percent(totals["scored"], totals["tasks"])
    scoring = own is not None and cycle.status in SCORING and any(r.code == own for r in progress)
    return render(request, "cycles/detail.html", {
        "cycle": cycle, "step": format_points(cycle.step), "office": office, "links": sees_all,
        "started": started, "progress": progress, "totals": totals, "units": units, "unit_count": unit_count,
        "cockpit": board,
        "scoring_url": reverse("cycles:scoring", args=[cycle.pk]) if scoring else "",
        "history": history(cycle, {r.code: r.name for r in progress}),
    })


@office_only
def cycle_create(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        form = CycleForm(request.POST)
        if form.is_valid():
            cycle = form.save(created_by=request.user)
            if cycle is not None:
                messages.success(request, _("已创建考核周期“%(name)s”（草稿）。") % {"name": cycle.name})
                return redirect("cycles:detail", pk=cycle.pk)
    else:
        initial = {}
        chosen = request.GET.get("scheme", "")
        if chosen.isdigit():
            scheme = SchemeRecord.objects.published().defer("document").filter(pk=chosen).first()
            if scheme is not None:
                initial["scheme"] = scheme
        form = CycleForm(initial=initial)
    return render(request, "cycles/form.html", {"form": form})


def _transition(request: SignedInRequest, pk: int, run: Callable[[Cycle], str]) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        messages.success(request, run(cycle))
    except lifecycle.CycleError as error:
        messages.error(request, str(error))
    return redirect("cycles:detail", pk=cycle.pk)


@office_only
@require_POST
def cycle_open(request: SignedInRequest, pk: int) -> HttpResponse:
    def run(cycle: Cycle) -> str:
        tasks = lifecycle.open_cycle(cycle)
        departments = CycleDepartment.objects.filter(cycle=cycle).count()
        return _("已开始评分：生成评分任务%(tasks)d项，涉及%(departments)d个考核部门。") % {
            "tasks": tasks, "departments": departments}

    return _transition(request, pk, run)


@office_only
@require_POST
def cycle_start_review(request: SignedInRequest, pk: int) -> HttpResponse:
    def run(cycle: Cycle) -> str:
        lifecycle.start_review(cycle)
        return _("考核周期已进入审核。")

    return _transition(request, pk, run)


@office_only
@require_POST
def cycle_lock(request: SignedInRequest, pk: int) -> HttpResponse:
    def run(cycle: Cycle) -> str:
        lifecycle.lock_cycle(cycle)
        return _("考核周期已锁定。")

    return _transition(request, pk, run)


@office_only
@require_POST
def cycle_reopen(request: SignedInRequest, pk: int) -> HttpResponse:
    def run(cycle: Cycle) -> str:
        lifecycle.reopen_cycle(cycle, request.POST.get("reason", ""))
        return _("考核周期已重新打开，回到审核中。")

    return _transition(request, pk, run)


@office_only
def cycle_review(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    progress = department_progress(cycle)
    return render(request, "cycles/review.html", {
        "cycle": cycle, "progress": progress, "S": Submission.State, "next": cockpit.next_step(cycle),
        "approved": sum(1 for row in progress if row.state == Submission.State.APPROVED),
    })


def _review_step(request: SignedInRequest, pk: int, code: str, run: Callable[[Submission], str]) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    submission = get_object_or_404(Submission.objects.select_related("department"), cycle=cycle,
                                   department__code=code)
    try:
        messages.success(request, run(submission))
    except review.ReviewError as error:
        messages.error(request, _("%(department)s：%(message)s") % {
            "department": submission.department.name, "message": error.message})
    return redirect("cycles:review", pk=cycle.pk)


@office_only
@require_POST
def review_lock(request: SignedInRequest, pk: int, code: str) -> HttpResponse:
    def run(submission: Submission) -> str:
        review.lock(request.user, submission)
        return _("已锁定%(department)s的评分。") % {"department": submission.department.name}

    return _review_step(request, pk, code, run)


@office_only
@require_POST
def review_lock_approved(request: SignedInRequest, pk: int) -> HttpResponse:
    """Every approved department locked at once, after one confirmation (kaohe.cycles.review.lock_approved)."""
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        locked = review.lock_approved(request.user, cycle)
    except review.ReviewError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, ngettext("已锁定%(count)d个考核部门的评分：%(departments)s。",
                                           "已锁定%(count)d个考核部门的评分：%(departments)s。", len(locked)) % {
            "count": len(locked), "departments": "、".join(s.department.name for s in locked)})
    return redirect(_back(request, cycle))


def _back(request: HttpRequest, cycle: Cycle) -> str:
    """Back to the page the action was taken on: the review page or the cycle page."""
    if request.POST.get("back") == "review":
        return reverse("cycles:review", args=[cycle.pk])
    return reverse("cycles:detail", args=[cycle.pk])


@office_only
@require_POST
def review_return(request: SignedInRequest, pk: int, code: str) -> HttpResponse:
    def run(submission: Submission) -> str:
        review.return_to_department(request.user, submission, request.POST.get("comment", ""))
        return _("已将%(department)s的评分退回。") % {"department": submission.department.name}

    return _review_step(request, pk, code, run)


@office_only
@require_POST
def review_reopen(request: SignedInRequest, pk: int, code: str) -> HttpResponse:
    def run(submission: Submission) -> str:
        review.reopen(request.user, submission, request.POST.get("reason", ""))
        return _("已重新打开%(department)s的评分。") % {"department": submission.department.name}

    return _review_step(request, pk, code, run)


@office_only
@require_http_methods(["GET", "POST"])
def unscored_items(request: SignedInRequest, pk: int) -> HttpResponse:
    """The items the scheme names no department for, and (while the cycle is a draft) the office's
    choice of a department for each, for this cycle (kaohe.cycles.unscored)."""
    cycle = visible_cycle_or_404(request.user, pk)
    items = unscored.candidates(cycle)
    departments = list(Department.objects.filter(active=True).values_list("code", "name"))
    draft = cycle.status == Cycle.Status.DRAFT
    if request.method == "POST":
        chosen = {item.code: request.POST.get(f"item-{item.code}", "") for item in items}
        try:
            lifecycle.assign_departments(cycle, chosen)
        except lifecycle.CycleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已保存为考核内容指定的考核部门。"))
            return redirect("cycles:detail", pk=cycle.pk)
        cycle.refresh_from_db()
    assigned = cycle.item_departments or {}
    found = unscored.unscored(cycle)
    return render(request, "cycles/unscored.html", {
        "cycle": cycle, "draft": draft, "departments": departments, "found": found,
        "maxima": stages.maxima_rows(found),
        "rows": [{"item": item, "field": f"item-{item.code}", "department": assigned.get(item.code, ""),
                  "points": format_points(item.points or 0)} for item in items],
    })


urlpatterns = [
    path("", cycle_list, name="list"),
    path("new/", cycle_create, name="create"),
    path("<int:pk>/", cycle_detail, name="detail"),
    path("<int:pk>/open/", cycle_open, name="open"),
    path("<int:pk>/start-review/", cycle_start_review, name="start_review"),
    path("<int:pk>/lock/", cycle_lock, name="lock"),
    path("<int:pk>/reopen/", cycle_reopen, name="reopen"),
    path("<int:pk>/review/", cycle_review, name="review"),
    path("<int:pk>/unscored/", unscored_items, name="unscored"),
    path("<int:pk>/review/lock-approved/", review_lock_approved, name="review_lock_approved"),
    path("<int:pk>/review/<slug:code>/lock/", review_lock, name="review_lock"),
    path("<int:pk>/review/<slug:code>/return/", review_return, name="review_return"),
    path("<int:pk>/review/<slug:code>/reopen/", review_reopen, name="review_reopen"),
]
