"""Scoring sheets that are small on the wire but heavy to read (issue 19), built from a real
downloaded sheet (the demo's 组织部, the largest department: 64 items × 18 units) by the builders
the benchmark uses (benchmarks/hostile.py), uploaded through the page, each refused with its
reason; and read in this process under tracemalloc, whose peak stays within a small multiple of a
legitimate sheet's. No time is asserted (BENCHMARKS.md has the times); the refusals stop at the
first row, cell or string beyond what the cycle's largest sheet can hold.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from benchmarks.hostile import HOSTILE
from kaohe.cycles.sheets import sheet_shape
from kaohe.formats.errors import FormatError
from kaohe.formats.scoring_sheet import read_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
