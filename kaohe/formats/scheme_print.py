"""The scheme's official seven-column table (序号 · 一级指标 · 二级指标 · 三级指标 · 考核内容 · 考核单位 ·
备注) as rows of HTML cells, for the PDF (the HTML print template `documents/scheme_table.html`):
the same texts and merges as the official xlsx (kaohe.formats.xlsx_scheme.rows), a merged cell as
one cell spanning its rows. Pure: no Django."""

from __future__ import annotations

from dataclasses import dataclass

from kaohe.core.scheme import Scheme
from kaohe.formats.xlsx_scheme.layout import COLUMNS, HEADERS, WIDTHS
from kaohe.formats.xlsx_scheme.rows import scheme_rows


@dataclass(frozen=True)
class PrintedCell:
    key: str
    text: str
    rowspan: int = 1


def headers() -> list[tuple[str, str, float]]:
    """(key, header, width in percent) per column."""
    total = sum(WIDTHS.values())
    return [(key, HEADERS[key], round(WIDTHS[key] * 100 / total, 2)) for key in COLUMNS]


def printed_rows(scheme: Scheme) -> list[list[PrintedCell]]:
    """One list of cells per table row; a cell continuing a merge above is left out."""
    rows, spans = scheme_rows(scheme, 1)
    first = {(key, start): end - start + 1 for key, start, end in spans}
    covered = {(key, number) for key, start, end in spans for number in range(start + 1, end + 1)}
    return [[PrintedCell(key, row.text(key), first.get((key, row.number), 1)) for key in COLUMNS
             if (key, row.number) not in covered] for row in rows]
