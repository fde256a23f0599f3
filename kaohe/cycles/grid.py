"""The department scoring grid (see docs/decisions/2026-11-25-web-application.md and
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
built in Python and the cells written as f-strings.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.accounts.models import DEPARTMENT_ROLES, Role
from kaohe.accounts.permissions import reads_all
from kaohe.core.points import format_points
from kaohe.core.text import SCORE_REASON
from kaohe.cycles import review
from kaohe.cycles.access import scoring_department, visible_cycle_or_404
from kaohe.cycles.models import SCORING, Cycle, CycleDepartment, CycleUnit, Score, Submission
from kaohe.cycles.scoring import Entry, ScoreError, save_score
from kaohe.schemes.models import Node

GRID_FIELDS = (  # what the grid shows; leaving out the nodes' JSON columns saves decoding them per cell
    "points", "reason", "version", "updated_at", "cycle_id", "department_id",
    "node__code", "node__title", "node__points", "node__position", "node__parent_id", "node__level",
    "unit__code", "unit__name", "unit__position",
    "updated_by__username", "updated_by__first_name", "updated_by__last_name",
)


# ---------------------------------------------------------------------------------------------
# What the templates get

PAGE_SIZES = (10, 20, 50, 100)  # units per page the chooser offers; any size up to the maximum works
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
FILTER_FROM = PAGE_SIZES[0]  # the filter bar shows from this many units on


@dataclass
class Progress:
    """Scored tasks out of all tasks, for one unit, one criterion or the whole department."""

    key: str  # the element id, so a save can replace it out of band
    done: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


@lru_cache(maxsize=4096)
def _local(moment: datetime, zone: str) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _when(moment: datetime | None) -> str:
    """When a score was saved, in local time; cached, since a page shows many of the same minute."""
    return _local(moment, timezone.get_current_timezone_name()) if moment else "—"


def _person(username: str | None, first: str | None, last: str | None) -> str:
    """What str(user) says (the full name, else the user name), from the columns of a query."""
    return f"{first or ''} {last or ''}".strip() or username or ""


@lru_cache(maxsize=1024)
def _points(value: Decimal) -> str:
    return format_points(value)


@dataclass
class Cell:
    """One task as shown in the grid: the saved values, and what the user typed if they differ.

    Built from the columns of the page's one query (`_page_cells`) or from a Score model after a
    save (`Cell.of`); the templates only ever see these fields.
    """

    pk: int
    version: int
    stored_points: Decimal | None  # what is saved
    stored_reason: str
    max_points: Decimal  # the item's maximum
    label: str  # "<unit name> <item code>": the inputs' accessible name
    url: str  # made of quote()d codes: nothing in it needs escaping
    editable: bool
    by: str = ""  # who saved it last ("" never saved)
    at: datetime | None = None  # when
    points: str | None = None  # shown in the input: the saved points (None), or what was typed
    reason: str | None = None
    error: str = ""
    error_field: str = ""
    conflict: bool = False  # the stored values are the newer saved version; points/reason are the user's
    closed: str = ""  # why the cell can no longer be edited (after a refused save)
    saved: bool = False  # just saved: show the mark
    saved_points: str = field(init=False)  # the stored points as shown ("" when not scored)
    maximum: str = field(init=False)

    def __post_init__(self) -> None:
        self.saved_points = "" if self.stored_points is None else _points(self.stored_points)
        self.maximum = _points(self.max_points)
        if self.points is None:
            self.points = self.saved_points
        if self.reason is None:
            self.reason = self.stored_reason

    @classmethod
    def of(cls, score: Score, url: str, editable: bool, **kwargs) -> Cell:  # noqa: ANN003
        """The cell of a Score row (with node, unit and updated_by loaded)."""
        return cls(pk=score.pk, version=score.version, stored_points=score.points, stored_reason=score.reason,
                   max_points=score.node.points or Decimal(0), label=f"{score.unit.name} {score.node.code}",
                   url=url, editable=editable, by=str(score.updated_by) if score.updated_by else "",
                   at=score.updated_at, **kwargs)

    @property
    def shows_reason(self) -> bool:
        """The reason box is open when there is a reason, when one is missing, or below full marks."""
        if self.reason or self.error_field == "reason":
            return True
        if self.points == self.maximum or not self.points:
            return False
        try:
            return Decimal(self.points) < self.max_points
        except (InvalidOperation, ValueError):
            return False

    @property
    def html(self) -> SafeString:
        return render_cell(self)


@lru_cache(maxsize=8)
def _words(language: str) -> dict[str, str]:
    """The grid's fixed words, translated and escaped once per language rather than once per cell."""
    words = {"max": _("满分"), "reason": _("扣分理由"), "unscored": _("未评"), "unsaved": _("未保存："),
             "empty": _("（空）"), "changed": _("该评分已被他人修改。"), "yours": _("您输入："),
             "saved": _("已保存："), "mine": _("用我的覆盖"), "theirs": _("采用已保存的"), "na": _("不适用")}
    return {key: html.escape(word) for key, word in words.items()}


