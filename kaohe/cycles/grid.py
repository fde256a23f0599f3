"""The department scoring grid (see docs/decisions/2026-11-25-web-application.md).

One page per (cycle, department): the department's items as rows, grouped under their
dimension / indicator / criterion headings, and the cycle's units that have tasks for the
department as columns. Each cell is a tiny form saved on its own by `grid.js` through htmx; the
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

The page costs the same number of queries for any department: one query for the Score rows
(joined to node, unit and who saved them) and one for the scheme's heading nodes; the matrix is
built in Python.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.accounts.models import Role
from kaohe.accounts.permissions import scoring_department, visible_cycles
from kaohe.core.points import format_points
from kaohe.cycles import review
from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit, Score, Submission
from kaohe.cycles.scoring import EDITABLE_CYCLE, Entry, ScoreError, save_score
from kaohe.schemes.models import Node

READERS = (Role.OFFICE, Role.LEADER)  # may look at any department's grid, never edit it
GRID_FIELDS = (  # what the grid shows; leaving out the nodes' JSON columns saves decoding them per cell
    "points", "reason", "version", "updated_at", "cycle_id", "department_id",
    "node__code", "node__title", "node__points", "node__position", "node__parent_id", "node__level",
    "unit__code", "unit__name", "unit__position",
    "updated_by__username", "updated_by__first_name", "updated_by__last_name",
)


# ---------------------------------------------------------------------------------------------
# What the templates get

@dataclass
class Progress:
    """Scored tasks out of all tasks, for one unit, one criterion or the whole department."""

    key: str  # the element id, so a save can replace it out of band
    done: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


@dataclass
class Cell:
    """One score as shown in the grid: the saved values, and what the user typed if they differ."""

    score: Score
    url: str
    editable: bool
    points: str = ""  # shown in the input: the saved points, or what was typed
    reason: str = ""
    error: str = ""
    error_field: str = ""
    conflict: bool = False  # `score` is the newer saved version; points/reason are the user's
    closed: str = ""  # why the cell can no longer be edited (after a refused save)
    saved: bool = False  # just saved: show the mark

    @property
    def saved_points(self) -> str:
        return "" if self.score.points is None else format_points(self.score.points)

    @property
    def maximum(self) -> str:
        return format_points(self.score.node.points or Decimal(0))

    @property
    def shows_reason(self) -> bool:
        """The reason box is open when there is a reason, when one is missing, or below full marks."""
        if self.reason or self.error_field == "reason":
            return True
        try:
            return Decimal(self.points) < (self.score.node.points or Decimal(0))
        except (InvalidOperation, ValueError):
            return False

    @property
    def html(self) -> SafeString:
        return render_cell(self)


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


@lru_cache(maxsize=8)
def _words(language: str) -> dict[str, str]:
    """The cell's fixed words, translated once per language rather than once per cell."""
    return {"max": _("满分"), "reason": _("扣分理由"), "unscored": _("未评"), "unsaved": _("未保存："),
            "empty": _("（空）"), "changed": _("该评分已被他人修改。"), "yours": _("您输入："),
            "saved": _("已保存："), "mine": _("用我的覆盖"), "theirs": _("采用已保存的")}


def render_cell(cell: Cell) -> SafeString:
    """The HTML of one cell, for the page and for the answer to a save.

    Written as f-strings rather than a template or format_html: the grid has a thousand cells, and
    this is some twenty times faster. The rule that keeps it safe: every value goes through `e()`
    (the standard library's html.escape, which Django's escape also uses), quotes included.
    An editable cell is a form (points, reason, version) that grid.js saves and the server's answer
    replaces; data-saved-* hold what is stored, so the page can tell what is not saved yet.
    """
    e, score, words = html.escape, cell.score, _words(get_language())
    who = f' title="{e(str(score.updated_by))} {e(_when(score.updated_at))}"' if score.updated_by else ""
    if not cell.editable:
        missing = "" if score.points is not None else " missing"
        out = f'<div class="cell ro{" has-error" if cell.closed else ""}"{who}>' \
              f'<span class="ro-points{missing}">{e(cell.saved_points or words["unscored"])}</span>'
        if score.reason:
            out += f'<span class="ro-reason">{e(score.reason)}</span>'
        if cell.closed:
            unsaved = words["unsaved"] + (cell.points or words["empty"]) if cell.points != cell.saved_points else ""
            out += f'<p class="cell-msg" role="alert">{e(cell.closed)}{e(unsaved)}</p>'
        return mark_safe(out + "</div>")  # noqa: S308 (every value escaped above)

    classes = "cell"
    classes += " has-error" if cell.error else ""
    classes += " has-conflict" if cell.conflict else ""
    classes += " just-saved" if cell.saved else ""
    classes += " dirty" if (cell.points, cell.reason) != (cell.saved_points, score.reason) else ""
    label = e(f"{score.unit.name} {score.node.code}")
    invalid = {f: ' aria-invalid="true"' if cell.error_field == f else "" for f in ("points", "reason")}
    hidden = "" if cell.shows_reason else " hidden"
    out = (
        f'<form class="{classes}" data-url="{e(cell.url)}" data-max="{e(cell.maximum)}" '
        f'data-saved-points="{e(cell.saved_points)}" data-saved-reason="{e(score.reason)}"{who}>'
        f'<input type="hidden" name="version" value="{score.version:d}">'
        f'<input id="p{score.pk:d}" name="points" value="{e(cell.points)}" inputmode="decimal" autocomplete="off" '
        f'aria-label="{label}（{e(words["max"])}{e(cell.maximum)}）"{invalid["points"]}>'
        f'<textarea id="r{score.pk:d}" name="reason" rows="2" placeholder="{e(words["reason"])}" '
        f'aria-label="{label} {e(words["reason"])}"{invalid["reason"]}{hidden}>{e(cell.reason)}</textarea>'
    )
    if cell.error:
        out += f'<p class="cell-msg" role="alert">{e(cell.error)}</p>'
    if cell.conflict:
        yours = (cell.points or words["empty"]) + (f"（{cell.reason}）" if cell.reason else "")
        theirs = (cell.saved_points or words["empty"]) + (f"（{score.reason}）" if score.reason else "")
        by = f"（{score.updated_by or '—'}，{_when(score.updated_at)}）"
        out += (f'<div class="cell-msg conflict" role="alert"><p>{e(words["changed"])}</p>'
                f'<p>{e(words["yours"])}{e(yours)}；{e(words["saved"])}{e(theirs)}{e(by)}</p>'
                f'<button type="button" data-choice="mine">{e(words["mine"])}</button> '
                f'<button type="button" class="secondary" data-choice="theirs">{e(words["theirs"])}</button></div>')
    return mark_safe(out + "</form>")  # noqa: S308 (every value escaped above)


