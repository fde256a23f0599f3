"""The grid's data: which units a page shows and the department's items, cells, progress and the
units' claims, in four queries whatever the number of units and items (`build_grid`). The view
models here (`Cell`, `Row`, `Column`, `Pages`, `Grid`) are what the page and the HTML writer
(kaohe.cycles.grid.html) read; nothing here writes HTML or decides who may see what.

The units' self-assessments beside the cells come from the apps that keep them (kaohe.claims
registers its source with `show_claims_from`), so this module knows nothing of claims; the cells'
proposed scores come from kaohe.cycles.proposals (the ledger registers there), at a fixed number of
queries whatever the number of findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

from django.db.models import BigIntegerField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.core.points import PointsError, format_points, parse_typed
from kaohe.cycles.models import SCORING, Cycle, CycleDepartment, CycleUnit, Score, Submission
from kaohe.cycles.proposals import Proposal, Summary, proposals, summaries
from kaohe.schemes.models import Node

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
    proposal: Proposal | None = None  # the score the findings propose (kaohe.cycles.proposals)
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
    def of(cls, score: Score, url: str, editable: bool, **kwargs) -> Cell:
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
            typed = parse_typed(self.points)
        except PointsError:
            return False
        return typed is not None and typed.is_finite() and typed < self.max_points


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
    explanation and its evidence files (download URL, name), shown to the department beside its cells."""

    points: str
    explanation: str
    files: list[tuple[str, str]] = field(default_factory=list)


ClaimSource = Callable[[Cycle, list[int]], dict[tuple[int, int], Claim]]
_claim_sources: list[ClaimSource] = []


def show_claims_from(source: ClaimSource) -> None:
    """Show the claims `source` finds beside the cells: given the cycle and the page's units (ids),
    it returns their claims keyed by (criterion node id, unit id), at a fixed number of queries.
    Registered by the app that keeps the claims (kaohe.claims), once."""
    if source not in _claim_sources:
        _claim_sources.append(source)


@dataclass
class Row:
    node: Item
    heading: bool = False
    progress: Progress | None = None  # on the heading of a criterion (the leaves' parent)
    cells: list[Cell | None] = field(default_factory=list)  # one per column; None: the item does not apply
    claims: list[Claim | None] | None = None  # a row of the units' self-assessments for this criterion
    columns: list[Column] = field(default_factory=list)  # the page's units, for the claims row

    @property
    def points(self) -> str:
        return self.node.points


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
    def from_query(cls, query: QueryDict) -> View:
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
    summaries: list[Summary] = field(default_factory=list)  # what the proposals' sources say above the grid


def cell_urls(cycle: Cycle) -> Callable[[str, str], str]:
    """The cells' save URLs by (unit code, item code), without a `reverse()` per cell (a thousand
    of them add up)."""
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
    choices = [(n + 1, _("%(first)s–%(last)s：%(from)s … %(to)s") % {
                   "first": n * per_page + 1, "last": min((n + 1) * per_page, len(shown)),
                   "from": shown[n * per_page].name, "to": shown[min((n + 1) * per_page, len(shown)) - 1].name})
               for n in range(count)] if len(shown) > per_page else []
    return page, Pages(number=number, count=count, per_page=per_page, first=start + 1 if page else 0,
                       last=start + len(page), units=len(shown), all_units=len(units), choices=choices, link=link)


def _page_cells(cycle: Cycle, department: CycleDepartment, columns: list[Column], items: list[int],
                editable: bool) -> dict[tuple[int, int], Cell]:
    """The cells of the page's units, keyed by (item, unit), from one query (by units and items,
    so that the unique index (cycle, unit, item) is the one used; see `_units`)."""
    url = cell_urls(cycle)
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
    for key, proposal in proposals(cycle, department.pk, list(units), items).items():
        if key in cells:
            cells[key].proposal = proposal
    return cells


def _page_claims(cycle: Cycle, columns: list[Column]) -> dict[tuple[int, int], Claim]:
    """The page's units' claims from every registered source, keyed by (criterion node, unit)."""
    units = [c.pk for c in columns]
    claims: dict[tuple[int, int], Claim] = {}
    for source in _claim_sources:
        claims.update(source(cycle, units))
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

    claims = _page_claims(cycle, columns)

    rows: list[Row] = []
    shown: set[int] = set()

    def add_claims(node: Item) -> None:
        """The units' claims for a criterion, under its heading, when any unit on the page made one."""
        found = [claims.get((node.pk, column.pk)) for column in columns]
        if any(found):
            rows.append(Row(node=node, claims=found, columns=columns))

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
    return Grid(columns=columns, rows=rows, progress=total, pages=pages, summaries=summaries(cycle, department.pk))


def can_edit(cycle: Cycle, submission: Submission) -> bool:
    """Whether the department's scorers may change its cells now."""
    return cycle.status in SCORING and submission.state == Submission.State.DRAFT