def render_cell(cell: Cell) -> SafeString:
    """The HTML of one cell, for the page and for the answer to a save."""
    return mark_safe(_cell_html(cell, _words(get_language())))  # noqa: S308 (_cell_html escapes)


def _cell_html(cell: Cell, words: dict[str, str]) -> str:
    """Written as f-strings rather than a template or format_html: the grid has a thousand cells, and
    this is some twenty times faster. The rule that keeps it safe: every value goes through `e()`
    (the standard library's html.escape, which Django's escape also uses), quotes included, except
    numbers, the fixed words (escaped once in `_words`) and the URL (quote()d codes).
    An editable cell is a form (points, reason, version) that grid.js saves and the server's answer
    replaces; data-saved-* hold what is stored, so the page can tell what is not saved yet.
    """
    e = html.escape
    who = f' title="{e(cell.by)} {_when(cell.at)}"' if cell.by else ""
    if not cell.editable:
        missing = "" if cell.stored_points is not None else " missing"
        out = f'<div class="cell ro{" has-error" if cell.closed else ""}"{who}>' \
              f'<span class="ro-points{missing}">{cell.saved_points or words["unscored"]}</span>'
        if cell.stored_reason:
            out += f'<span class="ro-reason">{e(cell.stored_reason)}</span>'
        if cell.closed:
            unsaved = words["unsaved"] + e(cell.points or html.unescape(words["empty"])) \
                if cell.points != cell.saved_points else ""
            out += f'<p class="cell-msg" role="alert">{e(cell.closed)}{unsaved}</p>'
        return out + "</div>"

    classes = "cell"
    classes += " has-error" if cell.error else ""
    classes += " has-conflict" if cell.conflict else ""
    classes += " just-saved" if cell.saved else ""
    classes += " dirty" if cell.points != cell.saved_points or cell.reason != cell.stored_reason else ""
    label = e(cell.label)
    invalid_points = ' aria-invalid="true"' if cell.error_field == "points" else ""
    invalid_reason = ' aria-invalid="true"' if cell.error_field == "reason" else ""
    hidden = "" if cell.shows_reason else " hidden"
    reason = e(cell.reason) if cell.reason else ""
    stored_reason = e(cell.stored_reason) if cell.stored_reason else ""
    out = (
        f'<form class="{classes}" data-url="{cell.url}" data-max="{cell.maximum}" '
        f'data-saved-points="{cell.saved_points}" data-saved-reason="{stored_reason}"{who}>'
        f'<input type="hidden" name="version" value="{cell.version:d}">'
        f'<input id="p{cell.pk:d}" name="points" value="{e(cell.points)}" inputmode="decimal" autocomplete="off" '
        f'aria-label="{label}（{words["max"]}{cell.maximum}）"{invalid_points}>'
        f'<textarea id="r{cell.pk:d}" name="reason" rows="2" maxlength="{SCORE_REASON.limit:d}" '
        f'placeholder="{words["reason"]}" '
        f'aria-label="{label} {words["reason"]}"{invalid_reason}{hidden}>{reason}</textarea>'
    )
    if cell.error:
        out += f'<p class="cell-msg" role="alert">{e(cell.error)}</p>'
    if cell.conflict:
        empty = html.unescape(words["empty"])
        yours = (cell.points or empty) + (f"（{cell.reason}）" if cell.reason else "")
        theirs = (cell.saved_points or empty) + (f"（{cell.stored_reason}）" if cell.stored_reason else "")
        by = f"（{cell.by or '—'}，{_when(cell.at)}）"
        out += (f'<div class="cell-msg conflict" role="alert"><p>{words["changed"]}</p>'
                f'<p>{words["yours"]}{e(yours)}；{words["saved"]}{e(theirs)}{e(by)}</p>'
                f'<button type="button" data-choice="mine">{words["mine"]}</button> '
                f'<button type="button" class="secondary" data-choice="theirs">{words["theirs"]}</button></div>')
    return out + "</form>"


