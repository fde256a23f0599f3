"""The official-text reader's line loop: titles, header rows and table rows found line by line (rows
shifted sideways by the conversion moved back into their columns), each row handed to the row
machine (`rows`), and every table finally made a draft scheme, with the findings on its nodes
located. The entry points: `parse_official_text`, `read_official_text`, `looks_like_official_text`."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from kaohe.core.check import Finding, Severity
from kaohe.core.codes import assign_codes
from kaohe.core.scheme import Level, Location, Scheme, short, title_path
from kaohe.formats.errors import FormatError
from kaohe.formats.official_text.cells import (
    COLUMNS,
    CONTENT,
    HEADER,
    clean,
    column_name,
    is_content,
    is_header,
    unbalanced,
)
from kaohe.formats.official_text.rows import RowMachine, Table
from kaohe.formats.result import ReadResult
from kaohe.formats.text import decode_text

MISSING_TITLE = "（标题缺失）"

_LINES = re.compile(r"\r\n|\r|\n")
_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]")
_ANY_YEAR = re.compile(r"(\d{4})\s*年度")
_DOCUMENT_NUMBER = re.compile(r"^\S{1,12}〔\d{4}〕\d+号$")


class _Reader(RowMachine):
    def __init__(self, filename: str | None, templates: list[Scheme] | None):
        self.templates = templates or []
        super().__init__(filename, sorted({d for t in self.templates for d in t.departments}))

    # -- lines -------------------------------------------------------------------------------

    def read(self, text: str) -> ReadResult:
        lines = _LINES.split(text)
        last_filled = max((i for i, line in enumerate(lines, 1) if line.strip()), default=0)
        pending_title: tuple[str, int] | None = None
        table: Table | None = None
        document_number = ""
        for number, raw in enumerate(lines, 1):
            self.line = number
            if not raw.strip():
                continue
            if "\t" not in raw:
                stripped = raw.strip()
                if stripped.startswith("#"):
                    pending_title = (clean(stripped.lstrip("#")), number)
                    continue
                pending_title = None
                if _DOCUMENT_NUMBER.match(clean(stripped)) and not document_number:
                    document_number = clean(stripped)
                if table is not None:
                    self.report("text-stray-line", f"表格中的这一行不是表格行（没有制表符）：“{short(clean(stripped))}”，已忽略。",
                                Severity.WARNING)
                continue
            cells = raw.split("\t")
            if is_header(cells):
                self.check_header(cells)
                self.header_line = number
                if table is None or (pending_title is not None and table.has_rows):
                    title, title_line = pending_title if pending_title else (None, None)
                    table = self.start_table(title, title_line, number)
                pending_title = None
                self.page_start = True
                continue
            pending_title = None
            if table is None:
                continue  # tab-separated lines before the first header are not part of a table
            row = self.fit(cells, truncated=number == last_filled)
            if row is not None:
                table = self.row(table, row)
            self.page_start = False
        for table in self.tables:
            if not table.dimensions:
                self.report("text-no-rows", f"第{table.number}张表只有表头，没有可读的数据行。",
                            line=table.header_line)
        schemes = self.schemes(text, document_number)
        self.findings.extend(self.materialize(schemes))
        self.findings.sort(key=lambda f: (f.location.line or 0) if f.location else 0)
        return ReadResult(schemes, self.findings)

    def check_header(self, cells: list[str]) -> None:
        names = [clean(cell) for cell in cells]
        while names and not names[-1]:
            names.pop()
        if tuple(names) != HEADER:
            self.report("text-header", f"表头应为“{' '.join(HEADER)}”，这里是“{' '.join(names)}”；"
                        "仍按七列的固定顺序读取。", Severity.WARNING)

    def fit(self, cells: list[str], truncated: bool) -> list[str] | None:
        """Seven cells in their columns, or None when the row cannot be placed."""
        cells = list(cells)
        count = len(cells)
        cut = truncated and (count < COLUMNS or any(unbalanced(cell) for cell in cells))
        while len(cells) > COLUMNS and not cells[-1].strip():
            cells.pop()
        if cut:
            signs = ([f"该行只有{count}个单元格"] if count < COLUMNS else []) + (
                ["列表标记未闭合"] if any(unbalanced(cell) for cell in cells) else [])
            self.report("text-truncated", f"文件在最后一行中途结束（{'，'.join(signs)}），"
                        "已按现有内容读取，该行可能不完整。")
        elif len(cells) < COLUMNS:
            self.report("text-columns", f"该行只有{count}个单元格，应为{COLUMNS}个（{' · '.join(HEADER)}）；"
                        "缺的单元格按空白读取。")
        if len(cells) > CONTENT and is_content(cells[CONTENT]):
            return (cells + [""] * COLUMNS)[:COLUMNS] if len(cells) <= COLUMNS else self.trim(cells)
        found = next((i for i, cell in enumerate(cells) if i != CONTENT and is_content(cell)), None)
        if found is None:
            return (cells + [""] * COLUMNS)[:COLUMNS] if len(cells) <= COLUMNS else self.trim(cells)
        shift = CONTENT - found
        placed = [""] * COLUMNS
        lost = []
        for index, cell in enumerate(cells):
            target = index + shift
            if 0 <= target < COLUMNS:
                placed[target] = cell
            elif cell.strip():
                lost.append(cell)
        if lost:
            self.report("text-columns", f"该行的考核内容出现在{column_name(found)}，"
                        "单元格错位且无法对齐（移回后会丢掉非空单元格），已跳过该行。")
            return None
        direction = "左" if shift > 0 else "右"
        self.report("text-shifted", f"该行单元格整体向{direction}错位{abs(shift)}列（考核内容出现在{column_name(found)}），"
                    "已移回各自的列后读取；其中的标签按原样归入当时的上级，请核对源文件。", Severity.WARNING)
        return placed

    def trim(self, cells: list[str]) -> list[str] | None:
        extra = [cell for cell in cells[COLUMNS:] if cell.strip()]
        if extra:
            self.report("text-columns", f"该行有{len(cells)}个单元格，应为{COLUMNS}个；"
                        f"第{COLUMNS}列之后的内容“{short(clean(extra[0]))}”已忽略。")
        return cells[:COLUMNS]

    # -- schemes -----------------------------------------------------------------------------

    def schemes(self, text: str, document_number: str) -> list[Scheme]:
        tables = [t for t in self.tables if t.dimensions] or self.tables[:1]
        years = [int(m.group(1)) for t in tables if t.title and (m := _YEAR.search(t.title))]
        fallback = years[0] if years else None
        if fallback is None and (m := _ANY_YEAR.search(text)):
            fallback = int(m.group(1))
        schemes = []
        for index, table in enumerate(tables):
            line = table.title_line or table.header_line
            year_match = _YEAR.search(table.title) if table.title else None
            year = int(year_match.group(1)) if year_match else fallback
            if year is None:
                self.report("text-no-year", f"第{index + 1}张表的标题和全文都没有写明年度“(YYYY年度)”，年度记为0。",
                            line=line)
                year = 0
            title = table.title or MISSING_TITLE
            if not table.title:
                self.report("text-no-title", f"第{index + 1}张表（从第{table.header_line}行起）没有标题行，"
                            f"标题记为“{MISSING_TITLE}”。", Severity.WARNING, line=table.header_line)
            points = [d.points for d in table.dimensions if d.points is not None]
            if table.dimensions and not points:
                self.report("text-no-total", f"第{index + 1}张表的一级指标都没有分值，无法得出总分。", line=line)
            total = sum(points, Decimal(0))
            scheme = Scheme(name=f"table{index + 1}-{year}", title=title, year=year, total=total,
                            source=document_number, dimensions=table.dimensions,
                            location=Location(file=self.filename, line=line))
            if index < len(self.templates):
                template = self.templates[index]
                scheme.name = template.name
                if not table.title:
                    scheme.title = template.title
                scheme.audience = template.audience
                scheme.units = list(template.units)
                scheme.groups = {k: list(v) for k, v in template.groups.items()}
                scheme.aliases = dict(template.aliases)
                scheme.departments = list(template.departments)
            for node in scheme.walk():
                if node.level is not Level.ITEM and node.is_leaf and not node.content:
                    self.report_node(node, "text-no-content",
                                     f"{node.level.label}“{short(node.title) or '（无标题）'}”没有考核内容。",
                                     Severity.WARNING)
            assign_codes(scheme)
            schemes.append(scheme)
        return schemes

    def materialize(self, schemes: list[Scheme]) -> list[Finding]:
        paths: dict[int, tuple[str, str]] = {}
        for scheme in schemes:
            for node, parents in scheme.walk_with_parents():
                paths[id(node)] = (node.code, title_path(parents, node))
        result = []
        for pending in self.node_findings:
            code, path = paths.get(id(pending.node), ("", ""))
            result.append(Finding(code=pending.code, severity=pending.severity, message=pending.message,
                                  node_code=code, path=path, location=pending.node.location,
                                  origin=pending.node.origin, declared=pending.declared,
                                  actual=pending.actual))
        return result



def _header_line(text: str) -> bool:
    return any("\t" in line and is_header(line.split("\t")) for line in _LINES.split(text))


def looks_like_official_text(text: str) -> bool:
    """True when a header row '序号<TAB>一级指标…' is present."""
    return _header_line(text)


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return "\x00" in text or controls > max(2, len(text) // 100)


def parse_official_text(text: str, filename: str | None = None,
                        templates: list[Scheme] | None = None) -> ReadResult:
    """One draft scheme per table of the official text conversion, plus the reader's findings.

    `templates[i]` (optional) gives the i-th draft its name, audience, units, groups, aliases and
    departments (and its title when the source's is missing).
    """
    where = Location(file=filename)
    if not text.strip():
        raise FormatError("文件为空", where)
    text = text.removeprefix("\ufeff")
    if _looks_binary(text):
        raise FormatError("这是二进制文件，不是文本文件", where)
    if not _header_line(text):
        raise FormatError("不是官方指标体系文本：没有找到表头“序号 一级指标 …”", where)
    reader = _Reader(filename, templates)
    try:
        return reader.read(text)
    except FormatError:
        raise
    except Exception as error:  # a reader bug must still reach the user as a located message
        raise FormatError(f"无法读取这一行（{type(error).__name__}: {error}）",
                          Location(file=filename, line=reader.line or None)) from error


def read_official_text(path: str | Path, templates: list[Scheme] | None = None) -> ReadResult:
    path = Path(path)
    return parse_official_text(decode_text(path), str(path), templates)
