"""Reading the hidden metadata sheet back and applying it to a scheme read from the table.

`read_metadata` joins continued rows and decodes the JSON values (`xlsx-metadata-invalid` for
one that is not JSON); `Applier` puts scheme facts, node facts and corrections on the scheme,
checking first that each row still belongs to the node it names and that each correction's
`shown` value is still what the table shows — otherwise the table wins, with the warning
`xlsx-metadata-mismatch`. The format is described in `metadata`.

Reads the metadata worksheet; changes only the scheme it is given, and appends findings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from kaohe.core.check import Finding, Severity
from kaohe.core.codes import assign_codes
from kaohe.core.points import PointsError, parse_points
from kaohe.core.scheme import Gap, Level, Location, Node, Repair, Scheme, title_path
from kaohe.formats.cells import cell_text
from kaohe.formats.xlsx_scheme.layout import METADATA_SHEET
from kaohe.formats.xlsx_scheme.metadata import CHUNK, METADATA_FORMAT, VISIBLE, points_json
from kaohe.formats.xlsx_scheme.text import short
from kaohe.formats.yaml_scheme import CHILD_KEYS


@dataclass
class MetaRow:
    row: int
    code: str
    title: str
    key: str
    value: Any


_SCHEME_KEYS = {"format", "sheet", "name", "year", "total", "audience", "source", "units", "groups",
                "aliases", "departments", "title", "children"}
_NODE_KEYS = {"origin", "repairs", "gaps", *VISIBLE, "children"}


def read_metadata(wb: Workbook, filename: str | None, findings: list[Finding]) -> list[MetaRow]:
    ws = wb[METADATA_SHEET]
    rows: list[MetaRow] = []
    pending: list[Any] | None = None  # [row, code, title, key, text]
    values = [tuple(r) for r in ws.iter_rows(min_row=2, values_only=True)]

    def flush() -> None:
        if pending is None:
            return
        row, code, title, key, text = pending
        try:
            value = json.loads(text)
        except ValueError:
            findings.append(Finding(
                code="xlsx-metadata-invalid", severity=Severity.WARNING,
                message=f"隐藏工作表“{METADATA_SHEET}”中“{key}”的值不是有效的 JSON，已忽略。",
                location=Location(file=filename, sheet=METADATA_SHEET, row=row, column="D")))
            return
        rows.append(MetaRow(row, code, title, key, value))

    for offset, record in enumerate(values, start=2):
        code, title, key, text = (cell_text(v) for v in (tuple(record) + (None,) * 4)[:4])
        if not key:
            continue
        if pending is not None and (pending[1], pending[2], pending[3]) == (code, title, key) \
                and len(pending[4]) % CHUNK == 0 and pending[4]:
            pending[4] += text
            continue
        flush()
        pending = [offset, code, title, key, text]
    flush()
    return rows


class _Invalid(ValueError):
    pass


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("应为文字")
    return value


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid("应为文字列表")
    return list(value)


def _points_value(value: Any) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise _Invalid("分值应为文字形式的数字")
    try:
        return parse_points(str(value))
    except PointsError as error:
        raise _Invalid(str(error)) from None


def _node_from_data(data: Any, level: Level, location: Location | None) -> Node:
    if not isinstance(data, dict):
        raise _Invalid("节点应为键值映射")
    child_keys = CHILD_KEYS[level]
    allowed = {"code", "title", "points", "content", "departments", "note", "origin", "repairs", "gaps",
               *child_keys}
    unknown = set(data) - allowed
    if unknown:
        raise _Invalid(f"未知的键：{'、'.join(sorted(unknown))}")
    present = [key for key in child_keys if key in data]
    if len(present) > 1:
        raise _Invalid("节点不能同时有两种下级")
    children: list[Node] = []
    for key in present:
        if not isinstance(data[key], list):
            raise _Invalid(f"“{key}”应为列表")
        children = [_node_from_data(child, child_keys[key], location) for child in data[key]]
    return Node(
        level=level,
        title=_str(data.get("title", "")),
        points=_points_value(data.get("points")),
        written_code=_str(data.get("code", "")),
        content=_str(data.get("content", "")),
        departments=_str_list(data.get("departments", [])),
        note=_str(data.get("note", "")),
        origin=_str(data.get("origin", "")),
        repairs=_repairs(data.get("repairs", [])),
        gaps=_gaps(data.get("gaps", [])),
        children=children,
        location=location,
    )


def _records(value: Any, keys: tuple[str, ...]) -> list[list[str]]:
    if not isinstance(value, list):
        raise _Invalid("应为列表")
    result = []
    for record in value:
        if not isinstance(record, dict) or set(record) != set(keys):
            raise _Invalid(f"每条记录应有且只有：{'、'.join(keys)}")
        result.append([_str(record[key]) for key in keys])
    return result


def _repairs(value: Any) -> list[Repair]:
    return [Repair(*record) for record in _records(value, ("source", "change", "reason"))]


def _gaps(value: Any) -> list[Gap]:
    return [Gap(*record) for record in _records(value, ("finding", "note"))]


def _correction(value: Any) -> tuple[Any, Any]:
    if not isinstance(value, dict) or set(value) != {"shown", "exact"}:
        raise _Invalid("应为 {shown, exact}")
    return value["shown"], value["exact"]


_FIELD_NAMES = {"title": "标题", "points": "分值", "content": "考核内容", "departments": "考核单位",
                "note": "备注", "children": "下级指标"}


@dataclass
class Applier:
    scheme: Scheme
    filename: str | None
    findings: list[Finding]
    given: set[str] = field(default_factory=set)

    def warn(self, code: str, message: str, meta: MetaRow, node: Node | None = None,
             parents: tuple[Node, ...] = ()) -> None:
        location = Location(file=self.filename, sheet=METADATA_SHEET, row=meta.row, column="C")
        if node is not None:
            self.findings.append(Finding(code=code, severity=Severity.WARNING, message=message,
                                         node_code=node.code, path=title_path(parents, node),
                                         location=node.location or location, origin=node.origin))
        else:
            self.findings.append(Finding(code=code, severity=Severity.WARNING, message=message,
                                         location=location))

    def apply(self, rows: list[MetaRow]) -> None:
        nodes = {node.code: (node, parents) for node, parents in self.scheme.walk_with_parents()}
        titles = {code: node.title for code, (node, _) in nodes.items()}  # as read from the table
        rejected: set[str] = set()
        for meta in rows:
            if meta.code == "":
                self.apply_scheme(meta)
                continue
            if meta.code in rejected:
                continue
            found = nodes.get(meta.code)
            if found is None or titles[meta.code] != meta.title:
                rejected.add(meta.code)
                now = f"表格中该编号是“{short(found[0].title)}”" if found else "表格中已没有该编号"
                node, parents = found if found else (None, ())
                self.warn("xlsx-metadata-mismatch",
                          f"隐藏工作表中编号{meta.code}的信息属于“{short(meta.title)}”，而{now}："
                          f"表格已被修改，这些信息（来源、修复记录等）已忽略。",
                          meta, node, parents)
                continue
            node, parents = found
            try:
                self.apply_node(node, parents, meta)
            except _Invalid as error:
                self.warn("xlsx-metadata-invalid",
                          f"隐藏工作表中编号{meta.code}的“{meta.key}”无效（{error}），已忽略。", meta,
                          node, parents)
        assign_codes(self.scheme)

    def apply_scheme(self, meta: MetaRow) -> None:
        scheme, key, value = self.scheme, meta.key, meta.value
        try:
            if key not in _SCHEME_KEYS:
                raise _Invalid("未知的键")
            if key in ("name", "audience", "source", "sheet"):
                text = _str(value)
                if key != "sheet":
                    setattr(scheme, key, text)
            elif key == "format":
                if value != METADATA_FORMAT:
                    raise _Invalid(f"不支持的版本 {value!r}")
            elif key == "year":
                if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 9999:
                    raise _Invalid("年度应为0到9999之间的整数")
                scheme.year = value
            elif key == "total":
                total = _points_value(value)
                if total is None:
                    raise _Invalid("总分不能为空")
                scheme.total = total
            elif key in ("units", "departments"):
                setattr(scheme, key, _str_list(value))
            elif key == "groups":
                if not isinstance(value, dict):
                    raise _Invalid("应为键值映射")
                scheme.groups = {_str(k): _str_list(v) for k, v in value.items()}
            elif key == "aliases":
                if not isinstance(value, dict):
                    raise _Invalid("应为键值映射")
                scheme.aliases = {_str(k): _str(v) for k, v in value.items()}
            elif key == "title":
                shown, exact = _correction(value)
                if _str(shown) == scheme.title:
                    scheme.title = _str(exact)
                else:
                    self.warn("xlsx-metadata-mismatch", "表格的标题已修改，以表格为准。", meta)
            elif key == "children":
                self.apply_children(None, (), meta)
            self.given.add(key)
        except _Invalid as error:
            self.warn("xlsx-metadata-invalid",
                      f"隐藏工作表中指标体系的“{key}”无效（{error}），已忽略。", meta)

    def apply_children(self, node: Node | None, parents: tuple[Node, ...], meta: MetaRow) -> None:
        """Replace the children read from the table by the exact ones, if the table still shows
        the children the writer saw."""
        shown, exact = _correction(meta.value)
        children = node.children if node is not None else self.scheme.dimensions
        levels = CHILD_KEYS[node.level] if node is not None else {"dimensions": Level.DIMENSION}
        if not isinstance(exact, dict) or len(exact) > 1 or not set(exact) <= set(levels):
            raise _Invalid(f"exact 应为 {{{'|'.join(levels)}: [...]}}")
        if shown != [child.title for child in children]:
            self.warn("xlsx-metadata-mismatch", "表格中的下级指标已修改，以表格为准。", meta, node, parents)
            return
        new: list[Node] = []
        for key, data in exact.items():
            if not isinstance(data, list):
                raise _Invalid(f"“{key}”应为列表")
            location = node.location if node is not None else None
            new = [_node_from_data(child, levels[key], location) for child in data]
        if node is None:
            self.scheme.dimensions = new
        else:
            node.children = new

    def apply_node(self, node: Node, parents: tuple[Node, ...], meta: MetaRow) -> None:
        key, value = meta.key, meta.value
        if key not in _NODE_KEYS:
            raise _Invalid("未知的键")
        if key == "origin":
            node.origin = _str(value)
        elif key == "repairs":
            node.repairs = _repairs(value)
        elif key == "gaps":
            node.gaps = _gaps(value)
        elif key == "children":
            self.apply_children(node, parents, meta)
        else:
            shown, exact = _correction(value)
            if key == "points":
                current: Any = points_json(node.points)
                new_value: Any = _points_value(exact)
            elif key == "departments":
                current, new_value = list(node.departments), _str_list(exact)
            else:
                current, new_value = getattr(node, key), _str(exact)
            if shown != current:
                self.warn("xlsx-metadata-mismatch",
                          f"表格中的{_FIELD_NAMES[key]}已修改，以表格为准。", meta, node, parents)
                return
            setattr(node, key, new_value)
