"""`kaohe scheme …`: list, check, show, summary, import, export and diff indicator systems.

These subcommands need no database: they read built-in schemes (by name) or files (by path).
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from kaohe.core.applicability import resolve_all
from kaohe.core.check import Finding, achievable, check, has_errors
from kaohe.core.diff import diff
from kaohe.core.points import format_points
from kaohe.core.scheme import Level, Node, Scheme
from kaohe.data import builtin_names
from kaohe.formats.errors import FormatError
from kaohe.formats.load import read_one, read_path, read_reference
from kaohe.formats.masterdata import read_units
from kaohe.formats.result import ReadResult
from kaohe.formats.xlsx_scheme import write_xlsx
from kaohe.formats.yaml_scheme import write_yaml

SEVERITY_LABELS = {"error": "错误", "warning": "警告"}
REF_HELP = "内置指标体系的名称（见 `kaohe scheme list`）或文件路径（.yaml、.xlsx 或官方文本）"


def register(commands: argparse._SubParsersAction) -> None:
    scheme = commands.add_parser("scheme", help="指标体系：列出、检查、查看、导入、导出、比较",
                                 description="指标体系（不需要数据库）。")
    sub = scheme.add_subparsers(dest="scheme_command", metavar="SUBCOMMAND", parser_class=type(scheme))
    sub.required = True

    p = sub.add_parser("list", help="列出内置指标体系")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("check", help="检查指标体系；退出码 0 无错误，1 有错误，2 无法读取")
    p.add_argument("scheme", metavar="PATH|NAME", help=REF_HELP)
    p.add_argument("--json", action="store_true", help="以 JSON 输出检查结果")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("show", help="以树形显示指标体系及分值")
    p.add_argument("scheme", metavar="PATH|NAME", help=REF_HELP)
    p.add_argument("--unit", metavar="UNIT", help="只显示适用于该单位（名称或编码）的内容及其可得总分")
    p.add_argument("--depth", type=int, choices=range(1, 5), metavar="N", default=4,
                   help="显示的层级数：1 一级指标 … 4 考核内容（默认 4）")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("summary", help="各级指标的分值及各单位可得分值")
    p.add_argument("scheme", metavar="PATH|NAME", help=REF_HELP)
    p.add_argument("--json", action="store_true", help="以 JSON 输出（分值为十进制字符串）")
    p.set_defaults(handler=cmd_summary)

    p = sub.add_parser("import", help="读取官方文本或 xlsx，每个表写出一个 YAML，并列出发现的问题")
    p.add_argument("source", metavar="SOURCE", help="官方文本转换文件或官方格式 xlsx")
    p.add_argument("--out", metavar="DIR", required=True, help="写出 YAML 的目录（不存在则创建）")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("export", help="导出为官方格式 xlsx 或 YAML")
    p.add_argument("scheme", metavar="PATH|NAME", help=REF_HELP)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--xlsx", metavar="FILE", help="写出官方七列格式的 xlsx（A4 横向打印）")
    target.add_argument("--yaml", metavar="FILE", help="写出 YAML")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("diff", help="比较两个指标体系：新增、删除、移动的节点，分值、考核单位、适用范围的变化")
    p.add_argument("a", metavar="A", help=REF_HELP)
    p.add_argument("b", metavar="B", help=REF_HELP)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(handler=cmd_diff)


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _json(data: Any) -> None:
    _out(json.dumps(data, ensure_ascii=False, indent=2))


def _counts(scheme: Scheme) -> str:
    counts = scheme.counts()
    return (f"{counts[Level.DIMENSION]}个一级指标、{counts[Level.INDICATOR]}个二级指标、"
            f"{counts[Level.CRITERION]}个三级指标、{counts[Level.ITEM]}条考核内容")


def _headline(scheme: Scheme) -> str:
    return f"{scheme.name} · {scheme.title} · 总分{format_points(scheme.total)}分 · {_counts(scheme)}"


# -- list --------------------------------------------------------------------------------------

def cmd_list(args: argparse.Namespace) -> int:
    for name in builtin_names():
        scheme = read_one(name)
        _out(f"{name}\t{scheme.year}\t{format_points(scheme.total)}分\t{len(scheme.units)}个单位\t{scheme.title}")
    return 0


# -- check -------------------------------------------------------------------------------------

def _format_finding(finding: Finding) -> str:
    return f"{SEVERITY_LABELS[finding.severity.value]} {finding.code} {finding.where()}\n    {finding.message}"


def _report(scheme: Scheme, findings: list[Finding]) -> dict[str, Any]:
    return {
        "scheme": scheme.name,
        "title": scheme.title,
        "errors": sum(f.is_error for f in findings),
        "warnings": sum(not f.is_error for f in findings),
        "findings": [f.as_dict() for f in findings],
    }


def cmd_check(args: argparse.Namespace) -> int:
    result = read_reference(args.scheme)
    reports = [(scheme, own + check(scheme))
               for scheme, own in zip(result.schemes, _reader_findings(result), strict=False)]
    failed = has_errors(result.findings) or any(has_errors(f) for _, f in reports)
    if args.json:
        data = [_report(s, f) for s, f in reports]
        _json(data[0] if len(data) == 1 else data)
    else:
        for scheme, findings in reports:
            _out(_headline(scheme))
            for finding in findings:
                _out(_format_finding(finding))
            report = _report(scheme, findings)
            verdict = "通过" if not report["errors"] else "未通过"
            _out(f"{verdict}：{report['errors']}个错误，{report['warnings']}个警告")
    return 1 if failed else 0


def _reader_findings(result: ReadResult) -> list[list[Finding]]:
    """The reader's findings split by table: each goes to the table whose lines it falls in."""
    split: list[list[Finding]] = [[] for _ in result.schemes]
    if not split:
        return split
    starts = [min((n.location.line for n in s.walk() if n.location and n.location.line), default=0)
              for s in result.schemes]
    for finding in result.findings:
        line = finding.location.line if finding.location is not None else None
        index = 0
        if line is not None:
            index = max((i for i, start in enumerate(starts) if start - 3 <= line), default=0)
        split[index].append(finding)
    return split


