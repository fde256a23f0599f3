"""The hidden metadata sheet `kaohe`: its format, and the rows the writer puts in it.

Lossless round trip: what the visible table cannot show (name, year, total, units, groups, …,
origins, repairs, gaps, item departments, and any text the table shows differently) goes into the
hidden sheet `kaohe`, one row per fact: 编号 (node code as the reader derives it from the table;
'' for the scheme) · 标题 (the node's title as the reader reads it from the table, the check that
the row still belongs to that node) · 键 · 值 (JSON; long values continue on following rows with
the same code and key). Keys:

- scheme ('' code): format, sheet, name, year, total, audience, source, units, groups, aliases,
  departments; and title/children as below.
- plain node facts: origin, repairs, gaps.
- corrections of what the table shows: title, points, content, departments, note, children, each
  `{"shown": what reading the table gives, "exact": the real value}`. The writer computes them by
  reading its own table back in memory and comparing, so every difference is recorded. `children`
  replaces a node's children with exact data where the table cannot even show the structure.

A row whose code no longer names a node with that title (the office edited the table), or a
correction whose `shown` value no longer matches the table, is ignored with the warning
`xlsx-metadata-mismatch`: the table wins. Reading and applying the sheet is `metadata_apply`.

Touches only the worksheet `write_metadata` is given.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.points import format_points
from kaohe.core.scheme import Level, Node, Scheme
from kaohe.formats.cells import write_text
from kaohe.formats.yaml_scheme import node_data

METADATA_FORMAT = 1
METADATA_HEADERS = ("编号", "标题", "键", "值")
CHUNK = 30000  # a cell holds at most 32767 characters


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return format_points(value)
    raise TypeError(type(value).__name__)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def points_json(value: Decimal | None) -> str | None:
    return None if value is None else format_points(value)


VISIBLE = ("title", "points", "content", "departments", "note")


def _visible_value(node: Node, key: str) -> object:
    if key == "points":
        return points_json(node.points)
    value = getattr(node, key)
    return list(value) if isinstance(value, list) else value


def _diff(exact: Node, shown: Node, out: list[tuple[str, str, str, object]]) -> None:
    """Metadata rows that turn the node read from the table (`shown`) into `exact`."""
    code, title = shown.code, shown.title
    for key in VISIBLE:
        exact_value, shown_value = _visible_value(exact, key), _visible_value(shown, key)
        if exact_value != shown_value:
            out.append((code, title, key, {"shown": shown_value, "exact": exact_value}))
    if exact.origin:
        out.append((code, title, "origin", exact.origin))
    if exact.repairs:
        out.append((code, title, "repairs", [vars(r).copy() for r in exact.repairs]))
    if exact.gaps:
        out.append((code, title, "gaps", [vars(g).copy() for g in exact.gaps]))
    _diff_children(exact.children, shown.children, code, title, out)


def _children_data(children: list[Node]) -> dict[str, Any]:
    """Children as `node_data` does it: under the key that says their level."""
    if not children:
        return {}
    level = children[0].level
    key = "dimensions" if level is Level.DIMENSION else _CHILD_KEY[level]
    return {key: [node_data(child) for child in children]}


_CHILD_KEY = {Level.INDICATOR: "indicators", Level.CRITERION: "criteria", Level.ITEM: "items"}


def _diff_children(exact: list[Node], shown: list[Node], code: str, title: str,
                   out: list[tuple[str, str, str, object]]) -> None:
    if len(exact) != len(shown) or any(e.level is not s.level for e, s in zip(exact, shown, strict=True)):
        out.append((code, title, "children",
                    {"shown": [child.title for child in shown], "exact": _children_data(exact)}))
        return
    for exact_child, shown_child in zip(exact, shown, strict=True):
        _diff(exact_child, shown_child, out)


def metadata_rows(scheme: Scheme, shown: Scheme, sheet: str) -> list[tuple[str, str, str, object]]:
    out: list[tuple[str, str, str, object]] = [
        ("", "", "format", METADATA_FORMAT),
        ("", "", "sheet", sheet),
        ("", "", "name", scheme.name),
        ("", "", "year", scheme.year),
        ("", "", "total", format_points(scheme.total)),
    ]
    for key in ("audience", "source"):
        if getattr(scheme, key):
            out.append(("", "", key, getattr(scheme, key)))
    for key in ("units", "groups", "aliases", "departments"):
        value = getattr(scheme, key)
        if value:
            out.append(("", "", key, value))
    if scheme.title != shown.title:
        out.append(("", "", "title", {"shown": shown.title, "exact": scheme.title}))
    _diff_children(scheme.dimensions, shown.dimensions, "", "", out)
    return out


def write_metadata(ws: Worksheet, rows: list[tuple[str, str, str, object]]) -> None:
    ws.sheet_state = "hidden"
    for index, header in enumerate(METADATA_HEADERS, start=1):
        write_text(ws.cell(row=1, column=index), header)
    number = 2
    for code, title, key, value in rows:
        text = _dumps(value)
        for start in range(0, max(len(text), 1), CHUNK):
            for index, cell_value in enumerate((code, title, key, text[start:start + CHUNK]), start=1):
                write_text(ws.cell(row=number, column=index), cell_value)
            number += 1
    for letter, width in zip("ABCD", (12, 30, 12, 80), strict=True):
        ws.column_dimensions[letter].width = width
