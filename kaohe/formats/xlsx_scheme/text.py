"""The text of the table's cells: what the reader parses and the writer keeps parseable.

Cleaning typed text (manual line breaks inside CJK text, runs of spaces), the points marker of a
label or item ("政治建设(35分)" → title and points), content cells split into lead lines and
numbered items ("1. …(4分)；2. …"), and department lists.

Pure string functions: no openpyxl, no scheme objects; unreadable points raise `PointsProblem`,
which the caller turns into a `FormatError` with a location.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kaohe.core.points import PointsError, parse_points

_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\u2018-\u201f\u00b7"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[^\S\n]*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
TRAILING = "；;。.，,、 \t\n\u3000"
_MARKER = re.compile(r"[（(]\s*(?P<value>[^()（）\n]{1,16}?)\s*分\s*[)）]$")
_MARKER_CHARS = re.compile(r"^[0-9０-９.．,，\-+−－—\s零〇一二两三四五六七八九十百千半点]+$")
_MARKER_DIGITS = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千半]")
_NUMBER = (r"\s*(?:(?P<a>[0-9]{1,3})\s*(?:[.．](?![0-9])|、|[)）])|[（(]\s*(?P<b>[0-9]{1,3})\s*[)）]"
           r"|(?P<c>[\u2460-\u2473]))\s*")
_NUMBERED = re.compile("^" + _NUMBER)  # "1." "1、" "1）" "（1）" "①" at the start of a line
_NUMBER_HERE = re.compile(_NUMBER)  # the same where `match(text, position)` says
_AFTER_MARKER = re.compile(r"分\s*[)）]\s*[；;。，,]?\s*")
_DEPARTMENT_SEPARATORS = re.compile(r"[\s、，,；;/]+")


def clean(text: str) -> str:
    """One line of text as typed in a cell: a line break inside CJK text dropped (it is manual
    wrapping), other line breaks and runs of spaces made one space."""
    text = _CJK_BREAK.sub("", text.strip())
    return _SPACES.sub(" ", text)


def clean_lines(text: str) -> str:
    """Like `clean`, but keeps the line breaks."""
    return "\n".join(clean(line) for line in text.split("\n") if line.strip())


class PointsProblem(ValueError):
    pass


def _marker_value(text: str) -> tuple[int, str] | None:
    """Where a trailing "(n分)" starts and its raw value, ignoring trailing punctuation."""
    stripped = text.rstrip(TRAILING)
    match = _MARKER.search(stripped)
    if match is None:
        return None
    value = match.group("value")
    if not _MARKER_CHARS.match(value) or not _MARKER_DIGITS.search(value):
        return None  # "(部分)", "(满分10分)", "(扣0.5分)": words, not a points marker
    return match.start(), value


def _parse_marker(value: str) -> Decimal:
    raw = value.strip()
    text = unicodedata.normalize("NFKC", raw).replace("−", "-").replace(" ", "")
    if not re.fullmatch(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", text):
        raise PointsProblem(f"分值“{raw}分”不是数字")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise PointsProblem(f"分值“{raw}分”不是数字") from None
    if number < 0:
        raise PointsProblem(f"分值“{raw}分”不能为负")
    try:
        return parse_points(number)
    except PointsError:
        raise PointsProblem(f"分值“{raw}分”最多两位小数") from None


def split_points(text: str) -> tuple[str, Decimal | None, bool]:
    """'政治建设 (35分)' → ('政治建设', 35, True); text without a marker → (text, None, False).
    Trailing punctuation around the marker is dropped; raises `PointsProblem` for a marker
    whose value is not a valid number."""
    found = _marker_value(text)
    if found is None:
        return text.rstrip(TRAILING), None, False
    start, value = found
    return text[:start].rstrip(TRAILING), _parse_marker(value), True


def ends_with_marker(text: str) -> bool:
    return _marker_value(text) is not None


def split_departments(text: str) -> list[str]:
    result: list[str] = []
    for name in _DEPARTMENT_SEPARATORS.split(text):
        if name and name not in result:
            result.append(name)
    return result


def _number_of(match: re.Match[str]) -> int:
    if match.group("c"):
        return ord(match.group("c")) - 0x245F
    return int(match.group("a") or match.group("b"))


def _split_inline(body: str, number: int) -> list[str]:
    """'a(1分)；2. b(2分)' on one line → ['a(1分)；', 'b(2分)']: split only where the next number
    in sequence follows a points marker."""
    parts: list[str] = []
    expected = number + 1
    position = 0
    search_from = 0
    while True:
        found = None
        for after in _AFTER_MARKER.finditer(body, search_from):
            numbered = _NUMBER_HERE.match(body, after.end())
            if numbered and _number_of(numbered) == expected:
                found = (after.end(), numbered.end())
                break
        if found is None:
            parts.append(body[position:])
            return parts
        parts.append(body[position:found[0]])
        position = search_from = found[1]
        expected += 1


@dataclass
class Piece:
    numbered: bool
    text: str


def content_pieces(text: str) -> tuple[list[str], list[Piece]]:
    """A content cell as lead lines (before the first item) and items (numbered lines, and
    unnumbered lines after an item that already has its points)."""
    lead: list[str] = []
    pieces: list[Piece] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        match = _NUMBERED.match(line)
        if match:
            for part in _split_inline(line[match.end():], _number_of(match)):
                pieces.append(Piece(True, part))
        elif pieces:
            if ends_with_marker(pieces[-1].text):
                pieces.append(Piece(False, line))
            else:
                pieces[-1].text += "\n" + line
        else:
            lead.append(line)
    if not pieces and sum(1 for line in lead if ends_with_marker(line)) >= 2:
        # An unnumbered list: every line with points ends an item.
        current: list[str] = []
        for line in lead:
            current.append(line)
            if ends_with_marker(line):
                pieces.append(Piece(False, "\n".join(current)))
                current = []
        if current:
            pieces.append(Piece(False, "\n".join(current)))
        lead = []
    elif lead and pieces and ends_with_marker(lead[-1]):
        pieces.insert(0, Piece(False, "\n".join(lead)))
        lead = []
    return lead, pieces


def short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
