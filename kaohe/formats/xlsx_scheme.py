"""The official seven-column table (序号 · 一级指标 · 二级指标 · 三级指标 · 考核内容 · 考核单位 · 备注) as xlsx.

Writing (`write_xlsx`, `xlsx_bytes`) lays a scheme out the way the office prints it: a title row,
the header row (repeated on every printed page), one row per criterion — or per indicator when
the indicator holds items directly — with the 序号, dimension and indicator cells merged over
their rows, labels like "政治建设(35分)" and the content as numbered lines "1. …(4分)；". Row
heights follow the text, and the rows are paginated for A4 landscape: each printed page starts
with a manual break and shows its dimension and indicator labels again (merges are split there).

Reading (`read_xlsx`, `read_xlsx_bytes`) takes the table as an office would type it: the header
row is found by its text (序号 and 备注 may be missing, columns in any order), merged and blank
label cells continue the node above, content cells are split into numbered items. Unreadable
input raises `FormatError` with file, sheet, row and column; readable but suspicious input gives
reader findings (codes below).

Lossless round trip: what the visible table cannot show (name, year, total, units, groups, …,
origins, repairs, gaps, item departments, and any text the table shows differently) goes into the
hidden sheet `kaohe`, one row per fact: 编号 (node code as the reader derives it from the table;
'' for the scheme) · 标题 (the node's title as the reader reads it from the table, the check that
the row still belongs to that node) · 键 · 值 (JSON; long values continue on following rows with
the same code and key). Keys:

- scheme ('' code): format, sheet, name, year, total, audience, source, units, groups, aliases,
  departments; and title/children as below.
- plain node facts: origin, repairs, gaps.
- corrections of what the table shows: title, points, content, departments, note, children, each
  `{"shown": what reading the table gives, "exact": the real value}`. The writer computes them by
  reading its own table back in memory and comparing, so every difference is recorded. `children`
  replaces a node's children with exact data where the table cannot even show the structure.

A row whose code no longer names a node with that title (the office edited the table), or a
correction whose `shown` value no longer matches the table, is ignored with the warning
`xlsx-metadata-mismatch`: the table wins.

Reader finding codes (all warnings): xlsx-item-without-points, xlsx-label-without-points,
xlsx-content-points, xlsx-missing-label, xlsx-empty-table, xlsx-no-year, xlsx-metadata-mismatch,
xlsx-metadata-invalid.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.check import Finding, Severity
from kaohe.core.codes import assign_codes
from kaohe.core.points import PointsError, format_points, parse_points
from kaohe.core.scheme import Gap, Level, Location, Node, Repair, Scheme, title_path
from kaohe.formats.cells import cell_text, safe_text, wrapped_line_count, write_text
from kaohe.formats.errors import FormatError
from kaohe.formats.files import read_bytes, write_atomically
from kaohe.formats.result import ReadResult
from kaohe.formats.yaml_scheme import CHILD_KEYS, node_data

# -- the table's columns ---------------------------------------------------------------------

COLUMNS = ("seq", "dimension", "indicator", "criterion", "content", "departments", "note")
HEADERS = {
    "seq": "序号",
    "dimension": "一级指标",
    "indicator": "二级指标",
    "criterion": "三级指标",
    "content": "考核内容",
    "departments": "考核单位",
    "note": "备注",
}
REQUIRED = ("dimension", "indicator", "criterion", "content", "departments")
LABELS = ("dimension", "indicator", "criterion")
# Column widths in Excel units: the width of '0' in the default font (Arial 10, 7 pixels, see
# `_new_workbook`); a 10.5-point CJK character is about two. About 136 units fill A4 landscape at
# 100%. Label widths hold a median label of the 2018 schemes on a line or two, 考核单位 the
# longest department name (市委党史研究室) on one line.
WIDTHS = {"seq": 5, "dimension": 11, "indicator": 18, "criterion": 20, "content": 50,
          "departments": 16, "note": 16}

TABLE_SHEET = "指标体系"
METADATA_SHEET = "kaohe"
METADATA_FORMAT = 1
METADATA_HEADERS = ("编号", "标题", "键", "值")
_CHUNK = 30000  # a cell holds at most 32767 characters

FONT = "宋体"
BODY_SIZE = 10.5
HEADER_SIZE = 11
TITLE_SIZE = 16
LINE_HEIGHT = 1.35  # points of row height per point of font size and line (CJK fonts are tall)
PADDING = 9.0  # points above and below the text of a row
MAX_ROW_HEIGHT = 409.0  # Excel's limit, in points
HEADER_HEIGHT = round(HEADER_SIZE * LINE_HEIGHT + PADDING + 4, 1)
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.7, "header": 0.3, "footer": 0.3}  # inches
PAGE_HEIGHT = 595.3 - 72 * (MARGINS["top"] + MARGINS["bottom"])  # A4 landscape, in points
PAGE_FILL = 0.97  # room left for rounding in the spreadsheet program

NO_TITLE = "（未命名）"  # shown for a node without title or points, so its row still has a label
NO_POINTS = "（分值待定）"  # appended when a text without points would end like "(3分)"

# -- text of cells ---------------------------------------------------------------------------

_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\u2018-\u201f\u00b7"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[^\S\n]*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
_TRAILING = "；;。.，,、 \t\n\u3000"
_MARKER = re.compile(r"[（(]\s*(?P<value>[^()（）\n]{1,16}?)\s*分\s*[)）]$")
_MARKER_CHARS = re.compile(r"^[0-9０-９.．,，\-+−－—\s零〇一二两三四五六七八九十百千半点]+$")
_MARKER_DIGITS = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千半]")
_NUMBER = (r"\s*(?:(?P<a>[0-9]{1,3})\s*(?:[.．](?![0-9])|、|[)）])|[（(]\s*(?P<b>[0-9]{1,3})\s*[)）]"
           r"|(?P<c>[\u2460-\u2473]))\s*")
_NUMBERED = re.compile("^" + _NUMBER)  # "1." "1、" "1）" "（1）" "①" at the start of a line
_NUMBER_HERE = re.compile(_NUMBER)  # the same where `match(text, position)` says
_AFTER_MARKER = re.compile(r"分\s*[)）]\s*[；;。，,]?\s*")
_DEPARTMENT_SEPARATORS = re.compile(r"[\s、，,；;/]+")
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
_CN_DIGITS = "零一二三四五六七八九"


def _clean(text: str) -> str:
    """One line of text as typed in a cell: a line break inside CJK text dropped (it is manual
    wrapping), other line breaks and runs of spaces made one space."""
    text = _CJK_BREAK.sub("", text.strip())
    return _SPACES.sub(" ", text)


def _clean_lines(text: str) -> str:
    """Like `_clean`, but keeps the line breaks."""
    return "\n".join(_clean(line) for line in text.split("\n") if line.strip())


class _PointsProblem(ValueError):
    pass


def _marker_value(text: str) -> tuple[int, str] | None:
    """Where a trailing "(n分)" starts and its raw value, ignoring trailing punctuation."""
    stripped = text.rstrip(_TRAILING)
    match = _MARKER.search(stripped)
    if match is None:
        return None
    value = match.group("value")
    if not _MARKER_CHARS.match(value) or not _MARKER_DIGITS.search(value):
        return None  # "(部分)", "(满分10分)", "(扣0.5分)": words, not a points marker
    return match.start(), value


def _parse_marker(value: str) -> Decimal:
    raw = value.strip()
    text = unicodedata.normalize("NFKC", raw).replace("−", "-").replace(" ", "")
    if not re.fullmatch(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", text):
        raise _PointsProblem(f"分值“{raw}分”不是数字")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _PointsProblem(f"分值“{raw}分”不是数字") from None
    if number < 0:
        raise _PointsProblem(f"分值“{raw}分”不能为负")
    try:
        return parse_points(number)
    except PointsError:
        raise _PointsProblem(f"分值“{raw}分”最多两位小数") from None


def _split_points(text: str) -> tuple[str, Decimal | None, bool]:
    """'政治建设 (35分)' → ('政治建设', 35, True); text without a marker → (text, None, False).
    Trailing punctuation around the marker is dropped; raises `_PointsProblem` for a marker
    whose value is not a valid number."""
    found = _marker_value(text)
    if found is None:
        return text.rstrip(_TRAILING), None, False
    start, value = found
    return text[:start].rstrip(_TRAILING), _parse_marker(value), True


def _ends_with_marker(text: str) -> bool:
    return _marker_value(text) is not None


def _split_departments(text: str) -> list[str]:
    result: list[str] = []
    for name in _DEPARTMENT_SEPARATORS.split(text):
        if name and name not in result:
            result.append(name)
    return result


def _number_of(match: re.Match[str]) -> int:
    if match.group("c"):
        return ord(match.group("c")) - 0x245F
    return int(match.group("a") or match.group("b"))


def _split_inline(body: str, number: int) -> list[str]:
    """'a(1分)；2. b(2分)' on one line → ['a(1分)；', 'b(2分)']: split only where the next number
    in sequence follows a points marker."""
    parts: list[str] = []
    expected = number + 1
    position = 0
    search_from = 0
    while True:
        found = None
        for after in _AFTER_MARKER.finditer(body, search_from):
            numbered = _NUMBER_HERE.match(body, after.end())
            if numbered and _number_of(numbered) == expected:
                found = (after.end(), numbered.end())
                break
        if found is None:
            parts.append(body[position:])
            return parts
        parts.append(body[position:found[0]])
        position = search_from = found[1]
        expected += 1


@dataclass
class _Piece:
    numbered: bool
    text: str


def _content_pieces(text: str) -> tuple[list[str], list[_Piece]]:
    """A content cell as lead lines (before the first item) and items (numbered lines, and
    unnumbered lines after an item that already has its points)."""
    lead: list[str] = []
    pieces: list[_Piece] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        match = _NUMBERED.match(line)
        if match:
            for part in _split_inline(line[match.end():], _number_of(match)):
                pieces.append(_Piece(True, part))
        elif pieces:
            if _ends_with_marker(pieces[-1].text):
                pieces.append(_Piece(False, line))
            else:
                pieces[-1].text += "\n" + line
        else:
            lead.append(line)
    if not pieces and sum(1 for line in lead if _ends_with_marker(line)) >= 2:
        # An unnumbered list: every line with points ends an item.
        current: list[str] = []
        for line in lead:
            current.append(line)
            if _ends_with_marker(line):
                pieces.append(_Piece(False, "\n".join(current)))
                current = []
        if current:
            pieces.append(_Piece(False, "\n".join(current)))
        lead = []
    elif lead and pieces and _ends_with_marker(lead[-1]):
        pieces.insert(0, _Piece(False, "\n".join(lead)))
        lead = []
    return lead, pieces


def _chinese_number(number: int) -> str:
    if number <= 0:
        return str(number)
    if number < 10:
        return _CN_DIGITS[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(number)


# -- the table in memory: what the writer puts in cells and the reader gets back --------------

@dataclass
class _Cell:
    text: str = ""
    merged: bool = False  # continues a vertical merge: the text is that of the cell above
    row: int = 0  # where the text is typed (the top-left cell of a merge)
    column: str = ""


@dataclass
class _Row:
    number: int
    cells: dict[str, _Cell]

    def cell(self, key: str) -> _Cell:
        return self.cells.get(key) or _Cell()

    def text(self, key: str) -> str:
        return self.cell(key).text


@dataclass
class _Owner:
    """The node a row fills: a criterion, an indicator holding items, or a bare dimension."""

    node: Node
    label: str
    note: str


@dataclass
class _TableBuilder:
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

    def fail(self, problem: _PointsProblem, row: int, column: str) -> FormatError:
        return FormatError(str(problem), self.at(row, column))

    def _state(self, cell: _Cell, current: _Owner | None, parent_new: bool) -> str:
        label = _clean(cell.text)
        if not label:
            return "none" if parent_new or current is None else "same"
        if cell.merged:
            return "new" if parent_new or current is None else "same"
        if parent_new or current is None or label != current.label:
            return "new"
        return "same"

    def _node(self, level: Level, cell: _Cell, row: _Row, key: str) -> _Owner:
        label = _clean(cell.text)
        location = self.at(cell.row or row.number, cell.column or None)
        try:
            title, points, marked = _split_points(label)
        except _PointsProblem as problem:
            raise self.fail(problem, location.row or row.number, location.column or "") from None
        if label and not marked:
            self.warn("xlsx-label-without-points",
                      f"{HEADERS[key]}“{label}”没有标注分值（如“(5分)”）。", location)
        node = Node(level=level, title=title, points=points, location=location)
        return _Owner(node, label, "")

    def add(self, row: _Row) -> None:
        note = _clean(row.text("note"))
        departments = _split_departments(row.text("departments"))
        content = row.text("content")
        for name in departments:
            if name not in self.departments:
                self.departments.append(name)

        dim_cell, ind_cell, crit_cell = (row.cell(key) for key in LABELS)
        has_more = bool(_clean(ind_cell.text) or _clean(crit_cell.text) or content.strip())

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

    def _items(self, pieces: list[_Piece], row: int, column: str) -> list[Node]:
        items = []
        for piece in pieces:
            text = _clean(piece.text)
            try:
                title, points, marked = _split_points(text)
            except _PointsProblem as problem:
                raise self.fail(problem, row, column) from None
            location = self.at(row, column)
            if not marked:
                self.warn("xlsx-item-without-points",
                          f"考核内容“{_short(title)}”没有标注分值（如“(2分)”）。", location)
            items.append(Node(level=Level.ITEM, title=title, points=points, location=location))
        return items

    def _fill(self, owner: _Owner, row: _Row, content: str, departments: list[str], note: str,
              is_new: bool) -> None:
        node = owner.node
        column = row.cell("content").column
        lead, pieces = _content_pieces(content)
        items = self._items(pieces, row.number, column)
        text, points = "", None
        if lead:
            try:
                text, points, _ = _split_points(_clean_lines("\n".join(lead)))
            except _PointsProblem as problem:
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


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- writing ---------------------------------------------------------------------------------

def _label(node: Node, width: float) -> str:
    """'政治建设(35分)'; when that needs more than one line, "(35分)" gets a line of its own, as
    the office prints it (the reader joins the lines again)."""
    title = node.title.replace("\n", " ")
    if node.points is None:
        if not title.strip():
            return NO_TITLE
        return title + NO_POINTS if _ends_with_marker(title) else title
    marker = f"({format_points(node.points)}分)"
    if title.strip() and wrapped_line_count(title + marker, width, BODY_SIZE) > 1:
        return f"{title}\n{marker}"
    return title + marker


def _points_suffix(text: str, points: Decimal | None) -> str:
    if points is None:
        return text + NO_POINTS if _ends_with_marker(text) else text
    return f"{text}({format_points(points)}分)"


def _render_content(owner: Node) -> str:
    items = [child for child in owner.children if child.level is Level.ITEM]
    if items:
        lines = []
        for number, item in enumerate(items, start=1):
            end = "。" if number == len(items) else "；"
            lines.append(f"{number}. {_points_suffix(item.title.replace(chr(10), ' '), item.points)}{end}")
        return "\n".join(lines)
    if owner.content and not owner.children:
        text = owner.content.rstrip(_TRAILING) or owner.content
        return _points_suffix(text, owner.points) + "。"
    return ""


def _shown_departments(owner: Node, ancestors: tuple[Node, ...]) -> list[str]:
    shown: list[str] = []
    for candidate in (owner, *reversed(ancestors)):
        if candidate.departments:
            shown = list(candidate.departments)
            break
    for item in owner.children:
        for name in item.departments:
            if name not in shown:
                shown.append(name)
    return shown


def _shown_note(owner: Node, ancestors: tuple[Node, ...]) -> str:
    for candidate in (owner, *reversed(ancestors)):
        if candidate.note:
            return candidate.note
    return ""


Span = tuple[str, int, int]  # (column key, first row, last row) of a label over several rows


@dataclass
class _Layout:
    rows: list[_Row]
    spans: list[Span]  # vertical merges (two rows or more), split at page breaks
    heights: dict[int, float]  # row number → height in points
    breaks: list[int]  # rows that start a new printed page


def _rows(scheme: Scheme, first_row: int) -> tuple[list[_Row], list[Span]]:
    """One row per criterion (or indicator holding items, or bare dimension), every cell with its
    text; and the spans of the 序号, dimension and indicator cells over their rows."""
    rows: list[_Row] = []
    spans: list[Span] = []
    letters = {key: get_column_letter(i + 1) for i, key in enumerate(COLUMNS)}

    def add_row(texts: dict[str, str], owner: Node, ancestors: tuple[Node, ...]) -> None:
        number = first_row + len(rows)
        texts = dict(texts)
        texts["content"] = _render_content(owner) if owner.level is not Level.DIMENSION else ""
        texts["departments"] = "\n".join(_shown_departments(owner, ancestors))
        texts["note"] = _shown_note(owner, ancestors)
        rows.append(_Row(number, {key: _Cell(safe_text(texts.get(key, "")), False, number, letters[key])
                                  for key in COLUMNS}))

    for index, dimension in enumerate(scheme.dimensions, start=1):
        start = first_row + len(rows)
        base = {"seq": _chinese_number(index), "dimension": _label(dimension, WIDTHS["dimension"])}
        if not dimension.children:
            add_row(base, dimension, ())
        for indicator in dimension.children:
            ind_start = first_row + len(rows)
            texts = {**base, "indicator": _label(indicator, WIDTHS["indicator"])}
            criteria = [c for c in indicator.children if c.level is Level.CRITERION]
            if criteria:
                for criterion in criteria:
                    add_row({**texts, "criterion": _label(criterion, WIDTHS["criterion"])}, criterion,
                            (dimension, indicator))
            else:
                add_row(texts, indicator, (dimension,))
            spans.append(("indicator", ind_start, first_row + len(rows) - 1))
        end = first_row + len(rows) - 1
        spans.append(("seq", start, end))
        spans.append(("dimension", start, end))
    return rows, spans


def _split(spans: list[Span], breaks: list[int]) -> list[Span]:
    """Spans cut where a printed page starts: each page shows its labels again, as the office
    prints the table (a merged cell over a page break would show its text on one page only)."""
    result: list[Span] = []
    for key, start, end in spans:
        cuts = [b for b in breaks if start < b <= end]
        for first, last in zip([start, *cuts], [c - 1 for c in cuts] + [end], strict=True):
            result.append((key, first, last))
    return result


def _height(lines: int, size: float) -> float:
    return round(lines * size * LINE_HEIGHT + PADDING, 1)


def _heights(rows: list[_Row], spans: list[Span]) -> dict[int, float]:
    """Row heights from the text: spreadsheet programs do not grow rows for wrapped text in
    merged cells, and LibreOffice not even for plain cells when printing."""
    merged = {(key, n) for key, start, end in spans if end > start for n in range(start, end + 1)}
    heights: dict[int, float] = {}
    for row in rows:
        lines = max(wrapped_line_count(row.text(key), WIDTHS[key], BODY_SIZE)
                    for key in COLUMNS if (key, row.number) not in merged)
        heights[row.number] = _height(lines, BODY_SIZE)
    # A merged cell needs the height of all its rows together: spread what is missing.
    by_number = {row.number: row for row in rows}
    for key, start, end in spans:
        if end == start:
            continue
        need = _height(wrapped_line_count(by_number[start].text(key), WIDTHS[key], BODY_SIZE), BODY_SIZE)
        have = sum(heights[n] for n in range(start, end + 1))
        if need > have:
            extra = (need - have) / (end - start + 1)
            for number in range(start, end + 1):
                heights[number] = round(heights[number] + extra, 1)
    return {number: min(height, MAX_ROW_HEIGHT) for number, height in heights.items()}


def _paginate(rows: list[_Row], heights: dict[int, float], title_height: float) -> list[int]:
    """Rows that start a new page, for rows of these heights on A4 landscape at 100%."""
    page = PAGE_HEIGHT * PAGE_FILL - HEADER_HEIGHT
    room, used, breaks = page - title_height, 0.0, []
    for row in rows:
        height = heights[row.number]
        if used and used + height > room:
            breaks.append(row.number)
            room, used = page, 0.0
        used += height
    return breaks


def _layout(scheme: Scheme, first_row: int, title_height: float) -> _Layout:
    rows, spans = _rows(scheme, first_row)
    breaks: list[int] = []
    for _ in range(5):  # split labels grow rows, which can move breaks: until nothing moves
        heights = _heights(rows, _split(spans, breaks))
        moved = _paginate(rows, heights, title_height)
        if moved == breaks:
            break
        breaks = moved
    pieces = _split(spans, breaks)
    heights = _heights(rows, pieces)
    # Continuation cells of merges carry the text of the cell above, as the reader sees them.
    by_number = {row.number: row for row in rows}
    for key, start, end in pieces:
        top = by_number[start].cells[key]
        for number in range(start + 1, end + 1):
            by_number[number].cells[key] = _Cell(top.text, True, top.row, top.column)
    return _Layout(rows, [p for p in pieces if p[2] > p[1]], heights, breaks)


def _build(rows: Iterable[_Row], filename: str | None, sheet: str | None) -> _TableBuilder:
    builder = _TableBuilder(filename, sheet)
    for row in rows:
        builder.add(row)
    return builder


def _check_points(scheme: Scheme) -> None:
    for node, parents in scheme.walk_with_parents():
        if node.points is None:
            continue
        try:
            parse_points(node.points)
        except PointsError as error:
            raise FormatError(f"{node.code} {title_path(parents, node)}：{error}") from None
    try:
        parse_points(scheme.total)
    except PointsError as error:
        raise FormatError(f"总分：{error}") from None


# The metadata rows -------------------------------------------------------------------------

def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return format_points(value)
    raise TypeError(type(value).__name__)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def _points_json(value: Decimal | None) -> str | None:
    return None if value is None else format_points(value)


_VISIBLE = ("title", "points", "content", "departments", "note")


def _visible_value(node: Node, key: str) -> object:
    if key == "points":
        return _points_json(node.points)
    value = getattr(node, key)
    return list(value) if isinstance(value, list) else value


def _diff(exact: Node, shown: Node, out: list[tuple[str, str, str, object]]) -> None:
    """Metadata rows that turn the node read from the table (`shown`) into `exact`."""
    code, title = shown.code, shown.title
    for key in _VISIBLE:
        exact_value, shown_value = _visible_value(exact, key), _visible_value(shown, key)
        if exact_value != shown_value:
            out.append((code, title, key, {"shown": shown_value, "exact": exact_value}))
    if exact.origin:
        out.append((code, title, "origin", exact.origin))
    if exact.repairs:
        out.append((code, title, "repairs", [vars(r).copy() for r in exact.repairs]))
    if exact.gaps:
        out.append((code, title, "gaps", [vars(g).copy() for g in exact.gaps]))
    _diff_children(exact.children, shown.children, code, title, out)


def _children_data(children: list[Node]) -> dict[str, Any]:
    """Children as `node_data` does it: under the key that says their level."""
    if not children:
        return {}
    level = children[0].level
    key = "dimensions" if level is Level.DIMENSION else _CHILD_KEY[level]
    return {key: [node_data(child) for child in children]}


_CHILD_KEY = {Level.INDICATOR: "indicators", Level.CRITERION: "criteria", Level.ITEM: "items"}


def _diff_children(exact: list[Node], shown: list[Node], code: str, title: str,
                   out: list[tuple[str, str, str, object]]) -> None:
    if len(exact) != len(shown) or any(e.level is not s.level for e, s in zip(exact, shown, strict=True)):
        out.append((code, title, "children",
                    {"shown": [child.title for child in shown], "exact": _children_data(exact)}))
        return
    for exact_child, shown_child in zip(exact, shown, strict=True):
        _diff(exact_child, shown_child, out)


def _metadata_rows(scheme: Scheme, shown: Scheme, sheet: str) -> list[tuple[str, str, str, object]]:
    out: list[tuple[str, str, str, object]] = [
        ("", "", "format", METADATA_FORMAT),
        ("", "", "sheet", sheet),
        ("", "", "name", scheme.name),
        ("", "", "year", scheme.year),
        ("", "", "total", format_points(scheme.total)),
    ]
    for key in ("audience", "source"):
        if getattr(scheme, key):
            out.append(("", "", key, getattr(scheme, key)))
    for key in ("units", "groups", "aliases", "departments"):
        value = getattr(scheme, key)
        if value:
            out.append(("", "", key, value))
    if scheme.title != shown.title:
        out.append(("", "", "title", {"shown": shown.title, "exact": scheme.title}))
    _diff_children(scheme.dimensions, shown.dimensions, "", "", out)
    return out


# The workbook ------------------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _named_styles() -> dict[str, NamedStyle]:
    """The table's cell styles, registered once: assigning a named style to a cell is much
    cheaper in openpyxl than assigning font, alignment and border one by one."""
    def style(name: str, font: Font, horizontal: str, border: Border | None = _BORDER) -> NamedStyle:
        return NamedStyle(name=name, font=font, border=border or Border(),
                          alignment=Alignment(horizontal=horizontal, vertical="center", wrap_text=True))

    body = Font(name=FONT, size=BODY_SIZE)
    return {
        "title": style("kaohe-title", Font(name=FONT, size=TITLE_SIZE, bold=True), "center", None),
        "header": style("kaohe-header", Font(name=FONT, size=HEADER_SIZE, bold=True), "center"),
        "center": style("kaohe-center", body, "center"),
        "left": style("kaohe-left", body, "left"),
    }


def _title_height(scheme: Scheme) -> float:
    lines = wrapped_line_count(safe_text(scheme.title), sum(WIDTHS.values()), TITLE_SIZE)
    return _height(lines, TITLE_SIZE) + 6


def _write_table(wb: Workbook, ws: Worksheet, scheme: Scheme, layout: _Layout) -> None:
    styles = _named_styles()
    for style in styles.values():
        wb.add_named_style(style)
    last_column = get_column_letter(len(COLUMNS))
    # Merge first, style every cell (merged ones too, for their borders), write texts last: a
    # named style resets the quote prefix that `write_text` sets.
    ws.merge_cells(f"A1:{last_column}1")
    for key, start, end in layout.spans:
        column = COLUMNS.index(key) + 1
        ws.merge_cells(start_row=start, start_column=column, end_row=end, end_column=column)
    for index in range(1, len(COLUMNS) + 1):
        ws.cell(row=1, column=index).style = styles["title"].name
        ws.cell(row=2, column=index).style = styles["header"].name
    for row in layout.rows:
        for index, key in enumerate(COLUMNS, start=1):
            ws.cell(row=row.number, column=index).style = styles["left" if key == "content" else "center"].name
    write_text(ws.cell(row=1, column=1), scheme.title)
    for index, key in enumerate(COLUMNS, start=1):
        write_text(ws.cell(row=2, column=index), HEADERS[key])
        ws.column_dimensions[get_column_letter(index)].width = WIDTHS[key]
    for row in layout.rows:
        for index, key in enumerate(COLUMNS, start=1):
            source = row.cells[key]
            if not source.merged:
                write_text(ws.cell(row=row.number, column=index), source.text)
    ws.row_dimensions[1].height = _title_height(scheme)
    ws.row_dimensions[2].height = HEADER_HEIGHT
    for number, height in layout.heights.items():
        ws.row_dimensions[number].height = height
    for number in layout.breaks:
        ws.row_breaks.append(Break(id=number - 1))  # a manual break after the row above

    last_row = max(2, layout.rows[-1].number if layout.rows else 2)
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.print_area = f"A1:{last_column}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    ws.oddFooter.center.font = FONT


def _write_metadata(ws: Worksheet, rows: list[tuple[str, str, str, object]]) -> None:
    ws.sheet_state = "hidden"
    for index, header in enumerate(METADATA_HEADERS, start=1):
        write_text(ws.cell(row=1, column=index), header)
    number = 2
    for code, title, key, value in rows:
        text = _dumps(value)
        for start in range(0, max(len(text), 1), _CHUNK):
            for index, cell_value in enumerate((code, title, key, text[start:start + _CHUNK]), start=1):
                write_text(ws.cell(row=number, column=index), cell_value)
            number += 1
    for letter, width in zip("ABCD", (12, 30, 12, 80), strict=True):
        ws.column_dimensions[letter].width = width


def _new_workbook() -> Workbook:
    """A workbook whose default font is Arial 10 instead of Calibri 11.

    Column widths are counted in digits of the default font. Both give 7-pixel digits in Excel
    and WPS, but where Calibri is missing (LibreOffice on Linux without Carlito) the substitute
    is wider, columns grow and fit-to-width shrinks the print to ~80%; Arial has a
    metric-compatible substitute everywhere (Liberation Sans), so the page breaks computed here
    hold. openpyxl has no public setter for the default font.
    """
    wb = Workbook()
    default = Font(name="Arial", size=10)
    try:
        wb._fonts = IndexedList([default])
        wb._named_styles["Normal"].font = default
    except (AttributeError, KeyError):  # pragma: no cover - another openpyxl: keep its default
        pass
    return wb


def xlsx_bytes(scheme: Scheme) -> bytes:
    """The scheme as an xlsx workbook in the official seven-column layout (plus the hidden
    metadata sheet that makes reading it back lossless)."""
    _check_points(scheme)
    layout = _layout(scheme, first_row=3, title_height=_title_height(scheme))
    builder = _build(layout.rows, None, TABLE_SHEET)
    shown = Scheme(name=scheme.name, title=_clean(safe_text(scheme.title)), year=scheme.year,
                   total=scheme.total, dimensions=builder.dimensions)
    assign_codes(shown)
    wb = _new_workbook()
    ws = wb.active
    ws.title = TABLE_SHEET
    _write_table(wb, ws, scheme, layout)
    _write_metadata(wb.create_sheet(METADATA_SHEET), _metadata_rows(scheme, shown, TABLE_SHEET))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_xlsx(scheme: Scheme, path: str | Path) -> None:
    write_atomically(Path(path), xlsx_bytes(scheme))


# -- reading ---------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open_workbook(data: bytes, filename: str | None) -> Workbook:
    where = Location(file=filename)
    if not data:
        raise FormatError("文件为空", where)
    if data.startswith(_OLE_MAGIC):
        raise FormatError("这是旧版 Excel 97-2003（.xls）文件或加密的工作簿，请另存为 .xlsx 后再导入", where)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise FormatError("不是 xlsx 工作簿：内容不是 Excel 文件（可能是改了扩展名的文本或其他文件）", where)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FormatError("不是 xlsx 工作簿：zip 压缩包已损坏", where) from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FormatError("是 zip 压缩包，但不是 xlsx 工作簿", where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors for broken workbooks
        raise FormatError(f"xlsx 工作簿已损坏，无法读取（{type(error).__name__}）", where) from None


def _header_key(value: Any) -> str | None:
    text = re.sub(r"\s+", "", cell_text(value))
    for key, header in HEADERS.items():
        if text == header:
            return key
    return None


@dataclass
class _Table:
    sheet: str
    header_row: int
    columns: dict[str, int]
    title: str = ""
    rows: list[_Row] = field(default_factory=list)


class _SheetReader:
    def __init__(self, ws: Worksheet, filename: str | None):
        self.ws = ws
        self.filename = filename
        self.values: list[tuple[Any, ...]] = [tuple(r) for r in ws.iter_rows(values_only=True)]
        # (row, column) of a merged cell → (row, column) of the merge's top-left cell.
        self.merged: dict[tuple[int, int], tuple[int, int]] = {}
        self.wide: set[int] = set()  # rows with a horizontal merge over three or more columns
        for merged in ws.merged_cells.ranges:
            top = (merged.min_row, merged.min_col)
            if merged.max_col - merged.min_col >= 2:
                self.wide.add(merged.min_row)
            for row in range(merged.min_row, merged.max_row + 1):
                for column in range(merged.min_col, merged.max_col + 1):
                    if (row, column) != top:
                        self.merged[(row, column)] = top

    def value(self, row: int, column: int) -> Any:
        if row - 1 < len(self.values) and column - 1 < len(self.values[row - 1]):
            return self.values[row - 1][column - 1]
        return None

    def texts(self, row: int) -> list[str]:
        return [cell_text(v).strip() for v in (self.values[row - 1] if row - 1 < len(self.values) else ())]

    def header(self, row: int) -> dict[str, int]:
        columns: dict[str, int] = {}
        for index, value in enumerate(self.values[row - 1], start=1):
            key = _header_key(value)
            if key is not None and key not in columns:
                columns[key] = index
        return columns

    def is_title_like(self, row: int) -> bool:
        return row in self.wide and sum(1 for t in self.texts(row) if t) == 1

    def row(self, number: int, columns: dict[str, int]) -> _Row:
        cells: dict[str, _Cell] = {}
        for key, column in columns.items():
            letter = get_column_letter(column)
            top = self.merged.get((number, column))
            if top is None:
                cells[key] = _Cell(cell_text(self.value(number, column)), False, number, letter)
            elif top[1] != column or key == "content":
                cells[key] = _Cell("", False, number, letter)  # merged sideways: blank here
            else:
                cells[key] = _Cell(cell_text(self.value(*top)), True, top[0], letter)
        return _Row(number, cells)

    def tables(self) -> tuple[list[_Table], tuple[int, list[str]] | None]:
        """Tables found in the sheet, and the best incomplete header (row, missing) if none."""
        tables: list[_Table] = []
        partial: tuple[int, list[str]] | None = None
        current: _Table | None = None
        body: list[int] = []
        for number in range(1, len(self.values) + 1):
            texts = self.texts(number)
            if not any(texts):
                continue
            columns = self.header(number)
            found = [key for key in REQUIRED if key in columns]
            if len(found) == len(REQUIRED):
                if current is not None and body and self.is_title_like(body[-1]):
                    title_row = body.pop()
                    self._finish(current, body)
                    tables.append(current)
                    current = _Table(self.ws.title, number, columns, self._title(title_row))
                    body = []
                elif current is None:
                    current = _Table(self.ws.title, number, columns, self._title_above(number))
                    body = []
                # else: the header repeated on a new page
                continue
            if len(found) >= 2 and current is None:
                missing = [HEADERS[key] for key in REQUIRED if key not in columns]
                if partial is None or len(missing) < len(partial[1]):
                    partial = (number, missing)
                continue
            if current is not None:
                body.append(number)
        if current is not None:
            self._finish(current, body)
            tables.append(current)
        return tables, partial

    def _title(self, row: int) -> str:
        return next((cell_text(v) for v in self.values[row - 1] if cell_text(v).strip()), "")

    def _title_above(self, header: int) -> str:
        for row in range(header - 1, 0, -1):
            if any(self.texts(row)):
                return self._title(row)
        return ""

    def _finish(self, table: _Table, body: list[int]) -> None:
        table.rows = [self.row(number, table.columns) for number in body]


@dataclass
class _MetaRow:
    row: int
    code: str
    title: str
    key: str
    value: Any


_SCHEME_KEYS = {"format", "sheet", "name", "year", "total", "audience", "source", "units", "groups",
                "aliases", "departments", "title", "children"}
_NODE_KEYS = {"origin", "repairs", "gaps", *_VISIBLE, "children"}


def _read_metadata(wb: Workbook, filename: str | None, findings: list[Finding]) -> list[_MetaRow]:
    ws = wb[METADATA_SHEET]
    rows: list[_MetaRow] = []
    pending: list[Any] | None = None  # [row, code, title, key, text]
    values = [tuple(r) for r in ws.iter_rows(min_row=2, values_only=True)]

    def flush() -> None:
        if pending is None:
            return
        row, code, title, key, text = pending
        try:
            value = json.loads(text)
        except ValueError:
            findings.append(Finding(
                code="xlsx-metadata-invalid", severity=Severity.WARNING,
                message=f"隐藏工作表“{METADATA_SHEET}”中“{key}”的值不是有效的 JSON，已忽略。",
                location=Location(file=filename, sheet=METADATA_SHEET, row=row, column="D")))
            return
        rows.append(_MetaRow(row, code, title, key, value))

    for offset, record in enumerate(values, start=2):
        code, title, key, text = (cell_text(v) for v in (tuple(record) + (None,) * 4)[:4])
        if not key:
            continue
        if pending is not None and (pending[1], pending[2], pending[3]) == (code, title, key) \
                and len(pending[4]) % _CHUNK == 0 and pending[4]:
            pending[4] += text
            continue
        flush()
        pending = [offset, code, title, key, text]
    flush()
    return rows


class _Invalid(ValueError):
    pass


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("应为文字")
    return value


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid("应为文字列表")
    return list(value)


def _points_value(value: Any) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise _Invalid("分值应为文字形式的数字")
    try:
        return parse_points(str(value))
    except PointsError as error:
        raise _Invalid(str(error)) from None


def _node_from_data(data: Any, level: Level, location: Location | None) -> Node:
    if not isinstance(data, dict):
        raise _Invalid("节点应为键值映射")
    child_keys = CHILD_KEYS[level]
    allowed = {"code", "title", "points", "content", "departments", "note", "origin", "repairs", "gaps",
               *child_keys}
    unknown = set(data) - allowed
    if unknown:
        raise _Invalid(f"未知的键：{'、'.join(sorted(unknown))}")
    present = [key for key in child_keys if key in data]
    if len(present) > 1:
        raise _Invalid("节点不能同时有两种下级")
    children: list[Node] = []
    for key in present:
        if not isinstance(data[key], list):
            raise _Invalid(f"“{key}”应为列表")
        children = [_node_from_data(child, child_keys[key], location) for child in data[key]]
    return Node(
        level=level,
        title=_str(data.get("title", "")),
        points=_points_value(data.get("points")),
        written_code=_str(data.get("code", "")),
        content=_str(data.get("content", "")),
        departments=_str_list(data.get("departments", [])),
        note=_str(data.get("note", "")),
        origin=_str(data.get("origin", "")),
        repairs=_repairs(data.get("repairs", [])),
        gaps=_gaps(data.get("gaps", [])),
        children=children,
        location=location,
    )


def _records(value: Any, keys: tuple[str, ...]) -> list[list[str]]:
    if not isinstance(value, list):
        raise _Invalid("应为列表")
    result = []
    for record in value:
        if not isinstance(record, dict) or set(record) != set(keys):
            raise _Invalid(f"每条记录应有且只有：{'、'.join(keys)}")
        result.append([_str(record[key]) for key in keys])
    return result


def _repairs(value: Any) -> list[Repair]:
    return [Repair(*record) for record in _records(value, ("source", "change", "reason"))]


def _gaps(value: Any) -> list[Gap]:
    return [Gap(*record) for record in _records(value, ("finding", "note"))]


def _correction(value: Any) -> tuple[Any, Any]:
    if not isinstance(value, dict) or set(value) != {"shown", "exact"}:
        raise _Invalid("应为 {shown, exact}")
    return value["shown"], value["exact"]


_FIELD_NAMES = {"title": "标题", "points": "分值", "content": "考核内容", "departments": "考核单位",
                "note": "备注", "children": "下级指标"}


@dataclass
class _Applier:
    scheme: Scheme
    filename: str | None
    findings: list[Finding]
    given: set[str] = field(default_factory=set)

    def warn(self, code: str, message: str, meta: _MetaRow, node: Node | None = None,
             parents: tuple[Node, ...] = ()) -> None:
        location = Location(file=self.filename, sheet=METADATA_SHEET, row=meta.row, column="C")
        if node is not None:
            self.findings.append(Finding(code=code, severity=Severity.WARNING, message=message,
                                         node_code=node.code, path=title_path(parents, node),
                                         location=node.location or location, origin=node.origin))
        else:
            self.findings.append(Finding(code=code, severity=Severity.WARNING, message=message,
                                         location=location))

    def apply(self, rows: list[_MetaRow]) -> None:
        nodes = {node.code: (node, parents) for node, parents in self.scheme.walk_with_parents()}
        titles = {code: node.title for code, (node, _) in nodes.items()}  # as read from the table
        rejected: set[str] = set()
        for meta in rows:
            if meta.code == "":
                self.apply_scheme(meta)
                continue
            if meta.code in rejected:
                continue
            found = nodes.get(meta.code)
            if found is None or titles[meta.code] != meta.title:
                rejected.add(meta.code)
                now = f"表格中该编号是“{_short(found[0].title)}”" if found else "表格中已没有该编号"
                node, parents = found if found else (None, ())
                self.warn("xlsx-metadata-mismatch",
                          f"隐藏工作表中编号{meta.code}的信息属于“{_short(meta.title)}”，而{now}："
                          f"表格已被修改，这些信息（来源、修复记录等）已忽略。",
                          meta, node, parents)
                continue
            node, parents = found
            try:
                self.apply_node(node, parents, meta)
            except _Invalid as error:
                self.warn("xlsx-metadata-invalid",
                          f"隐藏工作表中编号{meta.code}的“{meta.key}”无效（{error}），已忽略。", meta,
                          node, parents)
        assign_codes(self.scheme)

    def apply_scheme(self, meta: _MetaRow) -> None:
        scheme, key, value = self.scheme, meta.key, meta.value
        try:
            if key not in _SCHEME_KEYS:
                raise _Invalid("未知的键")
            if key in ("name", "audience", "source", "sheet"):
                text = _str(value)
                if key != "sheet":
                    setattr(scheme, key, text)
            elif key == "format":
                if value != METADATA_FORMAT:
                    raise _Invalid(f"不支持的版本 {value!r}")
            elif key == "year":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise _Invalid("年度应为整数")
                scheme.year = value
            elif key == "total":
                total = _points_value(value)
                if total is None:
                    raise _Invalid("总分不能为空")
                scheme.total = total
            elif key in ("units", "departments"):
                setattr(scheme, key, _str_list(value))
            elif key == "groups":
                if not isinstance(value, dict):
                    raise _Invalid("应为键值映射")
                scheme.groups = {_str(k): _str_list(v) for k, v in value.items()}
            elif key == "aliases":
                if not isinstance(value, dict):
                    raise _Invalid("应为键值映射")
                scheme.aliases = {_str(k): _str(v) for k, v in value.items()}
            elif key == "title":
                shown, exact = _correction(value)
                if _str(shown) == scheme.title:
                    scheme.title = _str(exact)
                else:
                    self.warn("xlsx-metadata-mismatch", "表格的标题已修改，以表格为准。", meta)
            elif key == "children":
                self.apply_children(None, (), meta)
            self.given.add(key)
        except _Invalid as error:
            self.warn("xlsx-metadata-invalid",
                      f"隐藏工作表中指标体系的“{key}”无效（{error}），已忽略。", meta)

    def apply_children(self, node: Node | None, parents: tuple[Node, ...], meta: _MetaRow) -> None:
        """Replace the children read from the table by the exact ones, if the table still shows
        the children the writer saw."""
        shown, exact = _correction(meta.value)
        children = node.children if node is not None else self.scheme.dimensions
        levels = CHILD_KEYS[node.level] if node is not None else {"dimensions": Level.DIMENSION}
        if not isinstance(exact, dict) or len(exact) > 1 or not set(exact) <= set(levels):
            raise _Invalid(f"exact 应为 {{{'|'.join(levels)}: [...]}}")
        if shown != [child.title for child in children]:
            self.warn("xlsx-metadata-mismatch", "表格中的下级指标已修改，以表格为准。", meta, node, parents)
            return
        new: list[Node] = []
        for key, data in exact.items():
            if not isinstance(data, list):
                raise _Invalid(f"“{key}”应为列表")
            location = node.location if node is not None else None
            new = [_node_from_data(child, levels[key], location) for child in data]
        if node is None:
            self.scheme.dimensions = new
        else:
            node.children = new

    def apply_node(self, node: Node, parents: tuple[Node, ...], meta: _MetaRow) -> None:
        key, value = meta.key, meta.value
        if key not in _NODE_KEYS:
            raise _Invalid("未知的键")
        if key == "origin":
            node.origin = _str(value)
        elif key == "repairs":
            node.repairs = _repairs(value)
        elif key == "gaps":
            node.gaps = _gaps(value)
        elif key == "children":
            self.apply_children(node, parents, meta)
        else:
            shown, exact = _correction(value)
            if key == "points":
                current: Any = _points_json(node.points)
                new_value: Any = _points_value(exact)
            elif key == "departments":
                current, new_value = list(node.departments), _str_list(exact)
            else:
                current, new_value = getattr(node, key), _str(exact)
            if shown != current:
                self.warn("xlsx-metadata-mismatch",
                          f"表格中的{_FIELD_NAMES[key]}已修改，以表格为准。", meta, node, parents)
                return
            setattr(node, key, new_value)


def _default_name(filename: str | None, index: int) -> str:
    stem = Path(filename).stem if filename else ""
    stem = re.sub(r"\s+", "-", stem.strip()).lower() or "scheme"
    return stem if index == 0 else f"{stem}-{index + 1}"


def _scheme_from_table(table: _Table, filename: str | None, index: int,
                       findings: list[Finding]) -> tuple[Scheme, _TableBuilder]:
    builder = _build(table.rows, filename, table.sheet)
    findings.extend(builder.findings)
    if not builder.dimensions:
        findings.append(Finding(
            code="xlsx-empty-table", severity=Severity.WARNING, message="表头下面没有任何指标。",
            location=Location(file=filename, sheet=table.sheet, row=table.header_row)))
    title = _clean(table.title)
    total = sum((d.points for d in builder.dimensions if d.points is not None), Decimal(0))
    scheme = Scheme(name=_default_name(filename, index), title=title, year=0, total=total,
                    departments=list(builder.departments), dimensions=builder.dimensions,
                    location=Location(file=filename, sheet=table.sheet))
    assign_codes(scheme)
    return scheme, builder


def _default_year(scheme: Scheme, filename: str | None, table: _Table,
                  findings: list[Finding]) -> None:
    for text in (scheme.title, Path(filename).stem if filename else ""):
        match = _YEAR.search(text or "")
        if match:
            scheme.year = int(match.group(1))
            return
    findings.append(Finding(
        code="xlsx-no-year", severity=Severity.WARNING,
        message="标题和文件名中都没有年度，年度记为0，请补上。",
        location=Location(file=filename, sheet=table.sheet, row=max(table.header_row - 1, 1))))


def read_xlsx_bytes(data: bytes, filename: str | None = None) -> ReadResult:
    """Schemes (one per table) read from the bytes of an xlsx workbook."""
    wb = _open_workbook(data, filename)
    where = Location(file=filename)
    sheets = [ws for ws in wb.worksheets if isinstance(ws, Worksheet) and ws.title != METADATA_SHEET]
    readers = [_SheetReader(ws, filename) for ws in sheets]
    if not any(any(cell_text(v).strip() for v in row) for r in readers for row in r.values):
        raise FormatError("工作簿是空的：没有任何内容", where)
    tables: list[_Table] = []
    partial: tuple[str, int, list[str]] | None = None
    for reader in readers:
        if reader.ws.sheet_state != "visible" and len(readers) > 1:
            continue
        found, incomplete = reader.tables()
        tables.extend(found)
        if incomplete and (partial is None or len(incomplete[1]) < len(partial[2])):
            partial = (reader.ws.title, *incomplete)
    if not tables:
        if partial is not None:
            sheet, row, missing = partial
            raise FormatError(f"表头缺少必需的列：{'、'.join(missing)}",
                              Location(file=filename, sheet=sheet, row=row))
        raise FormatError("找不到表头：需要列 " + "、".join(HEADERS[k] for k in REQUIRED), where)

    findings: list[Finding] = []
    schemes: list[Scheme] = []
    metadata: list[_MetaRow] = []
    if METADATA_SHEET in wb.sheetnames and isinstance(wb[METADATA_SHEET], Worksheet):
        metadata = _read_metadata(wb, filename, findings)
    sheet_name = next((m.value for m in metadata if m.code == "" and m.key == "sheet"), None)
    target = next((i for i, t in enumerate(tables) if t.sheet == sheet_name), None)
    if target is None and metadata and len(tables) == 1:
        target = 0
    for index, table in enumerate(tables):
        scheme, _ = _scheme_from_table(table, filename, index, findings)
        given: set[str] = set()
        if index == target:
            applier = _Applier(scheme, filename, findings)
            applier.apply(metadata)
            given = applier.given
        if "year" not in given:
            _default_year(scheme, filename, table, findings)
        schemes.append(scheme)
    return ReadResult(schemes=schemes, findings=findings)


def read_xlsx(path: str | Path) -> ReadResult:
    path = Path(path)
    return read_xlsx_bytes(read_bytes(path), str(path))
