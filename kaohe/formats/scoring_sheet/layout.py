"""The scoring sheet's layout and the data that goes in and comes out (see the package's docstring)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from openpyxl.utils import get_column_letter

SHEET = "评分"
PROPOSALS = "台账建议"
MANIFEST = "kaohe"
FORMAT = "kaohe-scoring-sheet"
FORMAT_VERSION = "1"

TITLE_ROW, NOTE_ROW, CODE_ROW, UNIT_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3, 4, 5, 6
CODE_COLUMN, CRITERION_COLUMN, ITEM_COLUMN, MAXIMUM_COLUMN, FIRST_UNIT_COLUMN = 1, 2, 3, 4, 5
# Excel width units. Printed at 80% on A4 landscape, the item columns (repeated on every page)
# and four units fit across one page.
WIDTHS = {CODE_COLUMN: 10, CRITERION_COLUMN: 14, ITEM_COLUMN: 36, MAXIMUM_COLUMN: 5}
POINTS_WIDTH, REASON_WIDTH = 6, 14
PRINT_SCALE = 80

INSTRUCTIONS = ("请只在浅黄色单元格中填写得分和扣分理由（低于满分须填写扣分理由）；灰色为不适用。"
                "请勿增删、移动行列，也不要使用公式。")
PROPOSED_NOTE = "得分格为浅蓝色的，平时考核台账有建议得分，见工作表“台账建议”。"

# The sheet "台账建议": one row per task with a proposal, in the grid's order (item, then unit).
#   row 1 title, row 2 how to accept, row 3 headers, rows 4… the proposals; columns A and B
#   (hidden) hold the unit and item codes, I is the accept cell (the only unlocked one).
PROPOSAL_TITLE_ROW, PROPOSAL_NOTE_ROW, PROPOSAL_HEADER_ROW, PROPOSAL_FIRST_ROW = 1, 2, 3, 4
(P_UNIT_CODE, P_ITEM_CODE, P_UNIT, P_ITEM, P_MAXIMUM, P_DEDUCTED, P_POINTS, P_ENTRIES,
 P_ACCEPT) = range(1, 10)
PROPOSAL_COLUMNS = P_ACCEPT
PROPOSAL_HEADERS = {P_UNIT_CODE: "单位编码", P_ITEM_CODE: "内容编码", P_UNIT: "单位", P_ITEM: "考核内容",
                    P_MAXIMUM: "满分", P_DEDUCTED: "台账扣分", P_POINTS: "建议得分", P_ENTRIES: "已确认的台账记录",
                    P_ACCEPT: "采纳"}
PROPOSAL_WIDTHS = {P_UNIT_CODE: 10, P_ITEM_CODE: 10, P_UNIT: 12, P_ITEM: 30, P_MAXIMUM: 6, P_DEDUCTED: 8,
                   P_POINTS: 8, P_ENTRIES: 60, P_ACCEPT: 8}
ACCEPT = "采纳"
ACCEPT_WORDS = frozenset({"采纳", "是", "√", "✓", "✔"})  # what the accept cell may hold (or nothing)
PROPOSAL_ITEM_TEXT = 120  # the item's title is cut there in the proposals sheet
PROPOSAL_ENTRIES_TEXT = 1_500  # the entries' column is cut there ("…等n条，详见台账")
PROPOSAL_INSTRUCTIONS = (
    "下列评分任务在平时考核台账中有已确认的记录，建议得分＝满分－已确认的扣分（最低0分）。"
    "要按建议评分，请在该行“采纳”列选择“采纳”：上传后以建议得分评分，扣分理由为台账记录，"
    "并记下所依据的台账记录。不采纳的，“采纳”列留空，在工作表“评分”中照常填写得分和理由；"
    "同一项既采纳又在“评分”中改了得分的，上传时会提示错误。下载后台账有变化的建议不会被采纳，上传时会列出。")


class ProposalLine(NamedTuple):
    """One finding under a proposal, as the sheet lists it."""

    date: date
    kind: str  # in words: 扣分, 记录
    points: Decimal | None
    reason: str
    document: str


@dataclass(frozen=True)
class SheetProposal:
    """A task's proposal: its points, the deductions it takes off, the reason an accepted proposal
    saves (its digest travels in the manifest), and the findings it rests on."""

    points: Decimal
    deducted: Decimal
    reason: str
    entries: tuple[ProposalLine, ...] = ()


class SheetRow(NamedTuple):
    """One item: its code, the criterion and item titles as shown, and its maximum."""

    code: str
    criterion: str
    title: str
    maximum: Decimal


@dataclass
class SheetData:
    """What a department's sheet shows. `values` holds every applicable (unit code, item code)
    pair: (points or None, reason, version); a pair that is missing is not applicable."""

    cycle_id: int
    cycle_name: str
    department_code: str
    department_name: str
    units: list[tuple[str, str]]
    rows: list[SheetRow]
    values: dict[tuple[str, str], tuple[Decimal | None, str, int]]
    step: Decimal = Decimal("0.1")
    read_only: bool = False
    note: str = ""  # shown under the title, e.g. why the copy is read-only
    sheet_id: str = ""  # generated when empty
    generated_at: datetime | None = None  # now when None
    proposals: dict[tuple[str, str], SheetProposal] = field(default_factory=dict)  # (unit, item) → proposal


@dataclass
class UploadedCell:
    """One applicable (unit, item) pair as uploaded, beside what it was when downloaded."""

    unit_code: str
    item_code: str
    points: Decimal | None
    reason: str
    points_cell: str  # "评分!E6"
    reason_cell: str
    downloaded_points: Decimal | None
    downloaded_reason: str
    version: int
    error: str = ""  # the points (or reason) could not be read; at `error_cell`
    error_cell: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.error) or self.points != self.downloaded_points or self.reason != self.downloaded_reason


@dataclass
class AcceptedProposal:
    """A proposal the scorer marked as accepted, with what it was when downloaded."""

    unit_code: str
    item_code: str
    cell: str  # "台账建议!I4"
    points: Decimal
    digest: str  # of its reason (`reason_digest`)


@dataclass
class CellProblem:
    cell: str
    message: str


@dataclass
class UploadedSheet:
    cycle_id: int
    cycle_name: str
    department_code: str
    department_name: str
    sheet_id: str
    generated_at: str
    step: Decimal
    read_only: bool
    units: dict[str, str]  # code → name
    items: dict[str, SheetRow]
    cells: list[UploadedCell] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)  # e.g. a not applicable cell filled in
    accepted: list[AcceptedProposal] = field(default_factory=list)

    @property
    def changed(self) -> list[UploadedCell]:
        return [cell for cell in self.cells if cell.changed]


def cell_ref(row: int, column: int, sheet: str = SHEET) -> str:
    return f"{sheet}!{get_column_letter(column)}{row}"


def reason_digest(reason: str) -> str:
    """A short fingerprint of a proposal's reason: the manifest carries it, so an upload can tell
    whether the proposal changed since the download without storing the reason twice."""
    return hashlib.sha256(reason.encode()).hexdigest()[:16]


def points_column(index: int) -> int:
    return FIRST_UNIT_COLUMN + 2 * index



def shown_number(value: Decimal) -> Decimal:
    """1.50 → 1.5, 2.00 → 2: what the cell shows."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def proposal_order(sheet: SheetData) -> list[tuple[tuple[str, str], SheetProposal]]:
    """The proposals in the grid's order (item by item, unit by unit): the proposals sheet's rows."""
    return [((unit, item.code), sheet.proposals[(unit, item.code)]) for item in sheet.rows
            for unit, _name in sheet.units if (unit, item.code) in sheet.proposals]
