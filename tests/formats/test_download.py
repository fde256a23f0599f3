"""Download names and headers (kaohe.formats.download), without Django."""

from __future__ import annotations

import io
import tempfile
from datetime import date
from urllib.parse import unquote

from kaohe.formats.download import MAX_NAME, ascii_fallback, chunks, content_disposition, file_name


def test_the_name_is_the_cycle_content_version_and_day():
    name = file_name(["2018年度县(市、区)党建工作综合考核", "排名", "第2版"], "xlsx", date(2019, 1, 20))
    assert name == "2018年度县(市、区)党建工作综合考核-排名-第2版-20190120.xlsx"


def test_characters_file_systems_refuse_are_replaced_and_the_length_bounded():
    name = file_name(['a/b\\c:d*e?f"g<h>i|j\x00k', "", " .tail. "], "pdf")
    assert name == "a_b_c_d_e_f_g_h_i_j_k-tail.pdf"
    long = file_name(["长" * 400], "docx", date(2019, 1, 20))
    assert len(long) <= MAX_NAME and long.endswith(".docx")


def test_rfc_6266_header_with_an_ascii_fallback():
    name = "2018年度县(市、区)党建工作综合考核-排名-第2版-20190120.xlsx"
    header = content_disposition(name)
    kind, fallback, encoded = header.split("; ")
    assert kind == "attachment"
    assert fallback == 'filename="2018-(-)-2-20190120.xlsx"'
    assert encoded.startswith("filename*=UTF-8''") and unquote(encoded.split("''", 1)[1]) == name
    assert ascii_fallback("排名.pdf") == "kaohe.pdf"


def test_chunks_read_the_whole_file_and_close_it():
    with tempfile.TemporaryFile() as out:
        out.write(b"x" * 100_001)
        blocks = list(chunks(out, 4096))
        assert b"".join(blocks) == b"x" * 100_001 and out.closed


def test_chunks_close_the_file_when_abandoned():
    out = io.BytesIO(b"y" * 10_000)
    reader = chunks(out, 100)
    assert next(reader) == b"y" * 100
    reader.close()
    assert out.closed


def test_chunks_collected_unread_close_the_file():
    out = tempfile.TemporaryFile()  # closed by chunks
    reader = chunks(out)
    del reader
    assert out.closed


def test_chunks_in_a_reference_cycle_close_the_file_before_it_is_collected():
    """A response and its content often sit in a reference cycle (the test client's response holds
    its request and client); the garbage collector may then finalise the file before the reader, and
    the file's own finaliser warns (an error in this suite). The file is closed first, always."""
    import gc
    import warnings

    for _ in range(50):
        holder: dict = {"reader": chunks(tempfile.TemporaryFile())}
        holder["self"] = holder  # a cycle: only the collector frees it
        del holder
        with warnings.catch_warnings():
            warnings.simplefilter("error", ResourceWarning)
            gc.collect()
