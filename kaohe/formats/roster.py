"""Rosters as Excel sheets: users, units and departments, one a row, for the office's bulk import
(kaohe.directory) — the template to fill in, and reading a filled one.

A roster is the first visible worksheet: a header row naming the columns (in any order; the
labels of `Column`, unknown headers are refused), then one row per record; blank rows are skipped. Every
value is read as the text a person sees (kaohe.formats.cells.cell_text), stripped. What this module
checks is the shape: the file is an xlsx workbook within the limits below, the headers are known and
the required ones present, no value is longer than its column allows. Each row comes back with its
Excel row number, so the importer's errors (unknown department, duplicate code, …) name the row.

Bounded before anything expensive: at most MAX_BYTES uploaded, read by the project's streaming
reader (kaohe.formats.workbook) within a budget — MAX_UNPACKED unpacked, MAX_ROWS data rows (and
SLACK_ROWS blank ones), MAX_COLUMNS columns, MAX_TEXT characters — stopping at the first thing
beyond it. The template is written by XlsxWriter, every text with write_string (a literal, never a
formula). Pure: no Django.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import xlsxwriter

from kaohe.core.scheme import Location
from kaohe.formats.cells import cell_text
from kaohe.formats.errors import FormatError
from kaohe.formats.workbook import Budget, Cell, Package, cells, date_styles, shared_strings

MAX_BYTES = 2 * 1024 * 1024  # an upload: 5,000 rows of a roster take some 300 kB
MAX_UNPACKED = 20 * 1024 * 1024  # the workbook's members together, unpacked
MAX_ROWS = 5_000  # data rows of one roster
SLACK_ROWS = 1_000  # blank (formatted) rows a spreadsheet program may leave besides
MAX_COLUMNS = 20  # columns read
MAX_TEXT = 5_000_000  # characters of text in the sheet and its shared strings
REQUIRED = "（必填）"  # how the template marks a required column's header


def _(text: str) -> str:
    """Marks a label for the translation catalogue (`make messages`); the pages translate it, the
    sheets keep the Chinese (the roster's headers are its format)."""
    return text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    max_length: int = 100
    example: str = ""
    help: str = ""


@dataclass(frozen=True)
class Roster:
    kind: str  # users, units, departments
    title: str  # the sheet's name and the file's
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def is_example(self, row: Row) -> bool:
        """The template's example row, left as it was (importing it would add 张三 or change 偃师市)."""
        return all(row.get(c.key) == c.example for c in self.columns)


ROLE_HELP = _("考核办、评分人、部门负责人、单位用户 或 领导")
USERS = Roster("users", _("用户名册"), (
    Column("username", _("用户名"), True, 150, "zhangsan", _("字母、数字和 @.+-_，登录时使用")),
    Column("name", _("姓名"), False, 150, "张三"),
    Column("role", _("角色"), True, 20, "评分人", ROLE_HELP),
    Column("department", _("考核部门"), False, 100, "市委组织部", _("评分人和部门负责人必填：名称或编码")),
    Column("unit", _("被考核单位"), False, 100, "", _("单位用户必填：名称或编码")),
    Column("email", _("电子邮箱"), False, 254, "zhangsan@example.org", _("接收通知")),
))
UNITS = Roster("units", _("被考核单位名册"), (
    Column("code", _("编码"), True, 40, "yanshi", _("小写字母、数字和连字符；已有的编码即更新该单位")),
    Column("name", _("名称"), True, 100, "偃师市", _("须与指标体系中的写法一致")),
    Column("category", _("类别"), True, 20, "县(市)", _("县(市)、城市区、功能区 或 市直单位")),
    Column("party_organisation", _("党组织类型"), False, 20, ""),
    Column("scheme_name", _("默认指标体系"), False, 80, "luoyang-2018-county", _("指标体系的名称（编码）")),
    Column("position", _("排序"), False, 10, "1", _("整数，越小越靠前")),
))
DEPARTMENTS = Roster("departments", _("考核部门名册"), (
    Column("code", _("编码"), True, 40, "swzzb", _("小写字母、数字和连字符；已有的编码即更新该部门")),
    Column("name", _("名称"), True, 100, "市委组织部", _("须与指标体系中的写法一致")),
    Column("position", _("排序"), False, 10, "2", _("整数，越小越靠前")),
))
ROSTERS = {roster.kind: roster for roster in (USERS, UNITS, DEPARTMENTS)}


@dataclass(frozen=True)
class Row:
    number: int  # the row in the sheet (the header is row 1)
    values: dict[str, str]  # the sheet's columns only: a column it does not have is not here

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def read_roster(data: bytes, roster: Roster, filename: str | None = None) -> list[Row]:
    """The roster's data rows; a FormatError (file, sheet, row) for a sheet of the wrong shape."""
    where = Location(file=filename)
    if len(data) > MAX_BYTES:
        raise FormatError(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，不是{roster.title}", where)
    budget = Budget(roster.title, unpacked=MAX_UNPACKED, rows=MAX_ROWS + SLACK_ROWS,
                    cells=(MAX_ROWS + SLACK_ROWS) * MAX_COLUMNS, strings=(MAX_ROWS + 1) * MAX_COLUMNS,
                    text=MAX_TEXT)
    package = Package(data, filename, budget)
    try:
        sheet = next((s for s in package.sheets if s.state == "visible"), None)
        if sheet is None:
            raise FormatError(f"工作簿中没有工作表，请用{roster.title}模板填写后上传", where)
        strings = shared_strings(package, budget)
        styles = date_styles(package)
        found: list[Row] = []
        keys: list[str] | None = None
        for number, values in _rows(cells(package, sheet, strings, styles, budget)):
            texts = {column: cell_text(value).strip() for column, value in values.items()}
            if not any(texts.values()):
                continue
            if keys is None:  # the first row with anything in it names the columns
                keys = _header(texts, roster, package.where(sheet.name, number))
                continue
            if len(found) == MAX_ROWS:
                raise FormatError(f"{roster.title}最多 {MAX_ROWS} 行", package.where(sheet.name, number))
            row = {keys[column]: text for column, text in texts.items() if column < len(keys) and keys[column]}
            for key, text in row.items():
                column = roster.column(key)
                if len(text) > column.max_length:
                    raise FormatError(f"“{column.label}”最多 {column.max_length} 个字（第 {number} 行有 {len(text)} 个）",
                                      package.where(sheet.name, number))
            found.append(Row(number, {key: text for key, text in row.items() if text or key in keys}))
        if keys is None:
            raise FormatError(f"{roster.title}是空的：第 1 行应为列名", package.where(sheet.name))
        return found
    finally:
        package.close()


def _rows(found: Iterator[Cell]) -> Iterator[tuple[int, dict[int, object]]]:
    """The cells grouped by row (they come row by row), within the first MAX_COLUMNS columns."""
    number, values = 0, dict[int, object]()
    for cell in found:
        if cell.row != number and values:
            yield number, values
            values = {}
        number = cell.row
        if cell.column <= MAX_COLUMNS:
            values[cell.column - 1] = cell.value
    if values:
        yield number, values


def _header(texts: dict[int, str], roster: Roster, where: Location) -> list[str]:
    """The column keys by position ("" for an empty header cell) of the header row's texts."""
    labels = {c.label: c.key for c in roster.columns}
    keys = [""] * (max(texts) + 1)
    unknown = []
    for column, text in texts.items():
        text = text.removesuffix(REQUIRED).strip()
        if text in labels:
            keys[column] = labels[text]
        elif text:
            unknown.append(text)
    if unknown:
        raise FormatError(f"第 {where.row} 行有不认识的列：{'、'.join(unknown[:5])}（可用的列：{'、'.join(labels)}）", where)
    duplicates = sorted({k for k in keys if k and keys.count(k) > 1})
    if duplicates:
        raise FormatError(f"第 {where.row} 行的列重复：{'、'.join(roster.column(k).label for k in duplicates)}", where)
    missing = [c.label for c in roster.columns if c.required and c.key not in keys]
    if missing:
        raise FormatError(f"第 {where.row} 行缺少必填的列：{'、'.join(missing)}（第一行应为列名）", where)
    return keys


def write_template(roster: Roster) -> bytes:
    """An empty roster to fill in: the header row, one example row, and a sheet of notes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#EEF2F6", "border": 1})
    sheet = workbook.add_worksheet(roster.title)
    notes = workbook.add_worksheet("填写说明")
    for column, spec in enumerate(roster.columns):
        sheet.write_string(0, column, spec.label + (REQUIRED if spec.required else ""), bold)
        sheet.set_column(column, column, max(12, len(spec.label) * 2 + 8))
        if spec.example:
            sheet.write_string(1, column, spec.example)  # write_string: always a literal, never a formula
    notes.write_string(0, 0, "列", bold)
    notes.write_string(0, 1, "说明", bold)
    notes.set_column(0, 0, 16)
    notes.set_column(1, 1, 70)
    for row, spec in enumerate(roster.columns, start=1):
        notes.write_string(row, 0, spec.label)
        notes.write_string(row, 1, ("必填。" if spec.required else "") + (spec.help or ""))
    notes.write_string(len(roster.columns) + 2, 0, "第 1 行为列名（可省去“（必填）”字样），从第 2 行起每行一条；第 2 行是示例，请改写或删除。")
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
