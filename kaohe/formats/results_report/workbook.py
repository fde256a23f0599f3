"""What the two workbooks share: the font sizes and the height of a row of text (their default
font and page set-up: kaohe.formats.printing)."""

from __future__ import annotations

TITLE_SIZE = 16
HEADER_SIZE = 11
BODY_SIZE = 10.5
LINE_HEIGHT = 1.35  # points of row height per point of font size and line (as in xlsx_scheme)
PADDING = 9.0


def row_height(lines: int, size: float = BODY_SIZE) -> float:
    """The height of a row of `lines` lines of text at `size` points (Excel's limit: 409)."""
    return round(min(409.0, size * LINE_HEIGHT * lines + PADDING), 1)
