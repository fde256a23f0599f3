"""The checker: every inconsistency in a scheme, as findings that say exactly where.

`check(scheme)` returns `Finding`s in document order. Points are checked per unit, so variants
for different unit groups are handled: for every unit, what it can achieve under a node must equal
the node's declared points, and its achievable total must equal the scheme's total. A `Gap`
recorded on a node (a known, unrepairable fault of the source) turns the matching finding on that
node into a warning that points to the source.

Finding codes (severity): empty-scheme, no-units, empty-title, missing-points, points-mismatch,
unit-total, variant-uncovered, variant-overlap, no-department, unknown-department,
unknown-applicability, duplicate (errors); applies-to-none, code-mismatch, stale-gap (warnings).
Each has a short Chinese label in `LABELS`. A finding's `message` is Chinese, a `Text` a page can
show in its reader's language (kaohe.core.messages).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from kaohe.core.applicability import Applicability, normalize_name, resolve_all
from kaohe.core.codes import is_variant_set, variant_groups
from kaohe.core.messages import Text, gettext_noop
from kaohe.core.points import format_points
from kaohe.core.scheme import LEVEL_LABELS, Level, Location, Node, Scheme, effective_departments, title_path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# The codes' labels, shown beside the code (the README lists the codes with their severity).
ERRORS = ("empty-scheme", "no-units", "empty-title", "missing-points", "points-mismatch", "unit-total",
          "variant-uncovered", "variant-overlap", "no-department", "unknown-department", "unknown-applicability",
          "duplicate")
WARNINGS = ("applies-to-none", "code-mismatch", "stale-gap")
LABELS = {
    "empty-scheme": gettext_noop("没有一级指标"),
    "no-units": gettext_noop("没有被考核单位"),
    "empty-title": gettext_noop("标题为空"),
    "missing-points": gettext_noop("缺少分值"),
    "points-mismatch": gettext_noop("分值合计不符"),
    "unit-total": gettext_noop("单位可得总分不符"),
    "variant-uncovered": gettext_noop("有单位不适用任何版本"),
    "variant-overlap": gettext_noop("多个版本同时适用"),
    "no-department": gettext_noop("没有考核单位"),
    "unknown-department": gettext_noop("考核单位不在名单中"),
    "unknown-applicability": gettext_noop("适用范围无法识别"),
    "duplicate": gettext_noop("重复"),
    "applies-to-none": gettext_noop("不适用于任何单位"),
    "code-mismatch": gettext_noop("编号与位置不符"),
    "stale-gap": gettext_noop("过时的源文件问题记录"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    node_code: str = ""
    path: str = ""
    location: Location | None = None
    origin: str = ""
    declared: str = ""
    actual: str = ""
    units: tuple[str, ...] = ()
    gap: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def where(self) -> str:
        parts = [p for p in (self.node_code, self.path) if p]
        if self.location is not None and str(self.location):
            parts.append(str(self.location))
        if self.origin:
            parts.append(f"来源 {self.origin}")
        return " · ".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "node": self.node_code,
            "path": self.path,
            "location": _location_dict(self.location),
            "origin": self.origin,
            "declared": self.declared,
            "actual": self.actual,
            "units": list(self.units),
            "gap": self.gap,
            "message": self.message,
        }


def _location_dict(location: Location | None) -> dict[str, object] | None:
    if location is None:
        return None
    return {k: v for k, v in vars(location).items() if v is not None}


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.is_error for f in findings)


def _units_text(units: Iterable[str], scheme: Scheme, applicable: frozenset[str]) -> Text:
    chosen = set(units)
    if chosen == set(applicable) and len(chosen) > 1:
        return Text.of(gettext_noop("所有适用单位"))
    ordered = [u for u in scheme.units if u in chosen]
    if len(ordered) > 6:
        return Text.of(gettext_noop("%(units)s等%(count)s个单位"), units=tuple(ordered[:6]), count=len(ordered))
    return Text.of("%(units)s", units=tuple(ordered))


def _level(node: Node) -> Text:
    return Text.of(LEVEL_LABELS[node.level])


@dataclass
class _Checker:
    scheme: Scheme
    applicability: Applicability
    known_departments: frozenset[str]
    findings: list[Finding] = field(default_factory=list)

    def make(self, node: Node | None, parents: tuple[Node, ...], code: str, message: Text,
             severity: Severity = Severity.ERROR, **extra: object) -> Finding:
        if node is None:
            return Finding(code=code, severity=severity, message=message,
                           location=self.scheme.location, **extra)  # type: ignore[arg-type]
        return Finding(
            code=code, severity=severity, message=message, node_code=node.code,
            path=title_path(parents, node), location=node.location, origin=node.origin,
            **extra,  # type: ignore[arg-type]
        )

    def emit(self, node: Node | None, parents: tuple[Node, ...], code: str, message: Text,
             severity: Severity = Severity.ERROR, **extra: object) -> None:
        self.findings.append(self.make(node, parents, code, message, severity, **extra))

    def units_of(self, node: Node) -> frozenset[str]:
        return self.applicability.of(node)

    def per_unit_sum(self, nodes: list[Node], within: frozenset[str]) -> dict[Decimal, set[str]]:
        """Units of `within` grouped by what `nodes` add up to for them."""
        by_set: dict[frozenset[str], Decimal] = defaultdict(Decimal)
        for node in nodes:
            if node.points is not None:
                by_set[self.units_of(node)] += node.points
        if not by_set:
            return {Decimal(0): set(within)} if within else {}
        if len(by_set) == 1:
            (units, total), = by_set.items()
            if units >= within:
                return {total: set(within)}
        result: dict[Decimal, set[str]] = defaultdict(set)
        for unit in within:
            result[sum((v for s, v in by_set.items() if unit in s), Decimal(0))].add(unit)
        return result

    # -- the checks -------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        scheme = self.scheme
        if not scheme.dimensions:
            self.emit(None, (), "empty-scheme", Text.of(gettext_noop("指标体系没有任何一级指标。")))
        if not scheme.units:
            self.emit(None, (), "no-units", Text.of(gettext_noop("指标体系没有列出被考核单位，无法按单位核对分值。")))
        self.check_siblings(scheme.dimensions, ())
        for node, parents in scheme.walk_with_parents():
            self.check_node(node, parents)
        self.check_unit_totals()
        return self.apply_gaps()

    def check_node(self, node: Node, parents: tuple[Node, ...]) -> None:
        label = _level(node)
        if not node.title.strip():
            self.emit(node, parents, "empty-title", Text.of(gettext_noop("%(level)s的标题为空。"), level=label))
        if node.written_code and node.written_code != node.code:
            self.emit(node, parents, "code-mismatch",
                      Text.of(gettext_noop("文件写的编号“%(written)s”与按位置推得的编号“%(code)s”不同，以后者为准。"),
                              written=node.written_code, code=node.code),
                      Severity.WARNING, declared=node.written_code, actual=node.code)
        if node.points is None:
            what = (Text.of(gettext_noop("考核内容没有分值。")) if node.is_leaf
                    else Text.of(gettext_noop("%(level)s没有分值。"), level=label))
            self.emit(node, parents, "missing-points", what)
        if id(node) in self.applicability.unresolved:
            error = self.applicability.unresolved[id(node)]
            self.emit(node, parents, "unknown-applicability",
                      Text.of(gettext_noop("备注“%(note)s”无法对应到已知的单位或分组：%(unknown)s。"),
                              note=node.note, unknown=tuple(error.unknown)),
                      actual=node.note)
        applicable = self.units_of(node)
        if not applicable and self.scheme.units:
            self.emit(node, parents, "applies-to-none",
                      Text.of(gettext_noop("该%(level)s不适用于任何被考核单位。"), level=label), Severity.WARNING)
        for department in node.departments:
            if self.known_departments and department not in self.known_departments:
                self.emit(node, parents, "unknown-department",
                          Text.of(gettext_noop("考核单位“%(department)s”不在本指标体系的考核单位名单中。"),
                                  department=department), actual=department)
        if node.is_leaf and not effective_departments(node, parents):
            self.emit(node, parents, "no-department", Text.of(gettext_noop("该%(level)s没有考核单位。"), level=label))
        if node.children:
            self.check_siblings(node.children, parents + (node,))
            if node.points is not None and applicable:
                self.check_children_points(node, parents, applicable)

    def check_children_points(self, node: Node, parents: tuple[Node, ...],
                              applicable: frozenset[str]) -> None:
        declared = node.points
        assert declared is not None
        for actual, units in sorted(self.per_unit_sum(node.children, applicable).items()):
            if actual == declared:
                continue
            who = _units_text(units, self.scheme, applicable)
            self.emit(node, parents, "points-mismatch",
                      Text.of(gettext_noop("下级分值合计%(actual)s分，与标注的%(declared)s分不符（%(units)s）。"),
                              actual=format_points(actual), declared=format_points(declared), units=who),
                      declared=format_points(declared), actual=format_points(actual),
                      units=tuple(u for u in self.scheme.units if u in units))

    def check_siblings(self, siblings: list[Node], parents: tuple[Node, ...]) -> None:
        parent_units = self.units_of(parents[-1]) if parents else self.applicability.audience
        for group in variant_groups(siblings):
            if len(group) < 2:
                continue
            if is_variant_set(group):
                self.check_variants(group, parents, parent_units)
                continue
            seen: dict[str, Node] = {}
            for node in group:
                key = normalize_name(node.note)
                if key in seen:
                    other = (Text.of("%(code)s", code=seen[key].code) if seen[key].code
                             else Text.of(gettext_noop("前一个")))
                    self.emit(node, parents, "duplicate",
                              Text.of(gettext_noop("与%(other)s重复：同一上级下标题和备注都相同。"), other=other),
                              actual=seen[key].code)
                else:
                    seen[key] = node

    def check_variants(self, group: list[Node], parents: tuple[Node, ...],
                       parent_units: frozenset[str]) -> None:
        covered: dict[str, list[Node]] = defaultdict(list)
        for node in group:
            for unit in self.units_of(node):
                covered[unit].append(node)
        first = group[0]
        uncovered = [u for u in self.scheme.units if u in parent_units and u not in covered]
        if uncovered:
            self.emit(first, parents, "variant-uncovered",
                      Text.of(gettext_noop("“%(title)s”的%(count)s个版本都不适用于：%(units)s。"),
                              title=first.title, count=len(group), units=tuple(uncovered)),
                      units=tuple(uncovered))
        overlapping = [u for u in self.scheme.units if len(covered.get(u, ())) > 1]
        if overlapping:
            codes = sorted({n.code for u in overlapping for n in covered[u]})
            self.emit(first, parents, "variant-overlap",
                      Text.of(gettext_noop("“%(title)s”的多个版本（%(codes)s）同时适用于：%(units)s。"),
                              title=first.title, codes=tuple(codes), units=tuple(overlapping)),
                      units=tuple(overlapping))

    def check_unit_totals(self) -> None:
        if not self.scheme.units:
            return
        leaves = list(self.scheme.leaves())
        total = self.scheme.total
        sums = self.per_unit_sum(leaves, self.applicability.audience)
        for actual, units in sorted(sums.items()):
            if actual == total:
                continue
            ordered = tuple(u for u in self.scheme.units if u in units)
            self.emit(None, (), "unit-total",
                      Text.of(gettext_noop("%(units)s可得总分为%(actual)s分，与指标体系总分%(total)s分不符。"),
                              units=_units_text(ordered, self.scheme, self.applicability.audience),
                              actual=format_points(actual), total=format_points(total)),
                      declared=format_points(total), actual=format_points(actual), units=ordered)

    def apply_gaps(self) -> list[Finding]:
        """Known source gaps downgrade their findings to warnings; unused gaps are reported."""
        nodes = {node.code: (node, parents) for node, parents in self.scheme.walk_with_parents()}
        gap_notes: dict[tuple[str, str], str] = {}
        gap_units: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
        for code, (node, _) in nodes.items():
            for gap in node.gaps:
                gap_notes[(code, gap.finding)] = gap.note
                if gap.finding in ("points-mismatch", "unit-total", "missing-points"):
                    gap_units["unit-total"].append((code, self.units_of(node)))
        used: set[tuple[str, str]] = set()
        result: list[Finding] = []
        for finding in self.findings:
            key = (finding.node_code, finding.code)
            if finding.node_code and key in gap_notes:
                used.add(key)
                finding = replace(finding, severity=Severity.WARNING, gap=gap_notes[key], message=Text.of(
                    gettext_noop("%(message)s（源文件问题，未修复：%(note)s）"), message=finding.message,
                    note=gap_notes[key]))
            elif finding.code == "unit-total" and finding.units:
                explaining = [code for code, units in gap_units["unit-total"]
                              if set(finding.units) & units]
                if explaining:
                    finding = replace(finding, severity=Severity.WARNING, gap="、".join(explaining), message=Text.of(
                        gettext_noop("%(message)s（由已记录的源文件问题%(codes)s造成）"), message=finding.message,
                        codes=tuple(explaining)))
            result.append(finding)
        for (code, finding_code), note in gap_notes.items():
            if (code, finding_code) not in used:
                node, parents = nodes[code]
                result.append(self.make(
                    node, parents, "stale-gap",
                    Text.of(gettext_noop("记录的源文件问题“%(code)s”在此处已不存在，请删除该记录：%(note)s"),
                            code=finding_code, note=note),
                    Severity.WARNING))
        return result


def check(scheme: Scheme, known_departments: Iterable[str] | None = None) -> list[Finding]:
    """All findings for `scheme`, errors and warnings, in document order.

    `known_departments` defaults to the scheme's own department list.
    """
    known = frozenset(known_departments if known_departments is not None else scheme.departments)
    return _Checker(scheme, resolve_all(scheme), known).run()


def achievable(scheme: Scheme, applicability: Applicability | None = None) -> dict[int, dict[str, Decimal]]:
    """For every node (by id), what each unit can achieve under it: the sum of its applicable leaves."""
    resolved = applicability or resolve_all(scheme)
    result: dict[int, dict[str, Decimal]] = {}

    def visit(node: Node) -> dict[str, Decimal]:
        units = resolved.of(node)
        if node.is_leaf:
            sums = {u: node.points or Decimal(0) for u in units}
        else:
            sums = {u: Decimal(0) for u in units}
            for child in node.children:
                for unit, value in visit(child).items():
                    if unit in sums:
                        sums[unit] += value
        result[id(node)] = sums
        return sums

    for dimension in scheme.dimensions:
        visit(dimension)
    return result


__all__ = ["Finding", "Severity", "check", "has_errors", "achievable", "Level"]
