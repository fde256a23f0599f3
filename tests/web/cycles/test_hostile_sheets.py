"""Scoring sheets that are small on the wire but heavy to read (issue 19): built here from a real
downloaded sheet (the demo's 组织部, the largest department: 64 items × 18 units), uploaded
through the page, each refused with its reason; and read in this process under tracemalloc, whose
peak stays within a small multiple of a legitimate sheet's. No time is asserted (BENCHMARKS.md
has the times); the refusals stop at the first row, cell or string beyond what the cycle's largest
sheet can hold, so they take milliseconds.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaohe.cycles.sheets import sheet_shape
from kaohe.formats.errors import FormatError
from kaohe.formats.scoring_sheet import read_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GRID, MANIFEST = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def appended(data: bytes, member: str, rows: bytes) -> bytes:
    parts = members(data)
    parts[member] = parts[member].replace(b"</sheetData>", rows + b"</sheetData>", 1)
    return zipped(parts)


def with_shared_strings(data: bytes, count: int) -> bytes:
    """The sheet with a shared-string table of `count` strings (as Excel would add one)."""
    parts = members(data)
    parts[STRINGS] = b"".join([b'<?xml version="1.0" encoding="UTF-8"?><sst ' + MAIN + b">",
                               b"<si><t>a</t></si>" * count, b"</sst>"])
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.openxml'
        b'formats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    return zipped(parts)


def grid_rows(count: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="E%d"><v>1</v></c></row>' % (n, n) for n in range(200, 200 + count))


def manifest_rows(count: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>value</t></is></c>'
                    b'<c r="B%d" t="inlineStr"><is><t>yanshi</t></is></c></row>' % (n, n, n)
                    for n in range(5_000, 5_000 + count))


def lying_size(data: bytes, member: str, size: int) -> bytes:
    """The archive with `member`'s unpacked size in the central directory replaced by `size`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    start = 0
    while True:
        start = data.find(b"PK\x01\x02", start)
        name_length = struct.unpack("<H", data[start + 28:start + 30])[0]
        if data[start + 46:start + 46 + name_length].decode() == info.filename:
            break
        start += 4
    return data[:start + 24] + struct.pack("<I", size) + data[start + 28:]


def doctype(data: bytes) -> bytes:
    parts = members(data)
    laughs = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10) for i in range(8)) + b"]>"
    start = parts[GRID].index(b"<worksheet")
    parts[GRID] = (parts[GRID][:start] + laughs + parts[GRID][start:]).replace(b"<v>", b"<v>&i;", 1)
    return zipped(parts)


def many_members(data: bytes) -> bytes:
    parts = members(data)
    parts.update({f"xl/media/{n}.bin": b"" for n in range(70_000)})
    return zipped(parts)


# name → (make the hostile file from the downloaded sheet, what the refusal says)
HOSTILE: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "a million grid rows (86 MB unpacked)": (lambda d: appended(d, GRID, grid_rows(1_000_000)), "解压后"),
    "grid rows within the unpacked budget": (lambda d: appended(d, GRID, b"<row/>" * 400_000), "行超过"),
    "five million shared strings": (lambda d: with_shared_strings(d, 5_000_000), "解压后"),
    "shared strings within the unpacked budget": (lambda d: with_shared_strings(d, 300_000), "共享字符串超过"),
    "450,000 manifest rows": (lambda d: appended(d, MANIFEST, manifest_rows(450_000)), "解压后"),
    "manifest rows within the unpacked budget": (lambda d: appended(d, MANIFEST, manifest_rows(20_000)), "行超过"),
    "a grid that says it is small": (
        lambda d: lying_size(appended(d, GRID, grid_rows(1_000_000)), GRID, 50_000), "损坏"),
    "a grid that says it is huge": (lambda d: lying_size(d, GRID, 2**32 - 1), "解压后"),
    "entities in a DOCTYPE": (doctype, "DOCTYPE"),
    "70,000 zip members": (many_members, "成员过多"),
}


_DOWNLOADED: list[bytes] = []


@pytest.fixture
def downloaded(client_for, cycle) -> bytes:
    """The 组织部 scorer's sheet as the page serves it (downloaded once per test session)."""
    if not _DOWNLOADED:
        response = client_for("scorer").get(f"/cycles/{cycle.pk}/sheet.xlsx")
        assert response.status_code == 200
        _DOWNLOADED.append(response.content)
    return _DOWNLOADED[0]


def peak(read: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        try:
            read()
        except FormatError:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_cycle_bounds_a_sheet_by_its_largest_department(cycle):
    shape = sheet_shape(cycle)
    assert (shape.units, shape.items, shape.values) == (18, 64, 1025)  # the demo's 组织部


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_sheet_is_refused_with_its_reason(name, downloaded, client_for, cycle):
    make, reason = HOSTILE[name]
    data = make(downloaded)
    assert len(data) < 10 * 1024 * 1024  # small on the wire: under the upload limit
    response = client_for("scorer").post(f"/cycles/{cycle.pk}/sheet/upload/",
                                         {"file": SimpleUploadedFile("评分表.xlsx", data, content_type=XLSX)})
    assert response.status_code == 200
    page = response.content.decode()
    assert reason in page, page[page.find("file_error") - 200:][:600]
    assert "已保存" not in page


@pytest.mark.parametrize("name", list(HOSTILE))
def test_refusing_a_hostile_sheet_takes_little_memory(name, downloaded, cycle):
    shape = sheet_shape(cycle)
    legitimate = peak(lambda: read_sheet(downloaded, "评分表.xlsx", shape))
    hostile = HOSTILE[name][0](downloaded)
    with pytest.raises(FormatError):
        read_sheet(hostile, "评分表.xlsx", shape)
    used = peak(lambda: read_sheet(hostile, "评分表.xlsx", shape))
    assert used < 3 * legitimate, f"{name}: {used / 1e6:.1f} MB, a legitimate sheet {legitimate / 1e6:.1f} MB"


def test_a_legitimate_sheet_of_the_largest_department_reads_within_its_budget(downloaded, cycle):
    uploaded = read_sheet(downloaded, "评分表.xlsx", sheet_shape(cycle))
    assert len(uploaded.cells) == 1025 and not uploaded.changed
