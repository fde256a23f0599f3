"""A department's offline scoring sheet (xlsx): written for download, read back on upload.

Pure: no Django. `kaohe.cycles.sheets` fills a `SheetData` from the database and applies what
`read_sheet` returns.

Layout of the sheet "评分" (what the scorer sees; A4 landscape, panes frozen at E6):

    row 1   title: cycle · department · 评分表 (merged over the table)
    row 2   how to fill it in, when it was downloaded (merged)
    row 3   hidden: the unit code above both of each unit's columns
    row 4   三级指标 · 考核内容 · 满分 (merged over rows 4-5) · one unit name merged over its two columns
    row 5   得分 · 扣分理由 under each unit
    row 6…  one row per item: hidden column A holds the item code, B the criterion (merged over
            consecutive items of the same criterion), C the item, D the maximum; then per unit
            得分 (points: data validation decimal 0..maximum) and 扣分理由 (reason, text format).

Only the points and reason cells of applicable (unit, item) pairs are unlocked; the sheet is
protected (no password: it prevents accidents, it is not a security boundary) and so is the
workbook structure; columns and rows may still be resized. Not applicable cells are grey.

The very hidden sheet "kaohe" is the manifest, one fact per row, all cells text:

    format   kaohe-scoring-sheet   1
    cycle    <id>                  <name>
    department <code>              <name>
    sheet    <generated uuid>      <generated at, ISO>
    step     <cycle step>
    read_only 0|1
    item     <row>  <item code>  <maximum>
    unit     <points column> <reason column> <unit code> <unit name>
    value    <unit code> <item code> <points as downloaded or ''> <version> <reason as downloaded>

`read_sheet` checks the structure against the manifest (the item code in column A of every
row, the unit codes in row 3) and returns, for every applicable cell pair, what the sheet holds
now and what it held when downloaded (with the version), so the caller can skip unchanged cells
and detect conflicts. Unreadable or tampered files raise `FormatError`; a cell whose points
cannot be read (text, a formula, a date) is returned with an error at that cell, so every such
cell can be reported at once. Points are read as Decimal from typed numbers (floats as Excel
stores them: see `read_points`) or from text such as "1.5"; range, step and places are the
caller's to check (`kaohe.cycles.scoring.validate`). The file is read in openpyxl's read-only
mode (fast for big sheets; nothing is evaluated) after checking it is a sane zip.

Every text cell is written through `kaohe.formats.cells.write_text` (formula injection).
"""

from __future__ import annotations

import io
import math
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.points import format_points
from kaohe.core.scheme import Location
from kaohe.formats.cells import (
    EXCEL_ROWS,
    MAX_UNCOMPRESSED,
    cell_text,
    safe_text,
    wrapped_line_count,
    write_text,
)
from kaohe.formats.errors import BROKEN_ZIP, FormatError
from kaohe.formats.printing import a4

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

FONT = "宋体"
BODY_SIZE = 10.5
TITLE_SIZE = 14
LINE_HEIGHT = 1.35
PADDING = 6.0

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
_NOT_APPLICABLE_FILL = PatternFill("solid", fgColor="BFBFBF")
_UNLOCKED = Protection(locked=False)

INSTRUCTIONS = ("请只在浅黄色单元格中填写得分和扣分理由（低于满分须填写扣分理由）；灰色为不适用。"
                "请勿增删、移动行列，也不要使用公式。")


# -- data ------------------------------------------------------------------------------------

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


# -- writing ---------------------------------------------------------------------------------

def _height(lines: int, size: float = BODY_SIZE) -> float:
    return min(round(lines * size * LINE_HEIGHT + PADDING, 1), 409)


def _text(ws: Worksheet, row: int, column: int, value: Any, *, font: Font, alignment: Alignment,
          fill: PatternFill | None = None, border: bool = True) -> None:
    cell = ws.cell(row=row, column=column)
    write_text(cell, value)
    cell.font = font
    cell.alignment = alignment
    if fill is not None:
        cell.fill = fill
    if border:
        cell.border = _BORDER


