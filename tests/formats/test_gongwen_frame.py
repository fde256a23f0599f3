"""The 公文 frame's Word template (kaohe.formats.gongwen.word): what it keeps together. The notices
that fill it are tested through the pages: tests/web/results/test_documents.py and
tests/web/ledger/test_ledger_standings.py."""

from __future__ import annotations

import io

from docx import Document

from kaohe.formats.gongwen.word import gongwen_template


def _body(builder) -> None:
    builder.paragraph("第一段。")
    builder.tag("for para in closing")  # a docxtpl loop's tags, removed when rendered
    builder.paragraph("{{ para }}")
    builder.tag("endfor")


def test_the_bodys_last_paragraph_the_signature_and_the_date_stay_on_one_page():
    document = Document(io.BytesIO(gongwen_template(_body)))
    texts = [p.text for p in document.paragraphs]
    signature = texts.index("{{ signature_line }}")
    assert texts[signature + 1] == "{{ date_line }}"
    kept = [p.paragraph_format.keep_with_next for p in document.paragraphs]
    # the closing loop's paragraph (the last text: the tags go), the blank, the signature: each with the next
    assert kept[texts.index("{{ para }}")] and kept[signature - 1] and kept[signature]
    assert not kept[texts.index("第一段。")]  # the rest of the body flows as it will
    assert not kept[signature + 1]  # the date may end the page: the 版记 below is not tied to it
