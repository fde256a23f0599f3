"""Parsing one cell of the official text: text cleaned of markup and OCR spaces, a label with its
"(n分)", the items of a 考核内容 cell, the departments of a 考核单位 cell, the 序号, and whether a
cell looks like content. No state: the row machine (`rows`) calls these."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal

from kaohe.core.points import PointsError, parse_points
from kaohe.core.scheme import Level, Node

HEADER = ("序号", "一级指标", "二级指标", "三级指标", "考核内容", "考核单位", "备注")
COLUMNS = len(HEADER)
SEQ, DIMENSION, INDICATOR, CRITERION, CONTENT, DEPARTMENT, NOTE = range(COLUMNS)
LABEL_COLUMNS = {DIMENSION: Level.DIMENSION, INDICATOR: Level.INDICATOR, CRITERION: Level.CRITERION}

_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_MARKUP = re.compile(r"<\s*/?\s*(?:ol|ul|li|p)\b[^>]*>", re.IGNORECASE)
_ITEM_OPEN = re.compile(r"<\s*(?:li|p)\b[^>]*>", re.IGNORECASE)
_LIST_TAGS = re.compile(r"<\s*/?\s*(?:ol|ul)\b[^>]*>|<\s*/\s*(?:li|p)\s*>", re.IGNORECASE)
_POINTS = re.compile(r"[（(]\s*(\d+(?:\s*[.．]\s*\d+)?)\s*分\s*[)）]")
_TRAILING_POINTS = re.compile(_POINTS.pattern + r"[\s。.．;；,，、:：!！]*$")
FINAL_PUNCT = "。.．;；,，、:：!！ \t"
_NUMBER = re.compile(r"(\d{1,2})\s*[.．、](?![\d.．])\s*")
_BEFORE_NUMBER = set(" \t　。；;，,：:)）")
_SENTENCE_END = "。；;."
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "—": 1, "－": 1, "-": 1, "―": 1, "─": 1, "一一": 1}
_DEPARTMENT_ENDINGS = tuple("部办委室校区局厅院会处组站所队")
_ASCII_PUNCT = str.maketrans({",": "，", ";": "；", ":": "：", "（": "(", "）": ")"})
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")


def clean(text: str) -> str:
    """Cell text without markup entities and without the OCR spaces inside Chinese text.

    Whitespace is dropped unless it separates two ASCII letters or digits ("Word 2018" keeps it).
    """
    text = html.unescape(text).replace("\u3000", " ").replace("\xa0", " ")

    def keep(match: re.Match[str]) -> str:
        start, end = match.start(), match.end()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if before.isascii() and before.isalnum() and after.isascii() and after.isalnum():
            return " "
        return ""

    return _SPACE.sub(keep, text).strip()


def label_key(title: str, points: Decimal | None) -> tuple[str, Decimal | None]:
    """Labels compare by title (no spaces, one spelling of punctuation) and points."""
    return _SPACE.sub("", title).translate(_ASCII_PUNCT), points


def numeral(cell: str) -> int | None:
    text = clean(cell).rstrip("、.．")
    if text.isdecimal():  # not isdigit(): "①" and "²" are digits that int() refuses
        return int(text)
    if text in _NUMERALS:
        return _NUMERALS[text]
    if len(text) == 2 and text[0] == "十" and text[1] in _NUMERALS:
        return 10 + _NUMERALS[text[1]]
    return None


def column_name(index: int) -> str:
    return f"“{HEADER[index]}”列" if index < COLUMNS else f"第{index + 1}列"


def is_header(cells: list[str]) -> bool:
    return len(cells) >= 2 and clean(cells[0]) == HEADER[0] and clean(cells[1]) == HEADER[1]


def is_content(cell: str) -> bool:
    """Does a cell look like 考核内容 (and not like a label, a department or a note)?"""
    text = cell.strip()
    if not text:
        return False
    if _MARKUP.search(text):
        return True
    if clean(text).startswith(("适用", "于")):
        return False
    if not _POINTS.search(text):
        return False
    return bool(_NUMBER.match(text)) or text[-1] in _SENTENCE_END


def unbalanced(cell: str) -> bool:
    lower = cell.lower()
    return any(lower.count(f"<{tag}") > lower.count(f"</{tag}") for tag in ("ol", "ul", "li", "p"))


@dataclass
class Points:
    value: Decimal | None
    text: str = ""  # the "(n分)" as printed, "" when absent
    error: str = ""  # why the printed amount is not valid


def _read_points(match: re.Match[str] | None) -> Points:
    if match is None:
        return Points(None)
    number = _SPACE.sub("", match.group(1)).translate(_FULLWIDTH_DIGITS)
    try:
        return Points(parse_points(number), match.group(0))
    except PointsError as error:
        return Points(None, match.group(0), str(error))


@dataclass
class Label:
    title: str
    points: Points
    marks: int  # how many "(n分)" the cell holds


def parse_label(cell: str) -> Label:
    """'政治建设 (35分)' → title '政治建设', points 35."""
    text = clean(cell.translate(_FULLWIDTH_DIGITS))
    match = _TRAILING_POINTS.search(text)
    title = text[: match.start()] if match else text
    return Label(title.rstrip(FINAL_PUNCT), _read_points(match), len(_POINTS.findall(text)))


@dataclass
class Piece:
    """One content item as printed: text without number, '(n分)' and final punctuation."""

    title: str
    points: Points
    numbered: bool
    marks: int
    sentence: str = ""  # the text without number and '(n分)', final punctuation kept


def _split_numbered(text: str) -> list[tuple[str, bool]]:
    """'1. a(1分)； 2. b(1分)。' → [('a(1分)；', True), ('b(1分)。', True)]; numbering may start at any
    number (a page break continues a list), and only the next number in sequence splits."""
    first = _NUMBER.match(text)
    if first is None:
        return [(text, False)]
    expected = int(first.group(1)) + 1
    pieces: list[tuple[str, bool]] = []
    start = first.end()
    position = start
    while True:
        for match in _NUMBER.finditer(text, position):
            if int(match.group(1)) == expected and text[match.start() - 1] in _BEFORE_NUMBER:
                break
        else:
            pieces.append((text[start:], True))
            return pieces
        pieces.append((text[start:match.start()], True))
        start = position = match.end()
        expected += 1


def parse_content(cell: str) -> tuple[list[Piece], bool]:
    """The items of a 考核内容 cell, and whether the cell used markup (<li>, <p>)."""
    markup = bool(_MARKUP.search(cell))
    if markup:
        segments = [_TAG.sub(" ", part) for part in _ITEM_OPEN.split(_LIST_TAGS.sub(" ", cell))]
    else:
        segments = [cell]
    pieces: list[Piece] = []
    for segment in segments:
        # numbers are found before the OCR spaces go: "5. 12380 举报平台" is item 5, not "5.12380"
        text = _SPACE.sub(" ", html.unescape(segment).replace("\u3000", " ")).strip()
        for raw, numbered in _split_numbered(text.translate(_FULLWIDTH_DIGITS)):
            part = clean(raw)
            if not part.strip(FINAL_PUNCT):
                continue
            match = _TRAILING_POINTS.search(part)
            title = (part[: match.start()] if match else part).rstrip(FINAL_PUNCT)
            sentence = part
            if match is not None:
                mark = _POINTS.match(part, match.start())
                assert mark is not None
                sentence = part[: match.start()].rstrip() + part[mark.end():].strip()
            pieces.append(Piece(title, _read_points(match), numbered, len(_POINTS.findall(part)),
                                 sentence))
    return pieces, markup


def split_departments(cell: str, known: list[str] | None = None) -> list[str]:
    """'市委巡察办  市委办公室' → two names; fragments of one name split by OCR are joined again
    (by the known names when given, else when a fragment does not end like an organisation)."""
    known_names = set(known or ())
    parts = [clean(part) for part in cell.replace("\u3000", " ").split()]
    parts = [part for part in parts if part]
    names: list[str] = []
    for part in parts:
        if names:
            previous = names[-1]
            joined = previous + part
            if known_names:
                merge = previous not in known_names and (
                    joined in known_names or any(name.startswith(joined) for name in known_names))
            else:
                merge = not previous.endswith(_DEPARTMENT_ENDINGS)
            if merge:
                names[-1] = joined
                continue
        names.append(part)
    return names


def last_child(nodes: list[Node], level: Level) -> Node | None:
    return next((node for node in reversed(nodes) if node.level is level), None)
