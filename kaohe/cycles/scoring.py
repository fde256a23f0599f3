"""The scoring rules, in one place for the grid, the Excel upload and the API.

`save_score(user, cycle, unit_code, item_code, points, reason, version)`:
- the (unit, item) must be one of the cycle's tasks (else NOT_FOUND: not applicable);
- the user must score or head the department that owns it (else FORBIDDEN);
- the cycle must be open or under review and the department's submission a draft (else CLOSED);
- points: empty (clears the score) or a decimal between 0 and the item's maximum, in the cycle's
  step, with no more places than the step has (else INVALID); a reason is required below full marks;
- `version` must be the score's current version (else CONFLICT, with the current value): the
  update is a compare-and-set on the version, so two people saving at once never lose an update.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.accounts.permissions import scoring_department
from kaohe.audit.record import record
from kaohe.core.points import format_points
from kaohe.cycles.models import Cycle, Score, Submission

EDITABLE_CYCLE = (Cycle.Status.OPEN, Cycle.Status.REVIEW)


class ScoreError(Exception):
    INVALID, FORBIDDEN, NOT_FOUND, CONFLICT, CLOSED = "invalid", "forbidden", "not_found", "conflict", "closed"
    HTTP_STATUS = {INVALID: 422, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, CLOSED: 409}

    def __init__(self, kind: str, message: str, field: str = "", current: Score | None = None):
        self.kind, self.message, self.field, self.current = kind, message, field, current
        super().__init__(message)

    @property
    def status(self) -> int:
        return self.HTTP_STATUS[self.kind]


@dataclass(frozen=True)
class Entry:
    """What a user asked to save, as typed."""

    points: str
    reason: str
    version: int


def parse_points(text: str | Decimal | None, maximum: Decimal, step: Decimal) -> Decimal | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, float) or isinstance(text, bool):
        raise ScoreError(ScoreError.INVALID, _("得分必须是十进制数字。"), "points")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ScoreError(ScoreError.INVALID, _("得分“%(text)s”不是数字。") % {"text": text}, "points") from None
    if not value.is_finite():
        raise ScoreError(ScoreError.INVALID, _("得分“%(text)s”不是数字。") % {"text": text}, "points")
    if value < 0 or value > maximum:  # first: quantize() fails on huge values such as 1e400
        raise ScoreError(ScoreError.INVALID, _("得分必须在0到%(maximum)s分之间。") % {
            "maximum": format_points(maximum)}, "points")
    places = max(0, -step.normalize().as_tuple().exponent)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ScoreError(ScoreError.INVALID, _("得分最多%(places)d位小数。") % {"places": places}, "points")
    if value % step != 0:
        raise ScoreError(ScoreError.INVALID, _("得分必须是%(step)s分的整数倍。") % {
            "step": format_points(step)}, "points")
    return value.quantize(Decimal("0.01"))


def check_can_edit(user: User, cycle: Cycle, score: Score) -> None:
    department = scoring_department(user, cycle)
    if department is None or department.pk != score.department_id:
        raise ScoreError(ScoreError.FORBIDDEN, _("这一项不由您所在的考核部门评分。"))
    if cycle.status not in EDITABLE_CYCLE:
        raise ScoreError(ScoreError.CLOSED, _("考核周期%(status)s，不能修改评分。") % {
            "status": cycle.get_status_display()})
    state = submission_state(score)
    if state != Submission.State.DRAFT:
        label = dict(Submission.State.choices).get(state, state)
        raise ScoreError(ScoreError.CLOSED, _("本部门的评分已%(state)s，不能修改；如需修改请退回。") % {"state": label})


def submission_state(score: Score) -> str | None:
    """The state of the score's department's submission. On PostgreSQL it is read again under a
    FOR KEY SHARE lock, which a submit, approve or lock (they take FOR UPDATE) waits for and which
    waits for them, while saves do not block each other: inside a save's transaction, a save that
    passed this check lands before the department is submitted, or is refused. SQLite's write
    transactions (IMMEDIATE) already run one at a time, so the state loaded with the score holds."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT state FROM cycles_submission WHERE department_id = %s FOR KEY SHARE",
                           [score.department_id])
            row = cursor.fetchone()
        return row[0] if row else None
    try:  # loaded with the score by find_score; else one query
        return score.department.submission.state
    except Submission.DoesNotExist:
        return None


def find_score(cycle: Cycle, unit_code: str, item_code: str) -> Score:
    score = (Score.objects.select_related("node", "unit", "department__submission")
             .filter(cycle=cycle, unit__code=unit_code, node__code=item_code).first())
    if score is None:
        raise ScoreError(ScoreError.NOT_FOUND, _("考核内容 %(item)s 不适用于单位 %(unit)s，或不存在。") % {
            "item": item_code, "unit": unit_code})
    return score


def validate(score: Score, step: Decimal, entry: Entry) -> tuple[Decimal | None, str]:
    maximum = score.node.points or Decimal(0)
    points = parse_points(entry.points, maximum, step)
    reason = (entry.reason or "").strip()
    if points is not None and points < maximum and not reason:
        raise ScoreError(ScoreError.INVALID, _("低于满分时必须填写扣分理由。"), "reason")
    if points is None:
        reason = ""
    return points, reason


def apply(user: User, cycle: Cycle, score: Score, points: Decimal | None, reason: str, version: int,
          source: str = "grid") -> Score:
    """Compare-and-set on the version, then the audit event; call inside a transaction. The
    score is then what was written (without reading it back: the update matched `version`)."""
    now = timezone.now()
    updated = Score.objects.filter(pk=score.pk, version=version).update(
        points=points, reason=reason, version=F("version") + 1, updated_by=user, updated_at=now)
    if not updated:
        current = Score.objects.select_related("node", "unit").get(pk=score.pk)
        raise ScoreError(ScoreError.CONFLICT, _("该评分已被他人修改，请核对后再保存。"), current=current)
    record("score.update", "score", score_key(score), cycle=cycle,
           old={"points": _text(score.points), "reason": score.reason, "version": score.version},
           new={"points": _text(points), "reason": reason, "version": version + 1, "source": source})
    score.points = None if points is None else points.quantize(Decimal("0.01"))
    score.reason, score.version, score.updated_by, score.updated_at = reason, version + 1, user, now
    return score


def score_key(score: Score) -> str:
    return f"cycle:{score.cycle_id}/unit:{score.unit.code}/item:{score.node.code}"


def _text(points: Decimal | None) -> str | None:
    return None if points is None else format_points(points)


def save_score(user: User, cycle: Cycle, unit_code: str, item_code: str, entry: Entry,
               source: str = "grid") -> Score:
    with transaction.atomic():
        score = find_score(cycle, unit_code, item_code)
        check_can_edit(user, cycle, score)
        points, reason = validate(score, cycle.step, entry)
        if score.version != entry.version:
            raise ScoreError(ScoreError.CONFLICT, _("该评分已被他人修改，请核对后再保存。"), current=score)
        if points == score.points and reason == score.reason:
            return score  # nothing changed: no new version, no audit event
        return apply(user, cycle, score, points, reason, entry.version, source)
