"""The detail matrix: `detail_xlsx(report)` writes it in openpyxl's write-only mode, so memory
stays flat for thousands of items × dozens of units (no merged cells):

    row 1   "{title} 考核明细" ("{title}明细" when the title ends with 考核), not merged
    row 2   hidden: "单位编码" then each unit's code above its column
    row 3   编码 · 考核内容 · 满分 · one column per unit (name)
    row 4…  one row per item: code, title, maximum, then the points per unit — a number, blank
            when not scored yet, "—" when the item does not apply (the key is missing)
    last    得分合计 (points obtained over the unit's applicable items, unscored = 0) and
            满分合计 (maxima of the unit's applicable items)
    Panes frozen at D4; printed on A4 landscape at 9 pt and 100 %, from row 3: the title in the page
    header (whole on every page: the banner in A1 overflows into the units' columns on screen, which
    a page further across does not have), row 3 (the units' names) and columns A:C (the item)
    repeated on every page: 12 units a page across (the demo's 18 units on two pages across instead
    of three), the items down.
"""

from __future__ import annotations

import io
from copy import copy
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter

from kaohe.formats.cells import safe_text, wrapped_line_count, write_text
from kaohe.formats.printing import FONT, MARGINS, a4, new_workbook
from kaohe.formats.results_report.report import ResultsReport, detail_title
from kaohe.formats.results_report.workbook import row_height

DETAIL_SIZE = 9  # points: the smallest that stays readable on paper

NOT_APPLICABLE = "—"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _styles(wb: Workbook) -> dict[str, str]:
    """Register the report's named styles once per workbook; returns key → style name."""
    def style(name: str, size: float, horizontal: str, *, bold: bool = False, border: bool = True,
              number_format: str = "General") -> NamedStyle:
        # only the banner (a title without merge, in write-only sheets) overflows instead of wrapping
        return NamedStyle(name=name, font=Font(name=FONT, size=size, bold=bold),
                          border=_BORDER if border else Border(), number_format=number_format,
                          alignment=Alignment(horizontal=horizontal, vertical="center",
                                              wrap_text=name != "kaohe-report-banner"))

    styles = {
        "banner": style("kaohe-report-banner", 14, "left", bold=True, border=False),
        "header": style("kaohe-report-header", DETAIL_SIZE, "center", bold=True),
        "center": style("kaohe-report-center", DETAIL_SIZE, "center"),
        "left": style("kaohe-report-left", DETAIL_SIZE, "left"),
        "points": style("kaohe-report-points", DETAIL_SIZE, "center"),
        "total": style("kaohe-report-total", DETAIL_SIZE, "center", bold=True),
    }
    for named in styles.values():
        wb.add_named_style(named)
    return {key: named.name for key, named in styles.items()}


def _points(value: Decimal) -> float | int:
    """Points as stored in a cell: whole numbers as int, others as float (at most two places)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


DETAIL_WIDTHS = (9, 34, 5)  # 编码, 考核内容, 满分
UNIT_WIDTH = 7


def detail_xlsx(report: ResultsReport) -> bytes:
    """The detail matrix of `report.units`, `report.items` and `report.points`: items down (code,
    title, maximum), units across ((code, name); the code in a hidden row), the points obtained per
    cell, "—" where the item does not apply. Totals per unit at the bottom. Written in write-only
    mode; see the module docstring."""
    units, items, points = report.units, report.items, report.points
    wb = new_workbook(write_only=True)
    styles = _styles(wb)
    ws = wb.create_sheet("明细")
    width = 3 + len(units)
    for index, column_width in enumerate(DETAIL_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column_width
    name_lines = 1
    for index, (_, name) in enumerate(units, start=4):
        ws.column_dimensions[get_column_letter(index)].width = UNIT_WIDTH
        name_lines = max(name_lines, wrapped_line_count(safe_text(name), UNIT_WIDTH, DETAIL_SIZE))
    ws.row_dimensions[1].height = row_height(1, 14)
    ws.row_dimensions[2].hidden = True
    ws.row_dimensions[3].height = row_height(min(name_lines, 6), DETAIL_SIZE)
    ws.freeze_panes = "D4"
    ws.print_title_rows = "3:3"
    ws.print_title_cols = "A:C"
    a4(ws, landscape=True, fit_width=False, margins={**MARGINS, "top": 0.9})  # room for the title above
    banner = detail_title(report.title)
    ws.oddHeader.center.text = banner.replace("&", "&&")  # "&" starts a code in a header
    ws.oddHeader.center.font = f"{FONT},Bold"
    ws.oddHeader.center.size = 14

    # Assigning a named style looks it up every time; copying the resolved style array of a
    # template cell is several times faster for 100,000 cells.
    arrays = {}
    for style_key, name in styles.items():
        template = WriteOnlyCell(ws)
        template.style = name
        arrays[style_key] = template._style  # type: ignore[attr-defined]  # openpyxl's resolved style

    def styled(style: str | None, value: str | float | None = None) -> Cell:
        cell = WriteOnlyCell(ws, value=value)
        if style:
            cell._style = copy(arrays[style])  # type: ignore[attr-defined]
        return cell

    def text(value: object, style: str | None) -> Cell:
        cell = styled(style)
        write_text(cell, value)  # after the style: the style would reset the quote prefix
        return cell

    def number(value: Decimal, style: str) -> Cell:
        return styled(style, _points(value))

    ws.append([text(banner, "banner")])
    ws.append([text("单位编码", None), None, None] + [text(code, None) for code, _ in units])
    ws.append([text(header, "header") for header in ("编码", "考核内容", "满分")]
              + [text(name, "header") for _, name in units])

    obtained = {code: Decimal(0) for code, _ in units}
    maximum = {code: Decimal(0) for code, _ in units}
    for row_number, (item_code, item_title, item_maximum) in enumerate(items, start=4):
        lines = max(wrapped_line_count(safe_text(item_title), DETAIL_WIDTHS[1], DETAIL_SIZE),
                    wrapped_line_count(safe_text(item_code), DETAIL_WIDTHS[0], DETAIL_SIZE))
        if lines > 1:  # row dimensions must be set before the row is appended
            ws.row_dimensions[row_number].height = row_height(lines, DETAIL_SIZE)
        row: list[Cell] = [text(item_code, "center"), text(item_title, "left"),
                                    number(item_maximum, "points")]
        for unit_code, _ in units:
            key = (unit_code, item_code)
            if key not in points:
                row.append(text(NOT_APPLICABLE, "center"))
                continue
            maximum[unit_code] += item_maximum
            value = points[key]
            if value is None:
                row.append(styled("points"))
            else:
                obtained[unit_code] += value
                row.append(number(value, "points"))
        ws.append(row)

    for offset, (label, sums) in enumerate((("得分合计", obtained), ("满分合计", maximum))):
        ws.row_dimensions[len(items) + 4 + offset].height = row_height(1, DETAIL_SIZE)
        ws.append([text("", "total"), text(label, "total"), text("", "total")]
                  + [number(sums[code], "total") for code, _ in units])
    ws.print_area = f"A3:{get_column_letter(width)}{len(items) + 5}"
    return _save(wb)
