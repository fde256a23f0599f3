"""Hostile input for every reader: each input either parses or raises the reader's documented
error (`FormatError`), never anything else.

Readers: the official text (`official_text.parse_official_text`), YAML (`yaml_scheme.loads_yaml`),
the official xlsx table (`xlsx_scheme.read_xlsx_bytes`), the offline scoring sheet
(`scoring_sheet.read_sheet`) and evidence uploads (`evidence.check_evidence`). Inputs are
mutations of real documents (the seed text, the shipped schemes, workbooks the writers produce,
a downloaded scoring sheet) and random ones: lines dropped, repeated, swapped and rewritten; YAML
values replaced with other shapes; cells, merges and sheets changed; zip members rewritten and
bytes flipped.

Budget: KAOHE_FUZZ_EXAMPLES examples per reader (default 200, so the suite stays quick; CI runs
that); `make hardening` runs 100,000 with KAOHE_FUZZ_RANDOM=1 (a fresh random seed each run
instead of the fixed one) and KAOHE_FUZZ_REPORT=<file>, where each reader appends
"<reader> <cases> <seconds>". A crash the fuzzer found is kept as an explicit @example.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from textwrap import dedent

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kaohe.formats.errors import FormatError
from kaohe.formats.evidence import MAX_NAME, check_evidence
from kaohe.formats.official_text import parse_official_text
from kaohe.formats.scoring_sheet import MANIFEST, SHEET, SheetData, SheetRow, read_sheet, write_sheet
from kaohe.formats.xlsx_scheme import METADATA_SHEET, read_xlsx_bytes, xlsx_bytes
from kaohe.formats.yaml_scheme import loads_yaml

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "kaohe" / "data" / "schemes").glob("*.yaml"))
SEED = REPO.parent / "shared" / "seeds" / "000_79da29b595756ae5.txt"

EXAMPLES = int(os.environ.get("KAOHE_FUZZ_EXAMPLES", "200"))
RANDOM = os.environ.get("KAOHE_FUZZ_RANDOM") == "1"
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.large_base_example])


class Counter:
    """Cases run per reader, appended to KAOHE_FUZZ_REPORT (when set) as 'reader cases seconds'."""

    def __init__(self) -> None:
        self.cases: dict[str, int] = {}
        self.started: dict[str, float] = {}

    def hit(self, reader: str) -> None:
        self.started.setdefault(reader, time.monotonic())
        self.cases[reader] = self.cases.get(reader, 0) + 1

    def report(self, reader: str) -> None:
        path = os.environ.get("KAOHE_FUZZ_REPORT")
        if path and reader in self.cases:
            seconds = time.monotonic() - self.started[reader]
            with open(path, "a", encoding="utf-8") as out:
                out.write(f"{reader} {self.cases[reader]} {seconds:.0f}\n")


COUNTER = Counter()


@pytest.fixture
def counted(request):  # noqa: ANN001
    reader = request.node.originalname.removeprefix("test_fuzz_")
    yield reader
    COUNTER.report(reader)


def parses_or_format_error(read, *args) -> None:  # noqa: ANN001, ANN002
    """The property: `read(*args)` returns, or raises FormatError; anything else fails the test."""
    try:
        read(*args)
    except FormatError as error:
        assert str(error).strip(), "a FormatError must say what is wrong"


# -- shared mutation strategies -----------------------------------------------------------------

NASTY_TEXT = st.sampled_from([
    "", " ", "\t", "\u3000", "\x00", "\x0b", "\ufeff", "\ud800", "（", "）", "(", ")", "分", "（5分）", "(0.5分)",
    "(-1分)", "(1e309分)", "(NaN分)", "(∞分)", "（一）", "1.", "１．", "一、", "①", "；", "、", "\n", "\r\n",
    "=1+1", "+1", "-1", "@SUM(A1)", "序号", "一级指标", "二级指标", "三级指标", "考核内容", "考核单位", "备注",
    "市委组织部", "适用于县", "不适用于", "加分", "扣分", "9" * 40, "0." + "0" * 30 + "1", "\u202e", "𠀀",
])
TEXT = st.one_of(NASTY_TEXT, st.text(max_size=30), st.text(alphabet="0123456789.（）()分、；一二三四五六七八九十 \t",
                                                               max_size=20))


@st.composite
def mutated_lines(draw, lines: list[str], max_ops: int = 6) -> list[str]:  # noqa: ANN001
    """`lines` with a few lines dropped, repeated, swapped, cut or rewritten."""
    lines = list(lines)
    for _ in range(draw(st.integers(0, max_ops))):
        if not lines:
            lines.append(draw(TEXT))
            continue
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "repeat", "swap", "cut", "insert", "splice", "tabs"]))
        if op == "drop":
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif op == "insert":
            lines.insert(i, draw(TEXT))
        elif op == "splice":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(TEXT) + lines[i][at + draw(st.integers(0, 5)):]
        else:
            cells = lines[i].split("\t")
            k = draw(st.integers(0, len(cells)))
            if draw(st.booleans()):
                cells.insert(k, draw(TEXT))
            else:
                cells = cells[: max(k, 1)]
            lines[i] = "\t".join(cells)
    return lines


def _bytes_of(wb: openpyxl.Workbook, fallback: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    try:
        wb.save(buffer)
    except Exception:  # noqa: BLE001  (a mutation openpyxl cannot write: use the input unchanged)
        return fallback
    return buffer.getvalue()


CELL_VALUE = st.one_of(
    st.none(), TEXT, st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=3), st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["=1/0", "=A1", "=SUM(E6:E9)", "='kaohe'!A1"]),
)


@st.composite
def mutated_workbook(draw, data: bytes, max_ops: int = 5) -> bytes:  # noqa: ANN001
    """The workbook with cells set, merges added or removed, rows/columns deleted or inserted,
    sheets renamed, removed, added, hidden or shown."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for _ in range(draw(st.integers(1, max_ops))):
        ws = wb.worksheets[draw(st.integers(0, len(wb.worksheets) - 1))]
        op = draw(st.sampled_from(["cell", "cell", "cell", "merge", "unmerge", "rows", "cols", "sheet", "state"]))
        rows, cols = max(ws.max_row, 1), max(ws.max_column, 1)
        row, col = draw(st.integers(1, rows + 2)), draw(st.integers(1, cols + 2))
        try:  # openpyxl refuses some edits (merged cells, odd ranges): that mutation is skipped
            if op == "cell":
                ws.cell(row=row, column=col).value = draw(CELL_VALUE)
            elif op == "merge":
                ws.merge_cells(start_row=row, start_column=col, end_row=row + draw(st.integers(0, 3)),
                               end_column=col + draw(st.integers(0, 3)))
            elif op == "unmerge" and ws.merged_cells.ranges:
                ranges = sorted(ws.merged_cells.ranges, key=str)
                ws.unmerge_cells(str(ranges[draw(st.integers(0, len(ranges) - 1))]))
            elif op == "rows":
                if draw(st.booleans()):
                    ws.delete_rows(row, draw(st.integers(1, 3)))
                else:
                    ws.insert_rows(row, draw(st.integers(1, 3)))
            elif op == "cols":
                if draw(st.booleans()):
                    ws.delete_cols(col, draw(st.integers(1, 2)))
                else:
                    ws.insert_cols(col, draw(st.integers(1, 2)))
            elif op == "sheet":
                choice = draw(st.sampled_from(["rename", "remove", "add"]))
                if choice == "rename":
                    ws.title = draw(st.sampled_from(["评分", "kaohe", "Sheet", "表", "x" * 31]))
                elif choice == "remove" and len(wb.worksheets) > 1:
                    wb.remove(ws)
                else:
                    wb.create_sheet(draw(st.sampled_from(["Sheet9", "kaohe2", "评分2"])))
            else:
                ws.sheet_state = draw(st.sampled_from(["visible", "hidden", "veryHidden"]))
                if all(s.sheet_state != "visible" for s in wb.worksheets):
                    ws.sheet_state = "visible"
        except Exception:  # noqa: BLE001
            pass
    return _bytes_of(wb, data)


