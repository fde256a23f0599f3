"""Reading xlsx packages with bounded work: the zip, its parts and the XML of its sheets, streamed.

An xlsx file is a zip of XML parts. A few hundred kilobytes on the wire can unpack to a hundred
megabytes of XML (a million empty rows, five million shared strings), and a reader that builds the
whole workbook first, as openpyxl does, spends minutes and gigabytes before it can refuse it. Here
the reader says how much a legitimate workbook of its kind can hold (`Budget`), and everything is
checked before or while it is read, stopping at the first thing beyond it:

- the zip's central directory, from its end record, before zipfile parses it: at most MAX_MEMBERS
  members in a directory of at most MAX_DIRECTORY bytes;
- the members' declared unpacked sizes against the budget (zipfile never unpacks more than a member
  declares and checks its CRC at the end, so a member that lies about its size is refused when read);
- every XML part through expat, fed in chunks: no DOCTYPE (so no entities), and at most so many
  elements, rows, cells, strings and characters of text; reading stops at the first one beyond.

`Package` opens the zip and finds the sheets, shared strings and styles through the relations;
`shared_strings`, `date_styles` and `cells` stream those parts into values the way openpyxl's
read-only mode reports them (numbers as int or float, dates by their cell style, formulas as
data type "f"). Every failure is a `FormatError` naming the file and, where known, the sheet.
Pure: no Django.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from kaohe.core.scheme import Location
from kaohe.formats.cells import EXCEL_COLUMNS, EXCEL_ROWS, MAX_UNCOMPRESSED
from kaohe.formats.errors import BROKEN_ZIP, FormatError
from kaohe.formats.zipped import MAX_DIRECTORY, MAX_MEMBERS, OLE_MAGIC, zip_directory

MAX_CELL_TEXT = 32_767  # characters: what one Excel cell can hold
CHUNK = 64 * 1024  # bytes of XML fed to the parser at a time
_PARTS_BUDGET_ELEMENTS = 20_000  # workbook.xml and relations: a few elements per sheet
_STYLES_ELEMENTS = 200_000  # styles.xml: Excel writes a few hundred, heavily formatted books a few thousand

_READ_ERRORS = (*BROKEN_ZIP, RuntimeError, KeyError)
_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Budget:
    """The most a legitimate workbook of one kind holds. `what` names the kind for messages
    ("评分表"); a count beyond its limit stops the reading with a `FormatError`."""

    what: str
    unpacked: int = MAX_UNCOMPRESSED  # declared bytes of all members together
    rows: int = EXCEL_ROWS  # row elements per sheet
    cells: int = EXCEL_ROWS  # cell elements per sheet
    strings: int = EXCEL_ROWS  # shared strings
    text: int = MAX_UNCOMPRESSED  # characters of cell text (shared strings and each sheet's cells)
    elements: int = 10 * EXCEL_ROWS  # XML elements per part


class TooBig(FormatError):
    """A budget was exceeded; `kind` is what ("rows", "cells", "strings", "text", "elements",
    "unpacked") so a reader can say it in its own words."""

    def __init__(self, kind: str, message: str, location: Location):
        self.kind = kind
        super().__init__(message, location)


@dataclass(frozen=True)
class SheetPart:
    name: str
    path: str  # the zip member
    state: str  # visible, hidden or veryHidden


@dataclass(slots=True)
class Cell:
    row: int
    column: int
    value: Any
    data_type: str  # n (number), s (text), b (bool), e (error), d (date), f (formula)


# -- the zip -------------------------------------------------------------------------------------

def _check_directory(source: IO[bytes], where: Location) -> None:
    """Refuse a zip whose end record announces more members, or a bigger directory, than any
    workbook has, before zipfile builds an object for every member."""
    announced = zip_directory(source)
    if announced is not None and (announced[0] > MAX_MEMBERS or announced[1] > MAX_DIRECTORY):
        raise FormatError(f"压缩包的成员过多（超过 {MAX_MEMBERS} 个）或目录过大，不是 xlsx 工作簿", where)


class Package:
    """An xlsx zip, checked; its workbook's sheets and parts found through the relations."""

    def __init__(self, data: bytes | IO[bytes], filename: str | None, budget: Budget):
        """`data`: the file's bytes, or a seekable binary file (an upload spooled to disk)."""
        self.filename, self.budget = filename, budget
        where = Location(file=filename)
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        head = source.read(len(OLE_MAGIC))
        source.seek(0)
        if not head:
            raise FormatError("文件为空", where)
        if head == OLE_MAGIC:
            raise FormatError("这是旧版 Excel 97-2003（.xls）文件或加密的工作簿，请另存为 .xlsx 后再上传", where)
        _check_directory(source, where)
        try:
            self.zip = zipfile.ZipFile(source)
            infos = self.zip.infolist()
        except BROKEN_ZIP:
            raise FormatError("不是 xlsx 工作簿（内容不是 Excel 文件）", where) from None
        self.members = {info.filename: info for info in infos}
        if "[Content_Types].xml" not in self.members or not any(name.startswith("xl/") for name in self.members):
            raise FormatError("是 zip 压缩包，但不是 xlsx 工作簿", where)
        unpacked = sum(info.file_size for info in infos)
        if unpacked > min(budget.unpacked, MAX_UNCOMPRESSED):
            raise TooBig("unpacked", f"工作簿解压后有 {unpacked // 1024} KB，超过{budget.what}可能有的"
                         f" {min(budget.unpacked, MAX_UNCOMPRESSED) // 1024} KB", where)
        self.workbook = self._workbook_path()
        self.date1904 = False
        self.sheets: list[SheetPart] = []
        self.shared_strings_path: str | None = None
        self.styles_path: str | None = None
        self._read_workbook()

    def close(self) -> None:
        self.zip.close()

    def where(self, sheet: str | None = None, row: int | None = None) -> Location:
        return Location(file=self.filename, sheet=sheet, row=row)

    def open(self, path: str) -> IO[bytes]:
        try:
            return self.zip.open(self.members[path])
        except _READ_ERRORS:
            raise FormatError(f"xlsx 工作簿已损坏，无法读取（{path}）", self.where()) from None

    def sheet(self, name: str) -> SheetPart | None:
        return next((sheet for sheet in self.sheets if sheet.name == name), None)

    # relations ------------------------------------------------------------------------------

    def _relations(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, member path) of a part's relations ({} when it has none)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.members:
            return {}
        found: dict[str, tuple[str, str]] = {}

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target") or ""
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                found[attrs.get("Id") or ""] = (attrs.get("Type") or "", path)

        parse(self.open(rels), start, None, None, self._small_budget(), self.where())
        return found

    def _small_budget(self) -> Budget:
        return Budget(self.budget.what, elements=_PARTS_BUDGET_ELEMENTS, text=_PARTS_BUDGET_ELEMENTS * 100)

    def _workbook_path(self) -> str:
        for kind, path in self._relations("").values():
            if kind.endswith("/officeDocument") and path in self.members:
                return path
        return "xl/workbook.xml"

    def _read_workbook(self) -> None:
        if self.workbook not in self.members:
            raise FormatError("xlsx 工作簿已损坏：缺少 workbook.xml", self.where())
        relations = self._relations(self.workbook)
        for kind, path in relations.values():
            if kind.endswith("/sharedStrings"):
                self.shared_strings_path = path
            elif kind.endswith("/styles"):
                self.styles_path = path

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "workbookPr":
                self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")
            elif tag == "sheet":
                rid = attrs.get(f"{_RELATIONSHIP}}}id") or ""
                kind_path = relations.get(rid)
                if kind_path is not None and kind_path[1] in self.members:
                    self.sheets.append(SheetPart(attrs.get("name") or "", kind_path[1],
                                                 attrs.get("state") or "visible"))

        parse(self.open(self.workbook), start, None, None, self._small_budget(), self.where())


