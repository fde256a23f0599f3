"""Reading an uploaded scoring sheet (`read_sheet`), with work bounded by the sheet's shape.

The file is streamed (`kaohe.formats.workbook`) in this order, each part stopping at the first
row, cell, string or element beyond what a sheet of the cycle can hold (`limits`): the shared
strings, the manifest (whose items and units must fit the cycle), then the grid, of which only
the cells inside the table are kept, then the proposals sheet ("台账建议", when the manifest lists
proposals), held to as many rows as the manifest has proposals. Nothing is evaluated; the
workbook is never built.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import IO, Any, NamedTuple

from openpyxl.utils import get_column_letter

from kaohe.core.points import PointsError, parse_typed
from kaohe.core.scheme import Location
from kaohe.formats.cells import cell_text, safe_text
from kaohe.formats.errors import FormatError
from kaohe.formats.scoring_sheet import limits
from kaohe.formats.scoring_sheet import manifest as manifests
from kaohe.formats.scoring_sheet.layout import (
    ACCEPT,
    ACCEPT_WORDS,
    CODE_COLUMN,
    CODE_ROW,
    MANIFEST,
    P_ACCEPT,
    P_ITEM_CODE,
    P_UNIT_CODE,
    PROPOSALS,
    SHEET,
    AcceptedProposal,
    CellProblem,
    SheetRow,
    UploadedCell,
    UploadedSheet,
    cell_ref,
)
from kaohe.formats.scoring_sheet.limits import SheetShape
from kaohe.formats.scoring_sheet.manifest import NOT_OURS, Manifest
from kaohe.formats.workbook import Package, Styles, cells, date_styles, shared_strings


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
    if isinstance(value, str):  # typed as text: the one rule for typed points (full-width digits, "。")
        try:
            return parse_typed(value)
        except PointsError as error:
            raise ValueError(f"{error}。") from None
    raise ValueError(f"得分“{_short(cell_text(value))}”不是数字（可能被识别成了日期或时间，请把单元格设为数字格式后重新填写）。")


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class _Value(NamedTuple):
    value: Any = None
    data_type: str = "n"


_EMPTY = _Value()


class _Grid:
    """The cells of the sheet "评分" inside the table (the hidden code row down to the last item,
    column A across to the last unit's reason), and the first row below the table that carries a
    code in column A."""

    def __init__(self, package: Package, strings: list[str], styles: Styles, read: Manifest) -> None:
        part = package.sheet(SHEET)
        assert part is not None
        last_row = max((row for row, _maximum in read.items.values()), default=CODE_ROW)
        last_column = max((columns[1] for columns in read.units.values()), default=CODE_COLUMN)
        self._cells: dict[tuple[int, int], _Value] = {}
        self.extra_code_row = 0
        # the manifest fits the cycle (`_check_fits`): the grid is held to the manifest's own shape
        own = SheetShape(units=len(read.units), items=len(read.items), values=len(read.values))
        for cell in cells(package, part, strings, styles, limits.grid(own)):
            if CODE_ROW <= cell.row <= last_row and cell.column <= last_column:
                self._cells[(cell.row, cell.column)] = _Value(cell.value, cell.data_type)
            elif cell.row > last_row and cell.column == CODE_COLUMN and not self.extra_code_row \
                    and cell_text(cell.value).strip():
                self.extra_code_row = cell.row

    def cell(self, row: int, column: int) -> _Value:
        return self._cells.get((row, column), _EMPTY)


class _Proposals:
    """The cells of the sheet "台账建议" in its code and accept columns, down to the last proposal,
    and the first row below them that carries a code."""

    def __init__(self, package: Package, strings: list[str], styles: Styles, read: Manifest) -> None:
        self._cells: dict[tuple[int, int], _Value] = {}
        self.extra_code_row = 0
        self.missing = False
        if not read.proposals:
            return
        part = package.sheet(PROPOSALS)
        if part is None:
            self.missing = True
            return
        last_row = max(row for row, _points, _digest in read.proposals.values())
        own = SheetShape(units=len(read.units), items=len(read.items), values=len(read.proposals))
        for cell in cells(package, part, strings, styles, limits.proposals(own)):
            if cell.column not in (P_UNIT_CODE, P_ITEM_CODE, P_ACCEPT):
                continue
            if cell.row <= last_row:
                self._cells[(cell.row, cell.column)] = _Value(cell.value, cell.data_type)
            elif cell.column == P_UNIT_CODE and not self.extra_code_row and cell_text(cell.value).strip():
                self.extra_code_row = cell.row

    def cell(self, row: int, column: int) -> _Value:
        return self._cells.get((row, column), _EMPTY)


def _facts(package: Package, strings: list[str], styles: Styles, shape: SheetShape) -> manifests.Facts:
    part = package.sheet(MANIFEST)
    if part is None:
        raise FormatError(f"{NOT_OURS}：缺少隐藏的评分表信息，请下载评分表后在其中填写", package.where())
    rows: dict[int, dict[int, str]] = {}
    for cell in cells(package, part, strings, styles, limits.manifest(shape)):
        if cell.column <= manifests.VALUE_COLUMNS:
            rows.setdefault(cell.row, {})[cell.column] = cell_text(cell.value)
    facts: manifests.Facts = {}
    for number in sorted(rows):
        texts = rows[number]
        if texts.get(1):
            facts.setdefault(texts[1], []).append([texts.get(c, "") for c in range(2, max(texts) + 1)])
    return facts


def _check_fits(read: Manifest, shape: SheetShape, filename: str | None) -> None:
    if len(read.items) > shape.items or len(read.units) > shape.units or len(read.values) > shape.values:
        raise FormatError(f"这份评分表有 {len(read.items)} 项考核内容、{len(read.units)} 个单位，"
                          f"比本考核周期任何考核部门的评分表都大（最多 {shape.items} 项、{shape.units} 个单位）："
                          "不是本周期下载的评分表，或隐藏的评分表信息已被改动", Location(file=filename, sheet=MANIFEST))


def read_sheet(data: bytes | IO[bytes], filename: str | None = None, shape: SheetShape | None = None) -> UploadedSheet:
    """Read an uploaded scoring sheet (its bytes, or a seekable binary file); raises FormatError if
    it is not an intact sheet of ours, or holds more than a sheet of `shape` (the cycle's largest
    department; any size Kaohe writes when None) can."""
    shape = shape or limits.ANY
    package = Package(data, filename, limits.budget(shape))
    try:
        strings = shared_strings(package, limits.budget(shape))
        styles = date_styles(package)
        read = manifests.parse(_facts(package, strings, styles, shape), filename)
        _check_fits(read, shape, filename)
        if package.sheet(SHEET) is None:
            raise FormatError(f"找不到工作表“{SHEET}”：{NOT_OURS}，或工作表被改名", Location(file=filename))
        grid = _Grid(package, strings, styles, read)
        proposals = _Proposals(package, strings, styles, read)
    finally:
        package.close()
    del strings
    _check_structure(grid, read, filename)
    _check_proposals(proposals, read, filename)
    sheet = _uploaded(grid, read)
    _accepted(sheet, proposals, read)
    return sheet


def _check_proposals(proposals: _Proposals, read: Manifest, filename: str | None) -> None:
    if proposals.missing:
        raise FormatError(f"找不到工作表“{PROPOSALS}”：工作表被删除或改名。请重新下载评分表填写", Location(file=filename))
    for (unit_code, item_code), (number, _points, _digest) in read.proposals.items():
        found = (cell_text(proposals.cell(number, P_UNIT_CODE).value).strip(),
                 cell_text(proposals.cell(number, P_ITEM_CODE).value).strip())
        if found != (unit_code, item_code):
            raise FormatError(f"工作表“{PROPOSALS}”的结构被改动（行被插入、删除或移动）。请重新下载评分表填写",
                              Location(file=filename, sheet=PROPOSALS, row=number, column="A"))
    if proposals.extra_code_row:
        raise FormatError(f"工作表“{PROPOSALS}”的结构被改动：末尾多出了带编码的行。请重新下载评分表填写",
                          Location(file=filename, sheet=PROPOSALS, row=proposals.extra_code_row, column="A"))


def _accepted(sheet: UploadedSheet, proposals: _Proposals, read: Manifest) -> None:
    """The proposals marked "采纳"; any other content of an accept cell is a problem at its cell."""
    for (unit_code, item_code), (number, points, digest) in read.proposals.items():
        where = cell_ref(number, P_ACCEPT, PROPOSALS)
        value = proposals.cell(number, P_ACCEPT)
        text = "" if value.data_type == "f" else cell_text(value.value).strip()
        if value.data_type == "f" or (text and text not in ACCEPT_WORDS):
            name = read.units[unit_code][2]
            sheet.problems.append(CellProblem(where, f"{name} · {item_code}：“{ACCEPT}”列只能选择“{ACCEPT}”或留空。"))
        elif text:
            sheet.accepted.append(AcceptedProposal(unit_code, item_code, where, points, digest))


def _check_structure(grid: _Grid, read: Manifest, filename: str | None) -> None:
    for code, (number, _maximum) in read.items.items():
        found = cell_text(grid.cell(number, CODE_COLUMN).value).strip()
        if found != code:
            detail = f"应为考核内容 {code}，实为{' ' + found if found else '空行'}"
            raise FormatError(f"表格结构被改动（行被插入、删除或移动）：{detail}。请重新下载评分表填写",
                              Location(file=filename, sheet=SHEET, row=number, column="A"))
    if grid.extra_code_row:
        raise FormatError("表格结构被改动：表格末尾多出了带编码的行。请重新下载评分表填写",
                          Location(file=filename, sheet=SHEET, row=grid.extra_code_row, column="A"))
    for code, (points_col, reason_col, name) in read.units.items():
        for column in (points_col, reason_col):
            found = cell_text(grid.cell(CODE_ROW, column).value).strip()
            if found != code:
                raise FormatError(f"表格结构被改动（列被插入、删除或移动）：应为单位“{name}”的列。"
                                  "请重新下载评分表填写",
                                  Location(file=filename, sheet=SHEET, row=CODE_ROW, column=get_column_letter(column)))


def _uploaded(grid: _Grid, read: Manifest) -> UploadedSheet:
    sheet = UploadedSheet(cycle_id=read.cycle_id, cycle_name=read.cycle_name, department_code=read.department_code,
                          department_name=read.department_name, sheet_id=read.sheet_id,
                          generated_at=read.generated_at, step=read.step, read_only=read.read_only,
                          units={code: name for code, (_p, _r, name) in read.units.items()},
                          items={code: SheetRow(code, "", "", maximum) for code, (_n, maximum) in read.items.items()})
    applicable: set[tuple[str, str]] = set()
    for value in read.values:
        applicable.add((value.unit_code, value.item_code))
        number = read.items[value.item_code][0]
        points_col, reason_col, _name = read.units[value.unit_code]
        sheet.cells.append(_read_cell(grid, value, number, points_col, reason_col))
    for item_code, (number, _maximum) in read.items.items():
        for unit_code, (points_col, reason_col, name) in read.units.items():
            if (unit_code, item_code) in applicable:
                continue
            for column in (points_col, reason_col):
                if cell_text(grid.cell(number, column).value).strip():
                    sheet.problems.append(CellProblem(
                        cell_ref(number, column), f"{name} · {item_code}：该考核内容不适用于这个单位，此格应留空。"))
    return sheet


def _read_cell(grid: _Grid, value: manifests.Value, number: int, points_col: int, reason_col: int) -> UploadedCell:
    points_cell = grid.cell(number, points_col)
    reason_cell = grid.cell(number, reason_col)
    result = UploadedCell(unit_code=value.unit_code, item_code=value.item_code, points=None, reason="",
                          points_cell=cell_ref(number, points_col), reason_cell=cell_ref(number, reason_col),
                          downloaded_points=value.points, downloaded_reason=_reason(value.reason),
                          version=value.version)
    if points_cell.data_type == "f":
        result.error, result.error_cell = "得分请直接填写数字，不要使用公式。", result.points_cell
    else:
        try:
            result.points = read_points(points_cell.value)
        except ValueError as error:
            result.error, result.error_cell = str(error), result.points_cell
    if reason_cell.data_type == "f":
        if not result.error:
            result.error = "扣分理由被识别成了公式：以“=”“+”“-”开头的理由请在前面加英文单引号（'）。"
            result.error_cell = result.reason_cell
    else:
        result.reason = _reason(cell_text(reason_cell.value))
    return result


def _reason(text: str) -> str:
    return safe_text(text).strip()

