"""The objection rules, in one place for the pages and the API.

1. `file`: a unit's own user objects to some of its items of the latest published results, each
   with its reason, and optional evidence files, while the window is open: results published, the
   cycle locked, and today (Asia/Shanghai) not after the cycle's objection deadline. Every item must
   be one of the unit's tasks (an item that did not apply is refused) and not already under an
   objection that is still open. The item keeps its points and the department's reason for the
   deduction as they were then, for the department's answer and the unit's scorecard.
2. `answer`: the scorer or head of the department that scored an item upholds it or changes its
   points (in the cycle's step, within the item's maximum), always with a reason. When every item
   is answered the objection waits for the office.
3. `confirm` (office): the changed points are written to the scores (compare-and-set, audited as
   coming from the objection) and, if anything changed, the results are republished as the next
   version; the old version is kept. `send_back` (office) returns it to the departments instead.
Each step is one transaction with its audit event; the people concerned are notified, and the
notifications that asked for the step end (kaohe.notify.send.settle): a department's when it has
answered all its items, the office's when it confirms or sends back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kaohe.accounts.models import Role, User
from kaohe.accounts.permissions import is_office, reads_all, signed_in, unit_code
from kaohe.audit.record import record
from kaohe.claims import storage
from kaohe.claims.models import Evidence
from kaohe.claims.rules import ClaimError, Upload, find_unit, is_units_user, store_evidence
from kaohe.core import text
from kaohe.core.messages import Text, gettext_noop, joined
from kaohe.core.points import optional_points
from kaohe.cycles import totals
from kaohe.cycles.access import scoring_department
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.cycles.scoring import ScoreError, apply, parse_score
from kaohe.notify.send import department_users, notify, office_users, settle, unit_users
from kaohe.objections.models import Objection, ObjectionItem
from kaohe.results.models import ResultSnapshot
from kaohe.results.service import ResultsError, publish

REASON_MAX = text.OBJECTION_REASON.limit
OPEN_STATES = (Objection.State.FILED, Objection.State.ANSWERED)


class ObjectionError(ClaimError):
    """Same kinds and HTTP statuses as the self-assessment's errors; `items` holds the refusals that
    concern single items (code → why), so that pages and the API can show each beside its item."""


def latest_snapshot(cycle: Cycle) -> ResultSnapshot | None:
    return ResultSnapshot.objects.filter(cycle=cycle).order_by("-version").first()


def window_problem(cycle: Cycle, snapshot: ResultSnapshot | None = None) -> str:
    """Why objections cannot be filed now, or "" when they can."""
    snapshot = snapshot if snapshot is not None else latest_snapshot(cycle)
    if snapshot is None:
        return _("结果尚未发布，不能提出异议。")
    if cycle.status != Cycle.Status.LOCKED:
        return _("考核周期已重新开放评分，暂不受理异议。")
    if cycle.objection_deadline is None:
        return _("考核办未设置异议期，不能提出异议。")
    if timezone.localdate() > cycle.objection_deadline:
        return _("异议期已于%(date)s截止。") % {"date": cycle.objection_deadline.isoformat()}
    return ""


def visible_objections(user: User, cycle: Cycle) -> QuerySet[Objection]:
    objections = Objection.objects.filter(cycle=cycle).select_related("unit")
    if not signed_in(user):
        return objections.none()
    if reads_all(user):
        return objections
    if user.role == Role.UNIT:
        own = unit_code(user)
        return objections.filter(unit__code=own) if own is not None else objections.none()
    department = scoring_department(user, cycle)
    if department is None:
        return objections.none()
    return objections.filter(items__score__department=department).distinct()


def find(user: User, cycle: Cycle, objection_id: int, lock: bool = False) -> Objection:
    objection = visible_objections(user, cycle).filter(pk=objection_id).first()
    if objection is None:
        raise ObjectionError(ObjectionError.NOT_FOUND, _("没有编号为 %(id)s 的异议。") % {"id": objection_id})
    if lock:
        objection = Objection.objects.select_for_update().select_related("unit").get(pk=objection.pk)
    return objection


def _key(objection: Objection) -> str:
    return f"cycle:{objection.cycle_id}/unit:{objection.unit.code}/objection:{objection.pk}"


def _cleaned(value: str | None, kind: text.FreeText, field: str) -> str:
    """Free text by the one rule (`kaohe.core.text`); its refusal as ObjectionError(INVALID)."""
    try:
        return text.clean(value, kind)
    except text.TextError as error:
        raise ObjectionError(ObjectionError.INVALID, error.message(_), field) from None


def _required(value: str, message: str, field: str, kind: text.FreeText) -> str:
    value = _cleaned(value, kind, field)
    if not value:
        raise ObjectionError(ObjectionError.INVALID, message, field)
    return value


def file(user: User, cycle: Cycle, unit_code: str, items: Sequence[str | tuple[str, str]], reason: str = "",
         files: Iterable[Upload] = ()) -> Objection:
    """The unit objects to `items`: each an item's code with its own reason, `(code, reason)`, or a
    bare code; `reason` is the reason of every item given none of its own (so a client that sends
    one reason for all, as before items had reasons, still works). Every item needs a reason. The
    refusals that concern items are gathered, all of them, into ObjectionError.items (code → why)."""
    with storage.removed_unless_committed(), transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        try:
            unit = find_unit(user, cycle, unit_code)
        except ClaimError as error:
            raise ObjectionError(error.kind, error.message) from None
        if not is_units_user(user, unit):
            raise ObjectionError(ObjectionError.FORBIDDEN, _("只有本单位的用户可以提出异议。"))
        snapshot = latest_snapshot(cycle)
        problem = window_problem(cycle, snapshot)
        if problem:
            raise ObjectionError(ObjectionError.CLOSED, problem)
        shared = _cleaned(reason, text.OBJECTION_REASON, "reason")
        wanted = _item_reasons(items)
        if not wanted:
            raise ObjectionError(ObjectionError.INVALID, _("请选择至少一项有异议的考核内容。"), "items")
        scores = {s.node.code: s for s in Score.objects.filter(cycle=cycle, unit=unit, node__code__in=list(wanted))
                  .select_related("node", "department")}
        pending = set(ObjectionItem.objects.filter(score__in=scores.values(), objection__state__in=OPEN_STATES)
                      .values_list("score__node__code", flat=True))
        reasons: dict[str, str] = {}
        refused: dict[str, str] = {}
        for code, own in wanted.items():
            if code not in scores:
                refused[code] = _("考核内容 %(code)s 不适用于本单位，不能提出异议。") % {"code": code}
            elif code in pending:
                refused[code] = _("考核内容 %(code)s 已有未办结的异议。") % {"code": code}
            else:
                try:
                    reasons[code] = text.clean(own, text.OBJECTION_ITEM_REASON) or shared
                except text.TextError as error:
                    refused[code] = error.message(_)
                    continue
                if not reasons[code]:
                    refused[code] = _("请填写对考核内容 %(code)s 的异议理由。") % {"code": code}
        if refused:
            raise ObjectionError(ObjectionError.INVALID, ngettext(
                "%(count)d项异议未能提出：%(reasons)s", "%(count)d项异议未能提出：%(reasons)s", len(refused)) % {
                "count": len(refused), "reasons": "；".join(refused.values())}, "items", items=refused)
        assert snapshot is not None  # window_problem refuses before any is published
        objection = Objection.objects.create(cycle=cycle, unit=unit, version=snapshot.version, reason=shared,
                                             filed_by=user)
        ObjectionItem.objects.bulk_create([
            ObjectionItem(objection=objection, score=scores[code], reason=item_reason, old_points=scores[code].points,
                          old_reason=scores[code].reason) for code, item_reason in reasons.items()])
        try:
            stored = store_evidence(user, cycle, unit, list(files), [], Evidence.Purpose.OBJECTION)
        except ClaimError as error:
            raise ObjectionError(error.kind, error.message, "files") from None
        objection.evidence.add(*stored)
        record("objection.file", "objection", _key(objection), cycle=cycle, reason=shared,
               new={"version": snapshot.version, "items": list(reasons), "reasons": reasons,
                    "evidence": objection.evidence.count()})
        by_department: dict[Any, list[str]] = {}
        for code in reasons:
            by_department.setdefault(scores[code].department, []).append(code)
        for department, codes in by_department.items():
            notify(department_users(department),
                   Text.of(gettext_noop("%(cycle)s：%(unit)s对本部门的评分提出异议"), cycle=cycle.name, unit=unit.name),
                   joined([Text.of(gettext_noop("%(code)s：%(reason)s"), code=code, reason=reasons[code]) for code in codes]),
                _url(objection))
        return objection


def _item_reasons(items: Sequence[str | tuple[str, str]]) -> dict[str, str]:
    """Each item's code → its own reason as sent ("" for none), in the order given, once each."""
    reasons: dict[str, str] = {}
    for item in items:
        code, own = (item, "") if isinstance(item, str) else item
        code = (code or "").strip()
        if code and code not in reasons:
            reasons[code] = own or ""
    return reasons


