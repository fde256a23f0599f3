"""Writing a department's scoring sheet (`write_sheet`): the grid "评分" a scorer fills in, the
proposals of the 平时考核台账 ("台账建议", when there are any: one row per task, with the accept
cell), and the very hidden manifest "kaohe" (`manifest.rows`).

Every text cell is written through `kaohe.formats.cells.write_text` (formula injection).
"""

from __future__ import annotations

import io
import uuid
from copy import copy
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.points import format_points
from kaohe.formats.cells import safe_text, wrapped_line_count, write_text
from kaohe.formats.printing import a4, first_sheet
from kaohe.formats.scoring_sheet import manifest
from kaohe.formats.scoring_sheet.layout import (
    CODE_COLUMN,
    CODE_ROW,
    CRITERION_COLUMN,
    FIRST_ROW,
    FIRST_UNIT_COLUMN,
    HEADER_ROW,
    INSTRUCTIONS,
    ITEM_COLUMN,
    MANIFEST,
    MAXIMUM_COLUMN,
    NOTE_ROW,
    P_ACCEPT,
    P_DEDUCTED,
    P_ENTRIES,
    P_ITEM,
    P_ITEM_CODE,
    P_MAXIMUM,
    P_POINTS,
    P_UNIT,
    P_UNIT_CODE,
    POINTS_WIDTH,
    PRINT_SCALE,
    PROPOSAL_COLUMNS,
    PROPOSAL_ENTRIES_TEXT,
    PROPOSAL_FIRST_ROW,
    PROPOSAL_HEADER_ROW,
    PROPOSAL_HEADERS,
    PROPOSAL_INSTRUCTIONS,
    PROPOSAL_ITEM_TEXT,
    PROPOSAL_NOTE_ROW,
    PROPOSAL_TITLE_ROW,
    PROPOSAL_WIDTHS,
    PROPOSALS,
    PROPOSED_NOTE,
    REASON_WIDTH,
    SHEET,
    TITLE_ROW,
    UNIT_ROW,
    WIDTHS,
    ProposalLine,
    SheetData,
    SheetProposal,
    SheetRow,
    points_column,
    proposal_order,
    shown_number,
)

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
_PROPOSED_FILL = PatternFill("solid", fgColor="DDEBF7")  # a points cell the ledger proposes a score for
_UNLOCKED = Protection(locked=False)


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
    if sheet.proposals:
        note += PROPOSED_NOTE
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
    "points_proposed": {"alignment": _CENTER, "protection": _UNLOCKED, "fill": _PROPOSED_FILL},
    "points_read_only_proposed": {"alignment": _CENTER, "fill": _PROPOSED_FILL},
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
        cell = ws.cell(row=number, column=MAXIMUM_COLUMN, value=shown_number(item.maximum))
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
            proposed = "_proposed" if (unit_code, item.code) in sheet.proposals else ""
            styles.apply(points, points_kind + proposed)
            styles.apply(reason, reason_kind)
            if value[0] is not None:
                points.value = shown_number(value[0])
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


def entries_text(proposal: SheetProposal) -> str:
    """The findings under a proposal, one a line, cut at `PROPOSAL_ENTRIES_TEXT` characters."""
    lines = [_entry_line(line) for line in proposal.entries]
    for shown in range(len(lines), 0, -1):
        rest = len(lines) - shown
        text = "\n".join(lines[:shown]) + (f"\n……等{len(lines)}条，详见台账" if rest else "")
        if len(text) <= PROPOSAL_ENTRIES_TEXT:
            return text
    return f"共{len(lines)}条，详见台账"


