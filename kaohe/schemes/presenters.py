"""The scheme pages' presenters: findings as shown and grouped by node, the tree of a scheme with
each node's points, departments, units and findings, and the changes between two schemes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kaohe.core.applicability import resolve_all
from kaohe.core.check import Finding
from kaohe.core.diff import KIND_LABELS, diff
from kaohe.core.points import format_points
from kaohe.core.scheme import Level, Node, Scheme
from kaohe.schemes.models import Node as NodeRecord

LEVEL_NAMES = dict(NodeRecord.LEVELS)  # "dimension" → 一级指标, in the page's language (the core's are Chinese)


@dataclass(frozen=True)
class ShownFinding:
    severity: str
    code: str
    message: str
    node: str = ""
    path: str = ""
    location: str = ""
    origin: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @classmethod
    def of(cls, finding: Finding) -> ShownFinding:
        location = str(finding.location) if finding.location is not None else ""
        return cls(finding.severity.value, finding.code, finding.message, finding.node_code, finding.path,
                   location, finding.origin)


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
            warnings=warnings,
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
