"""Limits that keep a hostile workbook from taking all memory, or hours, while it is read.

openpyxl builds the whole workbook when it opens one: an object for every cell element and every
shared string, and for every cell a merge covers (A1:XFD1048576 is 17 billion of them). So before
openpyxl sees the file, `check_package` streams it (`kaohe.formats.workbook`) and stops at the
first thing beyond what a scheme table can hold (`BUDGET`: rows, cells, shared strings, text and
XML elements per part, the unpacked size); on the way it sums the cells under every merge and
finds each sheet's last used cell, since the reader walks every row and column up to it. The
limits are far above the largest scheme Kaohe knows (the 2018 county table has 96 rows × 7
columns, 266 merged cells and 1,672 cells in its hidden sheet; the benchmark's synthetic scheme of
2,000 criteria about 6,000 rows).
"""

from __future__ import annotations

from typing import IO

from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.scheme import Location
from kaohe.formats.cells import EXCEL_COLUMNS, EXCEL_ROWS, MAX_UNCOMPRESSED
from kaohe.formats.errors import FormatError
from kaohe.formats.workbook import (
    Budget,
    Package,
    SheetPart,
    TooBig,
    XmlStream,
    chunks,
    date_styles,
    shared_strings,
)

MAX_MERGED_CELLS = 200_000  # cells under all merges; the 2018 county table has 266
MAX_SHEET_CELLS = 1_000_000  # rows × columns up to a sheet's last used cell
MAX_ROWS = 50_000  # row elements per sheet
MAX_CELLS = 250_000  # cell elements per sheet, and shared strings
BUDGET = Budget(what="指标体系表", unpacked=MAX_UNCOMPRESSED, rows=MAX_ROWS, cells=MAX_CELLS, strings=MAX_CELLS,
                text=20_000_000, elements=8 * MAX_CELLS)


def check_package(data: bytes | IO[bytes], filename: str | None) -> None:
    """Refuse a workbook that holds more than a scheme table can, before openpyxl opens it."""
    package = Package(data, filename, BUDGET)
    try:
        shared_strings(package, BUDGET)  # bounded; openpyxl reads them again
        date_styles(package)  # bounded: at most so many styles
        merged = [0]
        for sheet in package.sheets:
            _scan(package, sheet, merged)
        scanned = {package.shared_strings_path, package.styles_path, *(sheet.path for sheet in package.sheets)}
        for name in package.members:
            if name not in scanned and name.endswith((".xml", ".rels", ".vml")):
                _count(package, name)
    finally:
        package.close()


def _count(package: Package, name: str) -> None:
    """Any other XML part openpyxl may build objects from (comments, drawings, tables): at most
    BUDGET's elements. A part that is not XML is left to openpyxl, which may ignore it."""
    try:
        xml = XmlStream(None, None, None, BUDGET, package.where())
        for chunk in chunks(package.open(name), package.where()):
            xml.feed(chunk)
        xml.feed(b"", final=True)
    except TooBig:
        raise
    except FormatError:
        return


def _scan(package: Package, sheet: SheetPart, merged: list[int]) -> None:
    """Count one sheet's rows and cells, add its merges to `merged`, and check its extent."""
    where = package.where(sheet.name)
    last = [0, 0]  # the last row and column a cell element names
    counts = [0, 0, 0]  # rows, cells, current row number

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "row":
            counts[0] += 1
            if counts[0] > MAX_ROWS:
                raise FormatError(f"工作表行数过多（超过 {MAX_ROWS} 行），不是指标体系表", where)
            counts[2] = _number(attrs.get("r"), counts[2] + 1)
        elif tag == "c":
            counts[1] += 1
            if counts[1] > MAX_CELLS:
                raise FormatError(f"工作表单元格过多（超过 {MAX_CELLS} 个），不是指标体系表", where)
            row, column = _position(attrs.get("r"), counts[2])
            last[0], last[1] = max(last[0], row), max(last[1], column)
            if last[0] * last[1] > MAX_SHEET_CELLS:
                raise FormatError(f"工作表范围过大：有内容或格式的单元格一直到第 {last[0]} 行、第 {last[1]} 列"
                                  f"（最多 {MAX_SHEET_CELLS} 个单元格），请删除表格以外的内容后再导入", where)
        elif tag == "mergeCell":
            ref = attrs.get("ref") or ""
            cells = _cells(ref)
            merged[0] += cells
            if merged[0] > MAX_MERGED_CELLS:
                raise FormatError(
                    f"合并单元格过多或过大：{ref[:40]} 合并了 {cells} 个单元格（整个工作簿最多 {MAX_MERGED_CELLS} 个），"
                    "请取消多余的合并后再导入", where)

    xml = XmlStream(start, None, None, BUDGET, where)
    for chunk in chunks(package.open(sheet.path), where):
        xml.feed(chunk)
    xml.feed(b"", final=True)


def _number(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default  # openpyxl refuses it when it opens the workbook


def _position(ref: str | None, row: int) -> tuple[int, int]:
    if not ref:
        return row, 1
    try:
        min_col, min_row, _max_col, _max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return row, 1  # openpyxl refuses it when it opens the workbook
    return min_row or row, min_col or 1


def check_extent(ws: Worksheet, filename: str | None) -> None:
    """After openpyxl opened the workbook: refuse a sheet whose last used cell makes rows ×
    columns too many to read (the streamed check sees cell elements; this sees what openpyxl made)."""
    rows, columns = ws.max_row, ws.max_column
    if rows * columns > MAX_SHEET_CELLS:
        raise FormatError(f"工作表范围过大：有内容或格式的单元格一直到第 {rows} 行、第 {columns} 列"
                          f"（最多 {MAX_SHEET_CELLS} 个单元格），请删除表格以外的内容后再导入",
                          Location(file=filename, sheet=ws.title))


def _cells(ref: str) -> int:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return 0  # openpyxl refuses it when it opens the workbook
    rows = EXCEL_ROWS if min_row is None or max_row is None else abs(max_row - min_row) + 1
    columns = EXCEL_COLUMNS if min_col is None or max_col is None else abs(max_col - min_col) + 1
    return rows * columns
