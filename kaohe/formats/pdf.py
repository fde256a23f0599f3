"""PDF documents from HTML and CSS (WeasyPrint), with the CJK font embedded.

WeasyPrint lays out HTML with CSS paged media (A4, margins, page breaks) through Pango, finds fonts
with fontconfig and embeds the subset each document uses, so a PDF reads the same on any machine.
Chinese text needs Debian's fonts-noto-cjk (`Noto Sans CJK SC`, `Noto Serif CJK SC` and the
monospaced `Noto Sans Mono CJK SC`); `cjk_font_missing()` says when it is absent, so callers can
refuse with a reason instead of printing boxes. docs/decisions/2026-12-06-pdf-documents.md.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

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
