"""Writing a scheme as an xlsx workbook: `xlsx_bytes` and `write_xlsx`.

Lays the table out (`rows`, `pages`), reads it back in memory (`table`) to learn what the table
shows, and writes the workbook: the visible sheet with its styles, merges, row heights, manual
page breaks and A4 landscape print setup, and the hidden metadata sheet (`metadata`) that
records everything the table shows differently.

The only part that creates a workbook; `write_xlsx` replaces the target file atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.codes import assign_codes
from kaohe.core.points import PointsError, parse_points
from kaohe.core.scheme import Scheme, title_path
from kaohe.formats.cells import safe_text, write_text
from kaohe.formats.errors import FormatError
from kaohe.formats.files import write_atomically
from kaohe.formats.printing import FONT, MARGINS, a4, first_sheet, new_workbook
from kaohe.formats.xlsx_scheme.layout import (
    BODY_SIZE,
    COLUMNS,
    HEADER_HEIGHT,
    HEADER_SIZE,
    HEADERS,
    METADATA_SHEET,
    TABLE_SHEET,
    TITLE_SIZE,
    WIDTHS,
)
from kaohe.formats.xlsx_scheme.metadata import metadata_rows, write_metadata
from kaohe.formats.xlsx_scheme.pages import TableLayout, table_layout, title_row_height
from kaohe.formats.xlsx_scheme.table import build_tree
from kaohe.formats.xlsx_scheme.text import clean


def _check_points(scheme: Scheme) -> None:
    for node, parents in scheme.walk_with_parents():
        if node.points is None:
            continue
        try:
            parse_points(node.points)
        except PointsError as error:
            raise FormatError(f"{node.code} {title_path(parents, node)}：{error}") from None
    try:
        parse_points(scheme.total)
    except PointsError as error:
        raise FormatError(f"总分：{error}") from None


_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _named_styles() -> dict[str, NamedStyle]:
    """The table's cell styles, registered once: assigning a named style to a cell is much
    cheaper in openpyxl than assigning font, alignment and border one by one."""
    def style(name: str, font: Font, horizontal: str, border: Border | None = _BORDER) -> NamedStyle:
        return NamedStyle(name=name, font=font, border=border or Border(),
                          alignment=Alignment(horizontal=horizontal, vertical="center", wrap_text=True))

    body = Font(name=FONT, size=BODY_SIZE)
    return {
        "title": style("kaohe-title", Font(name=FONT, size=TITLE_SIZE, bold=True), "center", None),
        "header": style("kaohe-header", Font(name=FONT, size=HEADER_SIZE, bold=True), "center"),
        "center": style("kaohe-center", body, "center"),
        "left": style("kaohe-left", body, "left"),
    }


def _write_table(wb: Workbook, ws: Worksheet, scheme: Scheme, layout: TableLayout) -> None:
    styles = _named_styles()
    for style in styles.values():
        wb.add_named_style(style)
    last_column = get_column_letter(len(COLUMNS))
    # Merge first, style every cell (merged ones too, for their borders), write texts last: a
    # named style resets the quote prefix that `write_text` sets.
    ws.merge_cells(f"A1:{last_column}1")
    for key, start, end in layout.spans:
        column = COLUMNS.index(key) + 1
        ws.merge_cells(start_row=start, start_column=column, end_row=end, end_column=column)
    for index in range(1, len(COLUMNS) + 1):
        ws.cell(row=1, column=index).style = styles["title"].name
        ws.cell(row=2, column=index).style = styles["header"].name
    for row in layout.rows:
        for index, key in enumerate(COLUMNS, start=1):
            ws.cell(row=row.number, column=index).style = styles["left" if key == "content" else "center"].name
    write_text(ws.cell(row=1, column=1), scheme.title)
    for index, key in enumerate(COLUMNS, start=1):
        write_text(ws.cell(row=2, column=index), HEADERS[key])
        ws.column_dimensions[get_column_letter(index)].width = WIDTHS[key]
    for row in layout.rows:
        for index, key in enumerate(COLUMNS, start=1):
            source = row.cells[key]
            if not source.merged:
                write_text(ws.cell(row=row.number, column=index), source.text)
    ws.row_dimensions[1].height = title_row_height(scheme)
    ws.row_dimensions[2].height = HEADER_HEIGHT
    for number, height in layout.heights.items():
        ws.row_dimensions[number].height = height
    for number in layout.breaks:
        ws.row_breaks.append(Break(id=number - 1))  # a manual break after the row above

    last_row = max(2, layout.rows[-1].number if layout.rows else 2)
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.print_area = f"A1:{last_column}{last_row}"
    a4(ws, margins=MARGINS)


def xlsx_bytes(scheme: Scheme) -> bytes:
    """The scheme as an xlsx workbook in the official seven-column layout (plus the hidden
    metadata sheet that makes reading it back lossless)."""
    _check_points(scheme)
    layout = table_layout(scheme, first_row=3, title_height=title_row_height(scheme))
    builder = build_tree(layout.rows, None, TABLE_SHEET)
    shown = Scheme(name=scheme.name, title=clean(safe_text(scheme.title)), year=scheme.year,
                   total=scheme.total, dimensions=builder.dimensions)
    assign_codes(shown)
    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = TABLE_SHEET
    _write_table(wb, ws, scheme, layout)
    write_metadata(wb.create_sheet(METADATA_SHEET), metadata_rows(scheme, shown, TABLE_SHEET))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_xlsx(scheme: Scheme, path: str | Path) -> None:
    write_atomically(Path(path), xlsx_bytes(scheme))
