"""Reading schemes from an xlsx workbook: `read_xlsx` and `read_xlsx_bytes`.

Opens the file (refusing empty, .xls, non-zip and broken workbooks, and ones too big to read
(`limits`), with a `FormatError`), finds each table's header row by its text in every visible
sheet (序号 and 备注 may be missing, columns in any order; a title row above a repeated header
starts another table), forward-fills merged cells into `Row`s, builds a scheme per table
(`table`), applies the hidden metadata sheet to the table it belongs to (`metadata_apply`) and
defaults the name and, from title or file name, the year.

Reads the workbook, never changes it.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.check import Finding, Severity
from kaohe.core.codes import assign_codes
from kaohe.core.scheme import Location, Scheme
from kaohe.formats.cells import cell_text
from kaohe.formats.errors import FormatError
from kaohe.formats.files import read_bytes
from kaohe.formats.result import ReadResult
from kaohe.formats.xlsx_scheme.layout import HEADERS, METADATA_SHEET, REQUIRED
from kaohe.formats.xlsx_scheme.limits import check_extent, check_package
from kaohe.formats.xlsx_scheme.metadata_apply import Applier, MetaRow, read_metadata
from kaohe.formats.xlsx_scheme.table import Cell, Row, TableBuilder, build_tree
from kaohe.formats.xlsx_scheme.text import clean
from kaohe.formats.zipped import OLE_MAGIC


def _open_workbook(data: bytes, filename: str | None) -> Workbook:
    where = Location(file=filename)
    if not data:
        raise FormatError("文件为空", where)
    if data.startswith(OLE_MAGIC):
        raise FormatError("这是旧版 Excel 97-2003（.xls）文件或加密的工作簿，请另存为 .xlsx 后再导入", where)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise FormatError("不是 xlsx 工作簿：内容不是 Excel 文件（可能是改了扩展名的文本或其他文件）", where)
    check_package(data, filename)
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
    rows: list[Row] = field(default_factory=list)


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

    def row(self, number: int, columns: dict[str, int]) -> Row:
        cells: dict[str, Cell] = {}
        for key, column in columns.items():
            letter = get_column_letter(column)
            top = self.merged.get((number, column))
            if top is None:
                cells[key] = Cell(cell_text(self.value(number, column)), False, number, letter)
            elif top[1] != column or key == "content":
                cells[key] = Cell("", False, number, letter)  # merged sideways: blank here
            else:
                cells[key] = Cell(cell_text(self.value(*top)), True, top[0], letter)
        return Row(number, cells)

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


_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")


def _default_name(filename: str | None, index: int) -> str:
    stem = Path(filename).stem if filename else ""
    stem = re.sub(r"\s+", "-", stem.strip()).lower() or "scheme"
    return stem if index == 0 else f"{stem}-{index + 1}"


def _scheme_from_table(table: _Table, filename: str | None, index: int,
                       findings: list[Finding]) -> tuple[Scheme, TableBuilder]:
    builder = build_tree(table.rows, filename, table.sheet)
    findings.extend(builder.findings)
    if not builder.dimensions:
        findings.append(Finding(
            code="xlsx-empty-table", severity=Severity.WARNING, message="表头下面没有任何指标。",
            location=Location(file=filename, sheet=table.sheet, row=table.header_row)))
    title = clean(table.title)
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
    for ws in wb.worksheets:
        if isinstance(ws, Worksheet):
            check_extent(ws, filename)
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
    metadata: list[MetaRow] = []
    if METADATA_SHEET in wb.sheetnames and isinstance(wb[METADATA_SHEET], Worksheet):
        metadata = read_metadata(wb, filename, findings)
    sheet_name = next((m.value for m in metadata if m.code == "" and m.key == "sheet"), None)
    target = next((i for i, t in enumerate(tables) if t.sheet == sheet_name), None)
    if target is None and metadata and len(tables) == 1:
        target = 0
    for index, table in enumerate(tables):
        scheme, _ = _scheme_from_table(table, filename, index, findings)
        given: set[str] = set()
        if index == target:
            applier = Applier(scheme, filename, findings)
            applier.apply(metadata)
            given = applier.given
        if "year" not in given:
            _default_year(scheme, filename, table, findings)
        schemes.append(scheme)
    return ReadResult(schemes=schemes, findings=findings)


def read_xlsx(path: str | Path) -> ReadResult:
    path = Path(path)
    return read_xlsx_bytes(read_bytes(path), str(path))
