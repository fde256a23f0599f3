"""A department's ledger as an Excel sheet: the template it fills (`write_template`) and the rows
it uploads (`read_ledger`), one row an entry. Pure: no Django; the rules (units, items, points,
dates) are the ledger's (kaohe.ledger.rules), which check every row and store all or nothing.

The sheet "台账" has a header row naming the columns — 日期 · 被考核单位 · 考核内容编码 · 类型 ·
分值 · 事由 · 依据文件 — in any order (a column may also be headed by its English key); rows above
it are a title and notes, and empty rows are skipped. The template adds a sheet "说明" listing the
department's units and items, and a drop-down of the kinds (扣分 / 加分 / 记录).

Reading is bounded like every workbook reader (kaohe.formats.workbook): at most `MAX_ROWS`
entries, so many cells and strings, and at most the text those can hold; the file is streamed and
refused at the first thing beyond. A cell that cannot be read (a formula, an error value) is a
problem at its row; the caller adds the rules' problems and refuses the whole file if any.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kaohe.core.scheme import Location
from kaohe.formats.cells import cell_text, write_text
from kaohe.formats.errors import FormatError
from kaohe.formats.printing import a4, first_sheet, new_workbook
from kaohe.formats.scoring_sheet.reader import read_points
from kaohe.formats.workbook import Budget, Package, cells, date_styles, shared_strings

SHEET = "台账"
NOTES = "说明"
MAX_ROWS = 5_000  # entries in one file
MAX_COLUMNS = 30  # cells read per row (the seven columns and some room)
# (key, header): the columns, as the template writes them and the reader finds them
COLUMNS = (("date", "日期"), ("unit", "被考核单位"), ("item", "考核内容编码"), ("kind", "类型"),
           ("points", "分值"), ("reason", "事由"), ("document", "依据文件"))
REQUIRED = ("date", "unit", "kind", "reason")
HEADERS = {header: key for key, header in COLUMNS} | {key: key for key, _header in COLUMNS}
ALIASES = {"单位": "unit", "被考核单位名称": "unit", "单位编码": "unit", "考核内容": "item", "指标编码": "item",
           "扣分": "points", "分数": "points", "理由": "reason", "扣分理由": "reason", "依据": "document",
           "文件": "document", "文号": "document", "发现日期": "date"}
BUDGET = Budget("台账导入表", unpacked=20 * 1024 * 1024, rows=MAX_ROWS + 200, cells=(MAX_ROWS + 200) * MAX_COLUMNS,
                strings=(MAX_ROWS + 200) * MAX_COLUMNS, text=(MAX_ROWS + 200) * 4_000,
                elements=(MAX_ROWS + 200) * MAX_COLUMNS * 4)
KINDS = ("扣分", "加分", "记录")


@dataclass
class LedgerRow:
    """One entry as the sheet has it: the row number and the cells' values (text, a Decimal or
    a date), and what could not be read."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # column key → why


def read_ledger(source: bytes | IO[bytes], filename: str | None = None) -> list[LedgerRow]:
    """The entries of an uploaded ledger sheet. FormatError for a file that is not one (not an
    xlsx, no header row, too many rows)."""
    package = Package(source, filename, BUDGET)
    try:
        sheet = package.sheet(SHEET) or next((s for s in package.sheets if s.state == "visible"), None)
        if sheet is None:
            raise FormatError("工作簿中没有工作表", Location(file=filename))
        strings = shared_strings(package, BUDGET)
        styles = date_styles(package)
        grid: dict[int, dict[int, Any]] = {}
        for cell in cells(package, sheet, strings, styles, BUDGET):
            if cell.column > MAX_COLUMNS:
                continue
            grid.setdefault(cell.row, {})[cell.column] = (cell.value, cell.data_type)
    finally:
        package.close()
    return _rows(grid, filename, sheet.name)


def _header(grid: dict[int, dict[int, Any]]) -> tuple[int, dict[int, str]] | None:
    for number in sorted(grid)[:20]:  # the header is near the top
        found: dict[int, str] = {}
        for column, (value, _kind) in grid[number].items():
            name = cell_text(value).strip().replace(" ", "").replace("\u3000", "")
            key = HEADERS.get(name) or ALIASES.get(name)
            if key is not None and key not in found.values():
                found[column] = key
        if all(key in found.values() for key in REQUIRED):
            return number, found
    return None


