"""The table in memory, and turning it into a tree of nodes.

A `Row` holds one `Cell` per column: its text, and for a cell that continues a vertical merge the
text of the merge's top cell. The writer lays out such rows (`rows`, `pages`); the reader finds
them in a sheet (`reader`). `build_tree` turns rows into dimensions → indicators → criteria →
items as an office types the table: merged and blank label cells continue the node above, a
label repeated with another note is a variant for other units, content cells become items.

Touches no workbook: it reads `Row`s, creates `Node`s, collects reader findings and raises
`FormatError` (with sheet, row and column) for unreadable points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kaohe.core.check import Finding, Severity
from kaohe.core.points import format_points
from kaohe.core.scheme import Level, Location, Node
from kaohe.formats.errors import FormatError
from kaohe.formats.xlsx_scheme.layout import HEADERS, LABELS
from kaohe.formats.xlsx_scheme.text import (
    Piece,
    PointsProblem,
    clean,
    clean_lines,
    content_pieces,
    short,
    split_departments,
    split_points,
)


@dataclass
class Cell:
    text: str = ""
    merged: bool = False  # continues a vertical merge: the text is that of the cell above
    row: int = 0  # where the text is typed (the top-left cell of a merge)
    column: str = ""


@dataclass
class Row:
    number: int
    cells: dict[str, Cell]

    def cell(self, key: str) -> Cell:
        return self.cells.get(key) or Cell()

    def text(self, key: str) -> str:
        return self.cell(key).text


@dataclass
class _Owner:
    """The node a row fills: a criterion, an indicator holding items, or a bare dimension."""

    node: Node
    label: str
    note: str


@dataclass
class TableBuilder:
    """Turns table rows into a tree of nodes, continuing merged and blank label cells."""

    filename: str | None
    sheet: str | None
    findings: list[Finding] = field(default_factory=list)
    dimensions: list[Node] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    dimension: _Owner | None = None
    indicator: _Owner | None = None
    criterion: _Owner | None = None

    def at(self, row: int | None, column: str | None) -> Location:
        return Location(file=self.filename, sheet=self.sheet, row=row, column=column or None)

    def warn(self, code: str, message: str, location: Location) -> None:
        self.findings.append(Finding(code=code, severity=Severity.WARNING, message=message,
                                     location=location))

    def fail(self, problem: PointsProblem, row: int, column: str) -> FormatError:
        return FormatError(str(problem), self.at(row, column))

    def _state(self, cell: Cell, current: _Owner | None, parent_new: bool) -> str:
        label = clean(cell.text)
        if not label:
            return "none" if parent_new or current is None else "same"
        if cell.merged:
            return "new" if parent_new or current is None else "same"
        if parent_new or current is None or label != current.label:
            return "new"
        return "same"

    def _node(self, level: Level, cell: Cell, row: Row, key: str) -> _Owner:
        label = clean(cell.text)
        location = self.at(cell.row or row.number, cell.column or None)
        try:
            title, points, marked = split_points(label)
        except PointsProblem as problem:
            raise self.fail(problem, location.row or row.number, location.column or "") from None
        if label and not marked:
            self.warn("xlsx-label-without-points",
                      f"{HEADERS[key]}“{label}”没有标注分值（如“(5分)”）。", location)
        node = Node(level=level, title=title, points=points, location=location)
        return _Owner(node, label, "")

    def add(self, row: Row) -> None:
        note = clean(row.text("note"))
        departments = split_departments(row.text("departments"))
        content = row.text("content")
        for name in departments:
            if name not in self.departments:
                self.departments.append(name)

        dim_cell, ind_cell, crit_cell = (row.cell(key) for key in LABELS)
        has_more = bool(clean(ind_cell.text) or clean(crit_cell.text) or content.strip())

        dim_state = self._state(dim_cell, self.dimension, False)
        if dim_state == "none":
            if not has_more and not note and not departments:
                return
            self.warn("xlsx-missing-label", "这一行没有一级指标。", self.at(row.number, dim_cell.column))
            dim_state = "new"
        if dim_state == "new":
            self.dimension = self._node(Level.DIMENSION, dim_cell, row, "dimension")
            self.dimensions.append(self.dimension.node)
            self.indicator = self.criterion = None
        assert self.dimension is not None
        dim_new = dim_state == "new"

        ind_state = self._state(ind_cell, self.indicator, dim_new)
        if ind_state == "none":
            if not has_more:
                # A dimension without indicators: the row only says who owns it and where it applies.
                if dim_new:
                    self.dimension.node.departments = departments
                    self.dimension.node.note = note
                return
            self.warn("xlsx-missing-label", "这一行没有二级指标。", self.at(row.number, ind_cell.column))
            ind_state = "new"
        crit_state = self._state(crit_cell, self.criterion, ind_state == "new")
        if "new" not in (dim_state, ind_state, crit_state) and not content.strip():
            # Only a note or departments below a node: they belong to it, no new variant.
            owner = self.criterion if crit_state == "same" else self.indicator
            if owner is not None:
                if note and not owner.note:
                    owner.note = owner.node.note = note
                if departments and not owner.node.departments:
                    owner.node.departments = departments
            return
        holds_items = self.indicator is not None and any(
            child.level is Level.ITEM for child in self.indicator.node.children)
        if ind_state == "same" and crit_state == "new" and holds_items:
            ind_state = "new"  # an indicator holds criteria or items, never both: a second one
            crit_state = "new"
        if ind_state == "new":
            self.indicator = self._node(Level.INDICATOR, ind_cell, row, "indicator")
            self.dimension.node.children.append(self.indicator.node)
            self.criterion = None
        assert self.indicator is not None

        if crit_state == "none":
            owner, is_new = self.indicator, ind_state == "new"
            if not is_new and note != owner.note:  # a variant of the indicator for other units
                owner = self._variant(owner, self.dimension.node, self.at(row.number, ind_cell.column))
                self.indicator = owner
                is_new = True
        else:
            if crit_state == "new":
                self.criterion = self._node(Level.CRITERION, crit_cell, row, "criterion")
                self.indicator.node.children.append(self.criterion.node)
                owner, is_new = self.criterion, True
            else:
                assert self.criterion is not None
                owner, is_new = self.criterion, False
                if note != owner.note:
                    owner = self._variant(owner, self.indicator.node, self.at(row.number, crit_cell.column))
                    self.criterion = owner
                    is_new = True
        self._fill(owner, row, content, departments, note, is_new)

    def _variant(self, owner: _Owner, parent: Node, location: Location) -> _Owner:
        """The same label again for other units (another note): a variant, as a new node."""
        node = Node(level=owner.node.level, title=owner.node.title, points=owner.node.points,
                    location=location)
        parent.children.append(node)
        return _Owner(node, owner.label, "")

    def _items(self, pieces: list[Piece], row: int, column: str) -> list[Node]:
        items = []
        for piece in pieces:
            text = clean(piece.text)
            try:
                title, points, marked = split_points(text)
            except PointsProblem as problem:
                raise self.fail(problem, row, column) from None
            location = self.at(row, column)
            if not marked:
                self.warn("xlsx-item-without-points",
                          f"考核内容“{short(title)}”没有标注分值（如“(2分)”）。", location)
            items.append(Node(level=Level.ITEM, title=title, points=points, location=location))
        return items

    def _fill(self, owner: _Owner, row: Row, content: str, departments: list[str], note: str,
              is_new: bool) -> None:
        node = owner.node
        column = row.cell("content").column
        lead, pieces = content_pieces(content)
        items = self._items(pieces, row.number, column)
        text, points = "", None
        if lead:
            try:
                text, points, _ = split_points(clean_lines("\n".join(lead)))
            except PointsProblem as problem:
                raise self.fail(problem, row.number, column) from None
        if is_new:
            owner.note = note
            node.note = note
            node.departments = departments
            node.children.extend(items)
            node.content = text
            if points is not None:
                if node.points is None:
                    node.points = points
                elif points != node.points:
                    self.warn("xlsx-content-points",
                              f"考核内容标注{format_points(points)}分，与{node.level.label}标注的"
                              f"{format_points(node.points)}分不同，以{node.level.label}为准。",
                              self.at(row.number, column))
            return
        # A further row of the same node: more items, possibly owned by other departments.
        if text:
            items.append(Node(level=Level.ITEM, title=text, points=points,
                              location=self.at(row.number, column)))
        if departments and not node.departments:
            node.departments = departments
        elif departments and departments != node.departments:
            for item in items:
                item.departments = list(departments)
        node.children.extend(items)


def build_tree(rows: Iterable[Row], filename: str | None, sheet: str | None) -> TableBuilder:
    builder = TableBuilder(filename, sheet)
    for row in rows:
        builder.add(row)
    return builder
