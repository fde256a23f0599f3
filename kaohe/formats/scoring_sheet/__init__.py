"""A department's offline scoring sheet (xlsx): written for download, read back on upload.

Pure: no Django. `kaohe.cycles.sheets` fills a `SheetData` from the database and applies what
`read_sheet` returns.

Layout of the sheet "评分" (what the scorer sees; A4 landscape, panes frozen at E6):

    row 1   title: cycle · department · 评分表 (merged over the table)
    row 2   how to fill it in, when it was downloaded (merged)
    row 3   hidden: the unit code above both of each unit's columns
    row 4   三级指标 · 考核内容 · 满分 (merged over rows 4-5) · one unit name merged over its two columns
    row 5   得分 · 扣分理由 under each unit
    row 6…  one row per item: hidden column A holds the item code, B the criterion (merged over
            consecutive items of the same criterion), C the item, D the maximum; then per unit
            得分 (points: data validation decimal 0..maximum) and 扣分理由 (reason, text format).

A points cell whose task has a proposal of the 平时考核台账 (`SheetData.proposals`) is light blue,
and the sheet "台账建议" (written only when there are proposals) lists them, one row per task in
the grid's order: hidden unit and item codes (A, B), 单位, 考核内容, 满分, 台账扣分, 建议得分, the
confirmed entries one a line (cut at `PROPOSAL_ENTRIES_TEXT`), and 采纳 (I), the only input: a
list validation offering "采纳". Marking it accepts the proposal on upload (`UploadedSheet.accepted`);
leaving it empty changes nothing, and the scorer scores in "评分" as usual.

Only the points and reason cells of applicable (unit, item) pairs are unlocked; the sheet is
protected (no password: it prevents accidents, it is not a security boundary) and so is the
workbook structure; columns and rows may still be resized. Not applicable cells are grey.

The very hidden sheet "kaohe" is the manifest, one fact per row, all cells text:

    format   kaohe-scoring-sheet   1
    cycle    <id>                  <name>
    department <code>              <name>
    sheet    <generated uuid>      <generated at, ISO>
    step     <cycle step>
    read_only 0|1
    item     <row>  <item code>  <maximum>
    unit     <points column> <reason column> <unit code> <unit name>
    value    <unit code> <item code> <points as downloaded or ''> <version> <reason as downloaded>
    proposal <row in 台账建议> <unit code> <item code> <proposed points> <digest of its reason>

`read_sheet` checks the structure against the manifest (the item code in column A of every
row, the unit codes in row 3) and returns, for every applicable cell pair, what the sheet holds
now and what it held when downloaded (with the version), so the caller can skip unchanged cells
and detect conflicts. Unreadable or tampered files raise `FormatError`; a cell whose points
cannot be read (text, a formula, a date) is returned with an error at that cell, so every such
cell can be reported at once. Points are read as Decimal from typed numbers (floats as Excel
stores them: see `read_points`) or from text such as "1.5"; range, step and places are the
caller's to check (`kaohe.cycles.scoring.validate`). Cell values are what openpyxl's read-only
mode gives (numbers, dates by their style, formulas as formulas; nothing is evaluated).

Every text cell is written through `kaohe.formats.cells.write_text` (formula injection).

Reading is bounded by the sheet's shape (`SheetShape`: the cycle's units, items and applicable
pairs): the file is streamed and refused at the first row, cell, shared string, manifest entry or
character beyond what a sheet of that shape can hold (`limits`), so memory and time follow the
legitimate sheet, not the file's claims.

The parts, each importing only those before it: `layout` (rows, columns, the data in and out),
`manifest` (the hidden sheet's facts, written and parsed), `limits` (the budget from the shape),
`writer`, `reader`.
"""

from __future__ import annotations

from kaohe.formats.scoring_sheet.layout import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PROPOSALS,
    SHEET,
    AcceptedProposal,
    CellProblem,
    ProposalLine,
    SheetData,
    SheetProposal,
    SheetRow,
    UploadedCell,
    UploadedSheet,
    cell_ref,
    points_column,
    reason_digest,
)
from kaohe.formats.scoring_sheet.limits import SheetShape
from kaohe.formats.scoring_sheet.reader import read_points, read_sheet
from kaohe.formats.scoring_sheet.writer import write_sheet

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "PROPOSALS",
    "SHEET",
    "AcceptedProposal",
    "CellProblem",
    "ProposalLine",
    "SheetData",
    "SheetProposal",
    "SheetRow",
    "SheetShape",
    "UploadedCell",
    "UploadedSheet",
    "cell_ref",
    "points_column",
    "read_points",
    "reason_digest",
    "read_sheet",
    "write_sheet",
]