def _rows(grid: dict[int, dict[int, Any]], filename: str | None, sheet: str) -> list[LedgerRow]:
    header = _header(grid)
    if header is None:
        names = "、".join(h for _k, h in COLUMNS)
        raise FormatError(f"找不到表头：第一行（或标题下的一行）应有列名 {names}", Location(file=filename, sheet=sheet))
    first, columns = header
    rows: list[LedgerRow] = []
    for number in sorted(n for n in grid if n > first):
        cells_ = {key: grid[number].get(column) for column, key in columns.items()}
        if all(cell is None or cell_text(cell[0]).strip() == "" for cell in cells_.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise FormatError(f"台账导入表最多{MAX_ROWS}行记录，请分成几个文件导入", Location(file=filename, sheet=sheet,
                                                                                 row=number))
        rows.append(_row(number, cells_))
    if not rows:
        raise FormatError("表中没有台账记录（表头下面是空的）", Location(file=filename, sheet=sheet))
    return rows


def _row(number: int, found: dict[str, Any]) -> LedgerRow:
    row = LedgerRow(number)
    for key, cell in found.items():
        if cell is None:
            row.values[key] = None
            continue
        value, kind = cell
        if kind == "f":
            row.problems[key] = "是公式，请填写数值或文字本身"
            continue
        if kind == "e":
            row.problems[key] = f"是错误值（{cell_text(value)}）"
            continue
        if key == "points":
            try:
                row.values[key] = read_points(value)
            except ValueError as error:
                row.problems[key] = str(error)
        elif key == "date":
            row.values[key] = value.date() if isinstance(value, datetime) else value if isinstance(value, date) \
                else cell_text(value)
        else:
            row.values[key] = cell_text(value)
    return row


# -- the template -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    """What a department's template lists: its units and items, and the cycle's step and year."""

    cycle_name: str
    department_name: str
    year: int
    step: Decimal
    units: list[tuple[str, str]]  # (code, name)
    items: list[tuple[str, str, Decimal]]  # (code, title, maximum)


def write_template(template: Template) -> bytes:
    """The sheet a department fills to import its ledger: the header, one example row's notes in
    the title rows, a kinds drop-down; "说明" lists the units and items it may use."""
    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = SHEET
    bold = Font(name="宋体", size=11, bold=True)
    write_text(ws.cell(row=1, column=1), f"{template.cycle_name} · {template.department_name} · 平时考核台账")
    ws.cell(row=1, column=1).font = Font(name="宋体", size=14, bold=True)
    write_text(ws.cell(row=2, column=1),
               f"每行一条记录。日期在{template.year}年之内，写成{template.year}-03-12；被考核单位写名称或编码；"
               "扣分和记录写考核内容编码（见“说明”表），加分不写；类型为扣分、加分或记录；"
               f"分值为{template.step.normalize():f}分的整数倍，记录不写分值；事由必填。")
    ws.cell(row=2, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    ws.row_dimensions[2].height = 48
    fill = PatternFill("solid", fgColor="DCE6F1")
    widths = {"date": 12, "unit": 16, "item": 14, "kind": 8, "points": 8, "reason": 48, "document": 22}
    for index, (key, header) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=3, column=index)
        write_text(cell, header)
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[get_column_letter(index)].width = widths[key]
        for row in range(4, 504):  # typed text stays text ("=…" too); dates and points may be typed as such
            if key in ("unit", "item", "kind", "reason", "document"):
                ws.cell(row=row, column=index).number_format = "@"
    kinds = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="类型", error="类型只能是扣分、加分或记录。")
    kinds.add("D4:D503")
    ws.add_data_validation(kinds)
    ws.freeze_panes = "A4"
    a4(ws)

    notes = wb.create_sheet(NOTES)
    write_text(notes.cell(row=1, column=1), "被考核单位")
    write_text(notes.cell(row=1, column=2), "单位编码")
    write_text(notes.cell(row=1, column=4), "考核内容编码")
    write_text(notes.cell(row=1, column=5), "考核内容")
    write_text(notes.cell(row=1, column=6), "分值")
    for column in (1, 2, 4, 5, 6):
        notes.cell(row=1, column=column).font = bold
    for number, (code, name) in enumerate(template.units, start=2):
        write_text(notes.cell(row=number, column=1), name)
        write_text(notes.cell(row=number, column=2), code)
    for number, (code, title, maximum) in enumerate(template.items, start=2):
        write_text(notes.cell(row=number, column=4), code)
        write_text(notes.cell(row=number, column=5), title)
        notes.cell(row=number, column=6, value=maximum)
    for letter, width in (("A", 18), ("B", 12), ("D", 14), ("E", 60), ("F", 6)):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