@dataclass
class Row:
    node: Node
    heading: bool = False
    progress: Progress | None = None  # on the heading of a criterion (the leaves' parent)
    cells: list[Cell | None] = field(default_factory=list)  # None: the item does not apply to the unit

    @property
    def points(self) -> str:
        return "" if self.node.points is None else format_points(self.node.points)


@dataclass
class Column:
    unit: CycleUnit
    progress: Progress


def _urls(cycle: Cycle) -> Callable[[Score], str]:
    """Cell URLs without a `reverse()` per cell (a thousand of them add up)."""
    pattern = reverse("cycles:save_score", args=[cycle.pk, "UNIT-CODE", "ITEM-CODE"])
    return lambda score: pattern.replace("UNIT-CODE", quote(score.unit.code)).replace(
        "ITEM-CODE", quote(score.node.code))


def _cell(cycle: Cycle, score: Score, editable: bool, url: Callable[[Score], str] | None = None,
          **kwargs) -> Cell:  # noqa: ANN003
    cell = Cell(score=score, url=(url or _urls(cycle))(score), editable=editable, **kwargs)
    if "points" not in kwargs:
        cell.points, cell.reason = cell.saved_points, score.reason
    return cell


# ---------------------------------------------------------------------------------------------
# Who sees which grid

def _department(request: HttpRequest, cycle: Cycle) -> tuple[CycleDepartment | None, bool]:
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
    if user.role in READERS:
        if not wanted:
            return None, False
        return get_object_or_404(CycleDepartment, cycle=cycle, code=wanted), False
    raise PermissionDenied(_("您无权查看考核部门的评分表。"))


def _matrix(cycle: Cycle, department: CycleDepartment, editable: bool
            ) -> tuple[list[Column], list[Row], Progress]:
    """Columns, rows and progress counters from one query of Score rows and one of headings."""
    scores = list(Score.objects.filter(cycle=cycle, department=department)
                  .select_related("node", "unit", "updated_by").only(*GRID_FIELDS))
    units = sorted({s.unit_id: s.unit for s in scores}.values(), key=lambda u: (u.position, u.code))
    leaves = sorted({s.node_id: s.node for s in scores}.values(), key=lambda n: n.position)
    column = {u.pk: i for i, u in enumerate(units)}
    headings = {n.pk: n for n in Node.objects.filter(scheme_id=cycle.scheme_id, is_leaf=False)}

    progress: dict[str, Progress] = {"all": Progress("prog-all")}
    for unit in units:
        progress[f"u{unit.pk}"] = Progress(f"prog-u-{unit.code}")
    cells: dict[int, list[Cell | None]] = {leaf.pk: [None] * len(units) for leaf in leaves}
    url = _urls(cycle)
    for score in scores:
        cells[score.node_id][column[score.unit_id]] = _cell(cycle, score, editable, url)
        group = progress.setdefault(f"g{score.node.parent_id}", Progress(f"prog-g-{score.node.parent_id}"))
        for counter in (progress["all"], progress[f"u{score.unit_id}"], group):
            counter.total += 1
            counter.done += score.points is not None

    rows: list[Row] = []
    shown: set[int] = set()
    for leaf in leaves:
        chain, parent_id = [], leaf.parent_id
        while parent_id in headings:
            chain.append(headings[parent_id])
            parent_id = headings[parent_id].parent_id
        for node in reversed(chain):
            if node.pk not in shown:
                shown.add(node.pk)
                rows.append(Row(node=node, heading=True, progress=progress.get(f"g{node.pk}")))
        rows.append(Row(node=leaf, cells=cells[leaf.pk]))
    columns = [Column(unit, progress[f"u{unit.pk}"]) for unit in units]
    return columns, rows, progress["all"]