# -- show --------------------------------------------------------------------------------------

def _unit_name(scheme: Scheme, unit: str) -> str:
    if unit in scheme.units:
        return unit
    for record in read_units():
        if unit in (record.code, record.name) and record.name in scheme.units:
            return record.name
    raise FormatError(f"单位“{unit}”不是指标体系 {scheme.name} 的被考核单位；可用：{'、'.join(scheme.units)}")


def cmd_show(args: argparse.Namespace) -> int:
    scheme = read_one(args.scheme)
    unit = _unit_name(scheme, args.unit) if args.unit else None
    applicability = resolve_all(scheme)
    sums = achievable(scheme, applicability) if unit else {}
    _out(_headline(scheme))
    depth = {Level.DIMENSION: 0, Level.INDICATOR: 1, Level.CRITERION: 2, Level.ITEM: 3}

    def line(node: Node, indent: int) -> None:
        if unit and unit not in applicability.of(node):
            return
        if depth[node.level] >= args.depth:
            return
        points = f"{format_points(node.points)}分"
        if unit:
            got = sums[id(node)].get(unit, Decimal(0))
            if got != node.points:
                points += f"，可得{format_points(got)}分"
        extras = []
        if node.departments:
            extras.append("、".join(node.departments))
        if node.note:
            extras.append(node.note)
        tail = f"  [{'；'.join(extras)}]" if extras else ""
        _out(f"{'  ' * indent}{node.code} {node.title}（{points}）{tail}")
        if node.content and depth[node.level] + 1 < args.depth:
            _out(f"{'  ' * (indent + 1)}{node.content}")
        for child in node.children:
            line(child, indent + 1)

    for dimension in scheme.dimensions:
        line(dimension, 0)
    if unit:
        total = sum((sums[id(d)].get(unit, Decimal(0)) for d in scheme.dimensions), Decimal(0))
        _out(f"{unit} 可得总分：{format_points(total)}分（指标体系总分 {format_points(scheme.total)}分）")
    return 0


# -- summary -----------------------------------------------------------------------------------

def summary_data(scheme: Scheme) -> dict[str, Any]:
    applicability = resolve_all(scheme)
    sums = achievable(scheme, applicability)

    def node_data(node: Node) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": node.code,
            "title": node.title,
            "points": format_points(node.points) if node.points is not None else None,
            "achievable": {u: format_points(sums[id(node)][u]) for u in scheme.units if u in sums[id(node)]},
        }
        if node.level is not Level.CRITERION:
            data["children"] = [node_data(c) for c in node.children if c.level is not Level.ITEM]
        return data

    return {
        "name": scheme.name,
        "year": scheme.year,
        "audience": scheme.audience,
        "total": format_points(scheme.total),
        "dimensions": [node_data(d) for d in scheme.dimensions],
    }


def cmd_summary(args: argparse.Namespace) -> int:
    scheme = read_one(args.scheme)
    data = summary_data(scheme)
    if args.json:
        _json(data)
        return 0
    _out(_headline(scheme))
    for dimension in data["dimensions"]:
        values = sorted(set(dimension["achievable"].values()), key=Decimal)
        spread = "、".join(f"{v}分" for v in values)
        _out(f"{dimension['code']} {dimension['title']}（{dimension['points']}分）各单位可得：{spread}")
    return 0


# -- import / export ---------------------------------------------------------------------------

def cmd_import(args: argparse.Namespace) -> int:
    source = Path(args.source)
    result = read_path(source)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise FormatError("输出位置已存在且不是目录", None)
    failed = has_errors(result.findings)
    for scheme, own in zip(result.schemes, _reader_findings(result), strict=False):
        findings = own + check(scheme)
        failed = failed or has_errors(findings)
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{scheme.name}.yaml"
        write_yaml(scheme, target)
        _out(f"已写出 {target}：{_headline(scheme)}")
        for finding in findings:
            _out(_format_finding(finding))
        report = _report(scheme, findings)
        _out(f"{scheme.name}：{report['errors']}个错误，{report['warnings']}个警告")
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    scheme = read_one(args.scheme)
    if args.xlsx:
        write_xlsx(scheme, Path(args.xlsx))
        _out(f"已写出 {args.xlsx}")
    else:
        write_yaml(scheme, Path(args.yaml))
        _out(f"已写出 {args.yaml}")
    return 0


# -- diff --------------------------------------------------------------------------------------

def cmd_diff(args: argparse.Namespace) -> int:
    a, b = read_one(args.a), read_one(args.b)
    changes = diff(a, b)
    if args.json:
        _json({"a": a.name, "b": b.name, "changes": [c.as_dict() for c in changes]})
        return 0
    _out(f"{a.name} → {b.name}：{len(changes)}处变化")
    for change in changes:
        _out(change.describe())
    return 0
