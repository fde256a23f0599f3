"""The official seven-column table (序号 · 一级指标 · 二级指标 · 三级指标 · 考核内容 · 考核单位 · 备注) as xlsx.

Public API: `xlsx_bytes(scheme)` and `write_xlsx(scheme, path)` write a scheme in the official
layout; `read_xlsx(path)` and `read_xlsx_bytes(data, filename)` read the schemes of a workbook
(a `ReadResult`); `TABLE_SHEET`, `METADATA_SHEET`, `HEADERS`, `WIDTHS`, `BODY_SIZE`,
`PAGE_HEIGHT` and `HEADER_HEIGHT` describe the layout.

Writing (`writer`) lays a scheme out the way the office prints it: a title row, the header row
(repeated on every printed page), one row per criterion — or per indicator when the indicator
holds items directly — with the 序号, dimension and indicator cells merged over their rows,
labels like "政治建设(35分)" and the content as numbered lines "1. …(4分)；" (`rows`). Row heights
follow the text, and the rows are paginated for A4 landscape: each printed page starts with a
manual break and shows its dimension and indicator labels again (merges are split there; `pages`).

Reading (`reader`) takes the table as an office would type it: the header row is found by its
text (序号 and 备注 may be missing, columns in any order), merged and blank label cells continue
the node above (`table`), content cells are split into numbered items (`text`). Unreadable input
raises `FormatError` with file, sheet, row and column; readable but suspicious input gives reader
findings (codes below).

Lossless round trip: what the visible table cannot show goes into the hidden sheet `kaohe`, one
row per fact, which the reader applies as long as the table still shows what the writer wrote
(format: `metadata`; reading and applying it: `metadata_apply`).

Reader finding codes (all warnings): xlsx-item-without-points, xlsx-label-without-points,
xlsx-content-points, xlsx-missing-label, xlsx-empty-table, xlsx-no-year, xlsx-metadata-mismatch,
xlsx-metadata-invalid.

The parts, each importing only those listed before it: `layout` (columns, sheet names, sizes),
`text` (parsing and cleaning cell text), `table` (rows in memory → tree of nodes), `rows` and
`pages` (the scheme as rows; heights and page breaks), `metadata` (the hidden sheet's format and
writing), `metadata_apply` (reading it back), `writer`, `reader`.
"""

from __future__ import annotations

from kaohe.formats.xlsx_scheme.layout import (
    BODY_SIZE,
    HEADER_HEIGHT,
    HEADERS,
    METADATA_SHEET,
    PAGE_HEIGHT,
    TABLE_SHEET,
    WIDTHS,
)
from kaohe.formats.xlsx_scheme.reader import read_xlsx, read_xlsx_bytes
from kaohe.formats.xlsx_scheme.rows import chinese_number
from kaohe.formats.xlsx_scheme.text import split_points
from kaohe.formats.xlsx_scheme.writer import write_xlsx, xlsx_bytes

__all__ = [
    "BODY_SIZE",
    "HEADERS",
    "HEADER_HEIGHT",
    "METADATA_SHEET",
    "PAGE_HEIGHT",
    "TABLE_SHEET",
    "WIDTHS",
    "read_xlsx",
    "read_xlsx_bytes",
    "write_xlsx",
    "xlsx_bytes",
]

# Helpers the tests call directly, under the names they had when this package was one module.
_chinese_number = chinese_number
_split_points = split_points