def answer(user: User, cycle: Cycle, objection_id: int, item_code: str, decision: str,
           points: str | Decimal | None, reason: str) -> ObjectionItem:
    with transaction.atomic():
        objection = find(user, cycle, objection_id, lock=True)
        item = (ObjectionItem.objects.select_related("score__node", "score__department")
                .filter(objection=objection, score__node__code=item_code).first())
        if item is None:
            raise ObjectionError(ObjectionError.NOT_FOUND, _("这条异议不含考核内容 %(code)s。") % {"code": item_code})
        department = scoring_department(user, cycle)
        if department is None or department.pk != item.score.department_id:
            raise ObjectionError(ObjectionError.FORBIDDEN, _("这一项不由您所在的考核部门评分，不能答复。"))
        if objection.state not in OPEN_STATES:
            raise ObjectionError(ObjectionError.CLOSED, _("这条异议已办结。"))
        reason = _required(reason, _("答复异议必须填写理由。"), "reason", text.OBJECTION_ANSWER)
        score = item.score
        if decision == ObjectionItem.Decision.UPHELD:
            new_points = None
        elif decision == ObjectionItem.Decision.CHANGED:
            try:
                new_points = parse_score(points, score.node.points or Decimal(0), cycle.step)
            except ScoreError as error:
                raise ObjectionError(ObjectionError.INVALID, error.message, "points") from None
            if new_points is None:
                raise ObjectionError(ObjectionError.INVALID, _("修改评分时必须填写新的得分。"), "points")
            if new_points == score.points:
                raise ObjectionError(ObjectionError.INVALID, _("新的得分与原得分相同；如不修改请选择“维持原评分”。"),
                                     "points")
        else:
            raise ObjectionError(ObjectionError.INVALID, _("答复只能是“维持原评分”或“修改评分”。"), "decision")
        old = {"decision": item.decision, "points": optional_points(item.new_points), "answer": item.answer}
        if (item.decision, item.new_points, item.answer) == (decision, new_points, reason):
            return item  # the same answer sent again (a second click, a retried request): nothing changes
        item.decision, item.new_points, item.answer = decision, new_points, reason
        item.answered_by, item.answered_at = user, timezone.now()
        item.save(update_fields=["decision", "new_points", "answer", "answered_by", "answered_at"])
        record("objection.answer", "objection", f"{_key(objection)}/item:{item_code}", cycle=cycle, reason=reason,
               old=old, new={"decision": decision, "points": optional_points(new_points), "answer": reason})
        unanswered = set(objection.items.filter(decision="").values_list("score__department__code", flat=True))
        if department.code not in unanswered:
            settle(_department_key(objection, department.code))  # this department has answered all its items
        if not unanswered and objection.state == Objection.State.FILED:
            objection.state = Objection.State.ANSWERED
            objection.save(update_fields=["state"])
            notify(office_users(),
                   Text.of(gettext_noop("%(cycle)s：%(unit)s的异议已答复，待确认"), cycle=cycle.name, unit=objection.unit.name),
                   Text.of(gettext_noop("各评分部门已答复全部%(count)d项，请确认或退回。"), count=objection.items.count()),
                _url(objection), about=_key(objection))
        return item


