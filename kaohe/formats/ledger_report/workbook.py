"""The 季度通报 as a workbook (`standings_xlsx`): the quarter's standings, the year's so far, and
the quarter's counted entries. Every text through `write_text` (formula injection); points as
numbers; A4 landscape, header rows repeated."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.ledger import Standings
from kaohe.formats.cells import write_text
from kaohe.formats.ledger_report.report import NO_GROUP, LedgerReport
from kaohe.formats.printing import FONT, a4, first_sheet, new_workbook

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
_GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
_BOLD = Font(name=FONT, size=10.5, bold=True)
_BODY = Font(name=FONT, size=10.5)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def _number(cents: int) -> Decimal:
    return Decimal(cents) / 100


def _standings_sheet(ws: Worksheet, report: LedgerReport, standings: Standings, heading: str) -> None:
    headers = ["名次", "被考核单位"] + [f"{title}扣分" for _code, title in report.dimensions] + [
        "扣分合计", "加分", "净分（加分−扣分）", "记录条数"]
    write_text(ws.cell(row=1, column=1), f"{report.cycle} · {heading}")
    ws.cell(row=1, column=1).font = Font(name=FONT, size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    write_text(ws.cell(row=2, column=1), f"只计已确认的台账记录；加分每个单位累计不超过{report.bonus_cap}分；"
                                         "各组内按净分排名，净分相同名次并列。")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    for column, header in enumerate(headers, start=1):
        cell = ws.cell(row=3, column=column)
        write_text(cell, header)
        cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEAD_FILL, _BORDER, _CENTER
    row = 4
    for group, members in standings.groups:
        cell = ws.cell(row=row, column=1)
        write_text(cell, group or NO_GROUP)
        cell.font, cell.fill = _BOLD, _GROUP_FILL
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(headers))
        row += 1
        for standing in members:
            values: list[Any] = [standing.rank, standing.name]
            values += [_number(standing.by_dimension.get(code, 0)) for code, _title in report.dimensions]
            values += [_number(standing.deductions), _number(standing.bonus), _number(standing.net), standing.entries]
            for column, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=column)
                if isinstance(value, str):
                    write_text(cell, value)
                else:
                    cell.value = value
                    if isinstance(value, Decimal):
                        cell.number_format = "0.00"
                cell.font, cell.border = _BODY, _BORDER
                cell.alignment = _LEFT if column == 2 else _CENTER
            row += 1
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 22
    for column in range(3, len(headers) + 1):
        ws.column_dimensions[get_column_letter(column)].width = 12
    ws.row_dimensions[3].height = 32
    ws.print_title_rows = "3:3"
    ws.freeze_panes = "C4"
    a4(ws)


def _entries_sheet(ws: Worksheet, report: LedgerReport) -> None:
    headers = ("日期", "被考核单位", "考核部门", "类型", "分值", "考核内容", "事由", "依据文件")
    widths = (12, 18, 16, 6, 7, 30, 48, 22)
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=1, column=column)
        write_text(cell, header)
        cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEAD_FILL, _BORDER, _CENTER
        ws.column_dimensions[get_column_letter(column)].width = width
    for row, entry in enumerate(report.entries, start=2):
        values: tuple[Any, ...] = (entry.date.isoformat(), entry.unit, entry.department, entry.kind, Decimal(entry.points), entry.item,
                  entry.reason, entry.document)
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=column)
            if isinstance(value, str):
                write_text(cell, value)
            else:
                cell.value = value
                cell.number_format = "0.00"
            cell.font, cell.border = _BODY, _BORDER
            cell.alignment = _LEFT if column in (2, 3, 6, 7, 8) else _CENTER
    ws.print_title_rows = "1:1"
    ws.freeze_panes = "A2"
    a4(ws)


def standings_xlsx(report: LedgerReport) -> bytes:
    wb = new_workbook()
    quarter = first_sheet(wb)
    quarter.title = "本季度"
    _standings_sheet(quarter, report, report.quarter_standings, f"{report.period}平时考核情况")
    _standings_sheet(wb.create_sheet("年度累计"), report, report.year_standings,
                     f"{report.year_period}平时考核累计情况")
    _entries_sheet(wb.create_sheet("台账明细"), report)
    wb.properties.title = f"{report.cycle} · {report.title}"
    wb.properties.creator = "Kaohe"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
