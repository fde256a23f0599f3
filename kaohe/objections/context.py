"""What the department answering an objection sees beside each item, and the office and the unit
with it: the unit's side of the criterion the item belongs to — the points the unit claimed in its
self-assessment (of the criterion's maximum for the unit) and its explanation, and the evidence files
it attached to the criterion — and the objection's own files. Files are only those the user may
open (`kaohe.claims.rules.readable_evidence`: a department reads the files of the criteria it
scores and of objections to its items), so every link shown opens. A fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kaohe.accounts.models import User
from kaohe.claims import rules
from kaohe.claims.models import Claim, Evidence
from kaohe.core.points import format_points
from kaohe.cycles.models import Cycle
from kaohe.objections.models import Objection, ObjectionItem


@dataclass
class UnitSide:
    criterion: str  # the criterion's code (an item hung directly under an indicator is its own)
    title: str
    maximum: str  # the criterion's maximum for the unit
    claimed: str | None = None  # None: no points claimed
    explanation: str = ""
    evidence: list[Evidence] = field(default_factory=list)


def criterion_of(item: ObjectionItem) -> str:
    return item.score.node.criterion_code or item.score.node.code


def unit_side(user: User, cycle: Cycle, objection: Objection, items: list[ObjectionItem]) -> dict[int, UnitSide]:
    """Item id → the unit's side of its criterion. Items need `score__node` loaded."""
    codes = {criterion_of(item) for item in items}
    criteria = {c.code: c for c in rules.criteria(cycle, objection.unit) if c.code in codes}
    claims = {code: (points, explanation) for code, points, explanation in
              Claim.objects.filter(unit=objection.unit, node__code__in=codes, node__scheme_id=cycle.scheme_id)
              .values_list("node__code", "points", "explanation")}
    files: dict[str, list[Evidence]] = {}
    readable = (rules.readable_evidence(user, cycle).filter(unit=objection.unit, purpose=Evidence.Purpose.SELF)
                .prefetch_related("nodes").order_by("uploaded_at", "pk"))
    for evidence in readable:
        for node in evidence.nodes.all():
            if node.code in codes:
                files.setdefault(node.code, []).append(evidence)
    sides = {}
    for item in items:
        code = criterion_of(item)
        criterion = criteria.get(code)
        points, explanation = claims.get(code, (None, ""))
        sides[item.pk] = UnitSide(
            criterion=code, title=criterion.title if criterion else item.score.node.title,
            maximum=format_points(criterion.maximum) if criterion else format_points(item.score.node.points),
            claimed=None if points is None else format_points(points), explanation=explanation,
            evidence=files.get(code, []))
    return sides


def objection_evidence(user: User, cycle: Cycle, objection: Objection) -> list[Evidence]:
    """The objection's own files that the user may open."""
    return list(rules.readable_evidence(user, cycle).filter(objections=objection).order_by("uploaded_at", "pk"))


def side_body(side: UnitSide) -> dict[str, Any]:
    """For the API: the unit's side with evidence as ids."""
    return {"criterion": side.criterion, "criterion_title": side.title, "maximum": side.maximum,
            "claimed": side.claimed, "explanation": side.explanation, "evidence": [e.pk for e in side.evidence]}
