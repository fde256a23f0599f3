"""Hostile uploads through the pages: scheme imports (YAML and xlsx) and scoring-sheet uploads of
mutated files never end in a server error or a reader bug (the import page logs one when a reader
raises something other than FormatError); every refusal is a message on the page. And the upload
limits: size, type by content, file names without their path.

Examples per test: KAOHE_FUZZ_UPLOAD_EXAMPLES (default 25; `make hardening` runs more). The pure
readers are fuzzed much harder, without the database, in tests/formats/test_fuzz_readers.py.
"""

from __future__ import annotations

import copy
import io
import logging
import os
import re
from functools import wraps

import openpyxl
import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe.formats.scoring_sheet import SHEET
from kaohe.formats.xlsx_scheme import METADATA_SHEET, xlsx_bytes
from kaohe.formats.yaml_scheme import loads_yaml
from kaohe.schemes.models import SchemeRecord

EXAMPLES = int(os.environ.get("KAOHE_FUZZ_UPLOAD_EXAMPLES", "25"))
RANDOM = os.environ.get("KAOHE_FUZZ_RANDOM") == "1"
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
                suppress_health_check=list(HealthCheck))

SCHEME = {
    "kaohe-scheme": 1, "name": "fuzz", "title": "模糊测试", "year": 2019, "total": 10, "units": ["偃师市"],
    "departments": ["市委组织部"],
    "dimensions": [{"title": "政治建设", "points": 10, "indicators": [{"title": "指标", "points": 10, "criteria": [
        {"title": "标准", "points": 10, "departments": ["市委组织部"],
         "items": [{"title": "内容1", "points": 4}, {"title": "内容2", "points": 6}]}]}]}],
}
VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=300),
              st.sampled_from(["9" * 30, "-1", "0.001", "1e9", "x" * 300, "市委宣传部", "偃师市", "适用于县"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)


@st.composite
def scheme_document(draw) -> dict:
    """SCHEME with a few values replaced, removed or added, anywhere in the tree."""
    data = copy.deepcopy(SCHEME)
    for _ in range(draw(st.integers(1, 3))):
        parent, key, node = None, None, data
        while isinstance(node, dict | list) and node and draw(st.integers(0, 3)) > 0:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, keys[draw(st.integers(0, len(keys) - 1))]
            node = node[key]
        if parent is None:
            continue
        choice = draw(st.integers(0, 2))
        if choice == 0:
            parent[key] = draw(VALUE)
        elif choice == 1:
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(VALUE)
        else:
            parent.append(copy.deepcopy(parent[0]) if parent and draw(st.booleans()) else draw(VALUE))
    return data


@st.composite
def scheme_upload(draw) -> tuple[str, bytes]:
    data = draw(scheme_document())
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if draw(st.integers(0, 2)) == 0:  # the same document as the official xlsx table, when it can be one
        try:
            return "fuzz.xlsx", xlsx_bytes(loads_yaml(text, "fuzz.yaml"))
        except Exception:  # not a scheme: upload it as YAML
            pass
    return "fuzz.yaml", text.encode()


@pytest.fixture
def no_reader_bugs(caplog):
    caplog.set_level(logging.ERROR)
    yield
    bugs = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not bugs, bugs


def rolled_back(run):
    @wraps(run)
    def wrapper(*args, **kwargs):
        with transaction.atomic():
            try:
                return run(*args, **kwargs)
            finally:
                transaction.set_rollback(True)

    return wrapper


def test_scheme_imports_of_hostile_files_end_in_a_message(client_for, no_reader_bugs):
    office = client_for("office")

    @FUZZ
    @given(scheme_upload())
    @rolled_back
    def run(upload: tuple[str, bytes]) -> None:
        name, content = upload
        response = office.post("/schemes/import/", {"file": SimpleUploadedFile(name, content)})
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:  # refused: the form says why, and nothing was stored
            assert 'class="errorlist' in response.content.decode()
            assert not SchemeRecord.objects.filter(name="fuzz").exists()

    run()


@pytest.fixture
def downloaded_sheet(client_for, cycle) -> bytes:
    response = client_for("scorer").get(f"/cycles/{cycle.pk}/sheet.xlsx")
    assert response.status_code == 200
    return response.content


CELL = st.one_of(st.none(), st.text(max_size=20), st.integers(-5, 50), st.floats(allow_nan=True),
                 st.sampled_from(["=1+1", "0.05", "2", "1.0", "满分", "\u3000", "1e400"]))


def test_sheet_uploads_of_hostile_files_end_in_a_message(client_for, cycle, downloaded_sheet):
    scorer = client_for("scorer")
    workbook = openpyxl.load_workbook(io.BytesIO(downloaded_sheet))
    rows, columns = workbook[SHEET].max_row, workbook[SHEET].max_column

    @FUZZ
    @given(st.lists(st.tuples(st.integers(1, rows + 2), st.integers(1, columns + 2), CELL), min_size=1, max_size=6),
           st.integers(0, len(downloaded_sheet)), st.booleans())
    @rolled_back
    def run(edits: list, cut: int, truncate: bool) -> None:
        wb = openpyxl.load_workbook(io.BytesIO(downloaded_sheet))
        for row, column, value in edits:
            try:
                wb[SHEET].cell(row=row, column=column).value = value
            except Exception:  # merged or illegal: that edit is skipped
                pass
        buffer = io.BytesIO()
        wb.save(buffer)
        content = buffer.getvalue()[:cut] if truncate else buffer.getvalue()
        response = scorer.post(f"/cycles/{cycle.pk}/sheet/upload/", {"file": SimpleUploadedFile("评分表.xlsx", content)})
        assert response.status_code == 200
        page = response.content.decode()
        # the outcome is on the page: saved (or nothing changed), the report of problems, or why the file was refused
        assert re.search(r'<li class="(success|error)">|<p class="error">', page), page[-3000:]

    run()


# -- limits --------------------------------------------------------------------------------------

def test_uploads_over_the_size_limit_are_refused(client_for, cycle, downloaded_sheet, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    page = client_for("scorer").post(f"/cycles/{cycle.pk}/sheet/upload/",
                                     {"file": SimpleUploadedFile("评分表.xlsx", downloaded_sheet)})
    assert page.status_code == 200 and "文件过大" in page.content.decode()
    yaml_text = yaml.safe_dump(SCHEME, allow_unicode=True).encode() + b"#" * 2048
    page = client_for("office").post("/schemes/import/", {"file": SimpleUploadedFile("big.yaml", yaml_text)})
    assert page.status_code == 200 and "文件太大" in page.content.decode()
    assert not SchemeRecord.objects.filter(name="fuzz").exists()


def test_upload_types_are_checked_by_content_not_name(client_for, cycle):
    office, scorer = client_for("office"), client_for("scorer")
    for name, content in (("scheme.xlsx", b"kaohe-scheme: 1\n"), ("scheme.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
                          ("scheme.yaml", b"\x00\x01\x02\xff" * 50), ("scheme.exe", b"MZ\x90\x00")):
        page = office.post("/schemes/import/", {"file": SimpleUploadedFile(name, content)})
        assert page.status_code == 200 and 'class="errorlist' in page.content.decode(), name
    for name, content in (("评分表.xlsx", b"%PDF-1.7"), ("评分表.xlsx", b"PK\x03\x04broken"),
                          ("评分表.pdf", b"%PDF-1.7")):
        page = scorer.post(f"/cycles/{cycle.pk}/sheet/upload/", {"file": SimpleUploadedFile(name, content)})
        assert page.status_code == 200
        assert re.search(r'<p class="error">[^<]*(只能上传|不是 xlsx|不是 Excel|损坏)', page.content.decode()), name
    assert not SchemeRecord.objects.filter(name="scheme").exists()


def test_upload_file_names_lose_their_path(client_for):
    """A browser may send a full Windows path; only the file's own name is used (here: the
    scheme's name, which the xlsx reader takes from the file name when the workbook does not
    carry its metadata sheet)."""
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(loads_yaml(yaml.safe_dump(SCHEME, allow_unicode=True),
                                                                       "x.yaml"))))
    workbook.remove(workbook[METADATA_SHEET])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    for sent in ("C:\\Users\\张\\Desktop\\..\\path-test-a.xlsx", "../../etc/path-test-b.xlsx"):
        response = client_for("office").post("/schemes/import/", {"file": SimpleUploadedFile(sent, data)})
        assert response.status_code == 302, re.findall(r'<ul class="errorlist.*?</ul>', response.content.decode(), re.S)
    names = set(SchemeRecord.objects.filter(name__startswith="path-test").values_list("name", flat=True))
    assert names == {"path-test-a", "path-test-b"}


def test_found_by_fuzzing_a_huge_number_in_a_sheet_is_a_cell_error(client_for, cycle, downloaded_sheet):
    """1e400 in a points cell made Decimal.quantize fail in scoring.parse_score (a 500)."""
    from kaohe.formats.scoring_sheet import read_sheet

    cell = read_sheet(downloaded_sheet, "评分表.xlsx").cells[0]
    workbook = openpyxl.load_workbook(io.BytesIO(downloaded_sheet))
    workbook[SHEET][cell.points_cell.split("!")[1]] = "1e400"
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = client_for("scorer").post(f"/cycles/{cycle.pk}/sheet/upload/",
                                     {"file": SimpleUploadedFile("评分表.xlsx", buffer.getvalue())})
    assert page.status_code == 200
    assert "得分必须在0到" in page.content.decode() and cell.points_cell.split("!")[1] in page.content.decode()