def _editable(cycle: Cycle, submission: Submission) -> bool:
    return cycle.status in EDITABLE_CYCLE and submission.state == Submission.State.DRAFT


def _cycle(request: HttpRequest, pk: int) -> Cycle:
    return get_object_or_404(visible_cycles(request.user), pk=pk)


# ---------------------------------------------------------------------------------------------
# The page

@require_GET
def scoring(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    cycle = _cycle(request, pk)
    department, scorer = _department(request, cycle)
    if department is None:  # the office or a leader, before choosing a department
        submissions = (Submission.objects.filter(cycle=cycle).select_related("department")
                       .annotate(total=Count("department__scores"),
                                 done=Count("department__scores", filter=Q(department__scores__points__isnull=False))))
        return render(request, "cycles/grid_choose.html", {"cycle": cycle, "submissions": submissions})
    submission = Submission.objects.get(department=department)
    editable = scorer and _editable(cycle, submission)
    columns, rows, progress = _matrix(cycle, department, editable)
    user = request.user
    in_review = cycle.status in EDITABLE_CYCLE
    context = {
        "cycle": cycle, "department": department, "submission": submission, "editable": editable,
        "columns": columns, "rows": rows, "progress": progress, "width": len(columns) + 1,
        "can_submit": editable,
        "can_review": (scorer and user.role == Role.HEAD and in_review
                       and submission.state == Submission.State.SUBMITTED),
        "departments": (CycleDepartment.objects.filter(cycle=cycle) if user.role in READERS else ()),
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
        points = Decimal(entry.points.strip()) if entry.points.strip() else None
    except InvalidOperation:
        return False
    return points == score.points and entry.reason.strip() == score.reason


def _fragment(request: HttpRequest, cycle: Cycle, cell: Cell, status: int = 200) -> HttpResponse:
    """The cell, and the unit's, criterion's and department's progress out of band."""
    score = cell.score
    counts = Score.objects.filter(cycle=cycle, department_id=score.department_id).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(points__isnull=False)),
        unit_total=Count("pk", filter=Q(unit_id=score.unit_id)),
        unit_done=Count("pk", filter=Q(unit_id=score.unit_id, points__isnull=False)),
        group_total=Count("pk", filter=Q(node__parent_id=score.node.parent_id)),
        group_done=Count("pk", filter=Q(node__parent_id=score.node.parent_id, points__isnull=False)))
    progress = [
        Progress(f"prog-u-{score.unit.code}", counts["unit_done"], counts["unit_total"]),
        Progress(f"prog-g-{score.node.parent_id}", counts["group_done"], counts["group_total"]),
        Progress("prog-all", counts["done"], counts["total"]),
    ]
    return render(request, "cycles/grid_save.html", {"cell": cell, "progress": progress}, status=status)


@require_POST
def save(request: HttpRequest, pk: int, unit_code: str, item_code: str) -> HttpResponse:
    if not request.user.is_authenticated:
        if request.htmx:  # keep the page and what was typed; the user logs in again elsewhere
            return _text(401, _("登录已失效，请在新窗口重新登录后再保存。"))
        return redirect_to_login(request.get_full_path())
    cycle = _cycle(request, pk)
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
        if error.kind == ScoreError.CONFLICT:
            current = error.current
            if _same(current, entry):
                return _fragment(request, cycle, _cell(cycle, current, True, saved=True))
            cell = _cell(cycle, current, True, points=entry.points.strip(), reason=entry.reason.strip(),
                         conflict=True)
            return _fragment(request, cycle, cell, error.status)
        score = Score.objects.select_related("node", "unit", "updated_by").get(
            cycle=cycle, unit__code=unit_code, node__code=item_code)
        if error.kind == ScoreError.CLOSED:
            cell = _cell(cycle, score, False, points=entry.points.strip(), reason=entry.reason.strip(),
                         closed=error.message)
            return _fragment(request, cycle, cell, error.status)
        cell = _cell(cycle, score, True, points=entry.points.strip(), reason=entry.reason.strip(),
                     error=error.message, error_field=error.field)
        return _fragment(request, cycle, cell, error.status)
    return _fragment(request, cycle, _cell(cycle, score, True, saved=True))


# ---------------------------------------------------------------------------------------------
# Submit, approve, send back

def _step(roles: tuple[str, ...], act: Callable[[HttpRequest, Submission], object], done: object):
    """A POST that moves the user's department's submission one step, then back to the grid."""

    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("cycles:scoring", args=[pk]))
        cycle = _cycle(request, pk)
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


submit = _step((Role.SCORER, Role.HEAD), lambda r, s: review.submit(r.user, s),
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