@st.composite
def mutated_zip(draw, data: bytes) -> bytes:  # noqa: ANN001
    """A member of the xlsx zip rewritten (bytes flipped, cut, text spliced, dropped, or a huge
    claimed size), or the archive's own bytes flipped or cut."""
    if draw(st.integers(0, 4)) == 0:  # the raw archive
        raw = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(raw) - 1))
            raw[at] = draw(st.integers(0, 255))
        return bytes(raw[: draw(st.integers(0, len(raw)))]) if draw(st.booleans()) else bytes(raw)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    i = draw(st.integers(0, len(members) - 1))
    name, content = members[i]
    op = draw(st.sampled_from(["flip", "cut", "splice", "drop", "duplicate", "rename"]))
    if op == "flip" and content:
        raw = bytearray(content)
        for _ in range(draw(st.integers(1, 6))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.sampled_from(b"<>/\"'=&;0x \x00\xff"))
        members[i] = (name, bytes(raw))
    elif op == "cut":
        members[i] = (name, content[: draw(st.integers(0, len(content)))])
    elif op == "splice":
        at = draw(st.integers(0, len(content)))
        piece = draw(st.sampled_from([b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", b"&a;", b"<c r=\"A1\" t=\"s\"><v>99999</v></c>",
                                      b"<v>1e999</v>", b"<f>1+1</f>", b"]]>", b"\xef\xbb\xbf", b"<row r=\"0\"/>",
                                      b"<mergeCell ref=\"A1:XFD1048576\"/>", b"<sheetFormatPr/>"]))
        members[i] = (name, content[:at] + piece + content[at:])
    elif op == "drop":
        del members[i]
    elif op == "duplicate":
        members.append((name + draw(st.sampled_from(["", "x"])), content))
    else:
        members[i] = (draw(st.sampled_from(["../evil.xml", "/abs.xml", "xl/worksheets/sheet99.xml"])), content)
    buffer = io.BytesIO()
    with warnings_ignored(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members:
            archive.writestr(member, content)
    return buffer.getvalue()


class warnings_ignored:  # noqa: N801  (zipfile warns about duplicate names; that is the point)
    def __enter__(self) -> None:
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self._catch.__exit__(*exc)


# -- the official text --------------------------------------------------------------------------

@cache
def seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").splitlines()


@st.composite
def official_text(draw) -> str:  # noqa: ANN001
    """A window of the seed (its header, some lines from anywhere after it), mutated; or random
    lines under the header."""
    lines = seed_lines()
    header = next(i for i, line in enumerate(lines) if line.startswith("序号"))
    if draw(st.integers(0, 3)) == 0:
        body = draw(st.lists(st.lists(TEXT, max_size=8).map("\t".join), max_size=12))
        return "\n".join([lines[header], *body])
    start = draw(st.integers(header + 1, len(lines) - 1))
    window = lines[max(0, header - 2): header + 1] + lines[start: start + draw(st.integers(1, 40))]
    return "\n".join(draw(mutated_lines(window)))


def test_fuzz_official_text(seed_path, counted):  # noqa: ANN001
    @FUZZ
    @given(official_text())
    @example("序号\t一级指标\t二级指标\t三级指标\t考核内容\t考核单位\t备注\n1\t政治建设(1e309分)")
    @example("序号\t一级指标\t二级指标\t三级指标\t考核内容\t考核单位\t备注\n①\t政治建设(5分)")  # found: int("①")
    def run(text: str) -> None:
        COUNTER.hit(counted)
        try:
            parse_official_text(text, "fuzz.txt")
        except FormatError as error:
            # the reader wraps its own bugs in a FormatError ("无法读取这一行（KeyError …）"): not good enough
            assert error.__cause__ is None or isinstance(error.__cause__, FormatError), repr(error.__cause__)

    run()


# -- YAML ---------------------------------------------------------------------------------------

SMALL_YAML = dedent("""\
    kaohe-scheme: 1
    name: demo
    title: 演示指标体系
    year: 2018
    total: 10
    units: [甲县, 乙县]
    groups: {县: [甲县, 乙县]}
    departments: [市委办公室]
    dimensions:
      - title: 政治建设
        points: 10
        indicators:
          - title: 指标一
            points: 10
            criteria:
              - title: 标准A
                points: 10
                departments: [市委办公室]
                note: 适用于县
                items:
                  - {title: 内容1, points: 4}
                  - {title: 内容2, points: 6}
    """)

YAML_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), TEXT,
              st.sampled_from(["1e400", "0x10", "0o7", ".inf", "-.nan", "2018-01-01", "~", "yes", "1_000"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12)


@cache
def shipped_data() -> list[object]:
    return [yaml.safe_load(SMALL_YAML)] + [yaml.safe_load(path.read_text(encoding="utf-8")) for path in SHIPPED]


@st.composite
def mutated_data(draw, data: object) -> object:  # noqa: ANN001
    """Walk down from the root to one value and replace, delete or add around it."""
    import copy

    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 4))):
        parent, key = None, None
        node = data
        while isinstance(node, dict | list) and node and draw(st.integers(0, 4)) > 0:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, keys[draw(st.integers(0, len(keys) - 1))]
            node = node[key]
        if parent is None:
            continue
        op = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if op == "replace":
            parent[key] = draw(YAML_VALUE)
        elif op == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(TEXT)] = draw(YAML_VALUE)
        else:
            parent.append(draw(YAML_VALUE))
    return data