def _entry_line(line: ProposalLine) -> str:
    points = f" {line.kind}{format_points(line.points)}分" if line.points is not None else f" {line.kind}"
    document = f"（{line.document}）" if line.document else ""
    return f"{line.date.isoformat()}{points} {line.reason}{document}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _write_proposals(ws: Worksheet, sheet: SheetData) -> None:
    """The sheet "台账建议": one row per proposal, in the grid's order; "采纳" is the only input."""
    body = Font(name=FONT, size=BODY_SIZE)
    bold = Font(name=FONT, size=BODY_SIZE, bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    last = get_column_letter(PROPOSAL_COLUMNS)
    _text(ws, PROPOSAL_TITLE_ROW, P_UNIT, f"{sheet.cycle_name} · {sheet.department_name} · 平时考核台账建议得分",
          font=Font(name=FONT, size=TITLE_SIZE, bold=True), alignment=Alignment(horizontal="left", vertical="center"),
          border=False)
    ws.merge_cells(f"C{PROPOSAL_TITLE_ROW}:{last}{PROPOSAL_TITLE_ROW}")
    ws.row_dimensions[PROPOSAL_TITLE_ROW].height = _height(1, TITLE_SIZE) + 4
    note = "只读副本，不能上传。" if sheet.read_only else PROPOSAL_INSTRUCTIONS
    _text(ws, PROPOSAL_NOTE_ROW, P_UNIT, note, font=Font(name=FONT, size=9, color="595959"),
          alignment=Alignment(horizontal="left", vertical="center", wrap_text=True), border=False)
    ws.merge_cells(f"C{PROPOSAL_NOTE_ROW}:{last}{PROPOSAL_NOTE_ROW}")
    room = sum(width for column, width in PROPOSAL_WIDTHS.items() if column >= P_UNIT)
    ws.row_dimensions[PROPOSAL_NOTE_ROW].height = _height(wrapped_line_count(note, room, 9), 9)
    for column, label in PROPOSAL_HEADERS.items():
        _text(ws, PROPOSAL_HEADER_ROW, column, label, font=bold, alignment=center, fill=_HEADER_FILL)
        ws.column_dimensions[get_column_letter(column)].width = PROPOSAL_WIDTHS[column]
    for column in (P_UNIT_CODE, P_ITEM_CODE):
        ws.column_dimensions[get_column_letter(column)].hidden = True

    units = dict(sheet.units)
    items = {row.code: row for row in sheet.rows}
    accept_cells = []
    for number, ((unit_code, item_code), proposal) in enumerate(proposal_order(sheet), start=PROPOSAL_FIRST_ROW):
        item = items[item_code]
        entries = entries_text(proposal)
        texts = {P_UNIT_CODE: unit_code, P_ITEM_CODE: item_code, P_UNIT: units.get(unit_code, unit_code),
                 P_ITEM: f"{item_code} {_cut(item.title, PROPOSAL_ITEM_TEXT)}", P_ENTRIES: entries}
        for column, text in texts.items():
            _text(ws, number, column, text, font=body, alignment=left)
        for column, points in ((P_MAXIMUM, item.maximum), (P_DEDUCTED, proposal.deducted), (P_POINTS, proposal.points)):
            cell = ws.cell(row=number, column=column, value=shown_number(points))
            cell.font, cell.alignment, cell.border = bold if column == P_POINTS else body, center, _BORDER
        accept = ws.cell(row=number, column=P_ACCEPT)
        accept.font, accept.alignment, accept.border = body, center, _BORDER
        if not sheet.read_only:
            accept.fill, accept.protection = _INPUT_FILL, _UNLOCKED
            accept_cells.append((P_ACCEPT, number))
        lines = max(wrapped_line_count(safe_text(entries), PROPOSAL_WIDTHS[P_ENTRIES]),
                    wrapped_line_count(safe_text(texts[P_ITEM]), PROPOSAL_WIDTHS[P_ITEM]))
        ws.row_dimensions[number].height = _height(lines)
    if accept_cells:
        ws.add_data_validation(DataValidation(
            sqref=_ranges(accept_cells), type="list", formula1='"采纳"', allow_blank=True, showErrorMessage=True,
            errorStyle="stop", errorTitle="只能选择“采纳”", error="采纳台账建议请选择“采纳”，不采纳请留空。"))
    ws.freeze_panes = ws.cell(row=PROPOSAL_FIRST_ROW, column=P_UNIT).coordinate
    ws.print_title_rows = f"{PROPOSAL_HEADER_ROW}:{PROPOSAL_HEADER_ROW}"
    ws.print_area = f"C1:{last}{max(PROPOSAL_HEADER_ROW, PROPOSAL_FIRST_ROW + len(sheet.proposals) - 1)}"
    a4(ws, fit_width=True, centered=False,
       margins={"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6, "header": 0.3, "footer": 0.3})
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def write_sheet(sheet: SheetData) -> bytes:
    """The department's scoring sheet as xlsx bytes."""
    generated_at = sheet.generated_at or datetime.now().astimezone()
    sheet_id = sheet.sheet_id or uuid.uuid4().hex
    data = replace(sheet, generated_at=generated_at, sheet_id=sheet_id)
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = SHEET
    last_column = max(points_column(len(data.units)) - 1, MAXIMUM_COLUMN)
    _write_headers(ws, data, last_column)
    _write_rows(ws, data)
    _page_setup(ws, last_column, FIRST_ROW + len(data.rows) - 1 if data.rows else HEADER_ROW)

    if data.proposals:
        _write_proposals(wb.create_sheet(PROPOSALS), data)

    hidden = wb.create_sheet(MANIFEST)
    hidden.sheet_state = "veryHidden"
    for number, values in enumerate(manifest.rows(data, sheet_id, generated_at.isoformat()), start=1):
        for column, value in enumerate(values, start=1):
            write_text(hidden.cell(row=number, column=column), value)
    hidden.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = f"{data.cycle_name} · {data.department_name} · 评分表"
    wb.properties.creator = "Kaohe"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
