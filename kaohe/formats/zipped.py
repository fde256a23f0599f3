"""What an Office file's first and last bytes announce, read before anything unpacks it: the
header of the old binary formats (.xls, .doc, encrypted files), and the member count and directory
size in a zip's end record. The xlsx, docx and evidence readers check these first, so a small file
cannot make zipfile build an object for millions of members (issue 19). Nothing here imports a
spreadsheet or Word library: checking an upload costs no more than these few bytes."""

from __future__ import annotations

import io
import struct
from typing import IO

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and .doc (97-2003), and encrypted Office files
MAX_MEMBERS = 1_000  # a workbook or document written by Office, WPS or LibreOffice has a few dozen
MAX_DIRECTORY = 1024 * 1024  # bytes of the zip's central directory


def zip_directory(source: IO[bytes]) -> tuple[int, int] | None:
    """(members, directory bytes) announced by a zip's end record, read without parsing the
    directory; None when there is no end record. Leaves `source` at its start."""
    size = source.seek(0, io.SEEK_END)
    source.seek(max(0, size - 65_557))
    tail = source.read()
    source.seek(0)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        return None
    _disk, _start_disk, _here, total, directory, _offset, _comment = struct.unpack("<HHHHIIH", tail[end + 4:end + 22])
    return total, directory
