"""YAML, the canonical diff-able form of a scheme, both ways (format: docs/scheme-format.md).

`read_yaml(path)` / `loads_yaml(text)` check the shape strictly and raise `FormatError` with the
file and line of what is wrong; points are read from the scalar text straight into `Decimal`, so
no value ever passes through a float. `dumps_yaml(scheme)` writes keys in a fixed order and leaves
out empty ones, so a read → write → read round trip is lossless and diffs stay small.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kaohe.core.codes import assign_codes
from kaohe.core.points import PointsError, format_points, parse_points
from kaohe.core.scheme import Gap, Level, Location, Node, Repair, Scheme
from kaohe.formats.errors import FormatError
from kaohe.formats.files import write_atomically
from kaohe.formats.text import decode_text

FORMAT_KEY = "kaohe-scheme"
FORMAT_VERSION = 1

CHILD_KEYS = {
    Level.DIMENSION: {"indicators": Level.INDICATOR},
    Level.INDICATOR: {"criteria": Level.CRITERION, "items": Level.ITEM},
    Level.CRITERION: {"items": Level.ITEM},
    Level.ITEM: {},
}
NODE_KEYS = ("code", "title", "points", "content", "departments", "note", "origin", "repairs", "gaps")
SCHEME_KEYS = (FORMAT_KEY, "name", "title", "year", "audience", "total", "source", "units",
               "groups", "aliases", "departments", "dimensions")


# libyaml's parser when PyYAML was built with it (the wheels are): ten times faster, same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER_BASE = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# -- reading ---------------------------------------------------------------------------------

def _line(event: yaml.Event) -> int | None:
    """The line (from 1) where a parser event starts, when the parser says."""
    return event.start_mark.line + 1 if event.start_mark is not None else None


class _Reader:
    def __init__(self, filename: str | None):
        self.filename = filename

    def at(self, node: yaml.Node) -> Location:
        return Location(file=self.filename, line=node.start_mark.line + 1)

    def fail(self, node: yaml.Node, message: str) -> FormatError:
        return FormatError(message, self.at(node))

    def mapping(self, node: yaml.Node, what: str, allowed: tuple[str, ...]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what}应为键值映射")
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                raise self.fail(key_node, f"{what}中有未知的键“{key}”；允许的键：{'、'.join(allowed)}")
            if key in result:
                raise self.fail(key_node, f"{what}中键“{key}”重复")
            result[key] = value_node
        return result

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what}应为列表")
        return list(node.value)

    def text(self, node: yaml.Node | None, what: str) -> str:
        if node is None:
            return ""
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what}应为文字")
        if node.tag.endswith(":null"):
            return ""
        return str(node.value)

    def required_text(self, fields: dict[str, yaml.Node], key: str, what: str, parent: yaml.Node) -> str:
        if key not in fields:
            raise self.fail(parent, f"{what}缺少“{key}”")
        return self.text(fields[key], f"{what}的“{key}”")

    def points(self, node: yaml.Node | None, what: str) -> Decimal | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what}的分值应为数字")
        if node.tag.endswith(":null") or node.value in ("", "~"):
            return None
        try:
            return parse_points(node.value)
        except PointsError as error:
            raise self.fail(node, f"{what}：{error}") from None

    def texts(self, node: yaml.Node | None, what: str) -> list[str]:
        if node is None:
            return []
        return [self.text(item, what) for item in self.sequence(node, what)]

    def scheme(self, root: yaml.Node) -> Scheme:
        fields = self.mapping(root, "指标体系文件", SCHEME_KEYS)
        version = self.text(fields.get(FORMAT_KEY), FORMAT_KEY)
        if version != str(FORMAT_VERSION):
            raise self.fail(root, f"不是 Kaohe 指标体系文件：缺少“{FORMAT_KEY}: {FORMAT_VERSION}”"
                            if not version else f"不支持的格式版本 {version}")
        year_text = self.required_text(fields, "year", "指标体系", root)
        if not year_text.isdecimal() or len(year_text) > 4:  # "①" is a digit int() refuses
            raise self.fail(fields["year"], f"年度应为整数，而不是“{year_text}”")
        if "total" not in fields:
            raise self.fail(root, "指标体系缺少“total”（总分）")
        total = self.points(fields["total"], "总分")
        if total is None:
            raise self.fail(fields["total"], "总分不能为空")
        groups: dict[str, list[str]] = {}
        if "groups" in fields:
            for key_node, value_node in self.mapping_items(fields["groups"], "groups"):
                groups[self.text(key_node, "分组名")] = self.texts(value_node, "分组成员")
        aliases: dict[str, str] = {}
        if "aliases" in fields:
            for key_node, value_node in self.mapping_items(fields["aliases"], "aliases"):
                aliases[self.text(key_node, "别名")] = self.text(value_node, "别名对应的名称")
        dimensions = [self.node(item, Level.DIMENSION)
                      for item in self.sequence(fields.get("dimensions", root), "dimensions")] \
            if "dimensions" in fields else []
        scheme = Scheme(
            name=self.required_text(fields, "name", "指标体系", root),
            title=self.text(fields.get("title"), "title"),
            year=int(year_text),
            total=total,
            audience=self.text(fields.get("audience"), "audience"),
            source=self.text(fields.get("source"), "source"),
            units=self.texts(fields.get("units"), "units"),
            groups=groups,
            aliases=aliases,
            departments=self.texts(fields.get("departments"), "departments"),
            dimensions=dimensions,
            location=Location(file=self.filename),
        )
        assign_codes(scheme)
        return scheme

    def mapping_items(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"“{what}”应为键值映射")
        return list(node.value)

    def node(self, yaml_node: yaml.Node, level: Level) -> Node:
        child_keys = CHILD_KEYS[level]
        what = level.label
        fields = self.mapping(yaml_node, what, NODE_KEYS + tuple(child_keys))
        present = [key for key in child_keys if key in fields]
        if len(present) > 1:
            raise self.fail(yaml_node, f"{what}不能同时有“{present[0]}”和“{present[1]}”")
        children: list[Node] = []
        for key in present:
            children = [self.node(child, child_keys[key])
                        for child in self.sequence(fields[key], f"{what}的“{key}”")]
        return Node(
            level=level,
            title=self.text(fields.get("title"), f"{what}的标题"),
            points=self.points(fields.get("points"), what),
            written_code=self.text(fields.get("code"), "code"),
            content=self.text(fields.get("content"), "content"),
            departments=self.texts(fields.get("departments"), "departments"),
            note=self.text(fields.get("note"), "note"),
            origin=self.text(fields.get("origin"), "origin"),
            repairs=[self.repair(item) for item in self.sequence(fields["repairs"], "repairs")]
            if "repairs" in fields else [],
            gaps=[self.gap(item) for item in self.sequence(fields["gaps"], "gaps")]
            if "gaps" in fields else [],
            children=children,
            location=self.at(yaml_node),
        )

    def repair(self, node: yaml.Node) -> Repair:
        fields = self.mapping(node, "修复记录", ("source", "change", "reason"))
        return Repair(*(self.required_text(fields, key, "修复记录", node)
                        for key in ("source", "change", "reason")))

    def gap(self, node: yaml.Node) -> Gap:
        fields = self.mapping(node, "源文件问题记录", ("finding", "note"))
        return Gap(*(self.required_text(fields, key, "源文件问题记录", node) for key in ("finding", "note")))


MAX_DEPTH = 24  # a scheme needs 8 levels of YAML nesting; deeper input is refused before composing


def _refuse_hostile(text: str, filename: str | None) -> None:
    """Walk the parser's events once: no aliases (a small file must not expand into a huge tree)
    and no deep nesting (composing it would exhaust the stack)."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise FormatError("不支持 YAML 别名（*引用）", Location(file=filename, line=_line(event)))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise FormatError(f"嵌套超过{MAX_DEPTH}层，不是指标体系文件",
                                  Location(file=filename, line=_line(event)))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def loads_yaml(text: str, filename: str | None = None) -> Scheme:
    if not text.strip():
        raise FormatError("文件为空", Location(file=filename))
    try:
        _refuse_hostile(text, filename)
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "语法错误"
        raise FormatError(f"YAML 语法错误：{problem}", Location(file=filename, line=line)) from None
    except yaml.YAMLError as error:
        raise FormatError(f"YAML 无法读取：{error}", Location(file=filename)) from None
    except UnicodeError:  # a lone surrogate (text decoded with surrogateescape) the C parser cannot encode
        raise FormatError("YAML 无法读取：含有无效的字符", Location(file=filename)) from None
    if root is None:
        raise FormatError("文件为空", Location(file=filename))
    return _Reader(filename).scheme(root)


