"""The scoring sheet's layout and the data that goes in and comes out (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from openpyxl.utils import get_column_letter

SHEET = "评分"
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

    @property
    def changed(self) -> list[UploadedCell]:
        return [cell for cell in self.cells if cell.changed]


def cell_ref(row: int, column: int) -> str:
    return f"{SHEET}!{get_column_letter(column)}{row}"


def points_column(index: int) -> int:
    return FIRST_UNIT_COLUMN + 2 * index



def shown_number(value: Decimal) -> Decimal:
    """1.50 → 1.5, 2.00 → 2: what the cell shows."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
