"""The set-up shared by the workbooks Kaohe writes: Arial 10 as the default font, A4, margins, the
Chinese page-number footer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet

FONT = "宋体"
FOOTER = "第 &P 页，共 &N 页"  # page n of m, centred at the foot of every printed page
DEFAULT_FONT_NAME, DEFAULT_FONT_SIZE = "Arial", 10
DEFAULT_FONT = {"font_name": DEFAULT_FONT_NAME, "font_size": DEFAULT_FONT_SIZE}  # as XlsxWriter takes it
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.7, "header": 0.3, "footer": 0.3}  # inches


def new_workbook(write_only: bool = False) -> Workbook:
    """An openpyxl workbook whose default font is Arial 10 instead of Calibri 11.

    Column widths are counted in digits of the default font. Both give 7-pixel digits in Excel
    and WPS, but where Calibri is missing (LibreOffice on Linux without Carlito) the substitute
    is wider, columns grow and fit-to-width shrinks the print to ~80%; Arial has a
    metric-compatible substitute everywhere (Liberation Sans), so the page breaks computed here
    hold. openpyxl has no public setter for the default font.
    """
    wb = Workbook(write_only=write_only)
    default = Font(name=DEFAULT_FONT_NAME, size=DEFAULT_FONT_SIZE)
    try:  # openpyxl's private attributes, hence the ignores
        wb._fonts = IndexedList([default])  # type: ignore[attr-defined]
        wb._named_styles["Normal"].font = default  # type: ignore[attr-defined]
    except (AttributeError, KeyError):  # pragma: no cover - another openpyxl: keep its default
        pass
    return wb


def a4(ws: Worksheet, *, landscape: bool = True, fit_width: bool = True, centered: bool = True,
       margins: Mapping[str, float] = MARGINS) -> None:
    """A4 paper, fitted to the page width unless told otherwise, "第 n 页，共 m 页" at the foot."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        if ws.sheet_properties.pageSetUpPr is not None:
            ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = centered
    for side, inches in margins.items():
        setattr(ws.page_margins, side, inches)
    if ws.oddFooter is not None:
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


def first_sheet(wb: Workbook) -> Worksheet:
    """The worksheet a new workbook starts with."""
    ws = wb.active
    if not isinstance(ws, Worksheet):  # pragma: no cover - a new workbook always has one
        raise TypeError("the workbook has no worksheet")
    return ws
