"""The scheme pages' presenters: findings as shown and grouped by node, the tree of a scheme with
each node's points, departments, units and findings, and the changes between two schemes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kaohe.core.applicability import resolve_all
from kaohe.core.check import Finding
from kaohe.core.diff import KIND_LABELS, diff
from kaohe.core.messages import translated
from kaohe.core.points import format_points
from kaohe.core.scheme import Level, Location, Node, Scheme
from kaohe.formats.labels import label as finding_label
from kaohe.schemes.models import Node as NodeRecord

LEVEL_NAMES = dict(NodeRecord.LEVELS)  # "dimension" → 一级指标, in the page's language (the core's are Chinese)


@dataclass(frozen=True)
class ShownFinding:
    """A finding as the page shows it: its code's label (translated where shown) beside the code,
    the message in the reader's language, and where to look: the line of the official text for a
    shipped scheme (its nodes' `origin`), else the line of the scheme's YAML as downloaded, or the
    cell or line of the file just uploaded."""

    severity: str
    code: str
    message: str
    node: str = ""
    path: str = ""
    location: str = ""
    origin: str = ""
    label: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @classmethod
    def of(cls, finding: Finding, uploaded: bool = False) -> ShownFinding:
        origin = _origin(finding.origin)
        location = "" if origin and not uploaded else _where(finding.location, uploaded)
        return cls(finding.severity.value, finding.code, translated(finding.message, _), finding.node_code,
                   finding.path, location, origin, finding_label(finding.code))


def _origin(origin: str) -> str:
    """A shipped scheme's node's line in the official text: "L24" → 原文第24行."""
    match = re.fullmatch(r"L(\d+)", origin or "")
    if match:
        return _("原文第%(line)s行") % {"line": match[1]}
    return origin or ""


def _where(location: Location | None, uploaded: bool) -> str:
    if location is None:
        return ""
    if location.sheet is not None:
        where = _("工作表“%(sheet)s”") % {"sheet": location.sheet}
        if location.row is not None:
            where += _("第%(row)s行") % {"row": location.row}
        if location.column is not None:
            where += _("%(column)s列") % {"column": location.column}
        return where
    if location.line is not None:
        return (_("所传文件第%(line)s行") if uploaded else _("下载的 YAML 文件第%(line)s行")) % {"line": location.line}
    return ""


@dataclass
class FindingGroup:
    code: str
    path: str
    findings: list[ShownFinding] = field(default_factory=list)


@dataclass(frozen=True)
class TreeRow:
    node: Node
    level: str
    depth: int
    points: str
    departments: str
    units: int
    unit_names: str
    errors: int
    warnings: int
    origin: str = ""  # where the node is in the official text, in words


@dataclass
class Dimension:
    row: TreeRow
    rows: list[TreeRow]


def group_findings(findings: list[ShownFinding]) -> list[FindingGroup]:
    """Findings by node code, the scheme's own first, then in the order they were found."""
    groups: dict[str, FindingGroup] = {"": FindingGroup("", _("整个指标体系"))}
    for finding in findings:
        group = groups.setdefault(finding.node, FindingGroup(finding.node, finding.path))
        group.findings.append(finding)
    return [g for g in groups.values() if g.findings]


def tree(scheme: Scheme, findings: list[ShownFinding]) -> list[Dimension]:
    applicability = resolve_all(scheme)
    counts: dict[str, list[int]] = {}
    for finding in findings:
        counts.setdefault(finding.node, [0, 0])[0 if finding.is_error else 1] += 1
    dimensions: list[Dimension] = []
    separator = _("、")
    for node, parents in scheme.walk_with_parents():
        # Departments and notes as written on the node; children inherit them (the tree shows that).
        # A scored node that would inherit none is left blank and the checker says so.
        units = applicability.of(node)
        errors, warnings = counts.get(node.code, (0, 0))
        row = TreeRow(
            node=node, level=str(LEVEL_NAMES[node.level.value]), depth=len(parents),
            points=format_points(node.points), departments=separator.join(node.departments), units=len(units),
            unit_names=separator.join(u for u in scheme.units if u in units), errors=errors,
            warnings=warnings, origin=_origin(node.origin),
        )
        if node.level is Level.DIMENSION:
            dimensions.append(Dimension(row, []))
        else:
            dimensions[-1].rows.append(row)
    return dimensions


@dataclass(frozen=True)
class ChangeRow:
    kind: str
    label: str
    level: str
    codes: str
    path: str
    old: str
    new: str




def changes(a: Scheme, b: Scheme) -> list[ChangeRow]:
    """What changed from `a` to `b`, a row per change."""
    rows = []
    for change in diff(a, b):
        codes = change.code_a if change.code_a == change.code_b else \
            " → ".join(c or "—" for c in (change.code_a, change.code_b))
        level = str(LEVEL_NAMES[Level(change.level).value])
        rows.append(ChangeRow(change.kind, KIND_LABELS[change.kind], level, codes, change.path, change.old, change.new))
    return rows
