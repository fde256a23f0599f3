"""Reading input files with errors that say what is wrong, and writing output files so that a
failure never leaves a partial file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kaohe.core.scheme import Location
from kaohe.formats.errors import FormatError


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or a FormatError that says what is wrong with the path."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FormatError("文件不存在", Location(file=str(path))) from None
    except IsADirectoryError:
        raise FormatError("这是目录，不是文件", Location(file=str(path))) from None
    except OSError as error:
        raise FormatError(f"无法读取：{error.strerror}", Location(file=str(path))) from None


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FormatError("输出目录不存在", Location(file=str(directory)))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
