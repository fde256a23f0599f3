"""The office's result reports (issue 5): the ranking workbook, the detail matrix and the notice.

Pure: no Django and no I/O; every function returns the file as bytes. The caller (the results
views) computes `UnitResult`s with `kaohe.core.results.compute` and passes them in.

`ranking_xlsx(title, results, rules, published)` — the ranking workbook, written by XlsxWriter in
constant-memory mode (`write_ranking_xlsx` streams it to a file: a province's 200,000 units in
under a minute with flat memory; openpyxl's write-only mode took three):

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

`detail_xlsx(title, units, items, points)` — the detail matrix, written in openpyxl's write-only
mode so memory stays flat for thousands of items × dozens of units (no merged cells):

    row 1   "{title} 考核明细" ("{title}明细" when the title ends with 考核), not merged
    row 2   hidden: "单位编码" then each unit's code above its column
    row 3   编码 · 考核内容 · 满分 · one column per unit (name)
    row 4…  one row per item: code, title, maximum, then the points per unit — a number, blank
            when not scored yet, "—" when the item does not apply (the key is missing)
    last    得分合计 (points obtained over the unit's applicable items, unscored = 0) and
            满分合计 (maxima of the unit's applicable items)
    Panes frozen at D4, rows 3 and columns A:C repeated on every printed page, A4 landscape.

`notice_docx(title, results, rules, issued)` — the 通报 as a Word document, A4 portrait with the
margins of official documents, 宋体 as the East Asian font: the title, an opening paragraph, per
ranking group a heading, a ranking table (名次 · 单位 · 最终得分 · 等次, header row repeated) and
the grade lists ("好等次：甲县、乙县；较好等次：丙县。"), notes for units whose grade was decided by
a quota, cap or veto, and the issue date. No field codes (no page numbers).

Every text cell of the workbooks goes through `kaohe.formats.cells.write_text` (openpyxl) or
`literal_text` (XlsxWriter: a string cell, quote-prefixed when it looks like a formula).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from copy import copy
from decimal import Decimal
from operator import attrgetter
from typing import BinaryIO

import xlsxwriter
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.worksheet import Worksheet as XlsxSheet

from kaohe.core.points import format_points
from kaohe.core.results import ADJUSTED, Rules, UnitResult, round_score
from kaohe.formats.cells import display_width, literal_text, safe_text, wrapped_line_count, write_text
from kaohe.formats.printing import FONT, a4, a4_xlsxwriter

TITLE_SIZE = 16
HEADER_SIZE = 11
BODY_SIZE = 10.5
LINE_HEIGHT = 1.35  # points of row height per point of font size and line (as in xlsx_scheme)
PADDING = 9.0
NUMBER_FORMAT = "0.00"
PLACES = 2  # decimals shown for every score

RULES_SHEET = "说明"
NOT_APPLICABLE = "—"
NO_GROUP = "（未分组）"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


# -- shared workbook helpers -----------------------------------------------------------------------


DEFAULT_FONT = {"font_name": "Arial", "font_size": 10}


def _new_workbook(write_only: bool = False) -> Workbook:
    """A workbook whose default font is Arial 10 (see `xlsx_scheme.writer._new_workbook`: column
    widths then mean the same in Excel, WPS and LibreOffice)."""
    wb = Workbook(write_only=write_only)
    default = Font(name=DEFAULT_FONT["font_name"], size=DEFAULT_FONT["font_size"])
    try:
        wb._fonts = IndexedList([default])
        wb._named_styles["Normal"].font = default
    except (AttributeError, KeyError):  # pragma: no cover - another openpyxl: keep its default
        pass
    return wb


def _styles(wb: Workbook) -> dict[str, str]:
    """Register the report's named styles once per workbook; returns key → style name."""
    def style(name: str, size: float, horizontal: str, *, bold: bool = False, border: bool = True,
              number_format: str = "General") -> NamedStyle:
        # only the banner (a title without merge, in write-only sheets) overflows instead of wrapping
        return NamedStyle(name=name, font=Font(name=FONT, size=size, bold=bold),
                          border=_BORDER if border else Border(), number_format=number_format,
                          alignment=Alignment(horizontal=horizontal, vertical="center",
                                              wrap_text=name != "kaohe-report-banner"))

    styles = {
        "banner": style("kaohe-report-banner", 14, "left", bold=True, border=False),
        "header": style("kaohe-report-header", HEADER_SIZE, "center", bold=True),
        "center": style("kaohe-report-center", BODY_SIZE, "center"),
        "left": style("kaohe-report-left", BODY_SIZE, "left"),
        "points": style("kaohe-report-points", BODY_SIZE, "center"),
        "total": style("kaohe-report-total", BODY_SIZE, "center", bold=True),
    }
    for named in styles.values():
        wb.add_named_style(named)
    return {key: named.name for key, named in styles.items()}