@st.composite
def yaml_text(draw) -> str:  # noqa: ANN001
    kind = draw(st.integers(0, 9))
    if kind == 0:  # random text
        return draw(st.text(max_size=200))
    if kind == 1:  # random YAML documents
        return yaml.safe_dump(draw(YAML_VALUE), allow_unicode=True)
    sources = shipped_data()
    source = sources[0] if draw(st.integers(0, 7)) else sources[draw(st.integers(1, len(sources) - 1))]
    if kind <= 3:  # the text of a document, lines mutated (indentation, flow syntax, anchors …)
        text = yaml.safe_dump(source, allow_unicode=True, sort_keys=False)
        return "\n".join(draw(mutated_lines(text.splitlines(), max_ops=4)))
    return yaml.safe_dump(draw(mutated_data(source)), allow_unicode=True, sort_keys=False)


def test_fuzz_yaml(counted):  # noqa: ANN001
    @FUZZ
    @given(yaml_text())
    @example("a: &x [1]\nb: *x\n")
    @example("[" * 5000)
    @example("kaohe-scheme: 1\ntotal: .nan\nyear: 2018\n")
    @example(SMALL_YAML.replace("year: 2018", "year: ①"))  # found: "①".isdigit() but int("①") fails
    @example(SMALL_YAML.replace("year: 2018", "year: " + "9" * 5000))  # int() refuses over 4300 digits
    @example("title: \ud800\n")  # found: UnicodeEncodeError from the C parser
    def run(text: str) -> None:
        COUNTER.hit(counted)
        parses_or_format_error(loads_yaml, text, "fuzz.yaml")

    run()


