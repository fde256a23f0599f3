"""How much a scoring sheet can hold, from the shape of the cycle it was downloaded for.

A sheet's shape is known before it is read: its units, items and applicable pairs come from the
cycle (`SheetShape`, the largest department's, so that any sheet of the cycle reads far enough to
say whose it is). `budget(shape)` turns it into the reader's `Budget`: rows, cells, shared strings,
characters of text, XML elements and unpacked bytes, each the legitimate sheet's count with room
for what Excel, WPS and LibreOffice add when they save it (`SLACK_ROWS` row elements, e.g. rows
resized below the table; `SLACK_COLUMNS` columns). The reader stops at the first thing beyond.
The proposals sheet ("台账建议") has at most one row per applicable pair and a fixed number of
columns (`proposals`); its text per row is bounded by what the writer puts there (a unit name,
the item's title cut at `PROPOSAL_ITEM_TEXT`, the entries cut at `PROPOSAL_ENTRIES_TEXT`).

Text: every cell the sheet holds has a known kind. Titles are the scheme's (up to `ITEM_TEXT`
characters per item, criterion and item together), unit names up to `NAME_TEXT`, reasons up to
twice the longest reason Kaohe stores (a longer one is reported at its cell, not refused with the
file) in the grid and again in the manifest, plus the XML's own characters between elements.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kaohe.core.text import SCORE_REASON
from kaohe.formats.cells import MAX_UNCOMPRESSED
from kaohe.formats.scoring_sheet.layout import (
    FIRST_ROW,
    MAXIMUM_COLUMN,
    PROPOSAL_COLUMNS,
    PROPOSAL_ENTRIES_TEXT,
    PROPOSAL_FIRST_ROW,
    PROPOSAL_ITEM_TEXT,
)
from kaohe.formats.scoring_sheet.manifest import FIXED_ROWS, VALUE_COLUMNS
from kaohe.formats.workbook import Budget

WHAT = "本考核周期的评分表"
SLACK_ROWS = 100
SLACK_COLUMNS = 16
SLACK_MANIFEST_ROWS = 16
FIXED_TEXT = 20_000  # title, note, headers, manifest facts
ITEM_TEXT = 4_000
NAME_TEXT = 200
REASON_TEXT = 2 * SCORE_REASON.limit + 64  # with the points and version beside it in the manifest
PROPOSAL_TEXT = NAME_TEXT + PROPOSAL_ITEM_TEXT + PROPOSAL_ENTRIES_TEXT + 200  # codes, numbers, 采纳, digest
XML_PER_CELL = 32  # characters of whitespace and numbers the XML may hold around one cell
BYTES_PER_CELL = 160  # unpacked XML per cell (Excel writes about 30, openpyxl about 45)
BYTES_PER_CHARACTER = 6  # UTF-8 and XML escapes ("&amp;")
FIXED_BYTES = 1024 * 1024  # styles, theme, relations, document properties
ELEMENTS_PER_CELL = 6  # c, v, f, is, r, t
FIXED_ELEMENTS = 50_000  # columns, merges, validations, page setup, extensions


@dataclass(frozen=True)
class SheetShape:
    """The most units, items and applicable (unit, item) pairs one department's sheet has."""

    units: int
    items: int
    values: int

    @property
    def grid_rows(self) -> int:
        return FIRST_ROW - 1 + self.items + SLACK_ROWS

    @property
    def grid_columns(self) -> int:
        return MAXIMUM_COLUMN + 2 * self.units + SLACK_COLUMNS

    @property
    def proposal_rows(self) -> int:
        return PROPOSAL_FIRST_ROW - 1 + self.values + SLACK_ROWS

    @property
    def proposal_columns(self) -> int:
        return PROPOSAL_COLUMNS + SLACK_COLUMNS

    @property
    def manifest_rows(self) -> int:
        """Facts: the fixed ones, items, units, values and proposals (at most one per value)."""
        return FIXED_ROWS + self.items + self.units + 2 * self.values + SLACK_MANIFEST_ROWS

    @property
    def cells(self) -> int:
        """Cells of the grid, the proposals sheet and the manifest together."""
        return (self.grid_rows * self.grid_columns + self.proposal_rows * self.proposal_columns
                + self.manifest_rows * VALUE_COLUMNS)


# No cycle given (the command line, the fuzzer): the largest sheet Kaohe could write that a
# spreadsheet program can still open comfortably.
ANY = SheetShape(units=2_000, items=5_000, values=200_000)


def _text(shape: SheetShape) -> int:
    return (FIXED_TEXT + shape.items * ITEM_TEXT + shape.units * 2 * NAME_TEXT
            + shape.values * (2 * REASON_TEXT + PROPOSAL_TEXT) + shape.cells * XML_PER_CELL)


def budget(shape: SheetShape) -> Budget:
    """The whole workbook: unpacked bytes, shared strings and their text."""
    text = _text(shape)
    return Budget(
        what=WHAT,
        unpacked=min(MAX_UNCOMPRESSED, FIXED_BYTES + shape.cells * BYTES_PER_CELL + text * BYTES_PER_CHARACTER),
        strings=shape.cells,
        text=text,
        elements=shape.cells * ELEMENTS_PER_CELL + FIXED_ELEMENTS,
    )


def grid(shape: SheetShape) -> Budget:
    """The sheet "评分"."""
    cells = shape.grid_rows * shape.grid_columns
    return replace(budget(shape), rows=shape.grid_rows, cells=cells,
                   elements=cells * ELEMENTS_PER_CELL + FIXED_ELEMENTS)


def manifest(shape: SheetShape) -> Budget:
    """The hidden sheet "kaohe"."""
    cells = shape.manifest_rows * VALUE_COLUMNS
    return replace(budget(shape), rows=shape.manifest_rows, cells=cells,
                   elements=cells * ELEMENTS_PER_CELL + FIXED_ELEMENTS)


def proposals(shape: SheetShape) -> Budget:
    """The sheet "台账建议"."""
    cells = shape.proposal_rows * shape.proposal_columns
    return replace(budget(shape), rows=shape.proposal_rows, cells=cells,
                   elements=cells * ELEMENTS_PER_CELL + FIXED_ELEMENTS)
