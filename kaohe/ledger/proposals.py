"""From ledger to score: each task's proposal (the item's maximum minus its counted deductions,
never below 0, with the entries as its reason), for the grid, the sheet and the API (registered
with kaohe.cycles.proposals); accepting proposals (one task, a unit's or all of a department's)
and overriding one with a reason of its own. Both go through the scoring rules
(`kaohe.cycles.scoring`: the department's submission a draft, the cycle open or under review,
compare-and-set on the score's version) and keep which entries the score was decided on (`Basis`).

A task is *changed* when an entry on it was confirmed, voided, changed or withdrawn after the
department last decided it (its score saved, or the proposal accepted or overridden): the grid
marks it, the department's to-do list counts it, never silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.audit.record import record as audit
from kaohe.core import ledger as core
from kaohe.core import text
from kaohe.core.points import format_points, optional_points
from kaohe.cycles import scoring, totals
from kaohe.cycles.models import Cycle, CycleDepartment, Score
from kaohe.cycles.proposals import Finding, Proposal, ProposalSource, Summary
from kaohe.cycles.scoring import Entry as Typed
from kaohe.cycles.scoring import ScoreError
from kaohe.ledger.models import Basis, Entry
from kaohe.ledger.rules import LedgerError, can_record

REASON_LIMIT = text.SCORE_REASON.limit
KIND_LABELS = dict(Entry.Kind.choices)
ZERO = Decimal(0)


# ----------------------------------------------------------------------------- proposals


def reason_for(findings: Sequence[Finding], deducted: Decimal, maximum: Decimal) -> str:
    """The reason an accepted proposal saves: the deductions, one by one, as the score's 扣分理由
    (in Chinese, like the data it describes), within the reason's limit."""
    deductions = [f for f in findings if f.kind == core.DEDUCTION and f.points is not None]
    if not deductions:
        return ""
    head = f"平时考核台账扣{format_points(deducted)}分"
    if deducted > maximum:
        head += f"（超过满分{format_points(maximum)}分，按0分计）"
    parts = [f"{f.date.isoformat()} {f.reason}" + (f"（{f.document}）" if f.document else "")
             + f"扣{format_points(f.points or ZERO)}分" for f in deductions]
    for shown in range(len(parts), 0, -1):
        rest = len(parts) - shown
        tail = f"；等{len(parts)}条，详见台账" if rest else ""
        reason = f"{head}：{'；'.join(parts[:shown])}{tail}"
        if len(reason) <= REASON_LIMIT:
            return reason
    return f"{head}：共{len(parts)}条，详见台账"[:REASON_LIMIT]


def cells(cycle: Cycle, department_id: int, unit_ids: Sequence[int] | None = None,
          node_ids: Sequence[int] | None = None) -> dict[tuple[int, int], Proposal]:
    """The proposals of the department's tasks that have (or had) counted entries, by (node id,
    unit id). One query, whatever the number of entries."""
    rows = Entry.objects.filter(cycle=cycle, department_id=department_id, task__isnull=False,
                                counted_changed_at__isnull=False)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    if node_ids is not None:
        rows = rows.filter(task__node_id__in=list(node_ids))
    tasks: dict[int, dict[str, Any]] = {}
    for (pk, task_id, unit_id, node_id, maximum, scored, updated_at, decided_at, state, kind, day, points, reason,
         document, changed_at) in rows.order_by("date", "pk").values_list(
            "pk", "task_id", "unit_id", "task__node_id", "task__node__points", "task__points", "task__updated_at",
            "task__ledger_basis__decided_at", "state", "kind", "date", "points", "reason", "document",
            "counted_changed_at"):
        task = tasks.setdefault(task_id, {"key": (node_id, unit_id), "maximum": maximum or ZERO, "scored": scored,
                                          "decided": max(filter(None, (updated_at, decided_at)), default=None),
                                          "findings": [], "latest": changed_at})
        task["latest"] = max(task["latest"], changed_at)
        if core.counts(state):
            task["findings"].append(Finding(day, kind, str(KIND_LABELS.get(kind, kind)), points, reason, document,
                                            f"/cycles/{cycle.pk}/ledger/{pk}/"))
    accept = reverse("ledger:accept_cell", args=[cycle.pk])
    found = {}
    for task_id, task in tasks.items():
        findings = task["findings"]
        deducted = sum((f.points or ZERO for f in findings if f.kind == core.DEDUCTION), ZERO)
        changed = task["scored"] is not None and task["decided"] is not None and task["latest"] > task["decided"]
        if not findings and not changed:
            continue
        maximum = task["maximum"]
        points = _points(core.proposal(_cents(maximum), [_cents(f.points or ZERO) for f in findings
                                                          if f.kind == core.DEDUCTION]))
        found[task["key"]] = Proposal(points=points, deducted=deducted, reason=reason_for(findings, deducted, maximum),
                                      entries=tuple(findings), changed=changed, accept_url=f"{accept}?task={task_id}",
                                      url=f"/cycles/{cycle.pk}/ledger/tasks/{task_id}/")
    return found


