"""Reader of the official text conversion (官方文本): the published PDF converted to text.

The format (see /work/shared/seeds/000_79da29b595756ae5.txt): every table row is one line of seven
tab-separated cells 序号 · 一级指标 · 二级指标 · 三级指标 · 考核内容 · 考核单位 · 备注. Each PDF page
repeats the header row and, on its first row, the merged labels; continuation rows leave merged
cells empty. Content cells are HTML lists (`<ol><li>…</li></ol>`, `<p>…</p>`) or plain "1. … 2. …"
text. A table's title is a markdown heading (`# …(2018年度)`) just before its header row; a table
whose title line is missing is recognised when, after a header row, the 序号 column restarts at 一
(e.g. "一 政治建设 (15分)" after 八).

`parse_official_text` gives one DRAFT `Scheme` per table, reproducing the source: nothing is
repaired, so `kaohe.core.check.check` on a draft shows the source's inconsistencies. How rows are
read:

- Labels "政治建设 (35分)" → title "政治建设", points 35; OCR spaces inside Chinese text are removed.
  A label equal (normalised title and points) to the current node of its column is that node again
  (a page-start repeat or a merged cell), never a new one. A slightly different spelling at a page
  start is a new node (the checker then shows the split) and is reported (`text-page-label`).
- Content: every numbered line, `<li>` or `<p>` is an item (title without number, "(n分)" and final
  punctuation; points from "(n分)"). A plain cell of one unnumbered sentence is the `content` of its
  criterion when the criterion has points: the sentence without its "(n分)", final punctuation kept
  as in the curated schemes (its "(n分)" is compared with the label's points).
- An empty 三级指标 cell: on a row that starts a new 二级指标, the items hang directly under the
  indicator; otherwise the content continues the node that took the previous row's content in the
  same indicator — unless the row's 备注 differs from that criterion's, in which case the merged
  criterion label is read as a variant of it for the other units (a new criterion with the same
  title and points and this row's note). When an indicator that holds items directly later gets a
  三级指标, those items are moved into a criterion with an empty title and no points (the lost label
  cell), so the draft never mixes levels (`text-mixed-levels`).
- Rows shifted sideways by the conversion (the 考核内容 cell found in another column, the columns at
  the other end empty) are read with their cells moved back so that the content sits in 考核内容
  (`text-shifted`). This only undoes the conversion's column shift; the row's labels stay as
  printed, so a label that lands under the wrong parent still shows up in the checker.
- 考核单位 is split on whitespace; fragments of one name broken by OCR (市委党史 研究室) are joined.
  备注 is kept with spaces removed. Departments sit on the criterion (or on an indicator that holds
  items directly); a continuation row naming other departments gives them to its items.
- A row that exactly repeats an earlier row is KEPT in the draft (so the checker's `duplicate`
  finding shows it too) and reported as `text-duplicate-row`.

Reader findings (code, severity), each with the file and line:
text-columns (E) a row with the wrong number of cells; text-truncated (E) the last row is cut off;
text-shifted (W) a row read with its cells moved back into their columns; text-no-points (E) a
label without "(n分)"; text-bad-points (E) a "(n分)" that is not a valid amount; text-item-no-points
(E) a content item without "(n分)"; text-content-points (E) a criterion's one-sentence content
worth other points than its label; text-merged-labels (W) a label cell holding several "(n分)";
text-merged-items (W) an item holding several "(n分)"; text-no-department (W) a row whose leaf has
no 考核单位; text-no-content (W) a leaf label without 考核内容; text-missing-label (E) a row that
needs a parent label the source does not give; text-mixed-levels (W); text-page-label (W);
text-duplicate-row (W); text-no-title (W) a table without a title line; text-no-year (E);
text-no-total (E) no 一级指标 has points; text-header (W) a header row with other columns;
text-stray-line (W) a line inside a table that is not a row; text-no-rows (E) a table without a
readable row.

Unreadable input (empty, binary, no header row) raises `FormatError`; nothing else is raised.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from kaohe.core.check import Finding, Severity
from kaohe.core.codes import assign_codes
from kaohe.core.points import PointsError, format_points, parse_points
from kaohe.core.scheme import Level, Location, Node, Scheme, short, title_path
from kaohe.formats.errors import FormatError
from kaohe.formats.result import ReadResult
from kaohe.formats.text import decode_text

HEADER = ("序号", "一级指标", "二级指标", "三级指标", "考核内容", "考核单位", "备注")
COLUMNS = len(HEADER)
SEQ, DIMENSION, INDICATOR, CRITERION, CONTENT, DEPARTMENT, NOTE = range(COLUMNS)
LABEL_COLUMNS = {DIMENSION: Level.DIMENSION, INDICATOR: Level.INDICATOR, CRITERION: Level.CRITERION}
MISSING_TITLE = "（标题缺失）"

_LINES = re.compile(r"\r\n|\r|\n")
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_MARKUP = re.compile(r"<\s*/?\s*(?:ol|ul|li|p)\b[^>]*>", re.IGNORECASE)
_ITEM_OPEN = re.compile(r"<\s*(?:li|p)\b[^>]*>", re.IGNORECASE)
_LIST_TAGS = re.compile(r"<\s*/?\s*(?:ol|ul)\b[^>]*>|<\s*/\s*(?:li|p)\s*>", re.IGNORECASE)
_POINTS = re.compile(r"[（(]\s*(\d+(?:\s*[.．]\s*\d+)?)\s*分\s*[)）]")
_TRAILING_POINTS = re.compile(_POINTS.pattern + r"[\s。.．;；,，、:：!！]*$")
_FINAL_PUNCT = "。.．;；,，、:：!！ \t"
_NUMBER = re.compile(r"(\d{1,2})\s*[.．、](?![\d.．])\s*")
_BEFORE_NUMBER = set(" \t　。；;，,：:)）")
_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]")
_ANY_YEAR = re.compile(r"(\d{4})\s*年度")
_DOCUMENT_NUMBER = re.compile(r"^\S{1,12}〔\d{4}〕\d+号$")
_SENTENCE_END = "。；;."
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "—": 1, "－": 1, "-": 1, "―": 1, "─": 1, "一一": 1}
_DEPARTMENT_ENDINGS = tuple("部办委室校区局厅院会处组站所队")
_ASCII_PUNCT = str.maketrans({",": "，", ";": "；", ":": "：", "（": "(", "）": ")"})
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")


# -- text helpers ------------------------------------------------------------------------------

def clean(text: str) -> str:
    """Cell text without markup entities and without the OCR spaces inside Chinese text.

    Whitespace is dropped unless it separates two ASCII letters or digits ("Word 2018" keeps it).
    """
    text = html.unescape(text).replace("\u3000", " ").replace("\xa0", " ")

    def keep(match: re.Match[str]) -> str:
        start, end = match.start(), match.end()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if before.isascii() and before.isalnum() and after.isascii() and after.isalnum():
            return " "
        return ""

    return _SPACE.sub(keep, text).strip()


def _key(title: str, points: Decimal | None) -> tuple[str, Decimal | None]:
    """Labels compare by title (no spaces, one spelling of punctuation) and points."""
    return _SPACE.sub("", title).translate(_ASCII_PUNCT), points


def _numeral(cell: str) -> int | None:
    text = clean(cell).rstrip("、.．")
    if text.isdecimal():  # not isdigit(): "①" and "²" are digits that int() refuses
        return int(text)
    if text in _NUMERALS:
        return _NUMERALS[text]
    if len(text) == 2 and text[0] == "十" and text[1] in _NUMERALS:
        return 10 + _NUMERALS[text[1]]
    return None


def _column_name(index: int) -> str:
    return f"“{HEADER[index]}”列" if index < COLUMNS else f"第{index + 1}列"


def _is_header(cells: list[str]) -> bool:
    return len(cells) >= 2 and clean(cells[0]) == HEADER[0] and clean(cells[1]) == HEADER[1]


def _is_content(cell: str) -> bool:
    """Does a cell look like 考核内容 (and not like a label, a department or a note)?"""
    text = cell.strip()
    if not text:
        return False
    if _MARKUP.search(text):
        return True
    if clean(text).startswith(("适用", "于")):
        return False
    if not _POINTS.search(text):
        return False
    return bool(_NUMBER.match(text)) or text[-1] in _SENTENCE_END


def _unbalanced(cell: str) -> bool:
    lower = cell.lower()
    return any(lower.count(f"<{tag}") > lower.count(f"</{tag}") for tag in ("ol", "ul", "li", "p"))


# -- labels and content ------------------------------------------------------------------------

@dataclass
class _Points:
    value: Decimal | None
    text: str = ""  # the "(n分)" as printed, "" when absent
    error: str = ""  # why the printed amount is not valid


def _read_points(match: re.Match[str] | None) -> _Points:
    if match is None:
        return _Points(None)
    number = _SPACE.sub("", match.group(1)).translate(_FULLWIDTH_DIGITS)
    try:
        return _Points(parse_points(number), match.group(0))
    except PointsError as error:
        return _Points(None, match.group(0), str(error))


@dataclass
class _Label:
    title: str
    points: _Points
    marks: int  # how many "(n分)" the cell holds


def parse_label(cell: str) -> _Label:
    """'政治建设 (35分)' → title '政治建设', points 35."""
    text = clean(cell.translate(_FULLWIDTH_DIGITS))
    match = _TRAILING_POINTS.search(text)
    title = text[: match.start()] if match else text
    return _Label(title.rstrip(_FINAL_PUNCT), _read_points(match), len(_POINTS.findall(text)))


@dataclass
class _Piece:
    """One content item as printed: text without number, '(n分)' and final punctuation."""

    title: str
    points: _Points
    numbered: bool
    marks: int
    sentence: str = ""  # the text without number and '(n分)', final punctuation kept


def _split_numbered(text: str) -> list[tuple[str, bool]]:
    """'1. a(1分)； 2. b(1分)。' → [('a(1分)；', True), ('b(1分)。', True)]; numbering may start at any
    number (a page break continues a list), and only the next number in sequence splits."""
    first = _NUMBER.match(text)
    if first is None:
        return [(text, False)]
    expected = int(first.group(1)) + 1
    pieces: list[tuple[str, bool]] = []
    start = first.end()
    position = start
    while True:
        for match in _NUMBER.finditer(text, position):
            if int(match.group(1)) == expected and text[match.start() - 1] in _BEFORE_NUMBER:
                break
        else:
            pieces.append((text[start:], True))
            return pieces
        pieces.append((text[start:match.start()], True))
        start = position = match.end()
        expected += 1


def parse_content(cell: str) -> tuple[list[_Piece], bool]:
    """The items of a 考核内容 cell, and whether the cell used markup (<li>, <p>)."""
    markup = bool(_MARKUP.search(cell))
    if markup:
        segments = [_TAG.sub(" ", part) for part in _ITEM_OPEN.split(_LIST_TAGS.sub(" ", cell))]
    else:
        segments = [cell]
    pieces: list[_Piece] = []
    for segment in segments:
        # numbers are found before the OCR spaces go: "5. 12380 举报平台" is item 5, not "5.12380"
        text = _SPACE.sub(" ", html.unescape(segment).replace("\u3000", " ")).strip()
        for raw, numbered in _split_numbered(text.translate(_FULLWIDTH_DIGITS)):
            part = clean(raw)
            if not part.strip(_FINAL_PUNCT):
                continue
            match = _TRAILING_POINTS.search(part)
            title = (part[: match.start()] if match else part).rstrip(_FINAL_PUNCT)
            sentence = part
            if match is not None:
                mark = _POINTS.match(part, match.start())
                assert mark is not None
                sentence = part[: match.start()].rstrip() + part[mark.end():].strip()
            pieces.append(_Piece(title, _read_points(match), numbered, len(_POINTS.findall(part)),
                                 sentence))
    return pieces, markup


def split_departments(cell: str, known: list[str] | None = None) -> list[str]:
    """'市委巡察办  市委办公室' → two names; fragments of one name split by OCR are joined again
    (by the known names when given, else when a fragment does not end like an organisation)."""
    known_names = set(known or ())
    parts = [clean(part) for part in cell.replace("\u3000", " ").split()]
    parts = [part for part in parts if part]
    names: list[str] = []
    for part in parts:
        if names:
            previous = names[-1]
            joined = previous + part
            if known_names:
                merge = previous not in known_names and (
                    joined in known_names or any(name.startswith(joined) for name in known_names))
            else:
                merge = not previous.endswith(_DEPARTMENT_ENDINGS)
            if merge:
                names[-1] = joined
                continue
        names.append(part)
    return names


def _last(nodes: list[Node], level: Level) -> Node | None:
    return next((node for node in reversed(nodes) if node.level is level), None)


# -- the table builder -------------------------------------------------------------------------

@dataclass
class _Table:
    number: int
    title: str | None
    title_line: int | None
    header_line: int
    dimensions: list[Node] = field(default_factory=list)
    last_number: int = 0  # the last 序号 read
    dimension: Node | None = None
    indicator: Node | None = None
    criterion: Node | None = None
    owner: Node | None = None  # the node that took the previous row's content
    rows: dict[tuple[str, ...], int] = field(default_factory=dict)
    direct: set[int] = field(default_factory=set)  # ids of indicators holding items directly

    @property
    def has_rows(self) -> bool:
        return bool(self.rows) or bool(self.dimensions)


@dataclass
class _NodeFinding:
    node: Node
    code: str
    severity: Severity
    message: str
    declared: str = ""
    actual: str = ""


class _Reader:
    def __init__(self, filename: str | None, templates: list[Scheme] | None):
        self.filename = filename
        self.templates = templates or []
        self.known_departments = sorted({d for t in self.templates for d in t.departments})
        self.tables: list[_Table] = []
        self.findings: list[Finding] = []
        self.node_findings: list[_NodeFinding] = []
        self.line = 0
        self.page_start = False
        self.header_line = 0
        self.parents: dict[int, Node] = {}  # id(child) → parent, for messages and ownership
        self.content_points: dict[int, Decimal | None] = {}  # id(node) → its content's "(n分)"

    # -- findings ----------------------------------------------------------------------------

    def at(self, line: int | None = None) -> Location:
        return Location(file=self.filename, line=self.line if line is None else line)

    def report(self, code: str, message: str, severity: Severity = Severity.ERROR,
               line: int | None = None) -> None:
        where = self.line if line is None else line
        self.findings.append(Finding(code=code, severity=severity, message=message,
                                     location=self.at(where), origin=f"L{where}"))

    def report_node(self, node: Node, code: str, message: str, severity: Severity = Severity.ERROR,
                    declared: str = "", actual: str = "") -> None:
        self.node_findings.append(_NodeFinding(node, code, severity, message, declared, actual))

    # -- nodes -------------------------------------------------------------------------------

    def node(self, level: Level, title: str, points: Decimal | None, parent: Node | None,
             line: int | None = None) -> Node:
        where = self.line if line is None else line
        created = Node(level=level, title=title, points=points, origin=f"L{where}",
                       location=self.at(where))
        if parent is not None:
            parent.children.append(created)
            self.parents[id(created)] = parent
        return created

    def label_node(self, column: int, cell: str, parent: Node | None) -> Node:
        label = parse_label(cell)
        what = HEADER[column]
        created = self.node(LABEL_COLUMNS[column], label.title, label.points.value, parent)
        self.check_label(created, label, what)
        return created

    def check_label(self, node: Node, label: _Label, what: str) -> None:
        if label.points.error:
            self.report_node(node, "text-bad-points",
                             f"{what}“{short(label.title)}”的分值“{label.points.text}”无效：{label.points.error}")
        elif label.points.value is None:
            self.report_node(node, "text-no-points", f"{what}“{short(label.title)}”没有标注“(n分)”。")
        if label.marks > 1:
            self.report_node(node, "text-merged-labels",
                             f"{what}单元格含有{label.marks}个分值标注，可能是几个标签并在了一格里；"
                             f"按原样读作“{short(label.title)}”({format_points(label.points.value)}分)。",
                             Severity.WARNING)

    def same_label(self, current: Node | None, cell: str) -> bool:
        if current is None:
            return False
        label = parse_label(cell)
        return _key(current.title, current.points) == _key(label.title, label.points.value)

    def find_label(self, current: Node | None, siblings: list[Node], cell: str) -> Node | None:
        """The node a repeated label stands for: the current one, else the latest sibling with the
        same title and points (a page-start repeat after a row that went elsewhere)."""
        for candidate in ([current] if current is not None else []) + siblings[::-1]:
            if self.same_label(candidate, cell):
                return candidate
        return None

    def near_label(self, current: Node | None, cell: str, column: int) -> None:
        """A page-start label that repeats the current one with another spelling."""
        if current is None or not self.page_start:
            return
        label = parse_label(cell)
        if label.points.value != current.points or not current.title:
            return
        ratio = difflib.SequenceMatcher(None, current.title, label.title).ratio()
        if ratio >= 0.75:
            self.report("text-page-label",
                        f"页首重复的{HEADER[column]}“{label.title}”与前面的“{current.title}”"
                        f"（{current.origin}）写法不同，按新的{HEADER[column]}读取。",
                        Severity.WARNING)

    def within(self, node: Node | None, ancestor: Node | None) -> bool:
        while node is not None:
            if node is ancestor:
                return True
            node = self.parents.get(id(node))
        return False

    def effective_departments(self, node: Node) -> list[str]:
        current: Node | None = node
        while current is not None:
            if current.departments:
                return current.departments
            current = self.parents.get(id(current))
        return []

    # -- lines -------------------------------------------------------------------------------

    def read(self, text: str) -> ReadResult:
        lines = _LINES.split(text)
        last_filled = max((i for i, line in enumerate(lines, 1) if line.strip()), default=0)
        pending_title: tuple[str, int] | None = None
        table: _Table | None = None
        document_number = ""
        for number, raw in enumerate(lines, 1):
            self.line = number
            if not raw.strip():
                continue
            if "\t" not in raw:
                stripped = raw.strip()
                if stripped.startswith("#"):
                    pending_title = (clean(stripped.lstrip("#")), number)
                    continue
                pending_title = None
                if _DOCUMENT_NUMBER.match(clean(stripped)) and not document_number:
                    document_number = clean(stripped)
                if table is not None:
                    self.report("text-stray-line", f"表格中的这一行不是表格行（没有制表符）：“{short(clean(stripped))}”，已忽略。",
                                Severity.WARNING)
                continue
            cells = raw.split("\t")
            if _is_header(cells):
                self.check_header(cells)
                self.header_line = number
                if table is None or (pending_title is not None and table.has_rows):
                    title, title_line = pending_title if pending_title else (None, None)
                    table = self.start_table(title, title_line, number)
                pending_title = None
                self.page_start = True
                continue
            pending_title = None
            if table is None:
                continue  # tab-separated lines before the first header are not part of a table
            row = self.fit(cells, truncated=number == last_filled)
            if row is not None:
                table = self.row(table, row)
            self.page_start = False
        for table in self.tables:
            if not table.dimensions:
                self.report("text-no-rows", f"第{table.number}张表只有表头，没有可读的数据行。",
                            line=table.header_line)
        schemes = self.schemes(text, document_number)
        self.findings.extend(self.materialize(schemes))
        self.findings.sort(key=lambda f: (f.location.line or 0) if f.location else 0)
        return ReadResult(schemes, self.findings)

    def check_header(self, cells: list[str]) -> None:
        names = [clean(cell) for cell in cells]
        while names and not names[-1]:
            names.pop()
        if tuple(names) != HEADER:
            self.report("text-header", f"表头应为“{' '.join(HEADER)}”，这里是“{' '.join(names)}”；"
                        "仍按七列的固定顺序读取。", Severity.WARNING)

    def start_table(self, title: str | None, title_line: int | None, header_line: int) -> _Table:
        table = _Table(len(self.tables) + 1, title, title_line, header_line)
        self.tables.append(table)
        return table

    def fit(self, cells: list[str], truncated: bool) -> list[str] | None:
        """Seven cells in their columns, or None when the row cannot be placed."""
        cells = list(cells)
        count = len(cells)
        cut = truncated and (count < COLUMNS or any(_unbalanced(cell) for cell in cells))
        while len(cells) > COLUMNS and not cells[-1].strip():
            cells.pop()
        if cut:
            signs = ([f"该行只有{count}个单元格"] if count < COLUMNS else []) + (
                ["列表标记未闭合"] if any(_unbalanced(cell) for cell in cells) else [])
            self.report("text-truncated", f"文件在最后一行中途结束（{'，'.join(signs)}），"
                        "已按现有内容读取，该行可能不完整。")
        elif len(cells) < COLUMNS:
            self.report("text-columns", f"该行只有{count}个单元格，应为{COLUMNS}个（{' · '.join(HEADER)}）；"
                        "缺的单元格按空白读取。")
        if len(cells) > CONTENT and _is_content(cells[CONTENT]):
            return (cells + [""] * COLUMNS)[:COLUMNS] if len(cells) <= COLUMNS else self.trim(cells)
        found = next((i for i, cell in enumerate(cells) if i != CONTENT and _is_content(cell)), None)
        if found is None:
            return (cells + [""] * COLUMNS)[:COLUMNS] if len(cells) <= COLUMNS else self.trim(cells)
        shift = CONTENT - found
        placed = [""] * COLUMNS
        lost = []
        for index, cell in enumerate(cells):
            target = index + shift
            if 0 <= target < COLUMNS:
                placed[target] = cell
            elif cell.strip():
                lost.append(cell)
        if lost:
            self.report("text-columns", f"该行的考核内容出现在{_column_name(found)}，"
                        "单元格错位且无法对齐（移回后会丢掉非空单元格），已跳过该行。")
            return None
        direction = "左" if shift > 0 else "右"
        self.report("text-shifted", f"该行单元格整体向{direction}错位{abs(shift)}列（考核内容出现在{_column_name(found)}），"
                    "已移回各自的列后读取；其中的标签按原样归入当时的上级，请核对源文件。", Severity.WARNING)
        return placed

    def trim(self, cells: list[str]) -> list[str] | None:
        extra = [cell for cell in cells[COLUMNS:] if cell.strip()]
        if extra:
            self.report("text-columns", f"该行有{len(cells)}个单元格，应为{COLUMNS}个；"
                        f"第{COLUMNS}列之后的内容“{short(clean(extra[0]))}”已忽略。")
        return cells[:COLUMNS]

    # -- one row -----------------------------------------------------------------------------

    def row(self, table: _Table, cells: list[str]) -> _Table:
        seq = _numeral(cells[SEQ]) if cells[SEQ].strip() else None
        if (seq == 1 and table.last_number > 1 and cells[DIMENSION].strip()
                and self.find_label(table.dimension, table.dimensions, cells[DIMENSION]) is None):
            table = self.start_table(None, None, self.header_line)
        key = tuple(clean(cell) for cell in cells)
        if any(key[1:]):
            if key in table.rows:
                self.report("text-duplicate-row", f"该行与第{table.rows[key]}行完全相同（重复行），照录进草稿。",
                            Severity.WARNING)
            else:
                table.rows[key] = self.line
        if seq is not None:
            table.last_number = seq

        new_indicator = False
        # 一级指标
        if cells[DIMENSION].strip():
            found = self.find_label(table.dimension, table.dimensions, cells[DIMENSION])
            if found is None:
                self.near_label(table.dimension, cells[DIMENSION], DIMENSION)
                table.dimension = self.label_node(DIMENSION, cells[DIMENSION], None)
                table.dimensions.append(table.dimension)
                table.indicator = table.criterion = table.owner = None
            elif found is not table.dimension:
                table.dimension, table.owner = found, None
                table.indicator = _last(found.children, Level.INDICATOR)
                table.criterion = _last(table.indicator.children, Level.CRITERION) if table.indicator else None
        if table.dimension is None:
            self.report("text-missing-label", "该行之前没有任何一级指标，这一行无法归入，已跳过。")
            return table
        # 二级指标
        if cells[INDICATOR].strip():
            found = self.find_label(table.indicator, table.dimension.children, cells[INDICATOR])
            if found is None:
                self.near_label(table.indicator, cells[INDICATOR], INDICATOR)
                table.indicator = self.label_node(INDICATOR, cells[INDICATOR], table.dimension)
                table.criterion = table.owner = None
                new_indicator = True
            elif found is not table.indicator:
                table.indicator, table.owner = found, None
                table.criterion = _last(found.children, Level.CRITERION)
        if table.indicator is None:
            self.report("text-missing-label", f"一级指标“{short(table.dimension.title)}”下的这一行没有二级指标，"
                        "按一个无标题、无分值的二级指标读取。")
            table.indicator = self.node(Level.INDICATOR, "", None, table.dimension)
            table.criterion = table.owner = None
            new_indicator = True
        indicator = table.indicator
        note = clean(cells[NOTE])
        departments = split_departments(cells[DEPARTMENT], self.known_departments)
        has_content = bool(cells[CONTENT].strip())
        created: Node | None = None  # the node this row introduces and that owns its content

        # 三级指标
        if cells[CRITERION].strip():
            same = self.same_label(table.criterion, cells[CRITERION]) and table.criterion is not None and (
                not note or _key(note, None) == _key(table.criterion.note, None))
            if same:
                owner = table.criterion
            else:
                self.near_label(table.criterion, cells[CRITERION], CRITERION)
                if id(indicator) in table.direct:
                    self.wrap_direct(table, indicator)
                table.criterion = created = owner = self.label_node(CRITERION, cells[CRITERION], indicator)
        else:
            if new_indicator:
                owner = indicator
            elif table.owner is not None and self.within(table.owner, indicator):
                owner = table.owner  # the content continues the previous row's
            elif table.criterion is not None and self.within(table.criterion, indicator):
                owner = table.criterion
            else:
                owner = indicator
            if owner is indicator:
                if has_content:
                    table.direct.add(id(indicator))
                    if new_indicator:
                        created = indicator
            elif owner.level is Level.CRITERION and note and _key(note, None) != _key(owner.note, None):
                # the merged 三级指标 label again, for the units named by another note
                merged = owner
                table.criterion = created = owner = self.node(
                    Level.CRITERION, merged.title, merged.points, indicator)
                departments = departments or list(merged.departments)

        if created is not None:
            created.note = note
            created.departments = departments
        if not has_content:
            return table
        assert owner is not None
        table.owner = owner
        if not created and departments and departments != self.effective_departments(owner):
            item_departments = departments
        else:
            item_departments = []
        item_note = note if (not created and note and _key(note, None) != _key(owner.note, None)) else ""
        if not departments and not self.effective_departments(owner):
            self.report("text-no-department", f"该行的考核单位为空，“{short(owner.title) or '（无标题）'}”没有考核单位。",
                        Severity.WARNING)
        self.content(owner, cells[CONTENT], item_departments, item_note)
        return table

    def wrap_direct(self, table: _Table, indicator: Node) -> None:
        """An indicator that held items directly gets a 三级指标: its items move into a criterion
        with an empty title (the label cell the source lost)."""
        table.direct.discard(id(indicator))
        items = [child for child in indicator.children if child.level is Level.ITEM]
        first_line = items[0].location.line if items and items[0].location else self.line
        wrapper = Node(Level.CRITERION, "", None, origin=f"L{first_line}", location=self.at(first_line),
                       departments=indicator.departments, note=indicator.note)
        indicator.departments, indicator.note = [], ""
        if indicator.content:
            wrapper.content, indicator.content = indicator.content, ""
        wrapper.children = items
        for item in items:
            self.parents[id(item)] = wrapper
        indicator.children = [wrapper] + [c for c in indicator.children if c.level is not Level.ITEM]
        self.parents[id(wrapper)] = indicator
        self.report("text-mixed-levels",
                    f"二级指标“{short(indicator.title)}”下既有不带三级指标的考核内容（第{first_line}行），"
                    f"又有三级指标（第{self.line}行）；前者放进一个无标题、无分值的三级指标。",
                    Severity.WARNING, line=first_line)

    def content(self, owner: Node, cell: str, departments: list[str], note: str) -> None:
        pieces, markup = parse_content(cell)
        if not pieces:
            return
        if (len(pieces) == 1 and not markup and not pieces[0].numbered and owner.points is not None
                and not owner.children and not owner.content and not departments and not note):
            piece = pieces[0]
            owner.content = piece.sentence
            self.content_points[id(owner)] = piece.points.value
            if piece.points.value is not None and piece.points.value != owner.points:
                self.report_node(owner, "text-content-points",
                                 f"{owner.level.label}“{short(owner.title)}”标注{format_points(owner.points)}分，"
                                 f"其考核内容标注{format_points(piece.points.value)}分。",
                                 declared=format_points(owner.points),
                                 actual=format_points(piece.points.value))
            self.check_item_marks(owner, piece)
            return
        if owner.content:
            # more content for a node that had one sentence: that sentence becomes its first item
            self.node(Level.ITEM, owner.content.rstrip(_FINAL_PUNCT), self.content_points.pop(id(owner), None),
                      owner, line=owner.location.line if owner.location else None)
            owner.children.insert(0, owner.children.pop())
            owner.content = ""
        for piece in pieces:
            item = self.node(Level.ITEM, piece.title, piece.points.value, owner)
            item.departments = list(departments)
            item.note = note
            if piece.points.error:
                self.report_node(item, "text-bad-points",
                                 f"考核内容“{short(piece.title)}”的分值“{piece.points.text}”无效：{piece.points.error}")
            elif piece.points.value is None:
                self.report_node(item, "text-item-no-points", f"考核内容“{short(piece.title)}”没有标注“(n分)”。")
            self.check_item_marks(item, piece)

    def check_item_marks(self, node: Node, piece: _Piece) -> None:
        if piece.marks > 1:
            self.report_node(node, "text-merged-items",
                             f"考核内容“{short(piece.title)}”中有{piece.marks}个分值标注，可能是几条内容连在了一起；"
                             f"按原样读作一条（{format_points(piece.points.value)}分）。", Severity.WARNING)

    # -- schemes -----------------------------------------------------------------------------

    def schemes(self, text: str, document_number: str) -> list[Scheme]:
        tables = [t for t in self.tables if t.dimensions] or self.tables[:1]
        years = [int(m.group(1)) for t in tables if t.title and (m := _YEAR.search(t.title))]
        fallback = years[0] if years else None
        if fallback is None and (m := _ANY_YEAR.search(text)):
            fallback = int(m.group(1))
        schemes = []
        for index, table in enumerate(tables):
            line = table.title_line or table.header_line
            year_match = _YEAR.search(table.title) if table.title else None
            year = int(year_match.group(1)) if year_match else fallback
            if year is None:
                self.report("text-no-year", f"第{index + 1}张表的标题和全文都没有写明年度“(YYYY年度)”，年度记为0。",
                            line=line)
                year = 0
            title = table.title or MISSING_TITLE
            if not table.title:
                self.report("text-no-title", f"第{index + 1}张表（从第{table.header_line}行起）没有标题行，"
                            f"标题记为“{MISSING_TITLE}”。", Severity.WARNING, line=table.header_line)
            points = [d.points for d in table.dimensions if d.points is not None]
            if table.dimensions and not points:
                self.report("text-no-total", f"第{index + 1}张表的一级指标都没有分值，无法得出总分。", line=line)
            total = sum(points, Decimal(0))
            scheme = Scheme(name=f"table{index + 1}-{year}", title=title, year=year, total=total,
                            source=document_number, dimensions=table.dimensions,
                            location=Location(file=self.filename, line=line))
            if index < len(self.templates):
                template = self.templates[index]
                scheme.name = template.name
                if not table.title:
                    scheme.title = template.title
                scheme.audience = template.audience
                scheme.units = list(template.units)
                scheme.groups = {k: list(v) for k, v in template.groups.items()}
                scheme.aliases = dict(template.aliases)
                scheme.departments = list(template.departments)
            for node in scheme.walk():
                if node.level is not Level.ITEM and node.is_leaf and not node.content:
                    self.report_node(node, "text-no-content",
                                     f"{node.level.label}“{short(node.title) or '（无标题）'}”没有考核内容。",
                                     Severity.WARNING)
            assign_codes(scheme)
            schemes.append(scheme)
        return schemes

    def materialize(self, schemes: list[Scheme]) -> list[Finding]:
        paths: dict[int, tuple[str, str]] = {}
        for scheme in schemes:
            for node, parents in scheme.walk_with_parents():
                paths[id(node)] = (node.code, title_path(parents, node))
        result = []
        for pending in self.node_findings:
            code, path = paths.get(id(pending.node), ("", ""))
            result.append(Finding(code=pending.code, severity=pending.severity, message=pending.message,
                                  node_code=code, path=path, location=pending.node.location,
                                  origin=pending.node.origin, declared=pending.declared,
                                  actual=pending.actual))
        return result


# -- entry points ------------------------------------------------------------------------------

def _header_line(text: str) -> bool:
    return any("\t" in line and _is_header(line.split("\t")) for line in _LINES.split(text))


def looks_like_official_text(text: str) -> bool:
    """True when a header row '序号<TAB>一级指标…' is present."""
    return _header_line(text)


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return "\x00" in text or controls > max(2, len(text) // 100)


def parse_official_text(text: str, filename: str | None = None,
                        templates: list[Scheme] | None = None) -> ReadResult:
    """One draft scheme per table of the official text conversion, plus the reader's findings.

    `templates[i]` (optional) gives the i-th draft its name, audience, units, groups, aliases and
    departments (and its title when the source's is missing).
    """
    where = Location(file=filename)
    if not text.strip():
        raise FormatError("文件为空", where)
    text = text.removeprefix("\ufeff")
    if _looks_binary(text):
        raise FormatError("这是二进制文件，不是文本文件", where)
    if not _header_line(text):
        raise FormatError("不是官方指标体系文本：没有找到表头“序号 一级指标 …”", where)
    reader = _Reader(filename, templates)
    try:
        return reader.read(text)
    except FormatError:
        raise
    except Exception as error:  # a reader bug must still reach the user as a located message
        raise FormatError(f"无法读取这一行（{type(error).__name__}: {error}）",
                          Location(file=filename, line=reader.line or None)) from error


def read_official_text(path: str | Path, templates: list[Scheme] | None = None) -> ReadResult:
    path = Path(path)
    return parse_official_text(decode_text(path), str(path), templates)


__all__ = ["looks_like_official_text", "parse_official_text", "read_official_text",
           "parse_label", "parse_content", "split_departments", "clean"]
