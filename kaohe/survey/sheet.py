"""The A4 sheet of cut-out code slips for one group: each slip has the survey's name, the group,
the window, a QR code linking to the voting page with the code after `#` (a URL fragment: the
browser never sends it, so no access log sees it), the code in text and its serial number.
Ten slips a page (2 × 5), dashed cutting lines."""

from __future__ import annotations

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from kaohe.core.survey import format_code
from kaohe.formats.download import file_name
from kaohe.formats.pdf import html_to_pdf
from kaohe.survey.models import Code, RaterGroup

VOTE_PATH = "/vote/"
PER_PAGE = 10


def vote_url() -> str:
    return settings.KAOHE_BASE_URL + VOTE_PATH


def link(code: str) -> str:
    """The QR code's link: the voting page, the code in the fragment."""
    return f"{vote_url()}#{format_code(code)}"


def qr_svg(text: str) -> str:
    return segno.make(text, error="m").svg_inline(scale=4, border=0, omitsize=True)


def sheet_pdf(group: RaterGroup, codes: list[Code]) -> bytes:
    survey = group.survey
    local = timezone.localtime
    window = f"{local(survey.opens_at):%Y-%m-%d %H:%M} — {local(survey.closes_at):%Y-%m-%d %H:%M}"
    slips = [{"code": format_code(c.code), "serial": c.serial, "qr": qr_svg(link(c.code))} for c in codes]
    html = render_to_string("survey/slips.html", {
        "survey": survey, "group": group, "window": window, "pages": [slips[i:i + PER_PAGE] for i in range(0, len(slips), PER_PAGE)], "vote_url": vote_url()})
    return html_to_pdf(html)


def filename(group: RaterGroup) -> str:
    """A Chinese file name that says what the file is: <survey>-<group>-测评码-<day>.pdf."""
    return file_name([group.survey.name, group.name, "测评码"], "pdf", timezone.localdate())
