"""Evidence uploads: the type comes from the content, the name is cleaned, the limits hold."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest

from kaohe.formats.errors import FormatError
from kaohe.formats.evidence import MAX_NAME, OLE2, check_evidence, clean_name

LIMIT = 1024 * 1024


def docx_bytes() -> bytes:
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("会议记录.txt", "x")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = bytes.fromhex("89504E470D0A1A0A0000000D49484452") + b"\0" * 32
JPEG = bytes.fromhex("FFD8FFE000104A46494600") + b"\0" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 64
HTML = b"<!doctype html><script>alert(1)</script>"


@pytest.mark.parametrize(("name", "data", "label"), [
    ("党建台账.pdf", PDF, "PDF 文档"),
    ("现场.png", PNG, "PNG 图片"),
    ("现场.JPG", JPEG, "JPEG 图片"),
    ("总结.docx", docx_bytes(), "Word 文档"),
    ("总结.wps", docx_bytes(), "Word 文档"),
    ("统计.xlsx", xlsx_bytes(), "Excel 表格"),
    ("旧文档.doc", OLE2 + b"\0" * 504, "Word/Excel/WPS 文档（旧格式）"),
    ("旧表格.et", OLE2 + b"\0" * 504, "Word/Excel/WPS 文档（旧格式）"),
    ("材料.zip", zip_bytes(), "ZIP 压缩包"),
])
def test_allowed_types_are_recognised_by_content(name, data, label):
    cleaned, kind = check_evidence(name, data, LIMIT)
    assert cleaned == name and kind.label == label


@pytest.mark.parametrize(("name", "data", "words"), [
    ("通知.pdf", EXE, "不是允许的类型"),  # an executable renamed to .pdf
    ("通知.pdf", HTML, "不是允许的类型"),  # a page that would run script if served inline
    ("通知.docx", b"PK\x03\x04broken", "不是允许的类型"),  # a damaged archive
    ("通知.pdf", zip_bytes(), "与扩展名 .pdf 不符"),  # an allowed type under the wrong name
    ("统计.xlsx", docx_bytes(), "与扩展名 .xlsx 不符"),
    ("说明", PDF, "没有扩展名"),
    ("空.pdf", b"", "空文件"),
    ("../", PDF, "无效"),
    ("\x00\x1f", PDF, "无效"),
])
def test_refused_uploads_say_which_file_and_what(name, data, words):
    with pytest.raises(FormatError) as error:
        check_evidence(name, data, LIMIT)
    assert words in error.value.message


def test_a_file_over_the_limit_is_refused_with_both_sizes():
    with pytest.raises(FormatError) as error:
        check_evidence("扫描件.pdf", PDF + b"0" * LIMIT, LIMIT)
    assert "扫描件.pdf" in error.value.message and "1.0 MB" in error.value.message


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\办公室\\总结.docx", "总结.docx"),
    ("/tmp/x/报告.pdf", "报告.pdf"),
    ("a\x00b\r\n.pdf", "ab .pdf"),  # the one text rule: a line break in a one-line text is a space
    ("\u202efdp.exe.pdf", "fdp.exe.pdf"),  # the right-to-left override that disguises names is dropped
    ("  名称.pdf  ", "名称.pdf"),
])
def test_names_lose_path_parts_and_control_characters(raw, clean):
    assert clean_name(raw) == clean


def test_long_names_are_shortened_keeping_the_extension():
    name = clean_name("长" * 300 + ".pdf")
    assert len(name) == MAX_NAME and name.endswith(".pdf")