# -- the official xlsx table --------------------------------------------------------------------

@cache
def scheme_workbooks() -> list[bytes]:
    """The small scheme's workbook (most cases: fast), and one of a shipped scheme cut to its
    first dimension (real merges, page breaks and metadata)."""
    small = xlsx_bytes(loads_yaml(SMALL_YAML, "small.yaml"))
    data = yaml.safe_load(SHIPPED[0].read_text(encoding="utf-8"))
    data["dimensions"] = data["dimensions"][:1]
    data["total"] = data["dimensions"][0]["points"]
    cut = xlsx_bytes(loads_yaml(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "cut.yaml"))
    return [small, cut]


@st.composite
def scheme_xlsx(draw) -> bytes:  # noqa: ANN001
    books = scheme_workbooks()
    book = books[0] if draw(st.integers(0, 4)) else books[1]
    if draw(st.integers(0, 3)) == 0:
        return draw(mutated_zip(book))
    return draw(mutated_workbook(book))


def test_fuzz_xlsx_scheme(counted):  # noqa: ANN001
    @FUZZ
    @given(scheme_xlsx())
    @example(b"PK\x05\x06" + b"\x00" * 18)
    def run(data: bytes) -> None:
        COUNTER.hit(counted)
        parses_or_format_error(read_xlsx_bytes, data, "fuzz.xlsx")

    run()


@pytest.mark.parametrize("year", [-1, 10**12, 2.5, True])
def test_found_by_fuzzing_an_impossible_year_in_the_metadata_is_a_finding(year):  # noqa: ANN001
    """The hidden sheet's year went into the scheme unchecked; a negative or huge one then failed
    to store (PositiveIntegerField) with a server error."""
    wb = openpyxl.load_workbook(io.BytesIO(scheme_workbooks()[0]))
    ws = wb[METADATA_SHEET]
    row = next(r for r in ws.iter_rows() if r[2].value == "year")
    row[3].value = str(year).lower() if isinstance(year, bool) else str(year)
    result = read_xlsx_bytes(_bytes_of(wb), "small-2018.xlsx")
    assert result.schemes[0].year == 2018  # from the file name, as without metadata
    assert any(f.code == "xlsx-metadata-invalid" for f in result.findings)


# -- the scoring sheet --------------------------------------------------------------------------

