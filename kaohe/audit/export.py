"""Exports of the audit trail, CSV and xlsx, in words (kaohe.audit.words: who, what, which object,
what changed), in the language of the request, with memory that does not grow with the rows.

- CSV: a StreamingHttpResponse fed by a generator over `QuerySet.iterator()` (a server-side cursor
  on PostgreSQL, chunked fetches on SQLite); each row is encoded and sent as it is made. UTF-8
  with a BOM, so Excel opens the Chinese text correctly.
- xlsx: openpyxl's write-only workbook writes each row to a temporary file as it is appended
  (strings inline, so no shared-string table grows in memory); the workbook is zipped into
  another temporary file, which is streamed back in blocks and deleted when the response closes.

Every text cell is escaped against formula injection (kaohe.formats.cells): in xlsx it is stored
as a literal string with the quote prefix; in CSV, where a cell has no type, text that starts
like a formula gets a leading apostrophe, as spreadsheet programs do when one is typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from kaohe.audit.models import Event
from kaohe.audit.words import Described, describe
from kaohe.formats.cells import is_formula_like, safe_text, write_text
from kaohe.formats.download import attach, file_name

ZONE = ZoneInfo("Asia/Shanghai")
CHUNK = 2000
BOM = "\ufeff"
COLUMNS = [  # header, xlsx width
    (_("时间"), 20), (_("操作人"), 18), (_("来源地址"), 16), (_("操作"), 20), (_("对象类型"), 12), (_("对象"), 48),
    (_("考核周期"), 30), (_("变更"), 60), (_("理由"), 40),
]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def local_time(at: dt.datetime) -> dt.datetime:
    """The event's time in Asia/Shanghai, without tzinfo (what a spreadsheet cell holds)."""
    return timezone.localtime(at, ZONE).replace(tzinfo=None, microsecond=0)


def text_fields(row: Described) -> list[str]:
    """Every column but the time, as text; the changes one to a line."""
    event = row.event
    return [
        str(row.actor), event.address or "", row.action, row.type, row.object_text(),
        event.cycle.name if event.cycle is not None else "", "\n".join(row.change_texts()), event.reason,
    ]


def rows(events: QuerySet[Event]) -> Iterator[Described]:
    """The events in words, described a chunk at a time (one query per kind of object per chunk)."""
    found = events.select_related("cycle", "actor").iterator(chunk_size=CHUNK)
    while chunk := list(islice(found, CHUNK)):
        yield from describe(chunk)


def in_language(lines: Iterator[Any], language: str) -> Iterator[Any]:
    """`lines` made in `language`: a streamed export is written after the view has returned, outside
    the request's language."""
    while True:
        with translation.override(language):
            line = next(lines, None)
        if line is None:
            return
        yield line


def filename(extension: str) -> str:
    """"审计记录-20261206-141100.csv": Beijing time, to the second (two exports a day differ)."""
    return file_name(["审计记录", f"{timezone.localtime(timezone.now(), ZONE):%Y%m%d-%H%M%S}"], extension)


# --- CSV -----------------------------------------------------------------------------------------

def csv_text(value: Any) -> str:
    """`value` as a CSV cell that a spreadsheet program shows as text, never evaluates."""
    raw = value if isinstance(value, str) else ""
    text = safe_text(value)
    if is_formula_like(text) or is_formula_like(raw):
        return "'" + text
    return text


class _Line:
    """A file-like object whose `write` hands back what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(described: Iterable[Described]) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    yield (BOM + writer.writerow([str(header) for header, _width in COLUMNS])).encode()
    for row in described:
        line = writer.writerow([local_time(row.event.at).strftime(TIME_FORMAT),
                                *(csv_text(value) for value in text_fields(row))])
        yield line.encode()


def csv_response(events: QuerySet[Event]) -> StreamingHttpResponse:
    lines = in_language(csv_lines(rows(events)), translation.get_language())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return attach(response, filename("csv"))


# --- xlsx ----------------------------------------------------------------------------------------

def write_xlsx(described: Iterable[Described], out: Any) -> None:
    """Write the events to `out` (a path or a seekable binary file) with a write-only workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("审计记录")))
    for index, (_header, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title, _width in COLUMNS:
        cell = WriteOnlyCell(sheet)
        write_text(cell, str(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for described_row in described:
        time = WriteOnlyCell(sheet, value=local_time(described_row.event.at))
        time.number_format = "yyyy-mm-dd hh:mm:ss"
        row = [time]
        for value in text_fields(described_row):
            cell = WriteOnlyCell(sheet)
            write_text(cell, value)
            row.append(cell)
        sheet.append(row)
    workbook.save(out)


def xlsx_response(events: QuerySet[Event]) -> FileResponse:
    out = tempfile.TemporaryFile(suffix=".xlsx")  # closed by the response
    try:
        write_xlsx(rows(events), out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return attach(FileResponse(out, content_type=XLSX_TYPE), filename("xlsx"))