@dataclass
class Item:
    """A node of the scheme as a row of the grid shows it."""

    pk: int
    code: str
    title: str
    points_value: Decimal | None
    position: int
    parent_id: int | None
    level: str
    criterion_code: str = ""

    @property
    def points(self) -> str:
        return "" if self.points_value is None else format_points(self.points_value)

    @property
    def claimed_itself(self) -> bool:
        """A leaf the units claim points for directly: a criterion scored itself, or an item hung
        straight under an indicator (see kaohe.claims.rules.criteria)."""
        return self.criterion_code in ("", self.code)


@dataclass
class Claim:
    """What one unit says about one criterion in its self-assessment: the points it claims, its
    explanation and its evidence files (id, name), shown to the department beside its cells."""

    points: str
    explanation: str
    files: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Row:
    node: Item
    heading: bool = False
    progress: Progress | None = None  # on the heading of a criterion (the leaves' parent)
    cells: list[Cell | None] = field(default_factory=list)  # one per column; None: the item does not apply
    claims: list[Claim | None] | None = None  # a row of the units' self-assessments for this criterion
    evidence_url: str = ""  # the download URL with EVIDENCE-ID in place of the file's id
    columns: list[Column] = field(default_factory=list)  # the page's units, for the claims row

    @property
    def points(self) -> str:
        return self.node.points

    @property
    def html(self) -> SafeString:
        """The row's <td>s: a cell each, or a dash where the item does not apply to the unit."""
        words = _words(get_language())
        na = f'<td class="na" title="{words["na"]}">—</td>'
        return mark_safe("".join(f"<td>{_cell_html(cell, words)}</td>" if cell else na  # noqa: S308 (escaped)
                                 for cell in self.cells))

    @property
    def claims_html(self) -> SafeString:
        """The row's <td>s of claims, one per column; every value escaped."""
        e = html.escape
        out = []
        for column, claim in zip(self.columns, self.claims or [], strict=True):
            if claim is None:
                out.append(f'<td class="claim" data-unit="{e(column.code)}"></td>')
                continue
            files = "".join(f'<a href="{e(self.evidence_url.replace("EVIDENCE-ID", str(pk)))}">{e(name)}</a>'
                            for pk, name in claim.files)
            out.append(f'<td class="claim" data-unit="{e(column.code)}"><div class="claim-cell">'
                       f'<span class="claim-points">{e(claim.points) or "—"}</span>'
                       + (f'<span class="claim-text">{e(claim.explanation)}</span>' if claim.explanation else "")
                       + (f'<span class="claim-files">{files}</span>' if files else "") + "</div></td>")
        return mark_safe("".join(out))  # noqa: S308 (escaped above)


@dataclass
class Column:
    """A unit the department scores: a column of the grid."""

    pk: int
    code: str
    name: str
    position: int
    progress: Progress
    target: bool = False  # the unit asked for with ?unit=
    unfinished: bool = False  # has tasks not yet scored (only looked up for ?todo=1)


@dataclass
class View:
    """Which units the grid shows: a page of them, of those that pass the filter.

    Query parameters (all optional; values that make no sense fall back to the defaults):
    `page` (from 1), `per_page` (1 to MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE), `q` (part of a
    unit's name or code), `todo=1` (only units with tasks not yet scored), `unit=<code>` (the page
    that holds this unit, which is marked).
    """

    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE
    q: str = ""
    todo: bool = False
    unit: str = ""

    @classmethod
    def from_query(cls, query) -> View:  # noqa: ANN001 (a QueryDict)
        def number(name: str, default: int, high: int) -> int:
            try:
                return min(max(int(query.get(name, "")), 1), high)
            except ValueError:
                return default

        return cls(page=number("page", 1, 1_000_000), per_page=number("per_page", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
                   q=query.get("q", "").strip()[:100], todo=query.get("todo") == "1",
                   unit=query.get("unit", "").strip()[:40])

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.todo)