# -- XML, streamed ---------------------------------------------------------------------------------

def _local(name: str) -> str:
    return name.rpartition("}")[2]


class XmlStream:
    """One XML part fed to expat in chunks: `start(local name, attributes)`, `end(local name)`,
    `text(characters)`. Refuses a DOCTYPE (no entities can be declared, so none can expand), more
    than `budget.elements` elements, and more than `budget.text` characters of text. Attribute
    names keep their namespace as "uri}name"; element names are local."""

    def __init__(self, start: Callable[[str, dict[str, str]], None] | None, end: Callable[[str], None] | None,
                 text: Callable[[str], None] | None, budget: Budget, where: Location):
        self.budget, self.where = budget, where
        self.elements = self.characters = 0
        self._start, self._end, self._text = start, end, text
        self._names: dict[str, str] = {}  # "uri}row" → "row"
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_doctype
        parser.StartElementHandler = self._on_start
        parser.CharacterDataHandler = self._on_text
        if end is not None:
            parser.EndElementHandler = self._on_end
        self.parser = parser

    def _refuse_doctype(self, *_args: Any) -> None:
        raise FormatError("xlsx 工作簿含有文档类型声明（DOCTYPE），不是 Excel 写出的文件", self.where)

    def _on_start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.budget.elements:
            raise TooBig("elements", f"XML 元素超过{self.budget.what}可能有的 {self.budget.elements} 个", self.where)
        if self._start is not None:
            self._start(self._names.get(name) or self._names.setdefault(name, _local(name)), attrs)

    def _on_end(self, name: str) -> None:
        self._end(self._names.get(name) or self._names.setdefault(name, _local(name)))  # type: ignore[misc]

    def _on_text(self, data: str) -> None:
        self.characters += len(data)
        if self.characters > self.budget.text:
            raise TooBig("text", f"文字超过{self.budget.what}可能有的 {self.budget.text} 个字符", self.where)
        if self._text is not None:
            self._text(data)

    def feed(self, chunk: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError as error:
            raise FormatError(f"xlsx 工作簿已损坏：XML 错误（{expat.errors.messages.get(error.code, error.code)}，"
                              f"第 {error.lineno} 行）", self.where) from None
        except (ValueError, OverflowError, IndexError, KeyError, TypeError) as error:
            raise FormatError(f"xlsx 工作簿已损坏，无法读取（{type(error).__name__}）", self.where) from None


def chunks(stream: IO[bytes], where: Location) -> Iterator[bytes]:
    """A zip member's bytes in CHUNK pieces; a damaged member (bad CRC, a size that lies) is a
    FormatError when its end is reached."""
    try:
        with stream:
            while chunk := stream.read(CHUNK):
                yield chunk
    except _READ_ERRORS as error:
        raise FormatError(f"xlsx 工作簿已损坏，无法解压（{type(error).__name__}）", where) from None


def parse(stream: IO[bytes], start: Callable[[str, dict[str, str]], None] | None,
          end: Callable[[str], None] | None, text: Callable[[str], None] | None, budget: Budget,
          where: Location) -> None:
    """Read one whole XML part through an `XmlStream`."""
    xml = XmlStream(start, end, text, budget, where)
    for chunk in chunks(stream, where):
        xml.feed(chunk)
    xml.feed(b"", final=True)


# -- parts -----------------------------------------------------------------------------------------

def shared_strings(package: Package, budget: Budget) -> list[str]:
    """The shared strings, as openpyxl reads them (plain and rich text, phonetic runs left out);
    at most `budget.strings` of them, each at most MAX_CELL_TEXT characters."""
    path = package.shared_strings_path
    if path is None or path not in package.members:
        return []
    where = package.where()
    strings: list[str] = []
    stack: list[str] = []
    pieces: list[str] = []
    collecting = [False]

    def start(tag: str, _attrs: dict[str, str]) -> None:
        if tag == "si":
            if len(strings) >= budget.strings:
                raise TooBig("strings", f"共享字符串超过{budget.what}可能有的 {budget.strings} 个", where)
            pieces.clear()
        collecting[0] = tag == "t" and "rPh" not in stack
        stack.append(tag)

    def end(tag: str) -> None:
        if stack:
            stack.pop()
        collecting[0] = False
        if tag == "si":
            strings.append(_cell_text("".join(pieces), where).replace("x005F_", ""))

    def text(data: str) -> None:
        if collecting[0]:
            pieces.append(data)

    parse(package.open(path), start, end, text, budget, where)
    return strings


def _cell_text(text: str, where: Location | Callable[[], Location]) -> str:
    if len(text) > MAX_CELL_TEXT:
        raise TooBig("text", f"有单元格的文字超过 {MAX_CELL_TEXT} 个字符（Excel 单元格的上限）",
                     where if isinstance(where, Location) else where())
    return text


@dataclass(frozen=True)
class Styles:
    dates: frozenset[int]  # cell style indexes whose number format shows a date or time
    timedeltas: frozenset[int]


def date_styles(package: Package) -> Styles:
    """Which cell styles show numbers as dates (and durations), as openpyxl decides it."""
    path = package.styles_path
    if path is None or path not in package.members:
        return Styles(frozenset(), frozenset())
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    xf_formats: list[int] = []
    inside = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "numFmt":
            formats[_int(attrs.get("numFmtId"), -1)] = attrs.get("formatCode") or ""
        elif tag == "cellXfs":
            inside[0] = True
        elif tag == "xf" and inside[0]:
            xf_formats.append(_int(attrs.get("numFmtId"), 0))

    def end(tag: str) -> None:
        if tag == "cellXfs":
            inside[0] = False

    budget = Budget(package.budget.what, elements=_STYLES_ELEMENTS, text=_STYLES_ELEMENTS * 10)
    parse(package.open(path), start, end, None, budget, package.where())
    dates = {i for i, number in enumerate(xf_formats) if is_date_format(formats.get(number))}
    spans = {i for i in dates if is_timedelta_format(formats.get(xf_formats[i]))}
    return Styles(frozenset(dates), frozenset(spans))


def _row_number(text: str | None, following: int, where: Location) -> int:
    """A row element's number: its `r`, or the one after the previous row."""
    try:
        number = following if text is None else int(text)
    except ValueError:
        raise FormatError(f"行号“{(text or '')[:20]}”无效，工作簿已损坏", where) from None
    if not 1 <= number <= EXCEL_ROWS:
        raise FormatError(f"行号超出了 Excel 的最大行数（{EXCEL_ROWS}），工作簿已损坏", where)
    return number


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def cells(package: Package, sheet: SheetPart, strings: list[str], styles: Styles, budget: Budget) -> Iterator[Cell]:
    """The sheet's cells that hold a value, in file order, streamed: at most `budget.rows` row
    elements, `budget.cells` cell elements and `budget.text` characters of cell text; row numbers
    past Excel's last row are damage. A value that cannot be read is a FormatError at its cell."""
    where = package.where(sheet.name)
    epoch = CALENDAR_MAC_1904 if package.date1904 else CALENDAR_WINDOWS_1900
    ready: list[Cell] = []
    state = _CellState()

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "row":
            state.rows += 1
            number = _row_number(attrs.get("r"), state.row + 1, where)
            if state.rows > budget.rows:
                raise TooBig("rows", f"工作表“{sheet.name}”的行超过{budget.what}可能有的 {budget.rows} 行",
                             package.where(sheet.name, number))
            state.row = number
            state.column = 0
        elif tag == "c":
            state.cells += 1
            if state.cells > budget.cells:
                raise TooBig("cells", f"工作表“{sheet.name}”的单元格超过{budget.what}可能有的 {budget.cells} 个",
                             package.where(sheet.name, state.row))
            state.start_cell(attrs, where)
        elif state.in_cell:
            state.start_child(tag)

    def end(tag: str) -> None:
        if tag == "c" and state.in_cell:
            cell = state.finish(strings, styles, epoch, lambda: package.where(sheet.name, state.row))
            if cell is not None:
                ready.append(cell)
        elif state.in_cell:
            state.end_child(tag)

    def text(data: str) -> None:
        if state.collecting is not None:
            state.collecting.append(data)

    xml = XmlStream(start, end, text, budget, where)
    for chunk in chunks(package.open(sheet.path), where):
        xml.feed(chunk)
        yield from ready
        ready.clear()
    xml.feed(b"", final=True)
    yield from ready


_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_COLUMNS: dict[str, int] = {}  # "AB" → 28


class _CellState:
    """What the cell being read has shown so far."""

    def __init__(self) -> None:
        self.rows = self.cells = self.row = self.column = 0
        self.in_cell = False
        self.collecting: list[str] | None = None
        self.kind, self.style, self.row_of_cell = "n", 0, 0
        self.value: list[str] | None = None
        self.inline: list[str] | None = None
        self.formula = False
        self.depth: list[str] = []

    def start_cell(self, attrs: dict[str, str], where: Location) -> None:
        ref = attrs.get("r")
        if ref:
            found = _REF.fullmatch(ref)
            if found is None:
                raise FormatError(f"单元格引用“{ref[:20]}”无效，工作簿已损坏", where)
            letters, number = found.group(1).upper(), int(found.group(2))
            column = _COLUMNS.get(letters) or _COLUMNS.setdefault(letters, column_index_from_string(letters))
            if not (1 <= number <= EXCEL_ROWS and 1 <= column <= EXCEL_COLUMNS):
                raise FormatError(f"单元格“{ref[:20]}”超出了 Excel 的范围，工作簿已损坏", where)
            self.row_of_cell, self.column = number, column
        else:
            self.row_of_cell, self.column = self.row, self.column + 1
        self.kind, self.style = attrs.get("t") or "n", _int(attrs.get("s"), 0)
        self.in_cell, self.value, self.inline, self.formula, self.depth = True, None, None, False, []

    def start_child(self, tag: str) -> None:
        self.depth.append(tag)
        if tag == "v" and len(self.depth) == 1:
            self.value = self.collecting = []
        elif tag == "f" and len(self.depth) == 1:
            self.formula = True
            self.collecting = None
        elif tag == "is" and len(self.depth) == 1:
            self.inline = []
        elif tag == "t" and self.inline is not None and "rPh" not in self.depth:
            self.collecting = self.inline
        else:
            self.collecting = None

    def end_child(self, tag: str) -> None:
        if self.depth:
            self.depth.pop()
        self.collecting = None

    def finish(self, strings: list[str], styles: Styles, epoch: Any, where: Callable[[], Location]) -> Cell | None:
        self.in_cell, self.collecting = False, None
        row, column, kind = self.row_of_cell, self.column, self.kind
        raw = "".join(self.value) if self.value is not None else ""
        if self.formula:
            return Cell(row, column, "=", "f")
        if kind == "inlineStr":
            return None if self.inline is None else Cell(row, column, _cell_text("".join(self.inline), where), "s")
        if not raw:
            return None
        try:
            if kind == "n":
                number: Any = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
                if self.style in styles.dates:
                    try:
                        return Cell(row, column, from_excel(number, epoch, timedelta=self.style in styles.timedeltas),
                                    "d")
                    except (OverflowError, ValueError):
                        return Cell(row, column, "#VALUE!", "e")
                return Cell(row, column, number, "n")
            if kind == "s":
                return Cell(row, column, strings[int(raw)], "s")
            if kind == "b":
                return Cell(row, column, bool(int(raw)), "b")
            if kind == "str":
                return Cell(row, column, _cell_text(raw, where), "s")
            if kind == "d":
                return Cell(row, column, from_ISO8601(raw), "d")  # type: ignore[no-untyped-call]  # openpyxl
            return Cell(row, column, _cell_text(raw, where), "e")
        except (ValueError, IndexError, OverflowError, TypeError):
            raise FormatError(f"单元格的值“{raw[:20]}”无法读取，工作簿已损坏", where()) from None