def _page(ws: Worksheet, *, landscape: bool, fit_width: bool) -> None:
    a4(ws, landscape=landscape, fit_width=fit_width)


def _height(lines: int, size: float = BODY_SIZE) -> float:
    return round(min(409.0, size * LINE_HEIGHT * lines + PADDING), 1)


def _number(value: Decimal) -> float:
    """A score as stored in a cell: rounded for display, a float only at the openpyxl boundary."""
    return float(round_score(value, PLACES))


def _points(value: Decimal) -> float | int:
    """Points as stored in a cell: whole numbers as int, others as float (at most two places)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


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


def _results_title(title: str) -> str:
    """"{title} 综合考核结果", without repeating 考核 when the title already names the assessment."""
    title = safe_text(title).strip()
    return f"{title}结果" if title.endswith("考核") else f"{title} 综合考核结果"


# -- the rules -------------------------------------------------------------------------------------


def _percent(share: Decimal) -> str:
    return f"{format_points(share * 100)}%"


def _threshold_text(rules: Rules) -> list[tuple[str, str]]:
    rows = []
    grades = rules.grades
    for index, band in enumerate(grades):
        limit = format_points(band.threshold)
        if index == len(grades) - 1:
            text = f"最终得分低于{format_points(grades[index - 1].threshold)}分" if index else "所有单位"
        elif index == 0:
            text = f"最终得分{limit}分及以上"
        else:
            text = f"最终得分{limit}分及以上、低于{format_points(grades[index - 1].threshold)}分"
        rows.append((f"等次：{band.name}", text))
    return rows


def quota_text(rules: Rules) -> str:
    """The top-grade quota in words, as the rules sheet states it."""
    quota = rules.top_quota
    top = rules.grades[0].name if rules.grades else "好"
    if quota is None:
        return f"{top}等次不限名额"
    if quota.count is not None:
        return f"每个排名组{top}等次不超过{quota.count}个"
    assert quota.share is not None
    return f"每个排名组{top}等次不超过单位数的{_percent(quota.share)}（向下取整），分数相同超出名额的均评为下一等次"


def rules_rows(rules: Rules, published: str = "", groups: Mapping[str, int] | None = None) -> list[tuple[str, str]]:
    """The rules in force as (项目, 内容) rows, as the "说明" sheet lists them."""
    formula = " + ".join(f"{c.label} × {_percent(c.weight)}" for c in rules.components)
    rows = [
        ("发布版本/时间", published or "（未发布）"),
        ("百分制折算", "百分制得分 = 指标得分 ÷ 适用指标满分 × 100（不适用的考核内容不计入满分）"),
        ("加分上限", f"每个单位加分合计不超过{format_points(rules.bonus_cap)}分，扣分不设上限"),
        ("调整后得分", "调整后得分 = 百分制得分 + 加分 − 扣分，最低为0分"),
    ]
    rows += [(f"得分组成：{c.label}", f"权重{_percent(c.weight)}") for c in rules.components]
    rows += [
        ("最终得分", f"最终得分 = {formula}"),
        ("排名", f"在各排名组内按最终得分排名，得分四舍五入保留{rules.rank_places}位小数后比较，"
                 "得分相同名次并列，并列单位按单位编码排列"),
    ]
    rows += _threshold_text(rules)
    rows += [
        (f"{rules.grades[0].name if rules.grades else '好'}等次名额", quota_text(rules)),
        ("等次调整", "名额限制之后，再适用“不得评为好等次”等限制和一票否决（评为最低等次）；"
                    "等次调整不改变得分和名次"),
    ]
    if groups:
        rows.append(("排名组", "；".join(f"{group or NO_GROUP}（{count}个单位）" for group, count in groups.items())))
    return rows


# -- 1. the ranking workbook ------------------------------------------------------------------------


def _grouped(results: Sequence[UnitResult]) -> dict[str, list[UnitResult]]:
    groups: dict[str, list[UnitResult]] = {}
    for result in results:
        groups.setdefault(result.group, []).append(result)
    for members in groups.values():  # by rank, then code: two stable sorts, no key tuple per unit
        members.sort(key=attrgetter("code"))
        members.sort(key=attrgetter("rank"))
    return groups


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
    ws.set_row(0, _height(1, TITLE_SIZE))
    formats.heading(ws, 1, f"{_results_title(title)}计算规则")
    ws.set_row(1, _height(1, HEADER_SIZE))
    formats.text(ws, 1, 0, "项目", "header")
    formats.text(ws, 1, 1, "内容", "header")
    for row, (label, value) in enumerate(rows, start=2):
        lines = max(wrapped_line_count(label, widths[0]), wrapped_line_count(safe_text(value), widths[1]))
        ws.set_row(row, _height(lines))
        formats.text(ws, row, 0, label, "left")
        formats.text(ws, row, 1, value, "left")


def _ranking_columns(rules: Rules) -> list[tuple[str, str, float]]:
    """(key, header, width) per column; component columns have the key "component:<key>"."""
    columns = [("rank", "名次", 0), ("name", "单位", 0), ("ratio", "得分/满分", 0),
               ("percent", "百分制得分", 0), ("bonus", "加分", 0), ("penalty", "扣分", 0),
               ("adjusted", "调整后得分", 0)]
    weighted = len(rules.components) > 1
    for component in rules.components:
        if component.key != ADJUSTED:
            header = f"{component.label}\n（权重{_percent(component.weight)}）" if weighted else component.label
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
    heading = f"{_results_title(title)}（{group or NO_GROUP}）"
    total_width = sum(width for _, _, width in columns)
    for index, (_, _, width) in enumerate(columns):
        ws.set_column(index, index, width)
    # a body row is one line high unless its text wraps: the sheet's default row height, so only
    # rows that wrap get a height of their own
    ws.set_default_row(_height(1))
    ws.freeze_panes(2, 2)
    ws.repeat_rows(1)
    ws.print_area(0, 0, max(1, len(members) + 1), last_column)
    a4_xlsxwriter(ws, landscape=True, fit_width=True)
    ws.set_row(0, _height(wrapped_line_count(safe_text(heading), total_width, TITLE_SIZE), TITLE_SIZE))
    formats.heading(ws, last_column, heading)
    ws.set_row(1, _height(max(wrapped_line_count(header, width, HEADER_SIZE) for _, header, width in columns),
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
            ws.set_row(row, _height(lines))
        write_number(row, 0, result.rank, formats.plain["rank"])
        for column, key, _ in texts:
            formats.text(ws, row, column, values[key], "left" if key in ("name", "note") else "center")
        for column, key in numbers:
            write_number(row, column, _number(values[key]), score)
        for column, key in components:
            write_number(row, column, _number(result.components[key]), score)
        if row > 2:  # the previous row is on disk now: XlsxWriter keeps every height set (for
            ws.set_rows.pop(row - 1, None)  # positioning images, which this sheet has none of),
            ws.row_sizes.pop(row - 1, None)  # so drop it, or memory grows with wrapped rows


def write_ranking_xlsx(out: BinaryIO, title: str, results: Sequence[UnitResult], rules: Rules,
                       published: str = "") -> None:
    """The ranking workbook written to `out` by XlsxWriter in constant-memory mode (memory does
    not grow with the number of units); see the module docstring for the layout."""
    groups = _grouped(results)
    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "default_format_properties": DEFAULT_FONT})
    formats = _Formats(wb)
    taken = {RULES_SHEET.casefold()}
    _write_rules_sheet(wb.add_worksheet(RULES_SHEET), formats, title, rules, published,
                       {group: len(members) for group, members in groups.items()})
    for group, members in groups.items():
        _write_group_sheet(wb.add_worksheet(sheet_name(group or NO_GROUP, taken)), formats, title, group,
                           members, rules)
    wb.close()


def ranking_xlsx(title: str, results: Sequence[UnitResult], rules: Rules, published: str = "") -> bytes:
    """The ranking workbook as bytes: the rules sheet "说明", then one sheet per ranking group
    (first appearance order) with the units in rank order. See the module docstring for the layout."""
    buffer = io.BytesIO()
    write_ranking_xlsx(buffer, title, results, rules, published)
    return buffer.getvalue()


# -- 2. the detail matrix ---------------------------------------------------------------------------


DETAIL_WIDTHS = (12, 40, 7)  # 编码, 考核内容, 满分
UNIT_WIDTH = 11


def detail_xlsx(title: str, units: Sequence[tuple[str, str]], items: Sequence[tuple[str, str, Decimal]],
                points: Mapping[tuple[str, str], Decimal | None]) -> bytes:
    """The detail matrix: items down (code, title, maximum), units across ((code, name); the code in
    a hidden row), the points obtained per cell. `points[(unit code, item code)]` is the points
    obtained, None when not scored yet; a missing key means the item does not apply ("—").
    Totals per unit at the bottom. Written in write-only mode; see the module docstring."""
    wb = _new_workbook(write_only=True)
    styles = _styles(wb)
    ws = wb.create_sheet("明细")
    width = 3 + len(units)
    for index, column_width in enumerate(DETAIL_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column_width
    name_lines = 1
    for index, (_, name) in enumerate(units, start=4):
        ws.column_dimensions[get_column_letter(index)].width = UNIT_WIDTH
        name_lines = max(name_lines, wrapped_line_count(safe_text(name), UNIT_WIDTH, HEADER_SIZE))
    ws.row_dimensions[1].height = _height(1, 14)
    ws.row_dimensions[2].hidden = True
    ws.row_dimensions[3].height = _height(min(name_lines, 6), HEADER_SIZE)
    ws.freeze_panes = "D4"
    ws.print_title_rows = "3:3"
    ws.print_title_cols = "A:C"
    _page(ws, landscape=True, fit_width=False)

    # Assigning a named style looks it up every time; copying the resolved style array of a
    # template cell is several times faster for 100,000 cells.
    arrays = {}
    for key, name in styles.items():
        template = WriteOnlyCell(ws)
        template.style = name
        arrays[key] = template._style

    def styled(style: str | None, value: object = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        if style:
            cell._style = copy(arrays[style])
        return cell

    def text(value: object, style: str | None) -> WriteOnlyCell:
        cell = styled(style)
        write_text(cell, value)  # after the style: the style would reset the quote prefix
        return cell

    def number(value: Decimal, style: str) -> WriteOnlyCell:
        return styled(style, _points(value))

    heading = safe_text(title).strip()
    ws.append([text(f"{heading}明细" if heading.endswith("考核") else f"{heading} 考核明细", "banner")])
    ws.append([text("单位编码", None), None, None] + [text(code, None) for code, _ in units])
    ws.append([text(header, "header") for header in ("编码", "考核内容", "满分")]
              + [text(name, "header") for _, name in units])

    obtained = {code: Decimal(0) for code, _ in units}
    maximum = {code: Decimal(0) for code, _ in units}
    for row_number, (item_code, item_title, item_maximum) in enumerate(items, start=4):
        lines = max(wrapped_line_count(safe_text(item_title), DETAIL_WIDTHS[1]),
                    wrapped_line_count(safe_text(item_code), DETAIL_WIDTHS[0]))
        if lines > 1:  # row dimensions must be set before the row is appended
            ws.row_dimensions[row_number].height = _height(lines)
        row: list[WriteOnlyCell] = [text(item_code, "center"), text(item_title, "left"),
                                    number(item_maximum, "points")]
        for unit_code, _ in units:
            key = (unit_code, item_code)
            if key not in points:
                row.append(text(NOT_APPLICABLE, "center"))
                continue
            maximum[unit_code] += item_maximum
            value = points[key]
            if value is None:
                row.append(styled("points"))
            else:
                obtained[unit_code] += value
                row.append(number(value, "points"))
        ws.append(row)

    for offset, (label, sums) in enumerate((("得分合计", obtained), ("满分合计", maximum))):
        ws.row_dimensions[len(items) + 4 + offset].height = _height(1)
        ws.append([text("", "total"), text(label, "total"), text("", "total")]
                  + [number(sums[code], "total") for code, _ in units])
    ws.print_area = f"A1:{get_column_letter(width)}{len(items) + 5}"
    return _save(wb)


# -- 3. the notice ------------------------------------------------------------------------------------

NOTICE_FONT = "宋体"
NOTICE_HEADING_FONT = "黑体"
NOTICE_LATIN_FONT = "Times New Roman"
NOTICE_TITLE_SIZE = 22  # 二号
NOTICE_BODY_SIZE = 16  # 三号
NOTICE_TABLE_SIZE = 12  # 小四
NOTICE_HEADERS = ("名次", "单位", "最终得分", "等次")
_NUMERALS = "一二三四五六七八九十"


def chinese_ordinal(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (up to 99)."""
    if number <= 10:
        return _NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return (_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (_NUMERALS[ones - 1] if ones else "")


def grade_lists(members: Sequence[UnitResult], rules: Rules) -> str:
    """"好等次：甲县、乙县；较好等次：丙县。" — the grades in the order of the rules, units in rank
    order, grades nobody got left out."""
    ordered = sorted(members, key=lambda r: (r.rank, r.code))
    names = [band.name for band in rules.grades]
    names += sorted({r.grade for r in ordered} - set(names))
    parts = []
    for grade in names:
        units = [r.name for r in ordered if r.grade == grade]
        if units:
            parts.append(f"{grade}等次：{'、'.join(units)}")
    return "；".join(parts) + "。" if parts else ""


def notice_docx(title: str, results: Sequence[UnitResult], rules: Rules, issued: str = "") -> bytes:
    """The 通报 as a Word document; see the module docstring for the layout."""
    from docx import Document
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    def set_fonts(r_pr, east_asia: str) -> None:
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            r_pr.insert(0, fonts)
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
        fonts.set(qn("w:ascii"), NOTICE_LATIN_FONT)
        fonts.set(qn("w:hAnsi"), NOTICE_LATIN_FONT)
        fonts.set(qn("w:cs"), NOTICE_LATIN_FONT)
        fonts.set(qn("w:eastAsia"), east_asia)

    document = Document()
    # Document defaults: the template's theme fonts would win over explicit ones in Word.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(default_r_pr, NOTICE_FONT)
    lang = default_r_pr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.name = NOTICE_LATIN_FONT
    normal.font.size = Pt(NOTICE_BODY_SIZE)
    set_fonts(normal.element.get_or_add_rPr(), NOTICE_FONT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def paragraph(text: str, *, size: float = NOTICE_BODY_SIZE, bold: bool = False,
                  font: str = NOTICE_FONT, align=None, indent: bool = False, line: float | None = None):
        para = document.add_paragraph()
        if align is not None:
            para.alignment = align
        if indent:
            para.paragraph_format.first_line_indent = Pt(size * 2)
        if line is not None:
            para.paragraph_format.line_spacing = Pt(line)
        run = para.add_run(safe_text(text))
        run.font.size = Pt(size)
        run.font.bold = bold
        set_fonts(run._element.get_or_add_rPr(), font)
        return para

    def shade(cell) -> None:
        tc_pr = cell._tc.get_or_add_tcPr()
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), "F2F2F2")
        tc_pr.append(shading)

    def cell_text(cell, text: str, *, bold: bool = False, align=WD_ALIGN_PARAGRAPH.CENTER) -> None:
        para = cell.paragraphs[0]
        para.alignment = align
        para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        para.paragraph_format.space_before = Pt(3)
        para.paragraph_format.space_after = Pt(3)
        run = para.add_run(safe_text(text))
        run.font.size = Pt(NOTICE_TABLE_SIZE)
        run.font.bold = bold
        set_fonts(run._element.get_or_add_rPr(), NOTICE_FONT)

    paragraph(f"关于{title}结果的通报", size=NOTICE_TITLE_SIZE, bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER, line=40)
    paragraph("")
    paragraph(f"根据有关考核办法，经各考核单位评分、审核汇总，现将{title}结果通报如下。", indent=True)

    widths = (Mm(22), Mm(80), Mm(30), Mm(24))
    for number, (group, members) in enumerate(_grouped(results).items(), start=1):
        heading = paragraph(f"{chinese_ordinal(number)}、{group or NO_GROUP}", font=NOTICE_HEADING_FONT,
                            indent=True)
        heading.paragraph_format.space_before = Pt(6)
        heading.paragraph_format.space_after = Pt(6)
        heading.paragraph_format.keep_with_next = True
        table = document.add_table(rows=1, cols=len(NOTICE_HEADERS))
        table.style = document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        header = table.rows[0]
        tr_pr = header._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for cell, text in zip(header.cells, NOTICE_HEADERS, strict=True):
            cell_text(cell, text, bold=True)
            shade(cell)
        for result in members:
            row = table.add_row()
            texts = (str(result.rank), result.name, f"{round_score(result.final, PLACES)}", result.grade)
            for index, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
                cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.LEFT if index == 1 else WD_ALIGN_PARAGRAPH.CENTER)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width  # the grid: LibreOffice and WPS lay the table out by it
        for row in table.rows:
            row.height = Mm(8)
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = width
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        lists = grade_lists(members, rules)
        if lists:
            paragraph(lists, indent=True).paragraph_format.space_before = Pt(6)
        for result in members:
            if result.explanation:
                paragraph(f"注：{result.name}，{'；'.join(result.explanation)}。", indent=True,
                          size=NOTICE_BODY_SIZE - 2, line=24)

    if issued:
        paragraph("")
        paragraph(issued, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


__all__ = ["detail_xlsx", "grade_lists", "notice_docx", "quota_text", "ranking_xlsx", "rules_rows", "sheet_name"]