def confirm(user: User, cycle: Cycle, objection_id: int, comment: str = "") -> Objection:
    """Apply the departments' answers and, if points changed, republish the results."""
    _office(user)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        objection = find(user, cycle, objection_id, lock=True)
        if objection.state != Objection.State.ANSWERED:
            raise ObjectionError(ObjectionError.CLOSED, _("只有各部门都已答复的异议才能确认（当前：%(state)s）。") % {
                "state": objection.get_state_display()})
        if cycle.status != Cycle.Status.LOCKED:
            raise ObjectionError(ObjectionError.CLOSED, _("考核周期已重新开放评分，请锁定后再确认异议。"))
        changed = list(objection.items.filter(decision=ObjectionItem.Decision.CHANGED)
                       .select_related("score__node", "score__unit", "score__department"))
        totals.lock_for_changes(item.score for item in changed)
        for item in sorted(changed, key=lambda item: totals.lock_order(item.score)):
            score = Score.objects.select_related("node", "unit").get(pk=item.score_id)  # locked above
            maximum = score.node.points or Decimal(0)
            assert item.new_points is not None  # a changed item has its new points (answer)
            reason = item.answer if item.new_points < maximum else ""
            apply(user, cycle, score, item.new_points, reason, score.version, source=f"objection:{objection.pk}")
        objection.office_comment = _cleaned(comment, text.OBJECTION_COMMENT, "comment")
        if changed:
            previous = latest_snapshot(cycle)
            try:
                snapshot = publish(cycle, user, confirm_incomplete=previous is not None and not previous.complete)
            except ResultsError as error:
                raise ObjectionError(ObjectionError.INVALID, str(error)) from None
            objection.result_version = snapshot.version
        objection.state, objection.closed_by, objection.closed_at = Objection.State.CLOSED, user, timezone.now()
        objection.save(update_fields=["state", "closed_by", "closed_at", "office_comment", "result_version"])
        record("objection.confirm", "objection", _key(objection), cycle=cycle, reason=objection.office_comment,
               new={"changed": [i.score.node.code for i in changed], "result_version": objection.result_version})
        settle(_key(objection))
        body = (Text.of(gettext_noop("%(count)d项评分已修改，结果已重新发布为第%(version)d版。"),
                        count=len(changed), version=objection.result_version or 0) if changed
                else Text.of(gettext_noop("各项评分均维持原评分。")))
        notify(unit_users(objection.unit.code), Text.of(gettext_noop("%(cycle)s：本单位的异议已办结"), cycle=cycle.name), body,
               _url(objection))
        return objection


