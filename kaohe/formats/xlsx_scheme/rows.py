"""The scheme as table rows, for the writer: what each cell says and which cells merge.

One row per criterion (or per indicator holding items directly, or per bare dimension). The 序号
column counts dimensions in Chinese numerals; labels read "政治建设(35分)" (the marker on a line of
its own when the label wraps); content is numbered lines "1. …(4分)；"; departments and notes are
inherited from the nearest ancestor that has them. The 序号, dimension and indicator cells span
their rows (`Span`).

Pure: builds `Row`s from a `Scheme`, touches no workbook. Row heights and page breaks are `pages`.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl.utils import get_column_letter

from kaohe.core.points import format_points
from kaohe.core.scheme import Level, Node, Scheme
from kaohe.formats.cells import safe_text, wrapped_line_count
from kaohe.formats.xlsx_scheme.layout import BODY_SIZE, COLUMNS, NO_POINTS, NO_TITLE, WIDTHS
from kaohe.formats.xlsx_scheme.table import Cell, Row
from kaohe.formats.xlsx_scheme.text import TRAILING, ends_with_marker

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    if number <= 0:
        return str(number)
    if number < 10:
        return _CN_DIGITS[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(number)


def _label(node: Node, width: float) -> str:
    """'政治建设(35分)'; when that needs more than one line, "(35分)" gets a line of its own, as
    the office prints it (the reader joins the lines again)."""
    title = node.title.replace("\n", " ")
    if node.points is None:
        if not title.strip():
            return NO_TITLE
        return title + NO_POINTS if ends_with_marker(title) else title
    marker = f"({format_points(node.points)}分)"
    if title.strip() and wrapped_line_count(title + marker, width, BODY_SIZE) > 1:
        return f"{title}\n{marker}"
    return title + marker


def _points_suffix(text: str, points: Decimal | None) -> str:
    if points is None:
        return text + NO_POINTS if ends_with_marker(text) else text
    return f"{text}({format_points(points)}分)"


def _render_content(owner: Node) -> str:
    items = [child for child in owner.children if child.level is Level.ITEM]
    if items:
        lines = []
        for number, item in enumerate(items, start=1):
            end = "。" if number == len(items) else "；"
            lines.append(f"{number}. {_points_suffix(item.title.replace(chr(10), ' '), item.points)}{end}")
        return "\n".join(lines)
    if owner.content and not owner.children:
        text = owner.content.rstrip(TRAILING) or owner.content
        return _points_suffix(text, owner.points) + "。"
    return ""


def _shown_departments(owner: Node, ancestors: tuple[Node, ...]) -> list[str]:
    shown: list[str] = []
    for candidate in (owner, *reversed(ancestors)):
        if candidate.departments:
            shown = list(candidate.departments)
            break
    for item in owner.children:
        for name in item.departments:
            if name not in shown:
                shown.append(name)
    return shown


def _shown_note(owner: Node, ancestors: tuple[Node, ...]) -> str:
    for candidate in (owner, *reversed(ancestors)):
        if candidate.note:
            return candidate.note
    return ""


Span = tuple[str, int, int]  # (column key, first row, last row) of a label over several rows


def scheme_rows(scheme: Scheme, first_row: int) -> tuple[list[Row], list[Span]]:
    """One row per criterion (or indicator holding items, or bare dimension), every cell with its
    text; and the spans of the 序号, dimension and indicator cells over their rows."""
    rows: list[Row] = []
    spans: list[Span] = []
    letters = {key: get_column_letter(i + 1) for i, key in enumerate(COLUMNS)}

    def add_row(texts: dict[str, str], owner: Node, ancestors: tuple[Node, ...]) -> None:
        number = first_row + len(rows)
        texts = dict(texts)
        texts["content"] = _render_content(owner) if owner.level is not Level.DIMENSION else ""
        texts["departments"] = "\n".join(_shown_departments(owner, ancestors))
        texts["note"] = _shown_note(owner, ancestors)
        rows.append(Row(number, {key: Cell(safe_text(texts.get(key, "")), False, number, letters[key])
                                  for key in COLUMNS}))

    for index, dimension in enumerate(scheme.dimensions, start=1):
        start = first_row + len(rows)
        base = {"seq": chinese_number(index), "dimension": _label(dimension, WIDTHS["dimension"])}
        if not dimension.children:
            add_row(base, dimension, ())
        for indicator in dimension.children:
            ind_start = first_row + len(rows)
            texts = {**base, "indicator": _label(indicator, WIDTHS["indicator"])}
            criteria = [c for c in indicator.children if c.level is Level.CRITERION]
            if criteria:
                for criterion in criteria:
                    add_row({**texts, "criterion": _label(criterion, WIDTHS["criterion"])}, criterion,
                            (dimension, indicator))
            else:
                add_row(texts, indicator, (dimension,))
            spans.append(("indicator", ind_start, first_row + len(rows) - 1))
        end = first_row + len(rows) - 1
        spans.append(("seq", start, end))
        spans.append(("dimension", start, end))
    return rows, spans
