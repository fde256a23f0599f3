"""Reading text files whose encoding is not known in advance: UTF-8 (with or without BOM),
UTF-16 with BOM, or GB18030 (what Chinese Windows and WPS save). Binary files are refused."""

from __future__ import annotations

import codecs
from pathlib import Path

from kaohe.core.scheme import Location
from kaohe.formats.errors import FormatError
from kaohe.formats.files import read_bytes


def decode_bytes(raw: bytes, filename: str | None = None) -> str:
    where = Location(file=filename)
    if not raw.strip():
        raise FormatError("文件为空", where)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise FormatError("文件以 UTF-16 标记开头，但内容不是 UTF-16 文本", where) from None
    if b"\x00" in raw:
        raise FormatError("这是二进制文件，不是文本文件", where)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text
    raise FormatError("无法识别的文本编码（支持 UTF-8、UTF-16、GB18030）", where)


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return controls > max(2, len(text) // 100)


def decode_text(path: Path) -> str:
    return decode_bytes(read_bytes(path), str(path))