@dataclass
class Pages:
    """Where the page is among the filtered units, and the links to the others."""

    number: int
    count: int
    per_page: int
    first: int  # the first unit shown, counted from 1 (0: none)
    last: int
    units: int  # units that pass the filter
    all_units: int  # units the department scores
    choices: list[tuple[int, str]]  # (page, label) for the chooser
    link: Callable[[int], str]  # the query string of another page

    @property
    def previous(self) -> str:
        return self.link(self.number - 1) if self.number > 1 else ""

    @property
    def next(self) -> str:
        return self.link(self.number + 1) if self.number < self.count else ""

    @property
    def first_page(self) -> str:
        return self.link(1) if self.number > 1 else ""

    @property
    def last_page(self) -> str:
        return self.link(self.count) if self.number < self.count else ""


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    progress: Progress  # the whole department
    pages: Pages


def _urls(cycle: Cycle) -> Callable[[str, str], str]:
    """Cell URLs without a `reverse()` per cell (a thousand of them add up)."""
    pattern = reverse("cycles:save_score", args=[cycle.pk, "UNIT-CODE", "ITEM-CODE"])
    head, middle, tail = pattern.replace("ITEM-CODE", "UNIT-CODE").split("UNIT-CODE")
    quoted: dict[str, str] = {}

    def url(unit: str, item: str) -> str:
        if unit not in quoted:
            quoted[unit] = quote(unit)
        if item not in quoted:
            quoted[item] = quote(item)
        return f"{head}{quoted[unit]}{middle}{quoted[item]}{tail}"

    return url


def _cell(cycle: Cycle, score: Score, editable: bool, **kwargs) -> Cell:  # noqa: ANN003
    return Cell.of(score, _urls(cycle)(score.unit.code, score.node.code), editable, **kwargs)


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
    if reads_all(user):  # any department's grid, never to edit it
        if not wanted:
            return None, False
        return get_object_or_404(CycleDepartment, cycle=cycle, code=wanted), False
    raise PermissionDenied(_("您无权查看考核部门的评分表。"))


# ---------------------------------------------------------------------------------------------
# Building the grid: four queries, whatever the number of units and items

def _by_unit(cycle: Cycle, department: CycleDepartment) -> QuerySet[Score]:
    """The department's tasks, for lookups by unit and item: the department is compared as
    `department_id + 0`, which no index answers, so that the database probes the unique index
    (cycle, unit, item). SQLite has no statistics unless someone runs ANALYZE, and with
    `department_id = …` it chose the (cycle, department) index and read every task of the
    department once per unit: 25 seconds for the units of 2,000 units × 40 items."""
    owner = ExpressionWrapper(F("department_id") + 0, output_field=BigIntegerField())
    return Score.objects.alias(owner=owner).filter(cycle=cycle, owner=department.pk)


def _units(cycle: Cycle, department: CycleDepartment, view: View, items: list[int]) -> list[Column]:
    """Every unit the department scores, in cycle order (one query; with ?todo=1 a second one,
    for the units that still have tasks to score). Their progress is filled in for the page only.

    Each unit is probed in the unique index (cycle, unit, item) for the department's `items`."""
    tasks = Score.objects.filter(cycle=cycle, department=department)
    exists = Exists(_by_unit(cycle, department).filter(unit=OuterRef("pk"), node_id__in=items))
    units = (CycleUnit.objects.filter(cycle=cycle).filter(exists)
             .order_by("position", "code").values_list("pk", "code", "name", "position"))
    columns = [Column(pk, code, name, position, Progress(f"prog-u-{code}")) for pk, code, name, position in units]
    if view.todo:
        unfinished = set(tasks.filter(points__isnull=True).order_by().values_list("unit_id", flat=True).distinct())
        for column in columns:
            column.unfinished = column.pk in unfinished
    return columns


