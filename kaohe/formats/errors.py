"""The one error type of the formats layer: input that cannot be read, with where and what."""

from __future__ import annotations

import zipfile
import zlib

from kaohe.core.scheme import Location

# What zipfile raises for a damaged or unsupported archive (e.g. "zip file version 6.4":
# NotImplementedError); every workbook reader turns these into a FormatError.
BROKEN_ZIP = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError)


class FormatError(Exception):
    """Unreadable input. `str()` is one line: location, then what is wrong (in Chinese)."""

    def __init__(self, message: str, location: Location | None = None):
        self.message = message
        self.location = location
        super().__init__(message)

    def __str__(self) -> str:
        where = str(self.location) if self.location is not None else ""
        return f"{where}：{self.message}" if where else self.message