@cache
def scoring_sheet() -> bytes:
    data = SheetData(
        cycle_id=7, cycle_name="2018年度考核", department_code="swzzb", department_name="市委组织部",
        units=[("jia", "甲县"), ("yi", '=HYPERLINK("http://evil.example","乙县")')],
        rows=[SheetRow("1.1.1.1", "标准A", "内容1", Decimal("4")),
              SheetRow("1.1.1.2", "标准A", "=1+1 落实情况", Decimal("2")),
              SheetRow("1.1.2.1", "标准B", "内容3", Decimal("1.5"))],
        values={("jia", "1.1.1.1"): (Decimal("3.50"), "缺少会议记录", 2), ("yi", "1.1.1.1"): (None, "", 0),
                ("jia", "1.1.1.2"): (Decimal("2.00"), "", 1), ("yi", "1.1.1.2"): (None, "", 0),
                ("jia", "1.1.2.1"): (None, "", 0)},
        step=Decimal("0.1"), generated_at=datetime(2019, 1, 10, 9, 30))
    return write_sheet(data)


@st.composite
def scoring_xlsx(draw) -> bytes:  # noqa: ANN001
    sheet = scoring_sheet()
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(mutated_zip(sheet))
    if kind == 1:  # what a scorer does: type anything into the grid
        wb = openpyxl.load_workbook(io.BytesIO(sheet))
        ws = wb[SHEET]
        for _ in range(draw(st.integers(1, 8))):
            cell = ws.cell(row=draw(st.integers(1, 10)), column=draw(st.integers(1, 10)))
            value = draw(CELL_VALUE)
            try:
                cell.value = value
            except Exception:  # noqa: BLE001  (openpyxl refuses some values: that edit is skipped)
                pass
        return _bytes_of(wb, sheet)
    if kind == 2:  # the hidden manifest tampered with
        wb = openpyxl.load_workbook(io.BytesIO(sheet))
        ws = wb[MANIFEST]
        for _ in range(draw(st.integers(1, 4))):
            cell, value = ws.cell(row=draw(st.integers(1, ws.max_row + 1)), column=draw(st.integers(1, 6))), \
                draw(CELL_VALUE)
            try:
                cell.value = value
            except Exception:  # noqa: BLE001
                pass
        return _bytes_of(wb, sheet)
    return draw(mutated_workbook(sheet))


def test_fuzz_scoring_sheet(counted):  # noqa: ANN001
    @FUZZ
    @given(scoring_xlsx())
    def run(data: bytes) -> None:
        COUNTER.hit(counted)
        parses_or_format_error(read_sheet, data, "fuzz.xlsx")

    run()


# -- evidence uploads ---------------------------------------------------------------------------

MAGIC = st.sampled_from([b"", b"%PDF-1.7\n", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP",
                         b"BM", b"II*\x00", b"MM\x00*", b"PK\x03\x04", b"PK\x05\x06", b"MZ\x90\x00",
                         b"\x7fELF", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"<html>", b"#!/bin/sh\n"])
NAME = st.one_of(
    st.text(max_size=40),
    st.builds(lambda d, s, e: d + s + e,
              st.sampled_from(["", "../", "..\\", "/etc/", "C:\\Users\\", "a/b/", "\x00", " ", "./", "\u202e"]),
              st.text(max_size=MAX_NAME + 20),
              st.sampled_from(["", ".pdf", ".PDF", ".jpg", ".png", ".docx", ".xlsx", ".zip", ".exe", ".pdf.exe",
                               ".", ". ", ".doc", ".wps", ".et", ".tar.gz"])),
)


@st.composite
def evidence_upload(draw) -> tuple[str, bytes, int]:  # noqa: ANN001
    if draw(st.integers(0, 4)) == 0:  # a real Office Open XML file, possibly damaged
        data = draw(mutated_zip(scoring_sheet())) if draw(st.booleans()) else scoring_sheet()
    else:
        data = draw(MAGIC) + draw(st.binary(max_size=300))
    return draw(NAME), data, draw(st.integers(0, 4096))


def test_fuzz_evidence(counted):  # noqa: ANN001
    @FUZZ
    @given(evidence_upload())
    @example(("../../etc/passwd.pdf", b"%PDF-1.7\n", 100))
    @example(("report.pdf", b"MZ\x90\x00", 100))
    def run(upload: tuple[str, bytes, int]) -> None:
        COUNTER.hit(counted)
        name, data, limit = upload
        try:
            cleaned, kind = check_evidence(name, data, limit)
        except FormatError as error:
            assert str(error).strip()
            return
        # accepted: a bare name of sensible length whose extension matches the content, within the limit
        assert cleaned and "/" not in cleaned and "\\" not in cleaned and len(cleaned) <= MAX_NAME
        assert not any(ord(ch) < 32 for ch in cleaned)
        assert cleaned.rsplit(".", 1)[-1].lower() in kind.extensions
        assert 0 < len(data) <= limit

    run()
