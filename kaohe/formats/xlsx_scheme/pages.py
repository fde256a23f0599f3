"""Row heights and page breaks, for the writer: the table paginated for A4 landscape.

Heights follow the wrapped text (spreadsheet programs do not grow rows for merged cells), each
printed page starts with a manual break, and the merged label cells are split at every break so
each page shows its dimension and indicator again. `table_layout` is the whole visible table,
ready to write; `title_row_height` the height of the title row above it.

Pure: computes from a `Scheme` and its `Row`s, touches no workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

from kaohe.core.scheme import Scheme
from kaohe.formats.cells import safe_text, wrapped_line_count
from kaohe.formats.xlsx_scheme.layout import (
    BODY_SIZE,
    COLUMNS,
    HEADER_HEIGHT,
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    PADDING,
    PAGE_FILL,
    PAGE_HEIGHT,
    TITLE_SIZE,
    WIDTHS,
)
from kaohe.formats.xlsx_scheme.rows import Span, scheme_rows
from kaohe.formats.xlsx_scheme.table import Cell, Row


@dataclass
class TableLayout:
    rows: list[Row]
    spans: list[Span]  # vertical merges (two rows or more), split at page breaks
    heights: dict[int, float]  # row number → height in points
    breaks: list[int]  # rows that start a new printed page


def _split(spans: list[Span], breaks: list[int]) -> list[Span]:
    """Spans cut where a printed page starts: each page shows its labels again, as the office
    prints the table (a merged cell over a page break would show its text on one page only)."""
    result: list[Span] = []
    for key, start, end in spans:
        cuts = [b for b in breaks if start < b <= end]
        for first, last in zip([start, *cuts], [c - 1 for c in cuts] + [end], strict=True):
            result.append((key, first, last))
    return result


def _height(lines: int, size: float) -> float:
    return round(lines * size * LINE_HEIGHT + PADDING, 1)


def _heights(rows: list[Row], spans: list[Span]) -> dict[int, float]:
    """Row heights from the text: spreadsheet programs do not grow rows for wrapped text in
    merged cells, and LibreOffice not even for plain cells when printing."""
    merged = {(key, n) for key, start, end in spans if end > start for n in range(start, end + 1)}
    heights: dict[int, float] = {}
    for row in rows:
        lines = max(wrapped_line_count(row.text(key), WIDTHS[key], BODY_SIZE)
                    for key in COLUMNS if (key, row.number) not in merged)
        heights[row.number] = _height(lines, BODY_SIZE)
    # A merged cell needs the height of all its rows together: spread what is missing.
    by_number = {row.number: row for row in rows}
    for key, start, end in spans:
        if end == start:
            continue
        need = _height(wrapped_line_count(by_number[start].text(key), WIDTHS[key], BODY_SIZE), BODY_SIZE)
        have = sum(heights[n] for n in range(start, end + 1))
        if need > have:
            extra = (need - have) / (end - start + 1)
            for number in range(start, end + 1):
                heights[number] = round(heights[number] + extra, 1)
    return {number: min(height, MAX_ROW_HEIGHT) for number, height in heights.items()}


def _paginate(rows: list[Row], heights: dict[int, float], title_height: float) -> list[int]:
    """Rows that start a new page, for rows of these heights on A4 landscape at 100%."""
    page = PAGE_HEIGHT * PAGE_FILL - HEADER_HEIGHT
    room, used, breaks = page - title_height, 0.0, []
    for row in rows:
        height = heights[row.number]
        if used and used + height > room:
            breaks.append(row.number)
            room, used = page, 0.0
        used += height
    return breaks


def table_layout(scheme: Scheme, first_row: int, title_height: float) -> TableLayout:
    rows, spans = scheme_rows(scheme, first_row)
    breaks: list[int] = []
    for _ in range(5):  # split labels grow rows, which can move breaks: until nothing moves
        heights = _heights(rows, _split(spans, breaks))
        moved = _paginate(rows, heights, title_height)
        if moved == breaks:
            break
        breaks = moved
    pieces = _split(spans, breaks)
    heights = _heights(rows, pieces)
    # Continuation cells of merges carry the text of the cell above, as the reader sees them.
    by_number = {row.number: row for row in rows}
    for key, start, end in pieces:
        top = by_number[start].cells[key]
        for number in range(start + 1, end + 1):
            by_number[number].cells[key] = Cell(top.text, True, top.row, top.column)
    return TableLayout(rows, [p for p in pieces if p[2] > p[1]], heights, breaks)


def title_row_height(scheme: Scheme) -> float:
    lines = wrapped_line_count(safe_text(scheme.title), sum(WIDTHS.values()), TITLE_SIZE)
    return _height(lines, TITLE_SIZE) + 6