def _cents(points: Decimal) -> int:
    return int(points * 100)


def _points(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _changed(scores: QuerySet[Score]) -> QuerySet[Score]:
    """Those of `scores` that are scored and whose ledger changed after they were last decided."""
    return (scores.filter(points__isnull=False, ledger_entries__counted_changed_at__isnull=False)
            .annotate(latest=Max("ledger_entries__counted_changed_at"))
            .filter(latest__gt=F("updated_at"))
            .filter(Q(ledger_basis__isnull=True) | Q(latest__gt=F("ledger_basis__decided_at"))))


def changed_tasks(cycle: Cycle, department_id: int) -> QuerySet[Score]:
    """The department's scored tasks whose ledger changed after they were last decided."""
    return _changed(Score.objects.filter(cycle=cycle, department_id=department_id))


def changed_since_decided(cycles: QuerySet[Cycle], department_code: str) -> QuerySet[Score]:
    """The same, for a department (by its code) in several cycles."""
    return _changed(Score.objects.filter(cycle__in=cycles, department__code=department_code))


def open_tasks(cycle: Cycle, department_id: int) -> QuerySet[Score]:
    """The department's tasks with counted entries whose score is not (yet) the proposal."""
    counted = Q(ledger_entries__state=core.CONFIRMED)
    deducted = Coalesce(Sum("ledger_entries__points", filter=counted & Q(ledger_entries__kind=core.DEDUCTION)),
                        Value(ZERO), output_field=DecimalField(max_digits=10, decimal_places=2))
    proposal = Greatest(F("node__points") - deducted, Value(ZERO), output_field=DecimalField(max_digits=10,
                                                                                             decimal_places=2))
    return (Score.objects.filter(cycle=cycle, department_id=department_id, ledger_entries__state=core.CONFIRMED)
            .distinct().annotate(proposal=proposal).filter(Q(points__isnull=True) | ~Q(points=F("proposal"))))


def summary(cycle: Cycle, department_id: int) -> Summary | None:
    """The line above the grid: how many proposals wait, and how many tasks changed. Two queries."""
    waiting = open_tasks(cycle, department_id).count()
    changed = changed_tasks(cycle, department_id).count()
    if not waiting and not changed:
        return None
    text_ = _("平时考核台账：%(waiting)d项评分与台账建议不一致或尚未评分") % {"waiting": waiting}
    if changed:
        text_ += _("，其中%(changed)d项在评分后台账有变化") % {"changed": changed}
    return Summary(text_, reverse("ledger:proposals", args=[cycle.pk]), urgent=bool(changed))


def bases(score_ids: Sequence[int]) -> dict[int, tuple[Finding, ...]]:
    """The entries each score was decided on (`Basis`), by score id, oldest first. One query."""
    found: dict[int, list[Finding]] = {}
    rows = (Basis.entries.through.objects.filter(basis__score_id__in=list(score_ids))
            .order_by("entry__date", "entry__pk")
            .values_list("basis__score_id", "entry_id", "entry__cycle_id", "entry__kind", "entry__date",
                         "entry__points", "entry__reason", "entry__document"))
    for score_id, pk, cycle_id, kind, day, points, reason, document in rows:
        found.setdefault(score_id, []).append(Finding(day, kind, str(KIND_LABELS.get(kind, kind)), points, reason,
                                                      document, f"/cycles/{cycle_id}/ledger/{pk}/"))
    return {score_id: tuple(findings) for score_id, findings in found.items()}




# ----------------------------------------------------------------------------- deciding


@dataclass(frozen=True)
class Decided:
    tasks: int  # tasks decided
    changed: int  # scores that changed


def department_of(user: User, cycle: Cycle) -> CycleDepartment:
    department = can_record(user, cycle)
    if department is None:
        raise LedgerError(LedgerError.FORBIDDEN, _("只有考核部门的评分人和负责人可以采纳台账建议。"))
    return department


def _basis(user: User, score: Score, kind: str, proposal: Proposal | None, reason: str, now: Any) -> None:
    ids = list(Entry.objects.filter(task=score, state=core.CONFIRMED).values_list("pk", flat=True))
    basis, _created = Basis.objects.update_or_create(score=score, defaults={
        "kind": kind, "proposal": proposal.points if proposal else score.node.points or ZERO, "reason": reason,
        "decided_by": user, "decided_at": now})
    basis.entries.set(ids)


def accept(user: User, cycle: Cycle, task_id: int | None = None, unit_code: str | None = None,
           version: int | None = None) -> Decided:
    """Accept the proposals of the user's department: one task (`task_id`, with the `version` the
    user saw), one unit's (`unit_code`), or all of them."""
    department = department_of(user, cycle)
    with transaction.atomic():
        scoring.check_can_edit(scoring.department_facts(cycle, department))
        tasks = Score.objects.filter(cycle=cycle, department=department).select_related("node", "unit")
        if task_id is not None:
            tasks = tasks.filter(pk=task_id)
        elif unit_code:
            tasks = tasks.filter(unit__code=unit_code)
        if task_id is not None:
            score = tasks.first()
            proposal = None if score is None else cells(cycle, department.pk, [score.unit_id], [score.node_id]).get(
                (score.node_id, score.unit_id))
            if score is None or proposal is None:
                raise LedgerError(LedgerError.NOT_FOUND, _("这一项没有台账记录，没有建议得分。"))
            if version is not None and score.version != version:
                raise ScoreError(ScoreError.CONFLICT, _("该评分已被他人修改，请核对后再保存。"), current=score)
            chosen = [(score, proposal)]
        else:
            found = cells(cycle, department.pk, None, None)
            chosen = [(score, found[(score.node_id, score.unit_id)]) for score in
                      tasks.filter(ledger_entries__counted_changed_at__isnull=False).distinct()
                      if (score.node_id, score.unit_id) in found]
        return _apply(user, cycle, chosen)


def _apply(user: User, cycle: Cycle, chosen: list[tuple[Score, Proposal]]) -> Decided:
    totals.lock_for_changes(score for score, _proposal in chosen)
    now, changed = timezone.now(), 0
    for score, proposal in sorted(chosen, key=lambda pair: totals.lock_order(pair[0])):
        points, reason = scoring.validate(score, cycle.step, Typed(str(proposal.points), proposal.reason, score.version))
        if score.points != points or score.reason != reason:
            scoring.apply(user, cycle, score, points, reason, score.version, source="ledger")
            changed += 1
        _accepted(user, cycle, score, proposal, now)
    return Decided(len(chosen), changed)


def _accepted(user: User, cycle: Cycle, score: Score, proposal: Proposal, now: Any, source: str = "") -> None:
    _basis(user, score, Basis.Kind.ACCEPTED, proposal, "", now)
    new = {"points": optional_points(proposal.points), "entries": len(proposal.entries)}
    audit("ledger.accept", "score", scoring.score_key(score), cycle=cycle, new=new | ({"source": source} if source else {}))


def accepted_in_sheet(user: User, cycle: Cycle, chosen: Sequence[tuple[Score, Proposal]]) -> None:
    """Proposals accepted in the scoring sheet, whose scores `kaohe.cycles.sheets` has just saved in
    this transaction: each score keeps the entries it rests on, as when accepted on the page."""
    now = timezone.now()
    for score, proposal in chosen:
        _accepted(user, cycle, score, proposal, now, source="sheet")


def override(user: User, cycle: Cycle, task_id: int, points: str | Decimal | None, reason: str,
             version: int) -> Score:
    """Decide a task otherwise than its proposal, with a reason of the department's own (also the
    score's 扣分理由)."""
    department = department_of(user, cycle)
    with transaction.atomic():
        task = Score.objects.filter(pk=task_id, cycle=cycle, department=department).select_related("unit", "node").first()
        if task is None:
            raise LedgerError(LedgerError.NOT_FOUND, _("本部门没有这项评分任务。"))
        try:
            reason = text.clean(reason, text.LEDGER_OVERRIDE)
        except text.TextError as error:
            raise LedgerError(LedgerError.INVALID, error.message(_), "reason") from None
        if not reason:
            raise LedgerError(LedgerError.INVALID, _("不采纳台账建议时必须填写理由。"), "reason")
        score, facts = scoring.load_task(user, cycle, task.unit.code, task.node.code)
        scoring.check_can_edit(facts)
        value, saved_reason = scoring.validate(score, facts.step, Typed(str(points or ""), reason, version))
        if value is None:
            raise LedgerError(LedgerError.INVALID, _("请填写得分。"), "points")
        if score.version != version:
            raise ScoreError(ScoreError.CONFLICT, _("该评分已被他人修改，请核对后再保存。"), current=score)
        proposal = cells(cycle, department.pk, [score.unit_id], [score.node_id]).get((score.node_id, score.unit_id))
        if score.points != value or score.reason != saved_reason:
            score = scoring.apply(user, cycle, score, value, saved_reason, version, source="ledger")
        _basis(user, score, Basis.Kind.OVERRIDDEN, proposal, reason, timezone.now())
        audit("ledger.override", "score", scoring.score_key(score), cycle=cycle, reason=reason,
              new={"points": optional_points(value),
                   "proposal": optional_points(proposal.points) if proposal else None})
        return score


SOURCE = ProposalSource(cells=cells, summary=summary, bases=bases, accepted=accepted_in_sheet)