def read_yaml(path: str | Path) -> Scheme:
    path = Path(path)
    return loads_yaml(decode_text(path), str(path))


# -- writing ---------------------------------------------------------------------------------

class _Dumper(_DUMPER_BASE):  # type: ignore[misc, valid-type]
    def ignore_aliases(self, data: Any) -> bool:
        return True  # never write anchors/aliases (the reader refuses them): repeat the value


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format_points(value)
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _represent_decimal)


def node_data(node: Node) -> dict[str, Any]:
    data: dict[str, Any] = {"code": node.code, "title": node.title}
    if node.points is not None:
        data["points"] = node.points
    for key in ("content", "departments", "note", "origin"):
        value = getattr(node, key)
        if value:
            data[key] = list(value) if isinstance(value, list) else value
    if node.repairs:
        data["repairs"] = [vars(r).copy() for r in node.repairs]
    if node.gaps:
        data["gaps"] = [vars(g).copy() for g in node.gaps]
    if node.children:
        key = next(k for k, level in CHILD_KEYS[node.level].items() if level is node.children[0].level)
        data[key] = [node_data(child) for child in node.children]
    return data


def scheme_data(scheme: Scheme) -> dict[str, Any]:
    """The scheme as plain data, in the file's key order: what YAML holds and round trips keep."""
    data: dict[str, Any] = {
        FORMAT_KEY: FORMAT_VERSION,
        "name": scheme.name,
        "title": scheme.title,
        "year": scheme.year,
        "audience": scheme.audience,
        "total": scheme.total,
        "source": scheme.source,
        "units": list(scheme.units),
        "groups": {k: list(v) for k, v in scheme.groups.items()},
        "aliases": dict(scheme.aliases),
        "departments": list(scheme.departments),
        "dimensions": [node_data(d) for d in scheme.dimensions],
    }
    return {k: v for k, v in data.items() if v not in ("", [], {}) or k == "dimensions"}


def dumps_yaml(scheme: Scheme) -> str:
    return yaml.dump(scheme_data(scheme), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=100, default_flow_style=False)


def write_yaml(scheme: Scheme, path: str | Path) -> None:
    write_atomically(Path(path), dumps_yaml(scheme).encode("utf-8"))
