"""Print setup shared by the workbooks Kaohe writes: A4, margins, the Chinese page-number footer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

FONT = "宋体"
FOOTER = "第 &P 页，共 &N 页"  # page n of m, centred at the foot of every printed page
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.7, "header": 0.3, "footer": 0.3}  # inches


def a4(ws: Worksheet, *, landscape: bool = True, fit_width: bool = True, centered: bool = True,
       margins: Mapping[str, float] = MARGINS) -> None:
    """A4 paper, fitted to the page width unless told otherwise, "第 n 页，共 m 页" at the foot."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = centered
    for side, inches in margins.items():
        setattr(ws.page_margins, side, inches)
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.size = 9
    ws.oddFooter.center.font = FONT


def a4_xlsxwriter(ws: Any, *, landscape: bool = True, fit_width: bool = True, centered: bool = True,
                  margins: Mapping[str, float] = MARGINS) -> None:
    """`a4` for a worksheet of XlsxWriter (the streaming writer of the ranking workbook)."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(9)  # A4
    if fit_width:
        ws.fit_to_pages(1, 0)
    if centered:
        ws.center_horizontally()
    ws.set_margins(left=margins["left"], right=margins["right"], top=margins["top"], bottom=margins["bottom"])
    ws.set_header("", margin=margins["header"])
    ws.set_footer(f'&C&"{FONT},Regular"&9{FOOTER}', margin=margins["footer"])