def _criterion_spans(rows: list[SheetRow]) -> list[tuple[int, int]]:
    """(first, last) indexes of runs of consecutive rows with the same criterion title."""
    spans: list[tuple[int, int]] = []
    for index, row in enumerate(rows):
        if spans and rows[spans[-1][0]].criterion == row.criterion:
            spans[-1] = (spans[-1][0], index)
        else:
            spans.append((index, index))
    return spans


def _write_headers(ws: Worksheet, sheet: SheetData, last_column: int) -> None:
    body = Font(name=FONT, size=BODY_SIZE)
    bold = Font(name=FONT, size=BODY_SIZE, bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    last = get_column_letter(last_column)

    title = f"{sheet.cycle_name} · {sheet.department_name} · 评分表"
    _text(ws, TITLE_ROW, CRITERION_COLUMN, title, font=Font(name=FONT, size=TITLE_SIZE, bold=True),
          alignment=Alignment(horizontal="left", vertical="center"), border=False)
    ws.merge_cells(f"B{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.row_dimensions[TITLE_ROW].height = _height(1, TITLE_SIZE) + 4

    generated = sheet.generated_at.strftime("%Y-%m-%d %H:%M") if sheet.generated_at else ""
    note = f"{sheet.note} " if sheet.note else ""
    if sheet.read_only:
        note += "只读副本，不能上传。"
    else:
        note += INSTRUCTIONS
    note += f"（下载时间 {generated}，评分步长 {format_points(sheet.step)} 分）"
    _text(ws, NOTE_ROW, CRITERION_COLUMN, note, font=Font(name=FONT, size=9, color="595959"),
          alignment=Alignment(horizontal="left", vertical="center", wrap_text=True), border=False)
    ws.merge_cells(f"B{NOTE_ROW}:{last}{NOTE_ROW}")
    room = sum(WIDTHS[c] for c in (CRITERION_COLUMN, ITEM_COLUMN, MAXIMUM_COLUMN)) + \
        len(sheet.units) * (POINTS_WIDTH + REASON_WIDTH)
    ws.row_dimensions[NOTE_ROW].height = _height(wrapped_line_count(note, min(room, 130), 9), 9)

    _text(ws, CODE_ROW, CODE_COLUMN, "编码", font=body, alignment=center)
    ws.row_dimensions[CODE_ROW].hidden = True

    for column, label in ((CODE_COLUMN, "编码"), (CRITERION_COLUMN, "三级指标"), (ITEM_COLUMN, "考核内容"),
                          (MAXIMUM_COLUMN, "满分")):
        _text(ws, UNIT_ROW, column, label, font=bold, alignment=center, fill=_HEADER_FILL)
        ws.cell(row=HEADER_ROW, column=column).border = _BORDER
        ws.merge_cells(start_row=UNIT_ROW, start_column=column, end_row=HEADER_ROW, end_column=column)
    name_lines = 1
    for index, (code, name) in enumerate(sheet.units):
        column = points_column(index)
        for offset in (0, 1):
            _text(ws, CODE_ROW, column + offset, code, font=body, alignment=center)
        _text(ws, UNIT_ROW, column, name, font=bold, alignment=center, fill=_HEADER_FILL)
        ws.cell(row=UNIT_ROW, column=column + 1).border = _BORDER
        ws.merge_cells(start_row=UNIT_ROW, start_column=column, end_row=UNIT_ROW, end_column=column + 1)
        name_lines = max(name_lines, wrapped_line_count(safe_text(name), POINTS_WIDTH + REASON_WIDTH))
        _text(ws, HEADER_ROW, column, "得分", font=bold, alignment=center, fill=_HEADER_FILL)
        _text(ws, HEADER_ROW, column + 1, "扣分理由", font=bold, alignment=center, fill=_HEADER_FILL)
        ws.column_dimensions[get_column_letter(column)].width = POINTS_WIDTH
        ws.column_dimensions[get_column_letter(column + 1)].width = REASON_WIDTH
    ws.row_dimensions[UNIT_ROW].height = _height(name_lines)
    ws.row_dimensions[HEADER_ROW].height = _height(1)
    for column, width in WIDTHS.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.column_dimensions["A"].hidden = True


_BODY = Font(name=FONT, size=BODY_SIZE)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_CELL_STYLES: dict[str, dict[str, Any]] = {
    "code": {"font": Font(name=FONT, size=9, color="808080"), "alignment": _CENTER},
    "label": {"alignment": Alignment(horizontal="left", vertical="center", wrap_text=True)},
    "number": {"alignment": _CENTER},
    "blank": {},
    "not_applicable": {"fill": _NOT_APPLICABLE_FILL},
    "points": {"alignment": _CENTER, "protection": _UNLOCKED, "fill": _INPUT_FILL},
    "reason": {"alignment": Alignment(horizontal="left", vertical="top", wrap_text=True), "protection": _UNLOCKED,
               "fill": _INPUT_FILL, "number_format": "@"},  # typed text stays text, even "=…" or "-…"
    "points_read_only": {"alignment": _CENTER},
    "reason_read_only": {"alignment": Alignment(horizontal="left", vertical="top", wrap_text=True),
                         "number_format": "@"},
}


class _Styles:
    """Each kind of body cell is styled once; later cells of the kind copy that style. (openpyxl
    hashes every style object on assignment, which otherwise dominates writing a big sheet.)"""

    def __init__(self) -> None:
        self._arrays: dict[str, Any] = {}

    def apply(self, cell: Any, kind: str) -> None:
        array = self._arrays.get(kind)
        if array is not None:
            cell._style = copy(array)
            return
        cell.font, cell.border = _BODY, _BORDER
        for name, value in _CELL_STYLES[kind].items():
            setattr(cell, name, value)
        self._arrays[kind] = copy(cell._style)


def _write_rows(ws: Worksheet, sheet: SheetData) -> None:
    styles = _Styles()
    validated: dict[Decimal, list[tuple[int, int]]] = {}  # maximum → (column, row) of points cells
    heights: dict[int, float] = {}
    spans = _criterion_spans(sheet.rows)
    span_of = {index: span for span in spans for index in range(span[0], span[1] + 1)}
    points_kind, reason_kind = ("points_read_only", "reason_read_only") if sheet.read_only else ("points", "reason")

    for index, item in enumerate(sheet.rows):
        number = FIRST_ROW + index
        cell = ws.cell(row=number, column=CODE_COLUMN)
        styles.apply(cell, "code")
        write_text(cell, item.code)
        cell = ws.cell(row=number, column=CRITERION_COLUMN)
        if span_of[index][0] == index:
            styles.apply(cell, "label")
            write_text(cell, item.criterion)
        else:
            styles.apply(cell, "blank")
        cell = ws.cell(row=number, column=ITEM_COLUMN)
        styles.apply(cell, "label")
        write_text(cell, item.title)
        cell = ws.cell(row=number, column=MAXIMUM_COLUMN, value=_number(item.maximum))
        styles.apply(cell, "number")
        lines = wrapped_line_count(safe_text(item.title), WIDTHS[ITEM_COLUMN])
        if span_of[index] == (index, index):
            lines = max(lines, wrapped_line_count(safe_text(item.criterion), WIDTHS[CRITERION_COLUMN]))
        for unit_index, (unit_code, _name) in enumerate(sheet.units):
            column = points_column(unit_index)
            points = ws.cell(row=number, column=column)
            reason = ws.cell(row=number, column=column + 1)
            value = sheet.values.get((unit_code, item.code))
            if value is None:
                styles.apply(points, "not_applicable")
                styles.apply(reason, "not_applicable")
                continue
            styles.apply(points, points_kind)
            styles.apply(reason, reason_kind)
            if value[0] is not None:
                points.value = _number(value[0])
            write_text(reason, value[1])
            lines = max(lines, wrapped_line_count(safe_text(value[1]), REASON_WIDTH))
            if not sheet.read_only:
                validated.setdefault(item.maximum, []).append((column, number))
        heights[number] = _height(lines)

    for first, last in spans:
        if last > first:
            ws.merge_cells(start_row=FIRST_ROW + first, start_column=CRITERION_COLUMN,
                           end_row=FIRST_ROW + last, end_column=CRITERION_COLUMN)
            need = _height(wrapped_line_count(safe_text(sheet.rows[first].criterion), WIDTHS[CRITERION_COLUMN]))
            have = sum(heights[FIRST_ROW + i] for i in range(first, last + 1))
            if need > have:
                extra = (need - have) / (last - first + 1)
                for i in range(first, last + 1):
                    heights[FIRST_ROW + i] = round(heights[FIRST_ROW + i] + extra, 1)
    for number, height in heights.items():
        ws.row_dimensions[number].height = min(height, 409)
    for maximum, cells in validated.items():
        ws.add_data_validation(_validation(maximum, _ranges(cells)))


def _ranges(cells: list[tuple[int, int]]) -> str:
    """Cells as few "E6:E9" ranges (runs of consecutive rows per column), space-separated."""
    runs: list[list[int]] = []  # [column, first row, last row]
    for column, row in sorted(cells):
        if runs and runs[-1][0] == column and runs[-1][2] == row - 1:
            runs[-1][2] = row
        else:
            runs.append([column, row, row])
    return " ".join(f"{get_column_letter(c)}{first}:{get_column_letter(c)}{last}" if last > first
                    else f"{get_column_letter(c)}{first}" for c, first, last in runs)


def _validation(maximum: Decimal, sqref: str) -> DataValidation:
    shown = format_points(maximum)
    return DataValidation(sqref=sqref, type="decimal", operator="between", formula1="0", formula2=shown, allow_blank=True,
                          showErrorMessage=True, errorStyle="stop", errorTitle="得分超出范围",
                          error=f"得分须在0到{shown}分之间。", showInputMessage=False)


def _number(value: Decimal) -> Decimal:
    """1.50 → 1.5, 2.00 → 2: what the cell shows."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _page_setup(ws: Worksheet, last_column: int, last_row: int) -> None:
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=FIRST_UNIT_COLUMN).coordinate
    ws.print_title_rows = f"{UNIT_ROW}:{HEADER_ROW}"
    ws.print_title_cols = "B:D"
    ws.print_area = f"B1:{get_column_letter(last_column)}{last_row}"
    a4(ws, fit_width=False, centered=False,
       margins={"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6, "header": 0.3, "footer": 0.3})
    ws.page_setup.pageOrder = "overThenDown"
    ws.page_setup.scale = PRINT_SCALE
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # resizing columns and rows stays possible
    ws.protection.formatRows = False


def _manifest_rows(sheet: SheetData, sheet_id: str, generated: str) -> Iterator[list[Any]]:
    yield ["format", FORMAT, FORMAT_VERSION]
    yield ["cycle", str(sheet.cycle_id), sheet.cycle_name]
    yield ["department", sheet.department_code, sheet.department_name]
    yield ["sheet", sheet_id, generated]
    yield ["step", str(sheet.step)]
    yield ["read_only", "1" if sheet.read_only else "0"]
    for index, item in enumerate(sheet.rows):
        yield ["item", str(FIRST_ROW + index), item.code, str(item.maximum)]
    for index, (code, name) in enumerate(sheet.units):
        column = points_column(index)
        yield ["unit", get_column_letter(column), get_column_letter(column + 1), code, name]
    for item in sheet.rows:
        for code, _name in sheet.units:
            value = sheet.values.get((code, item.code))
            if value is not None:
                points, reason, version = value
                yield ["value", code, item.code, "" if points is None else str(_number(points)), str(version),
                       reason or ""]


def write_sheet(sheet: SheetData) -> bytes:
    """The department's scoring sheet as xlsx bytes."""
    generated_at = sheet.generated_at or datetime.now().astimezone()
    sheet_id = sheet.sheet_id or uuid.uuid4().hex
    data = replace(sheet, generated_at=generated_at, sheet_id=sheet_id)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    last_column = max(points_column(len(data.units)) - 1, MAXIMUM_COLUMN)
    _write_headers(ws, data, last_column)
    _write_rows(ws, data)
    _page_setup(ws, last_column, FIRST_ROW + len(data.rows) - 1 if data.rows else HEADER_ROW)

    manifest = wb.create_sheet(MANIFEST)
    manifest.sheet_state = "veryHidden"
    for number, values in enumerate(_manifest_rows(data, sheet_id, generated_at.isoformat()), start=1):
        for column, value in enumerate(values, start=1):
            write_text(manifest.cell(row=number, column=column), value)
    manifest.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = f"{data.cycle_name} · {data.department_name} · 评分表"
    wb.properties.creator = "Kaohe"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -- reading ---------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NOT_OURS = "不是从本系统下载的评分表"


def _open(data: bytes, filename: str | None) -> Workbook:
    where = Location(file=filename)
    if not data:
        raise FormatError("文件为空", where)
    if data.startswith(_OLE_MAGIC):
        raise FormatError("这是旧版 Excel 97-2003（.xls）文件或加密的工作簿，请另存为 .xlsx 后再上传", where)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except BROKEN_ZIP:
        raise FormatError("不是 xlsx 工作簿（内容不是 Excel 文件）", where) from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise FormatError("是 zip 压缩包，但不是 xlsx 工作簿", where)
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED:
        raise FormatError(f"工作簿解压后过大，{NOT_OURS}", where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # WPS and Excel extensions openpyxl does not know
            return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds of errors for broken workbooks
        raise FormatError(f"xlsx 工作簿已损坏，无法读取（{type(error).__name__}）", where) from None


def _manifest(wb: Workbook, filename: str | None) -> dict[str, list[list[str]]]:
    if MANIFEST not in wb.sheetnames:
        raise FormatError(f"{NOT_OURS}：缺少隐藏的评分表信息，请下载评分表后在其中填写", Location(file=filename))
    facts: dict[str, list[list[str]]] = {}
    ws = wb[MANIFEST]
    ws.reset_dimensions()  # read every row, whatever the file says its size is
    for values in _rows(ws, MANIFEST, filename, values_only=True):
        texts = [cell_text(value) for value in values]
        if texts and texts[0]:
            facts.setdefault(texts[0], []).append(texts[1:])
    return facts


def _rows(ws: Any, sheet: str, filename: str | None, values_only: bool = False) -> Iterator[tuple[Any, ...]]:
    """The rows of a read-only sheet. openpyxl yields an empty row for every row number skipped,
    so a row numbered 99999999999 would take hours: past Excel's last row the file is refused."""
    for number, row in enumerate(ws.iter_rows(values_only=values_only), start=1):
        if number > EXCEL_ROWS:
            raise FormatError(f"行号超出了 Excel 的最大行数（{EXCEL_ROWS}），工作簿已损坏",
                              Location(file=filename, sheet=sheet))
        yield row


def _one(facts: dict[str, list[list[str]]], key: str, size: int, filename: str | None) -> list[str]:
    rows = facts.get(key) or []
    if len(rows) != 1 or len(rows[0]) < size:
        raise FormatError(f"{NOT_OURS}：隐藏的评分表信息不完整（{key}）", Location(file=filename, sheet=MANIFEST))
    return rows[0]


def _damaged(filename: str | None, message: str) -> FormatError:
    return FormatError(f"隐藏的评分表信息已损坏：{message}", Location(file=filename, sheet=MANIFEST))


def read_points(value: Any) -> Decimal | None:
    """A points cell's value as Decimal; raises ValueError with the message for the user.

    Floats come from how Excel stores numbers: 1.5 is exact, but 0.1+0.2 is stored as
    0.30000000000000004. A float within 1e-9 of its value rounded to six places is that value
    (`str(round(value, 6))`); anything else keeps all its digits, so the step check refuses it.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("得分必须是数字。")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("得分必须是数字。")
        rounded = Decimal(str(round(value, 6)))
        exact = Decimal(repr(value))
        return rounded if abs(exact - rounded) < Decimal("1e-9") else exact
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        text = value.strip().replace("\u3000", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"得分“{_short(text)}”不是数字。") from None
        if not number.is_finite():
            raise ValueError(f"得分“{_short(text)}”不是数字。")
        return number
    raise ValueError(f"得分“{_short(cell_text(value))}”不是数字（可能被识别成了日期或时间，请把单元格设为数字格式后重新填写）。")


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _is_formula(cell: Any) -> bool:
    return cell.data_type == "f" or type(cell.value).__name__ in ("ArrayFormula", "DataTableFormula")


def read_sheet(data: bytes, filename: str | None = None) -> UploadedSheet:
    """Read an uploaded scoring sheet; raises FormatError if it is not an intact sheet of ours."""
    wb = _open(data, filename)
    try:
        facts = _manifest(wb, filename)
        grid = _Grid(wb[SHEET], filename) if SHEET in wb.sheetnames else None
    except FormatError:
        raise
    except Exception as error:  # read-only workbooks parse lazily: a broken sheet fails here
        raise FormatError(f"xlsx 工作簿已损坏，无法读取（{type(error).__name__}）", Location(file=filename)) from None
    finally:
        wb.close()
    kind = _one(facts, "format", 2, filename)
    if kind[0] != FORMAT:
        raise FormatError(f"{NOT_OURS}（这是其他类型的工作簿）", Location(file=filename))
    if kind[1] != FORMAT_VERSION:
        raise FormatError("评分表的格式版本不受支持，请重新下载评分表", Location(file=filename))
    cycle = _one(facts, "cycle", 2, filename)
    department = _one(facts, "department", 2, filename)
    sheet_info = _one(facts, "sheet", 2, filename)
    step_text = _one(facts, "step", 1, filename)[0]
    read_only = _one(facts, "read_only", 1, filename)[0] == "1"
    try:
        cycle_id = int(cycle[0])
        step = Decimal(step_text)
    except (ValueError, InvalidOperation):
        raise _damaged(filename, "考核周期或评分步长不可读") from None

    items: dict[str, SheetRow] = {}
    item_rows: dict[str, int] = {}
    for fact in facts.get("item", []):
        try:
            number, code, maximum = int(fact[0]), fact[1], Decimal(fact[2])
        except (ValueError, IndexError, InvalidOperation):
            raise _damaged(filename, "考核内容清单不可读") from None
        items[code] = SheetRow(code, "", "", maximum)
        item_rows[code] = number
    units: dict[str, str] = {}
    unit_columns: dict[str, tuple[int, int]] = {}
    for fact in facts.get("unit", []):
        try:
            columns = (column_index_from_string(fact[0]), column_index_from_string(fact[1]))
            code, name = fact[2], fact[3]
        except (ValueError, IndexError):
            raise _damaged(filename, "单位清单不可读") from None
        units[code] = name
        unit_columns[code] = columns

    if grid is None:
        raise FormatError(f"找不到工作表“{SHEET}”：{NOT_OURS}，或工作表被改名", Location(file=filename))
    ws = grid
    for code, number in item_rows.items():
        found = cell_text(ws.cell(row=number, column=CODE_COLUMN).value).strip()
        if found != code:
            detail = f"应为考核内容 {code}，实为{' ' + found if found else '空行'}"
            raise FormatError(f"表格结构被改动（行被插入、删除或移动）：{detail}。请重新下载评分表填写",
                              Location(file=filename, sheet=SHEET, row=number, column="A"))
    last_row = max(item_rows.values(), default=HEADER_ROW)
    for number in range(last_row + 1, ws.max_row + 1):
        if cell_text(ws.cell(row=number, column=CODE_COLUMN).value).strip():
            raise FormatError("表格结构被改动：表格末尾多出了带编码的行。请重新下载评分表填写",
                              Location(file=filename, sheet=SHEET, row=number, column="A"))
    for code, columns in unit_columns.items():
        for column in columns:
            found = cell_text(ws.cell(row=CODE_ROW, column=column).value).strip()
            if found != code:
                raise FormatError(f"表格结构被改动（列被插入、删除或移动）：应为单位“{units[code]}”的列。"
                                  "请重新下载评分表填写",
                                  Location(file=filename, sheet=SHEET, row=CODE_ROW,
                                           column=get_column_letter(column)))

    sheet = UploadedSheet(cycle_id=cycle_id, cycle_name=cycle[1], department_code=department[0],
                          department_name=department[1], sheet_id=sheet_info[0], generated_at=sheet_info[1],
                          step=step, read_only=read_only, units=units, items=items)
    applicable: set[tuple[str, str]] = set()
    for fact in facts.get("value", []):
        try:
            unit_code, item_code, points_text, version_text = fact[0], fact[1], fact[2], fact[3]
            reason_text = fact[4] if len(fact) > 4 else ""
            downloaded = Decimal(points_text) if points_text else None
            version = int(version_text)
            number = item_rows[item_code]
            points_col, reason_col = unit_columns[unit_code]
        except (ValueError, IndexError, KeyError, InvalidOperation):
            raise _damaged(filename, "下载时的评分不可读") from None
        applicable.add((unit_code, item_code))
        sheet.cells.append(_read_cell(ws, unit_code, item_code, number, points_col, reason_col, downloaded,
                                      reason_text, version))

    for item_code, number in item_rows.items():
        for unit_code, (points_col, reason_col) in unit_columns.items():
            if (unit_code, item_code) in applicable:
                continue
            for column in (points_col, reason_col):
                if cell_text(ws.cell(row=number, column=column).value).strip():
                    sheet.problems.append(CellProblem(
                        cell_ref(number, column),
                        f"{units[unit_code]} · {item_code}：该考核内容不适用于这个单位，此格应留空。"))
    return sheet


class _Value(NamedTuple):
    value: Any = None
    data_type: str = "n"


class _Grid:
    """The non-empty cells of a read-only worksheet, read once, for access by row and column."""

    def __init__(self, ws: Any, filename: str | None = None) -> None:
        self._cells: dict[tuple[int, int], _Value] = {}
        ws.reset_dimensions()
        for row in _rows(ws, ws.title, filename):
            for cell in row:
                if getattr(cell, "value", None) is not None:
                    self._cells[(cell.row, cell.column)] = _Value(cell.value, cell.data_type)
        self.max_row = max((number for number, _column in self._cells), default=0)

    def cell(self, row: int, column: int) -> _Value:
        return self._cells.get((row, column), _EMPTY)


_EMPTY = _Value()


def _read_cell(ws: _Grid, unit_code: str, item_code: str, number: int, points_col: int, reason_col: int,
               downloaded: Decimal | None, downloaded_reason: str, version: int) -> UploadedCell:
    points_cell = ws.cell(row=number, column=points_col)
    reason_cell = ws.cell(row=number, column=reason_col)
    result = UploadedCell(unit_code=unit_code, item_code=item_code, points=None, reason="",
                          points_cell=cell_ref(number, points_col), reason_cell=cell_ref(number, reason_col),
                          downloaded_points=downloaded, downloaded_reason=_reason(downloaded_reason),
                          version=version)
    if _is_formula(points_cell):
        result.error, result.error_cell = "得分请直接填写数字，不要使用公式。", result.points_cell
    else:
        try:
            result.points = read_points(points_cell.value)
        except ValueError as error:
            result.error, result.error_cell = str(error), result.points_cell
    if _is_formula(reason_cell):
        if not result.error:
            result.error = "扣分理由被识别成了公式：以“=”“+”“-”开头的理由请在前面加英文单引号（'）。"
            result.error_cell = result.reason_cell
    else:
        result.reason = _reason(cell_text(reason_cell.value))
    return result


def _reason(text: str) -> str:
    return safe_text(text).strip()
