"""The ranking workbook: `ranking_xlsx(report)` writes it with XlsxWriter in constant-memory mode
(`write_ranking_xlsx` streams it to a file: a province's 200,000 units in under a minute with flat
memory; openpyxl's write-only mode took three):

    sheet "说明"   the rules in force: components and weights, bonus cap, ranking, grade
                   thresholds, top-grade quota, the ranking groups and the published version/time
                   (A4 portrait).
    one sheet per ranking group (its name made safe for Excel), A4 landscape, fit to width,
    row 2 repeated on every page, panes frozen at C3, thin borders, 宋体:
        row 1   "{title} 综合考核结果（{group}）" merged over the table ("{title}结果（{group}）"
                when the title already ends with 考核, so "…综合考核 综合考核结果" is never written)
        row 2   名次 · 单位 · 得分/满分 · 百分制得分 · 加分 · 扣分 · 调整后得分 ·
                one column per component other than "adjusted" (label and weight) ·
                最终得分 · 等次 · 说明
        row 3…  one row per unit in rank order (ties by unit code). 得分/满分 is text such as
                "85.5/100"; every other figure is a number (so Excel can sort), the Decimal
                rounded with `round_score(…, 2)` and turned into a float only when stored, shown
                with the number format "0.00". 说明 joins the result's explanation.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import BinaryIO, cast

import xlsxwriter
from xlsxwriter.worksheet import Worksheet as XlsxSheet

from kaohe.core.points import format_points
from kaohe.core.results import ADJUSTED, Rules, UnitResult, round_score
from kaohe.formats.cells import display_width, literal_text, safe_text, wrapped_line_count
from kaohe.formats.printing import DEFAULT_FONT, FONT, a4_xlsxwriter
from kaohe.formats.results_report.report import (
    NO_GROUP,
    PLACES,
    ResultsReport,
    grouped,
    percent,
    results_title,
    rules_rows,
)
from kaohe.formats.results_report.workbook import (
    BODY_SIZE,
    HEADER_SIZE,
    TITLE_SIZE,
    row_height,
)

NUMBER_FORMAT = "0.00"
RULES_SHEET = "说明"


def _number(value: Decimal) -> float:
    """A score as stored in a cell: rounded for display, a float only at the XlsxWriter boundary."""
    return float(round_score(value, PLACES))


_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str] | None = None) -> str:
    """`name` as an Excel sheet name: no []:*?/\\, no leading or trailing apostrophe, at most 31
    characters, not "History", and unique (case-insensitively) among `taken`, which is updated."""
    taken = taken if taken is not None else set()
    base = _SHEET_UNSAFE.sub("_", safe_text(name).replace("\n", " ")).strip().strip("'").strip()
    if not base or base.casefold() == "history":
        base = f"{base}_" if base else NO_GROUP
    candidate = base[:31]
    number = 2
    while candidate.casefold() in taken:
        suffix = f"({number})"
        candidate = base[: 31 - len(suffix)] + suffix
        number += 1
    taken.add(candidate.casefold())
    return candidate



_FIXED_WIDTHS = {"rank": 6, "name": 22, "ratio": 12, "percent": 12, "bonus": 8, "penalty": 8,
                 "adjusted": 12, "component": 14, "final": 10, "grade": 7, "note": 40}


class _Formats:
    """The ranking workbook's cell formats (XlsxWriter has no named styles: formats are shared
    objects), each text format with a quote-prefixed twin for text that looks like a formula."""

    TEXT = ("title", "header", "center", "left")

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        def spec(size: float, horizontal: str, *, bold: bool = False, border: bool = True,
                 number_format: str | None = None) -> dict[str, object]:
            properties: dict[str, object] = {"font_name": FONT, "font_size": size, "bold": bold,
                                             "align": horizontal, "valign": "vcenter", "text_wrap": True}
            if border:
                properties["border"] = 1
            if number_format:
                properties["num_format"] = number_format
            return properties

        specs = {
            "title": spec(TITLE_SIZE, "center", bold=True, border=False),
            "header": spec(HEADER_SIZE, "center", bold=True),
            "center": spec(BODY_SIZE, "center"),
            "left": spec(BODY_SIZE, "left"),
            "score": spec(BODY_SIZE, "center", number_format=NUMBER_FORMAT),
            "rank": spec(BODY_SIZE, "center", number_format="0"),
        }
        self.plain = {key: wb.add_format(properties) for key, properties in specs.items()}
        self.quoted = {key: wb.add_format({**specs[key], "quote_prefix": True}) for key in self.TEXT}

    def text(self, ws: XlsxSheet, row: int, column: int, value: object, style: str) -> None:
        """`value` stored as a literal string (never a formula: see `cells.literal_text`)."""
        text, quoted = literal_text(value)
        if text:
            ws.write_string(row, column, text, self.quoted[style] if quoted else self.plain[style])
        else:  # an empty cell with the format (its borders), not an empty string
            ws.write_blank(row, column, None, self.plain[style])

    def heading(self, ws: XlsxSheet, last_column: int, value: object) -> None:
        """Row 1: `value` merged over the table. merge_range would store text starting with "="
        as a formula, so the first cell is written again as a string (allowed in constant-memory
        mode: the row is still open)."""
        ws.merge_range(0, 0, 0, last_column, "", self.plain["title"])
        self.text(ws, 0, 0, value, "title")


def _write_rules_sheet(ws: XlsxSheet, formats: _Formats, title: str, rules: Rules, published: str,
                       groups: Mapping[str, int]) -> None:
    """The rules in force: 项目 · 内容, one rule per row."""
    rows = [("考核名称", safe_text(title))] + rules_rows(rules, published, groups)
    widths = (22, 78)
    for column, width in enumerate(widths):
        ws.set_column(column, column, width)
    ws.freeze_panes(2, 0)
    ws.repeat_rows(1)
    ws.print_area(0, 0, len(rows) + 1, 1)
    a4_xlsxwriter(ws, landscape=False, fit_width=True)
    ws.set_row(0, row_height(1, TITLE_SIZE))
    formats.heading(ws, 1, f"{results_title(title)}计算规则")
    ws.set_row(1, row_height(1, HEADER_SIZE))
    formats.text(ws, 1, 0, "项目", "header")
    formats.text(ws, 1, 1, "内容", "header")
    for row, (label, value) in enumerate(rows, start=2):
        lines = max(wrapped_line_count(label, widths[0]), wrapped_line_count(safe_text(value), widths[1]))
        ws.set_row(row, row_height(lines))
        formats.text(ws, row, 0, label, "left")
        formats.text(ws, row, 1, value, "left")


def _ranking_columns(rules: Rules) -> list[tuple[str, str, float]]:
    """(key, header, width) per column; component columns have the key "component:<key>"."""
    columns: list[tuple[str, str, float]] = [("rank", "名次", 0), ("name", "单位", 0), ("ratio", "得分/满分", 0),
               ("percent", "百分制得分", 0), ("bonus", "加分", 0), ("penalty", "扣分", 0),
               ("adjusted", "调整后得分", 0)]
    weighted = len(rules.components) > 1
    for component in rules.components:
        if component.key != ADJUSTED:
            header = f"{component.label}\n（权重{percent(component.weight)}）" if weighted else component.label
            width = max(_FIXED_WIDTHS["component"], min(20, display_width(component.label) * 1.1 + 2))
            columns.append((f"component:{component.key}", header, width))
    columns += [("final", "最终得分", 0), ("grade", "等次", 0), ("note", "说明", 0)]
    return [(key, header, width or _FIXED_WIDTHS[key]) for key, header, width in columns]


def _write_group_sheet(ws: XlsxSheet, formats: _Formats, title: str, group: str,
                       members: Sequence[UnitResult], rules: Rules) -> None:
    """One ranking group, row by row (constant-memory mode: a row is written to disk when the
    next one starts, so memory does not grow with units)."""
    columns = _ranking_columns(rules)
    last_column = len(columns) - 1
    heading = f"{results_title(title)}（{group or NO_GROUP}）"
    total_width = sum(width for _, _, width in columns)
    for index, (_, _, width) in enumerate(columns):
        ws.set_column(index, index, width)
    # a body row is one line high unless its text wraps: the sheet's default row height, so only
    # rows that wrap get a height of their own
    ws.set_default_row(row_height(1))
    ws.freeze_panes(2, 2)
    ws.repeat_rows(1)
    ws.print_area(0, 0, max(1, len(members) + 1), last_column)
    a4_xlsxwriter(ws, landscape=True, fit_width=True)
    ws.set_row(0, row_height(wrapped_line_count(safe_text(heading), total_width, TITLE_SIZE), TITLE_SIZE))
    formats.heading(ws, last_column, heading)
    ws.set_row(1, row_height(max(wrapped_line_count(header, width, HEADER_SIZE) for _, header, width in columns),
                          HEADER_SIZE))
    for column, (_, header, _) in enumerate(columns):
        formats.text(ws, 1, column, header, "header")
    components = [(column, key.removeprefix("component:")) for column, (key, _, _) in enumerate(columns)
                  if key.startswith("component:")]
    texts = [(column, key, width) for column, (key, _, width) in enumerate(columns)
             if key in ("name", "ratio", "grade", "note")]
    numbers = [(column, key) for column, (key, _, _) in enumerate(columns)
               if key in ("percent", "bonus", "penalty", "adjusted", "final")]
    write_number, score = ws.write_number, formats.plain["score"]
    for row, result in enumerate(members, start=2):
        values: dict[str, object] = {
            "name": result.name,
            "ratio": f"{format_points(result.obtained)}/{format_points(result.maximum)}",
            "percent": result.percent, "bonus": result.bonus, "penalty": result.penalty,
            "adjusted": result.adjusted, "final": result.final,
            "grade": result.grade,
            "note": "；".join(result.explanation),
        }
        lines = 1
        for _, key, width in texts:
            if values[key]:
                lines = max(lines, wrapped_line_count(safe_text(values[key]), width))
        if lines > 1:  # before the row's cells: its height is written with the row
            ws.set_row(row, row_height(lines))
        write_number(row, 0, result.rank, formats.plain["rank"])
        for column, key, _ in texts:
            formats.text(ws, row, column, values[key], "left" if key in ("name", "note") else "center")
        for column, key in numbers:
            write_number(row, column, _number(cast(Decimal, values[key])), score)
        for column, key in components:
            write_number(row, column, _number(result.components[key]), score)
        if row > 2:  # the previous row is on disk now: XlsxWriter keeps every height set (for
            ws.set_rows.pop(row - 1, None)  # positioning images, which this sheet has none of),
            ws.row_sizes.pop(row - 1, None)  # so drop it, or memory grows with wrapped rows


def write_ranking_xlsx(out: BinaryIO, report: ResultsReport) -> None:
    """The ranking workbook written to `out` by XlsxWriter in constant-memory mode (memory does
    not grow with the number of units); see the module docstring for the layout."""
    title, rules, published = report.title, report.rules, report.published
    groups = grouped(report.results)
    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "default_format_properties": DEFAULT_FONT})
    formats = _Formats(wb)
    taken = {RULES_SHEET.casefold()}
    _write_rules_sheet(wb.add_worksheet(RULES_SHEET), formats, title, rules, published,
                       {group: len(members) for group, members in groups.items()})
    for index, (group, members) in enumerate(groups.items()):
        ws = wb.add_worksheet(sheet_name(group or NO_GROUP, taken))
        if index == 0:  # the workbook opens on the first ranking, not on the rules
            ws.activate()
        _write_group_sheet(ws, formats, title, group, members, rules)
    wb.close()


def ranking_xlsx(report: ResultsReport) -> bytes:
    """The ranking workbook as bytes: the rules sheet "说明", then one sheet per ranking group
    (first appearance order) with the units in rank order. See the module docstring for the layout."""
    buffer = io.BytesIO()
    write_ranking_xlsx(buffer, report)
    return buffer.getvalue()
