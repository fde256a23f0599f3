"""Downloaded files as people expect them: named in Chinese after what they hold, and sent with an
RFC 6266 header that every browser reads.

- `file_name(parts, day, suffix)`: "2018年度县(市、区)党建工作综合考核-排名-第2版-20190120.xlsx" —
  the parts joined by "-", then the day (Beijing time: the caller passes `timezone.localdate`), each
  part made safe for Windows, macOS and Linux file systems (no `\\ / : * ? " < > |`, no control
  characters, no leading or trailing dots and blanks) and the whole bounded (`MAX_NAME` characters,
  the suffix kept).
- `content_disposition(name)`: `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<name>`
  (RFC 6266 with RFC 5987's encoding; browsers use `filename*`, very old clients the fallback).
- `attach(response, name)`: the header set on any response (pages and API use it alike).
- `chunks(file)`: a file written to disk (a temporary file), read out in blocks and closed once
  read or abandoned — for streamed downloads, so the file is closed even where a client of the
  WSGI application never calls the response's `close()`.

Pure: no Django.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Iterable, Iterator
from datetime import date
from typing import BinaryIO, Protocol, TypeVar
from urllib.parse import quote

CHUNK = 64 * 1024  # bytes per block of a streamed download
MAX_NAME = 150  # characters of a file name, suffix included (file systems allow 255 bytes of UTF-8)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_BLANKS = re.compile(r"\s+")
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._()-]+")



class _Headers(Protocol):
    def __setitem__(self, header: str, value: str, /) -> None: ...


Response = TypeVar("Response", bound=_Headers)


def _part(text: str) -> str:
    text = "".join(ch for ch in unicodedata.normalize("NFC", str(text)) if unicodedata.category(ch) != "Cf")
    text = _UNSAFE.sub("_", text)
    return _BLANKS.sub(" ", text).strip(" ._")


def day_stamp(day: date) -> str:
    """20190120."""
    return f"{day:%Y%m%d}"


def file_name(parts: Iterable[str], suffix: str, day: date | None = None) -> str:
    """The parts (empty ones left out) and the day joined by "-", with the suffix ("xlsx", no dot)."""
    words = [cleaned for cleaned in (_part(p) for p in parts) if cleaned]
    if day is not None:
        words.append(day_stamp(day))
    suffix = _part(suffix).lstrip(".")
    stem = "-".join(words) or "kaohe"
    room = MAX_NAME - len(suffix) - 1
    if len(stem) > room:
        stem = stem[:room].rstrip(" ._-")
    return f"{stem}.{suffix}" if suffix else stem


def ascii_fallback(name: str) -> str:
    """The name's ASCII letters, digits and punctuation for clients that do not read `filename*`:
    "2018年度…-排名-第2版-20190120.xlsx" → "2018-2-20190120.xlsx"; "kaohe.<suffix>" when nothing
    meaningful is left."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    kept = _ASCII_UNSAFE.sub("-", stem)
    kept = re.sub(r"-{2,}", "-", kept).strip("-._")
    suffix = _ASCII_UNSAFE.sub("", suffix)
    if not re.search(r"[A-Za-z0-9]", kept):
        kept = "kaohe"
    return f"{kept}.{suffix}" if suffix else kept


def content_disposition(name: str, inline: bool = False) -> str:
    """The Content-Disposition header of a download named `name` (RFC 6266)."""
    name = _part(name) or "kaohe"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def attach(response: Response, name: str, inline: bool = False) -> Response:
    """Set the download's Content-Disposition on `response` and return it."""
    response["Content-Disposition"] = content_disposition(name, inline)
    return response


class chunks(Iterator[bytes]):  # used like the generator function it replaces
    """The file's content from the start in blocks of `size`; the file is closed after the last
    block, by `close()` (a response closes its content), or when this is collected unread (a
    client that never reads the body nor closes the response)."""

    def __init__(self, file: BinaryIO, size: int = CHUNK) -> None:
        self.file, self.size = file, size
        file.seek(0)
        # The finaliser holds the file until this reader is gone, so even when both are garbage in
        # one reference cycle the file is closed by it, never finalised unclosed (ResourceWarning).
        self._closer = weakref.finalize(self, file.close)

    def __next__(self) -> bytes:
        block = b"" if self.file.closed else self.file.read(self.size)
        if not block:
            self.close()
            raise StopIteration
        return block

    def close(self) -> None:
        self._closer()
