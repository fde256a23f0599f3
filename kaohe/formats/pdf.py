"""PDF documents from HTML and CSS (WeasyPrint), with the CJK font embedded.

WeasyPrint lays out HTML with CSS paged media (A4, margins, page breaks) through Pango, finds fonts
with fontconfig and embeds the subset each document uses, so a PDF reads the same on any machine.
Chinese text needs Debian's fonts-noto-cjk (`Noto Sans CJK SC`, `Noto Serif CJK SC` and the
monospaced `Noto Sans Mono CJK SC`); `cjk_font_missing()` says when it is absent, so callers can
refuse with a reason instead of printing boxes. docs/decisions/2026-12-06-pdf-documents.md.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache
from typing import Any, BinaryIO

CJK_FAMILY = "Noto Sans CJK SC"
FONT_PACKAGE = "fonts-noto-cjk"


class PdfError(Exception):
    """A PDF that cannot be made here; the message says why (Chinese)."""


@lru_cache(maxsize=1)
def cjk_font_missing() -> bool:
    """True when fontconfig does not find the CJK font (fc-match falls back to another family)."""
    if shutil.which("fc-match") is None:
        return True
    found = subprocess.run(["fc-match", "-f", "%{family}", CJK_FAMILY], capture_output=True, text=True, check=False)
    return CJK_FAMILY not in found.stdout


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document (its CSS inline). Raises PdfError when the CJK font is missing."""
    if cjk_font_missing():
        raise PdfError(f"缺少中文字体 {CJK_FAMILY}，无法生成 PDF（请安装 Debian 软件包 {FONT_PACKAGE}）。")
    from weasyprint import HTML  # type: ignore[import-untyped]  # imported when needed: it loads Pango

    return bytes(HTML(string=html, base_url=base_url).write_pdf())


def html_pages_to_pdf(html: str, font_config: Any = None) -> bytes:
    """`html_to_pdf` reusing one WeasyPrint font configuration across many documents (the fonts
    are found once)."""
    if cjk_font_missing():
        raise PdfError(f"缺少中文字体 {CJK_FAMILY}，无法生成 PDF（请安装 Debian 软件包 {FONT_PACKAGE}）。")
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf(font_config=font_config))


def font_configuration() -> Any:
    """A WeasyPrint font configuration to share between the parts of one long document."""
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    return FontConfiguration()


_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


class PdfJoiner:
    """Joins PDFs into one file written as it goes: each part's objects are renumbered and written
    to `out` at once, so memory holds one part at a time, plus an offset per object and a number per
    page (the cross-reference table and the page tree written at the end). `close()` finishes the
    file. Used for the all-units scorecard: a part per batch of units."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offsets: list[int] = [0]
        self.kids: list[int] = []
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.pages_number = self._reserve()

    @property
    def pages(self) -> int:
        return len(self.kids)

    def _reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def add(self, data: bytes) -> int:
        """Append every page of the PDF `data`; returns the number of pages added."""
        from pypdf import PdfReader
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

        reader = PdfReader(io.BytesIO(data))
        numbers: dict[tuple[int, int], int] = {}
        waiting: list[IndirectObject] = []

        def renumbered(reference: IndirectObject) -> IndirectObject:
            key = (reference.idnum, reference.generation)
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = self._reserve()
                waiting.append(reference)
            return IndirectObject(number, 0, None)

        def remap(value: PdfObject) -> PdfObject:
            if isinstance(value, IndirectObject):
                return renumbered(value)
            if isinstance(value, DictionaryObject):  # streams too: their dictionaries
                for key in list(value.keys()):
                    value[NameObject(key)] = remap(value.raw_get(key))
            elif isinstance(value, ArrayObject):
                for index in range(len(value)):
                    value[index] = remap(list.__getitem__(value, index))
            return value

        pages: dict[int, Any] = {}
        for page in reader.pages:
            reference = page.indirect_reference
            assert reference is not None
            for key in _INHERITED:  # attributes a page may inherit from the tree it leaves
                holder: Any = page
                while key not in page and "/Parent" in holder:
                    holder = holder["/Parent"].get_object()
                    if key in holder:
                        page[NameObject(key)] = holder.raw_get(key)
            number = renumbered(reference).idnum
            self.kids.append(number)
            pages[number] = page
        while waiting:
            reference = waiting.pop()
            number = numbers[(reference.idnum, reference.generation)]
            value = pages[number] if number in pages else reader.get_object(reference)
            assert value is not None
            if number in pages:
                page = pages[number]
                for key in ("/Parent", "/Annots", "/StructParents", "/B"):  # the old tree, links, tags
                    page.pop(key, None)
                value = remap(page)
                page[NameObject("/Parent")] = IndirectObject(self.pages_number, 0, None)
            else:
                value = remap(value)
            self._write(number, value)
        added = len(pages)
        return added

    def _write(self, number: int, value: Any) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        value.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def close(self) -> None:
        """Write the page tree, the catalogue, the cross-reference table and the trailer."""
        kids = " ".join(f"{number} 0 R" for number in self.kids)
        self.offsets[self.pages_number] = self.out.tell()
        self.out.write(f"{self.pages_number} 0 obj\n<< /Type /Pages /Kids [{kids}] /Count {len(self.kids)} >>\n"
                       "endobj\n".encode())
        catalog = self._reserve()
        self.offsets[catalog] = self.out.tell()
        self.out.write(f"{catalog} 0 obj\n<< /Type /Catalog /Pages {self.pages_number} 0 R >>\nendobj\n".encode())
        start = self.out.tell()
        lines = [f"xref\n0 {len(self.offsets)}\n", "0000000000 65535 f \n"]
        lines += [f"{offset:010d} 00000 n \n" for offset in self.offsets[1:]]
        self.out.write("".join(lines).encode())
        self.out.write(f"trailer\n<< /Size {len(self.offsets)} /Root {catalog} 0 R >>\nstartxref\n{start}\n%%EOF\n"
                       .encode())
