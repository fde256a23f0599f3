"""The row machine of the official-text reader: each table row's seven cells placed in the tree of
its table — labels found again or made anew, content items hung under the node that owns them,
variants of a merged criterion, items wrapped when an indicator gets a 三级指标 late — with every
finding about the row or a node. `reader` feeds it the rows line by line; `cells` parses the cells.
See the package docstring for the rules."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from kaohe.core.check import Finding, Severity
from kaohe.core.points import format_points
from kaohe.core.scheme import Level, Location, Node, short
from kaohe.formats.official_text.cells import (
    CONTENT,
    CRITERION,
    DEPARTMENT,
    DIMENSION,
    FINAL_PUNCT,
    HEADER,
    INDICATOR,
    LABEL_COLUMNS,
    NOTE,
    SEQ,
    Label,
    Piece,
    clean,
    label_key,
    last_child,
    numeral,
    parse_content,
    parse_label,
    split_departments,
)


@dataclass
class Table:
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
class NodeFinding:
    node: Node
    code: str
    severity: Severity
    message: str
    declared: str = ""
    actual: str = ""




class RowMachine:
    """The tables being built and where the reading is (line, page start); `row` places one row."""

    def __init__(self, filename: str | None, known_departments: list[str]):
        self.filename = filename
        self.known_departments = known_departments
        self.tables: list[Table] = []
        self.findings: list[Finding] = []
        self.node_findings: list[NodeFinding] = []
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
        self.node_findings.append(NodeFinding(node, code, severity, message, declared, actual))

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

    def check_label(self, node: Node, label: Label, what: str) -> None:
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
        return label_key(current.title, current.points) == label_key(label.title, label.points.value)

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

    def start_table(self, title: str | None, title_line: int | None, header_line: int) -> Table:
        table = Table(len(self.tables) + 1, title, title_line, header_line)
        self.tables.append(table)
        return table

    # -- one row -----------------------------------------------------------------------------

    def row(self, table: Table, cells: list[str]) -> Table:
        seq = numeral(cells[SEQ]) if cells[SEQ].strip() else None
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
                table.indicator = last_child(found.children, Level.INDICATOR)
                table.criterion = last_child(table.indicator.children, Level.CRITERION) if table.indicator else None
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
                table.criterion = last_child(found.children, Level.CRITERION)
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
                not note or label_key(note, None) == label_key(table.criterion.note, None))
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
            elif owner.level is Level.CRITERION and note and label_key(note, None) != label_key(owner.note, None):
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
        item_note = note if (not created and note and label_key(note, None) != label_key(owner.note, None)) else ""
        if not departments and not self.effective_departments(owner):
            self.report("text-no-department", f"该行的考核单位为空，“{short(owner.title) or '（无标题）'}”没有考核单位。",
                        Severity.WARNING)
        self.content(owner, cells[CONTENT], item_departments, item_note)
        return table

    def wrap_direct(self, table: Table, indicator: Node) -> None:
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
            self.node(Level.ITEM, owner.content.rstrip(FINAL_PUNCT), self.content_points.pop(id(owner), None),
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

    def check_item_marks(self, node: Node, piece: Piece) -> None:
        if piece.marks > 1:
            self.report_node(node, "text-merged-items",
                             f"考核内容“{short(piece.title)}”中有{piece.marks}个分值标注，可能是几条内容连在了一起；"
                             f"按原样读作一条（{format_points(piece.points.value)}分）。", Severity.WARNING)
