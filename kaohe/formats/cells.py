"""Spreadsheet cells: text in and out without surprises, and how much room text needs.

Writing: every text a user or a source document supplied goes through `write_text`, so it is
stored as a literal string that Excel, WPS and LibreOffice never evaluate: a title such as
"=HYPERLINK(…)" or "-1+2" stays text (formula injection). `safe_text` is the text as it can be
stored at all: XML cannot hold most control characters, and XML readers turn CR into LF.

Reading: `cell_text` turns whatever a cell holds (text, a typed number, a date) into the text a
person sees, never through float formatting noise.

Sizing: spreadsheet programs do not grow rows for wrapped text in merged cells (and LibreOffice
not even for plain wrapped cells when printing), so writers set row heights from
`wrapped_line_count`. Column widths are in Excel's units (the width of '0' in the default
11-point font); a CJK character is about two of them at 10.5 points.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from decimal import Decimal
from typing import Any

# The size of a worksheet in every spreadsheet program: a cell beyond it is damage, not data.
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
# More than this unpacked is not one of the workbooks Kaohe reads (and may be a zip bomb).
MAX_UNCOMPRESSED = 100 * 1024 * 1024

# What makes a spreadsheet program treat typed or imported text as a formula (or DDE call).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 cannot hold: C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/F.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def is_formula_like(text: str) -> bool:
    """True if a spreadsheet program could evaluate `text` (or a CSV import of it) as a formula."""
    return text.startswith(FORMULA_PREFIXES)


def safe_text(value: Any) -> str:
    """`value` as text that a cell can store and give back unchanged.

    None → ''; control characters that XML cannot hold are dropped; CR LF and CR become LF
    (an xlsx reader would turn them into LF anyway). The result may still look like a formula:
    store it with `write_text`, which marks it as a literal string.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL.sub("", text)


def write_text(cell: Any, value: Any) -> None:
    """Store `value` in an openpyxl cell as a literal string, never as a formula.

    openpyxl would store a str starting with "=" as a formula; here the data type is forced to
    string, and text that starts like a formula also gets the quote prefix style (what Excel sets
    when a user types a leading apostrophe), so editing the cell later keeps it text.
    """
    text, quoted = literal_text(value)
    cell.value = text
    cell.data_type = "s"
    if quoted:
        cell.quotePrefix = True


def literal_text(value: Any) -> tuple[str, bool]:
    """`value` as `safe_text`, and whether it must be stored with the quote prefix because it (or
    the value before cleaning) looks like a formula. `write_text` for openpyxl cells; writers of
    other libraries store the text as a string with a quote-prefixed format when told so."""
    raw = value if isinstance(value, str) else ""
    text = safe_text(value)
    return text, is_formula_like(text) or is_formula_like(raw)


def cell_text(value: Any) -> str:
    """What a cell shows, as text: '' for empty, typed numbers without float noise (35.0 → '35')."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            return str(int(value))
        return repr(value)  # shortest round-trip form: 0.3, not 0.29999999999999999
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds") if value.time() != _dt.time() \
            else value.date().isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def display_width(text: str) -> int:
    """Width in half-width character cells: CJK, full-width and (in CJK fonts) ambiguous-width
    characters such as “ ” count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def wrapped_line_count(text: str, column_width: float, font_size: float = 10.5) -> int:
    """How many lines `text` takes in a wrapping cell `column_width` Excel units wide.

    A half-width character is about `font_size / 10.5` units wide (11-point Calibri is the unit,
    10.5-point CJK glyphs are two units); a little room is kept for the cell padding.
    """
    per_cell = font_size / 10.5
    room = max(column_width - 1.5, 1.0)
    lines = 0
    for line in (text or "").split("\n"):
        width = display_width(line) * per_cell
        lines += max(1, math.ceil(width / room))
    return lines