def send_back(user: User, cycle: Cycle, objection_id: int, comment: str) -> Objection:
    """The office returns the answers to the departments, with a comment."""
    _office(user)
    comment = _required(comment, _("退回异议答复必须填写意见。"), "comment", text.OBJECTION_COMMENT)
    with transaction.atomic():
        objection = find(user, cycle, objection_id, lock=True)
        if objection.state != Objection.State.ANSWERED:
            raise ObjectionError(ObjectionError.CLOSED, _("只有待确认的异议才能退回部门。"))
        objection.state, objection.office_comment = Objection.State.FILED, comment
        objection.save(update_fields=["state", "office_comment"])
        objection.items.update(decision="", new_points=None)
        record("objection.send_back", "objection", _key(objection), cycle=cycle, reason=comment)
        settle(_key(objection))
        departments = {i.score.department for i in objection.items.select_related("score__department")}
        _notify_departments(departments, Text.of(gettext_noop("%(cycle)s：考核办退回了对%(unit)s异议的答复"),
                                                 cycle=cycle.name, unit=objection.unit.name),
                            Text.of(gettext_noop("意见：%(comment)s"), comment=comment), objection)
        return objection


def _office(user: User) -> None:
    if not is_office(user):
        raise ObjectionError(ObjectionError.FORBIDDEN, _("只有考核办可以确认或退回异议。"))


def _url(objection: Objection) -> str:
    return f"/cycles/{objection.cycle_id}/objections/{objection.pk}/"


def _department_key(objection: Objection, department_code: str) -> str:
    """What the notifications asking a department to answer its items of an objection are about."""
    return f"{_key(objection)}/department:{department_code}"


def _notify_departments(departments: Iterable, subject: Text, body: Text, objection: Objection) -> None:
    for department in departments:
        notify(department_users(department), subject, body, _url(objection),
               about=_department_key(objection, department.code))


def pending_for(unit: CycleUnit) -> QuerySet[ObjectionItem]:
    return ObjectionItem.objects.filter(objection__unit=unit, objection__state__in=OPEN_STATES)

