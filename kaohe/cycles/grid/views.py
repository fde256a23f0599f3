"""The department scoring grid's pages (see docs/decisions/2026-11-25-web-application.md and
docs/decisions/2026-11-25-grid-pages-and-api-load.md).

One page per (cycle, department): the department's items as rows, grouped under their
dimension / indicator / criterion headings, and the cycle's units that have tasks for the
department as columns, a page of units at a time (`View`: ?page, ?per_page up to MAX_PAGE_SIZE,
?q to filter by name or code, ?todo=1 for units with tasks left, ?unit=<code> for the page that
holds a unit). Progress counts the whole department: all tasks, each criterion over all units,
and each unit shown. Each cell is a tiny form saved on its own by `grid.js` through htmx; the
rules are `kaohe.cycles.scoring.save_score` and `kaohe.cycles.review`, never decided here.

URLs (all need a log-in; the services check roles and states again):
- GET  <pk>/scoring/[?department=<code>]        `cycles:scoring`    scorer/head: their department,
  editable while its submission is a draft and the cycle is open or under review; office and
  leaders: any department read-only (a chooser without `?department`); others 403.
- POST <pk>/scores/<unit>/<item>/               `cycles:save_score` scorer/head: one cell. Answers
  with the cell fragment (200 saved, 422 invalid, 409 conflict or closed) plus out-of-band progress
  counters, or with a plain-text message (400 bad request, 401 logged out, 403, 404).
- POST <pk>/submission/submit/                  `cycles:submit`     scorer/head
- POST <pk>/submission/approve/                 `cycles:approve`    head
- POST <pk>/submission/send-back/               `cycles:send_back`  head, with a `comment`

The page costs the same number of queries for any number of units and items (`build_grid`): the
department's units (a list, without counting), each item's progress (one GROUP BY), the scheme's
nodes, and the page's cells (one query of plain columns, no model objects); rows and cells are
built in Python and the cells written as f-strings (kaohe.cycles.grid.html).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kaohe.accounts.decorators import SignedInRequest
from kaohe.accounts.models import DEPARTMENT_ROLES, Role
from kaohe.accounts.permissions import reads_all
from kaohe.core.points import PointsError, parse_typed
from kaohe.cycles import review
from kaohe.cycles.access import scoring_department, visible_cycle_or_404
from kaohe.cycles.grid.data import (
    DEFAULT_PAGE_SIZE,
    FILTER_FROM,
    PAGE_SIZES,
    Cell,
    Progress,
    View,
    build_grid,
    can_edit,
    cell_urls,
)
from kaohe.cycles.models import SCORING, Cycle, CycleDepartment, Score, Submission
from kaohe.cycles.proposals import proposals
from kaohe.cycles.scoring import Entry, ScoreError, save_score
from kaohe.schemes.models import Node


def _cell(cycle: Cycle, score: Score, editable: bool, **kwargs) -> Cell:
    """The cell of one task after a save, with its proposal (one query)."""
    proposal = proposals(cycle, score.department_id, [score.unit_id], [score.node_id]).get((score.node_id, score.unit_id))
    return Cell.of(score, cell_urls(cycle)(score.unit.code, score.node.code), editable, proposal=proposal, **kwargs)


# ---------------------------------------------------------------------------------------------
# Who sees which grid

def _department(request: SignedInRequest, cycle: Cycle) -> tuple[CycleDepartment | None, bool]:
    """The department whose grid to show and whether the user scores for it.

    Scorers and heads get their own department (asking for another one is refused); the office
    and leaders choose one with `?department=<code>` (None: show the chooser); others get 403.
    """
    user = request.user
    wanted = request.GET.get("department", "").strip()
    own = scoring_department(user, cycle)
    if own is not None:
        if wanted and wanted != own.code:
            raise PermissionDenied(_("您只能查看本部门的评分。"))
        return own, True
    if reads_all(user):  # any department's grid, never to edit it
        if not wanted:
            return None, False
        return get_object_or_404(CycleDepartment, cycle=cycle, code=wanted), False
    raise PermissionDenied(_("您无权查看考核部门的评分表。"))



def _linker(department: CycleDepartment, scorer: bool, view: View) -> Callable[[int], str]:
    """The query string of another page of the same view (department, filter and page size kept)."""
    fixed: dict[str, str | int] = {} if scorer else {"department": department.code}
    fixed |= {k: v for k, v in (("q", view.q), ("todo", "1" if view.todo else "")) if v}
    if view.per_page != DEFAULT_PAGE_SIZE:
        fixed["per_page"] = view.per_page
    return lambda number: "?" + urlencode({**fixed, "page": number})


# ---------------------------------------------------------------------------------------------
# The page

@require_GET
def scoring(request: SignedInRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    cycle = visible_cycle_or_404(request.user, pk)
    department, scorer = _department(request, cycle)
    if department is None:  # the office or a leader, before choosing a department
        submissions = (Submission.objects.filter(cycle=cycle).select_related("department")
                       .annotate(total=Count("department__scores"),
                                 done=Count("department__scores", filter=Q(department__scores__points__isnull=False))))
        return render(request, "cycles/grid_choose.html", {"cycle": cycle, "submissions": submissions})
    submission = Submission.objects.get(department=department)
    editable = scorer and can_edit(cycle, submission)
    view = View.from_query(request.GET)
    grid = build_grid(cycle, department, editable, view, _linker(department, scorer, view))
    user = request.user
    in_review = cycle.status in SCORING
    context = {
        "cycle": cycle, "department": department, "submission": submission, "editable": editable,
        "columns": grid.columns, "rows": grid.rows, "progress": grid.progress, "pages": grid.pages,
        "summaries": grid.summaries,
        "view": view, "page_sizes": PAGE_SIZES, "default_per_page": DEFAULT_PAGE_SIZE,
        "show_filter": grid.pages.all_units > FILTER_FROM or view.filtered,
        "unfiltered": _linker(department, scorer, View(per_page=view.per_page))(1),
        "width": len(grid.columns) + 1,
        "can_submit": editable,
        "can_review": (scorer and user.role == Role.HEAD and in_review
                       and submission.state == Submission.State.SUBMITTED),
        "departments": (CycleDepartment.objects.filter(cycle=cycle) if reads_all(user) else ()),
    }
    return render(request, "cycles/grid.html", context)


# ---------------------------------------------------------------------------------------------
# Saving one cell

def _text(status: int, message: str) -> HttpResponse:
    """Errors without a cell to show (grid.js puts the text in the cell, keeping what was typed)."""
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _same(score: Score, entry: Entry) -> bool:
    """The saved values already are what the user asked for (e.g. the same save sent twice)."""
    try:
        points = parse_typed(entry.points)
    except PointsError:
        return False
    return points == score.points and entry.reason.strip() == score.reason


def cell_fragment(request: SignedInRequest, cycle: Cycle, score: Score, editable: bool, status: int = 200,
                  **kwargs) -> HttpResponse:
    """The score's cell, and the unit's, criterion's and department's progress out of band (the
    answer to a save here, and to accepting a cell's proposal in kaohe.ledger).

    One pass over the department's tasks, without joining the nodes (the criterion's items are
    looked up first): with the join, SQLite took seconds at 2,000 units."""
    group = list(Node.objects.filter(parent_id=score.node.parent_id).values_list("pk", flat=True))
    counts = Score.objects.filter(cycle=cycle, department_id=score.department_id).aggregate(
        total=Count("pk"), done=Count("points"),
        unit_total=Count("pk", filter=Q(unit_id=score.unit_id)),
        unit_done=Count("points", filter=Q(unit_id=score.unit_id)),
        group_total=Count("pk", filter=Q(node_id__in=group)),
        group_done=Count("points", filter=Q(node_id__in=group)))
    progress = [
        Progress(f"prog-u-{score.unit.code}", counts["unit_done"], counts["unit_total"]),
        Progress(f"prog-g-{score.node.parent_id}", counts["group_done"], counts["group_total"]),
        Progress("prog-all", counts["done"], counts["total"]),
    ]
    context = {"cell": _cell(cycle, score, editable, **kwargs), "progress": progress}
    return render(request, "cycles/grid_save.html", context, status=status)


@require_POST
def save(request: SignedInRequest, pk: int, unit_code: str, item_code: str) -> HttpResponse:
    if not request.user.is_authenticated:
        if request.htmx:  # keep the page and what was typed; the user logs in again elsewhere
            return _text(401, _("登录已失效，请在新窗口重新登录后再保存。"))
        return redirect_to_login(request.get_full_path())
    cycle = visible_cycle_or_404(request.user, pk)
    if scoring_department(request.user, cycle) is None:
        return _text(403, _("只有考核部门的评分人和负责人可以评分。"))
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return _text(400, _("缺少评分的版本号，请刷新页面后再试。"))
    entry = Entry(request.POST.get("points", ""), request.POST.get("reason", ""), version)
    try:
        score = save_score(request.user, cycle, unit_code, item_code, entry, source="grid")
    except ScoreError as error:
        if error.kind in (ScoreError.FORBIDDEN, ScoreError.NOT_FOUND):
            return _text(error.status, error.message)  # no cell of another department is shown
        typed = {"points": entry.points.strip(), "reason": entry.reason.strip()}
        if error.kind == ScoreError.CONFLICT:
            current = error.current
            if _same(current, entry):
                return cell_fragment(request, cycle, current, True, saved=True)
            return cell_fragment(request, cycle, current, True, error.status, conflict=True, **typed)
        score = Score.objects.select_related("node", "unit", "updated_by").get(
            cycle=cycle, unit__code=unit_code, node__code=item_code)
        if error.kind == ScoreError.CLOSED:
            return cell_fragment(request, cycle, score, False, error.status, closed=error.message, **typed)
        return cell_fragment(request, cycle, score, True, error.status, error=error.message, error_field=error.field,
                         **typed)
    return cell_fragment(request, cycle, score, True, saved=True)


# ---------------------------------------------------------------------------------------------
# Submit, approve, send back

def _step(roles: Collection[str], act: Callable[[SignedInRequest, Submission], object],
          done: object) -> Callable[..., HttpResponse]:
    """A POST that moves the user's department's submission one step, then back to the grid."""

    @require_POST
    def view(request: SignedInRequest, pk: int) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("cycles:scoring", args=[pk]))
        cycle = visible_cycle_or_404(request.user, pk)
        department = scoring_department(request.user, cycle)
        if department is None or request.user.role not in roles:
            raise PermissionDenied(_("您无权对该考核部门的评分执行此操作。"))
        try:
            act(request, Submission.objects.get(department=department))
        except review.ReviewError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, str(done))
        return redirect("cycles:scoring", pk=cycle.pk)

    return view


submit = _step(DEPARTMENT_ROLES, lambda r, s: review.submit(r.user, s),
               gettext_lazy("已提交部门负责人审核。"))
approve = _step((Role.HEAD,), lambda r, s: review.approve(r.user, s), gettext_lazy("已审核通过，报送考核办。"))
send_back = _step((Role.HEAD,), lambda r, s: review.send_back(r.user, s, r.POST.get("comment", "")),
                  gettext_lazy("已退回评分人修改。"))


urlpatterns = [
    path("<int:pk>/scoring/", scoring, name="scoring"),
    path("<int:pk>/scores/<str:unit_code>/<str:item_code>/", save, name="save_score"),
    path("<int:pk>/submission/submit/", submit, name="submit"),
    path("<int:pk>/submission/approve/", approve, name="approve"),
    path("<int:pk>/submission/send-back/", send_back, name="send_back"),
]