def _items(cycle: Cycle, department: CycleDepartment) -> tuple[list[Item], dict[int, Item], dict[int, Progress]]:
    """The department's items in scheme order, the scheme's headings, and each item's progress
    over all units (one GROUP BY, one query of nodes)."""
    counts = {node: Progress("", done, total) for node, total, done in
              Score.objects.filter(cycle=cycle, department=department).order_by()
              .values_list("node_id").annotate(total=Count("pk"), done=Count("points"))}
    nodes = [Item(*row) for row in Node.objects.filter(Q(pk__in=list(counts)) | Q(scheme_id=cycle.scheme_id, is_leaf=False))
             .values_list("pk", "code", "title", "points", "position", "parent_id", "level", "criterion_code")]
    leaves = sorted((n for n in nodes if n.pk in counts), key=lambda n: n.position)
    headings = {n.pk: n for n in nodes if n.pk not in counts}
    return leaves, headings, counts


def _page(units: list[Column], view: View, link: Callable[[int], str]) -> tuple[list[Column], Pages]:
    """The units of the page asked for, after the filter."""
    shown = units
    if view.q:
        needle = view.q.casefold()
        shown = [u for u in shown if needle in u.name.casefold() or needle in u.code.casefold()]
    if view.todo:
        shown = [u for u in shown if u.unfinished]
    per_page = view.per_page
    count = max(1, -(-len(shown) // per_page))
    number = min(view.page, count)
    if view.unit:
        index = next((i for i, u in enumerate(shown) if u.code == view.unit), None)
        if index is not None:
            number = index // per_page + 1
            shown[index].target = True
    start = (number - 1) * per_page
    page = shown[start:start + per_page]
    choices = [(n + 1, f"{n * per_page + 1}–{min((n + 1) * per_page, len(shown))}："
                       f"{shown[n * per_page].name} … {shown[min((n + 1) * per_page, len(shown)) - 1].name}")
               for n in range(count)] if len(shown) > per_page else []
    return page, Pages(number=number, count=count, per_page=per_page, first=start + 1 if page else 0,
                       last=start + len(page), units=len(shown), all_units=len(units), choices=choices, link=link)


def _page_cells(cycle: Cycle, department: CycleDepartment, columns: list[Column], items: list[int],
                editable: bool) -> dict[tuple[int, int], Cell]:
    """The cells of the page's units, keyed by (item, unit), from one query (by units and items,
    so that the unique index (cycle, unit, item) is the one used; see `_units`)."""
    url = _urls(cycle)
    units = {c.pk: c for c in columns}
    cells = {}
    rows = (_by_unit(cycle, department).filter(unit_id__in=list(units), node_id__in=items)
            .values_list("pk", "unit_id", "node_id", "node__code", "node__points", "points", "reason", "version",
                         "updated_at", "updated_by__username", "updated_by__first_name", "updated_by__last_name"))
    for pk, unit_id, node_id, code, maximum, points, reason, version, at, username, first, last in rows:
        unit = units[unit_id]
        unit.progress.total += 1
        unit.progress.done += points is not None
        cells[node_id, unit_id] = Cell(
            pk=pk, version=version, stored_points=points, stored_reason=reason, max_points=maximum or Decimal(0),
            label=f"{unit.name} {code}", url=url(unit.code, code), editable=editable,
            by=_person(username, first, last) if username else "", at=at)
    return cells


def _page_claims(columns: list[Column]) -> dict[tuple[int, int], Claim]:
    """The self-assessments of the page's units, keyed by (criterion node, unit), with their
    evidence files: two queries."""
    from kaohe.claims.models import Claim as ClaimRow
    from kaohe.claims.models import Evidence

    units = [c.pk for c in columns]
    claims = {(node, unit): Claim("" if points is None else _points(points), explanation)
              for node, unit, points, explanation in ClaimRow.objects.filter(unit_id__in=units)
              .values_list("node_id", "unit_id", "points", "explanation")}
    links = (Evidence.nodes.through.objects.filter(evidence__unit_id__in=units, evidence__purpose=Evidence.Purpose.SELF)
             .order_by("evidence_id").values_list("node_id", "evidence__unit_id", "evidence_id", "evidence__name"))
    for node, unit, pk, name in links:
        claims.setdefault((node, unit), Claim("", "")).files.append((pk, name))
    return claims


def build_grid(cycle: Cycle, department: CycleDepartment, editable: bool, view: View,
               link: Callable[[int], str]) -> Grid:
    """The page of the grid that `view` asks for; progress counts the whole department."""
    leaves, headings, counts = _items(cycle, department)
    units = _units(cycle, department, view, list(counts))
    columns, pages = _page(units, view, link)
    cells = _page_cells(cycle, department, columns, list(counts), editable)

    total = Progress("prog-all")
    groups: dict[int | None, Progress] = {}
    for leaf in leaves:
        count = counts[leaf.pk]
        group = groups.setdefault(leaf.parent_id, Progress(f"prog-g-{leaf.parent_id}"))
        for counter in (total, group):
            counter.done += count.done
            counter.total += count.total

    claims = _page_claims(columns)
    evidence_url = reverse("claims:download", args=[cycle.pk, 0]).replace("/0/", "/EVIDENCE-ID/")

    rows: list[Row] = []
    shown: set[int] = set()

    def add_claims(node: Item) -> None:
        """The units' claims for a criterion, under its heading, when any unit on the page made one."""
        found = [claims.get((node.pk, column.pk)) for column in columns]
        if any(found):
            rows.append(Row(node=node, claims=found, evidence_url=evidence_url, columns=columns))

    for leaf in leaves:
        chain, parent_id = [], leaf.parent_id
        while parent_id in headings:
            chain.append(headings[parent_id])
            parent_id = headings[parent_id].parent_id
        for node in reversed(chain):
            if node.pk not in shown:
                shown.add(node.pk)
                rows.append(Row(node=node, heading=True, progress=groups.get(node.pk)))
                if node.level == "criterion":
                    add_claims(node)
        if leaf.claimed_itself:
            add_claims(leaf)
        rows.append(Row(node=leaf, cells=[cells.get((leaf.pk, column.pk)) for column in columns]))
    return Grid(columns=columns, rows=rows, progress=total, pages=pages)


def _editable(cycle: Cycle, submission: Submission) -> bool:
    return cycle.status in SCORING and submission.state == Submission.State.DRAFT


def _linker(department: CycleDepartment, scorer: bool, view: View) -> Callable[[int], str]:
    """The query string of another page of the same view (department, filter and page size kept)."""
    fixed = {} if scorer else {"department": department.code}
    fixed |= {k: v for k, v in (("q", view.q), ("todo", "1" if view.todo else "")) if v}
    if view.per_page != DEFAULT_PAGE_SIZE:
        fixed["per_page"] = view.per_page
    return lambda number: "?" + urlencode({**fixed, "page": number})


# ---------------------------------------------------------------------------------------------
# The page

@require_GET
def scoring(request: HttpRequest, pk: int) -> HttpResponse:
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
    editable = scorer and _editable(cycle, submission)
    view = View.from_query(request.GET)
    grid = build_grid(cycle, department, editable, view, _linker(department, scorer, view))
    user = request.user
    in_review = cycle.status in SCORING
    context = {
        "cycle": cycle, "department": department, "submission": submission, "editable": editable,
        "columns": grid.columns, "rows": grid.rows, "progress": grid.progress, "pages": grid.pages,
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
        points = Decimal(entry.points.strip()) if entry.points.strip() else None
    except InvalidOperation:
        return False
    return points == score.points and entry.reason.strip() == score.reason


def _fragment(request: HttpRequest, cycle: Cycle, score: Score, editable: bool, status: int = 200,
              **kwargs) -> HttpResponse:  # noqa: ANN003
    """The score's cell, and the unit's, criterion's and department's progress out of band.

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
def save(request: HttpRequest, pk: int, unit_code: str, item_code: str) -> HttpResponse:
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
                return _fragment(request, cycle, current, True, saved=True)
            return _fragment(request, cycle, current, True, error.status, conflict=True, **typed)
        score = Score.objects.select_related("node", "unit", "updated_by").get(
            cycle=cycle, unit__code=unit_code, node__code=item_code)
        if error.kind == ScoreError.CLOSED:
            return _fragment(request, cycle, score, False, error.status, closed=error.message, **typed)
        return _fragment(request, cycle, score, True, error.status, error=error.message, error_field=error.field,
                         **typed)
    return _fragment(request, cycle, score, True, saved=True)


# ---------------------------------------------------------------------------------------------
# Submit, approve, send back

def _step(roles: Collection[str], act: Callable[[HttpRequest, Submission], object], done: object):
    """A POST that moves the user's department's submission one step, then back to the grid."""

    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
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
