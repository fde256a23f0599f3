"""Evidence uploads (a unit's 台账): what a file is, read from its content, and a safe name for it.

`check_evidence(name, source, max_bytes)` returns the file's `EvidenceType` or raises `FormatError`;
`source` is the bytes or a seekable binary file (an upload spooled to disk), of which only the head
(and, for a ZIP, its directory) is read:
- the name is cleaned first (`clean_name`): path parts, control characters and surrounding blanks go;
  an empty name, or one with no extension, is refused;
- the size is checked against the cycle's limit, and an empty file is refused;
- the type comes from the content (magic numbers, via `filetype`, plus the OLE2 container that
  older Word/Excel/WPS files use), never from the name: an executable renamed to .pdf is refused;
- the name's extension must belong to the type the content shows, so a ZIP renamed to .pdf (or a
  Word file named .xlsx) is refused as well, and downloads never surprise anyone.

Allowed: PDF, images (JPEG, PNG, GIF, WebP, BMP, TIFF), Word/Excel/PowerPoint (doc, docx, xls, xlsx,
ppt, pptx), WPS (wps, et, dps) and ZIP archives. Pure: no Django, no database, no disk.

File names follow the free-text rule's character part (`kaohe.core.text.visible`: no control,
format or bidirectional characters) and are cut, not refused, at `MAX_NAME` characters with their
extension kept (a name comes from someone's disk, not from typing).
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from typing import IO

import filetype

from kaohe.core.text import EVIDENCE_NAME, visible
from kaohe.formats.errors import FormatError
from kaohe.formats.zipped import zip_directory

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")  # the compound-file container of doc, xls, ppt, wps, et, dps
MAX_NAME = EVIDENCE_NAME.limit
MAX_ZIP_MEMBERS = 100_000  # a ZIP with more is not looked into: it is no Office document
HEAD = 8192

Source = bytes | IO[bytes]


@dataclass(frozen=True)
class EvidenceType:
    label: str  # what users are told ("PDF 文档")
    mime: str  # sent back on download
    extensions: tuple[str, ...]  # the names this content may carry


PDF = EvidenceType("PDF 文档", "application/pdf", ("pdf",))
JPEG = EvidenceType("JPEG 图片", "image/jpeg", ("jpg", "jpeg"))
PNG = EvidenceType("PNG 图片", "image/png", ("png",))
GIF = EvidenceType("GIF 图片", "image/gif", ("gif",))
WEBP = EvidenceType("WebP 图片", "image/webp", ("webp",))
BMP = EvidenceType("BMP 图片", "image/bmp", ("bmp",))
TIFF = EvidenceType("TIFF 图片", "image/tiff", ("tif", "tiff"))
DOCX = EvidenceType("Word 文档", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    ("docx", "wps"))
XLSX = EvidenceType("Excel 表格", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ("xlsx", "et"))
PPTX = EvidenceType("PowerPoint 演示文稿",
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx", "dps"))
OFFICE_97 = EvidenceType("Word/Excel/WPS 文档（旧格式）", "application/x-ole-storage",
                         ("doc", "xls", "ppt", "wps", "et", "dps"))
ZIP = EvidenceType("ZIP 压缩包", "application/zip", ("zip",))

BY_MIME = {
    "application/pdf": PDF, "image/jpeg": JPEG, "image/png": PNG, "image/gif": GIF, "image/webp": WEBP,
    "image/bmp": BMP, "image/x-ms-bmp": BMP, "image/tiff": TIFF, "application/zip": ZIP,
    DOCX.mime: DOCX, XLSX.mime: XLSX, PPTX.mime: PPTX,
}
ALLOWED = "PDF、图片（JPG/PNG/GIF/WebP/BMP/TIFF）、Word/Excel/PowerPoint、WPS 文档、ZIP 压缩包"


def clean_name(name: str) -> str:
    """The file's own name: no directories (either slash), no invisible characters, no surrounding
    blanks or dots, at most MAX_NAME characters (the extension kept)."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = visible(name, multiline=False).strip(".").strip()
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        name = stem[: MAX_NAME - len(ext)] + ext
    return name


def _opened(source: Source) -> IO[bytes]:
    if isinstance(source, bytes):
        return io.BytesIO(source)
    source.seek(0)
    return source


def size_of(source: Source) -> int:
    if isinstance(source, bytes):
        return len(source)
    size = source.seek(0, io.SEEK_END)
    source.seek(0)
    return size


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lstrip(".").lower()


def content_type(source: Source) -> EvidenceType | None:
    """The allowed type the content shows, or None. A ZIP is looked inside: Office Open XML files
    (docx, xlsx, pptx, and WPS's own in that format) are ZIPs with word/, xl/ or ppt/ folders."""
    handle = _opened(source)
    head = handle.read(HEAD)
    handle.seek(0)
    if head[:8] == OLE2:
        return OFFICE_97
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_type(handle)
    kind = filetype.guess(head)
    if kind is None:
        return None
    return BY_MIME.get(kind.mime) if kind.mime != "application/zip" else None


def _zip_type(handle: IO[bytes]) -> EvidenceType | None:
    announced = zip_directory(handle)
    if announced is not None and announced[0] > MAX_ZIP_MEMBERS:
        return ZIP  # not read further: no Office document has that many parts
    try:
        with zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, NotImplementedError, EOFError):
        return None  # a damaged or disguised archive is not an allowed type
    finally:
        handle.seek(0)
    for prefix, kind in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names):
            return kind
    return ZIP


def check_evidence(name: str, source: Source, max_bytes: int) -> tuple[str, EvidenceType]:
    """(the cleaned name, its type) or FormatError saying what is wrong with which file."""
    cleaned = clean_name(name)
    shown = cleaned or (name or "").strip() or "（无名文件）"
    if not cleaned:
        raise FormatError(f"文件名“{shown}”无效：去掉路径和控制字符后为空。")
    ext = extension(cleaned)
    if not ext:
        raise FormatError(f"文件“{cleaned}”没有扩展名；允许的类型：{ALLOWED}。")
    size = size_of(source)
    if not size:
        raise FormatError(f"文件“{cleaned}”是空文件。")
    if size > max_bytes:
        raise FormatError(too_large(cleaned, size, max_bytes))
    kind = content_type(source)
    if kind is None:
        raise FormatError(f"文件“{cleaned}”的内容不是允许的类型（按文件内容判断，而非扩展名）；允许：{ALLOWED}。")
    if ext not in kind.extensions:
        raise FormatError(f"文件“{cleaned}”的内容是{kind.label}，与扩展名 .{ext} 不符；请使用正确的扩展名"
                          f"（.{kind.extensions[0]}）。")
    return cleaned, kind


def too_large(name: str, size: int, max_bytes: int) -> str:
    return f"文件“{name}”有 {_size(size)}，超过每个文件 {_size(max_bytes)} 的上限。"


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"
