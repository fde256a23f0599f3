"""Limits that keep a hostile workbook from taking all memory, or hours, while it is read.

openpyxl, opening a workbook, makes an object for every cell a merge covers (A1:XFD1048576 is
17 billion of them), so the merges are counted in the XML before the workbook is opened
(`check_archive`, with the same XML parser openpyxl uses, so entities and character references
read the same). The reader then walks every row and column up to a sheet's last used cell, so a
sheet whose last cell is far away (XFD1048576) is refused once loaded (`check_extent`).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError, fromstring, iterparse

from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.scheme import Location
from kaohe.formats.cells import EXCEL_COLUMNS, EXCEL_ROWS, MAX_UNCOMPRESSED
from kaohe.formats.errors import BROKEN_ZIP, FormatError

MAX_MERGED_CELLS = 200_000  # cells under all merges; the 2018 county table has 266
MAX_SHEET_CELLS = 1_000_000  # rows × columns up to a sheet's last used cell
_READ_ERRORS = (*BROKEN_ZIP, RuntimeError)


def check_archive(archive: zipfile.ZipFile, filename: str | None) -> None:
    """Refuse a workbook too big when unpacked, or whose merged cells cover too many cells."""
    infos = archive.infolist()
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
        raise FormatError("工作簿解压后超过 100 MB，不是指标体系表（可能是压缩炸弹）", Location(file=filename))
    sheets = _sheet_names(archive)
    total = 0
    for info in infos:
        for ref in _merge_refs(archive, info):
            cells = _cells(ref)
            total += cells
            if total > MAX_MERGED_CELLS:
                raise FormatError(
                    f"合并单元格过多或过大：{ref[:40]} 合并了 {cells} 个单元格（整个工作簿最多 {MAX_MERGED_CELLS} 个），"
                    "请取消多余的合并后再导入", Location(file=filename, sheet=sheets.get(info.filename)))


def check_extent(ws: Worksheet, filename: str | None) -> None:
    """Refuse a sheet whose last used cell makes rows × columns too many to read."""
    rows, columns = ws.max_row, ws.max_column
    if rows * columns > MAX_SHEET_CELLS:
        raise FormatError(f"工作表范围过大：有内容或格式的单元格一直到第 {rows} 行、第 {columns} 列"
                          f"（最多 {MAX_SHEET_CELLS} 个单元格），请删除表格以外的内容后再导入",
                          Location(file=filename, sheet=ws.title))


def _cells(ref: str) -> int:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return 0  # openpyxl refuses it when it opens the workbook
    rows = EXCEL_ROWS if min_row is None or max_row is None else abs(max_row - min_row) + 1
    columns = EXCEL_COLUMNS if min_col is None or max_col is None else abs(max_col - min_col) + 1
    return rows * columns


def _merge_refs(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[str]:
    """The ref of every mergeCell element in a member (any member: a sheet may live anywhere the
    workbook's relations point); nothing from a member that is not XML."""
    try:
        raw = archive.read(info)
    except _READ_ERRORS:
        return
    if not _may_hold_merges(raw):
        return
    try:
        for _event, element in iterparse(io.BytesIO(raw), events=("end",)):
            if element.tag.rsplit("}", 1)[-1] == "mergeCell":
                yield element.get("ref") or ""
            element.clear()
    except ParseError:
        return


_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)""")


def _may_hold_merges(raw: bytes) -> bool:
    """False only for a member that surely holds no mergeCell element: text whose letters are
    ASCII bytes (no NUL in its first bytes, no encoding declared but UTF-8 or ASCII), without
    entity declarations and without "mergeCell" in its bytes. Everything else is parsed."""
    if b"mergeCell" in raw or b"ENTITY" in raw or b"\x00" in raw[:4]:
        return True
    declared = _ENCODING.search(raw[:200])
    return bool(declared) and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii")


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Member name → sheet name, from xl/workbook.xml and its relations (best effort)."""
    try:
        book = fromstring(archive.read("xl/workbook.xml"))
        relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ParseError, *_READ_ERRORS):
        return {}
    targets = {r.get("Id"): r.get("Target") or "" for r in relations if r.tag.endswith("Relationship")}
    names = {}
    for sheet in book.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        target = next((targets.get(v) for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        if target:
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            names[path] = sheet.get("name") or ""
    return names
