"""A department's scores on their way up: scorer submits → head approves or sends back →
the office locks or returns; a locked submission changes only when the office re-opens it with a
reason. One function per step; each checks the user's role and the state, is audited, and notifies
the people concerned (`_tell`):

- submitted → the department's heads; approved → the office;
- sent back by the head, returned by the office, locked, re-opened → the department's scorers and
  heads (with the comment or reason).
The user who acted is not told of their own action. Every step ends the notifications the previous
one sent (kaohe.notify.send.settle on the submission's key): a step is the work they asked for. The
notifications that ask for work carry that key; "locked" only informs.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.accounts.errors import Refused
from kaohe.accounts.models import DEPARTMENT_ROLES, Role, User
from kaohe.accounts.permissions import is_office
from kaohe.audit.record import record
from kaohe.core import text
from kaohe.core.messages import Text, gettext_noop, joined
from kaohe.cycles.access import scoring_department
from kaohe.cycles.models import SCORING, Cycle, Score, Submission
from kaohe.notify.send import department_users, notify, office_users, settle

S = Submission.State


class ReviewError(Refused):
    """What a review step refuses: 403 (not the user's step), 422 (something to fill in), else 409."""

    def __init__(self, message: str, status: int = 409):
        kind = {403: Refused.FORBIDDEN, 422: Refused.INVALID}.get(status, Refused.CONFLICT)
        super().__init__(kind, message)


def _load(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().select_related("department", "cycle").get(pk=submission.pk)


def _own(user: User, submission: Submission, roles: Collection[str]) -> None:
    department = scoring_department(user, submission.cycle)
    if department is None or department.pk != submission.department_id or user.role not in roles:
        raise ReviewError(_("您无权对该考核部门的评分执行此操作。"), 403)


def _office(user: User) -> None:
    if not is_office(user):
        raise ReviewError(_("只有考核办可以执行此操作。"), 403)


def key(submission: Submission) -> str:
    """What the submission's audit events and the notifications about it name it."""
    return f"cycle:{submission.cycle_id}/department:{submission.department.code}"


def _move(submission: Submission, to: str, action: str, comment: str = "") -> Submission:
    old = submission.state
    submission.state = to
    submission.comment = comment
    submission.save(update_fields=["state", "comment", "updated_at"])
    record(f"submission.{action}", "submission", key(submission), cycle=submission.cycle,
           old={"state": old}, new={"state": to}, reason=comment)
    settle(key(submission))  # whatever the last step asked for is done (or moot) now
    return submission


def _expect(submission: Submission, *states: str) -> None:
    if submission.state not in states:
        raise ReviewError(_("当前状态为“%(state)s”，不能执行此操作。") % {"state": submission.get_state_display()})
    if submission.cycle.status not in SCORING:
        raise ReviewError(_("考核周期%(status)s，不能执行此操作。") % {"status": submission.cycle.get_status_display()})


def _required(value: str, message: str) -> str:
    """The comment by the one free-text rule (`kaohe.core.text`); a ReviewError with `message`
    (what to fill in) if it is blank, or the rule's refusal."""
    try:
        value = text.clean(value, text.SUBMISSION_COMMENT)
    except text.TextError as error:
        raise ReviewError(error.message(_), 422) from None
    if not value:
        raise ReviewError(message, 422)
    return value


@transaction.atomic
def submit(user: User, submission: Submission) -> Submission:
    submission = _load(submission)
    _own(user, submission, DEPARTMENT_ROLES)
    _expect(submission, S.DRAFT)
    missing = Score.objects.filter(department=submission.department, points__isnull=True).count()
    if missing:
        raise ReviewError(_("还有%(missing)d项未评分，全部评分后才能提交。") % {"missing": missing}, 422)
    return _tell(user, _move(submission, S.SUBMITTED, "submit"), "submit")


@transaction.atomic
def approve(user: User, submission: Submission) -> Submission:
    submission = _load(submission)
    _own(user, submission, (Role.HEAD,))
    _expect(submission, S.SUBMITTED)
    return _tell(user, _move(submission, S.APPROVED, "approve"), "approve")


@transaction.atomic
def send_back(user: User, submission: Submission, comment: str) -> Submission:
    submission = _load(submission)
    _own(user, submission, (Role.HEAD,))
    _expect(submission, S.SUBMITTED)
    moved = _move(submission, S.DRAFT, "send_back", _required(comment, _("请填写退回意见。")))
    return _tell(user, moved, "send_back")


@transaction.atomic
def return_to_department(user: User, submission: Submission, comment: str) -> Submission:
    submission = _load(submission)
    _office(user)
    _expect(submission, S.APPROVED)
    moved = _move(submission, S.DRAFT, "return", _required(comment, _("请填写退回意见。")))
    return _tell(user, moved, "return")


@transaction.atomic
def lock(user: User, submission: Submission) -> Submission:
    submission = _load(submission)
    _office(user)
    _expect(submission, S.APPROVED)
    return _tell(user, _move(submission, S.LOCKED, "lock"), "lock")


@transaction.atomic
def lock_approved(user: User, cycle: Cycle) -> list[Submission]:
    """Lock every approved department of the cycle at once (one transaction, one audit event and
    notification per department, as `lock` gives each); returns those locked, in the departments'
    order. None approved is a refusal that says what the departments are waiting for."""
    _office(user)
    approved = list(Submission.objects.select_for_update().select_related("department", "cycle")
                    .filter(cycle=cycle, state=S.APPROVED).order_by("department__position", "department__code"))
    if not approved:
        raise ReviewError(_("没有待锁定的考核部门：各部门的评分须经部门负责人审核通过后才能锁定。"))
    for submission in approved:
        _expect(submission, S.APPROVED)
        _tell(user, _move(submission, S.LOCKED, "lock"), "lock")
    return approved


@transaction.atomic
def reopen(user: User, submission: Submission, reason: str) -> Submission:
    submission = _load(submission)
    _office(user)
    _expect(submission, S.LOCKED)
    moved = _move(submission, S.DRAFT, "reopen", _required(reason, _("请填写重新打开的理由。")))
    return _tell(user, moved, "reopen")


def _subjects() -> dict[str, str]:
    return {
        "submit": gettext_noop("%(cycle)s：%(department)s的评分已提交，待您审核"),
        "approve": gettext_noop("%(cycle)s：%(department)s的评分已通过部门审核，待考核办审核锁定"),
        "send_back": gettext_noop("%(cycle)s：%(department)s的评分被部门负责人退回"),
        "return": gettext_noop("%(cycle)s：%(department)s的评分被考核办退回"),
        "lock": gettext_noop("%(cycle)s：%(department)s的评分已审核锁定"),
        "reopen": gettext_noop("%(cycle)s：%(department)s的评分已被考核办重新打开"),
    }


def _tell(user: User, submission: Submission, action: str) -> Submission:
    """Notify of the review step (`action`: submit, approve, send_back, return, lock, reopen) that
    `user` just took on `submission`, inside its transaction; returns the submission."""
    cycle, department = submission.cycle, submission.department
    if action == "submit":
        recipients = department_users(department, roles=(Role.HEAD,))
    elif action == "approve":
        recipients = office_users()
    else:
        recipients = department_users(department, roles=DEPARTMENT_ROLES)
    subject = Text.of(_subjects()[action], cycle=cycle.name, department=department.name)
    comment = None
    if submission.comment:
        said = gettext_noop("重新打开的理由：%(comment)s") if action == "reopen" else gettext_noop("意见：%(comment)s")
        comment = Text.of(said, comment=submission.comment)
    body = joined([subject, Text.of(gettext_noop("操作人：%(user)s"), user=str(user)), comment])
    page = "cycles:review" if action == "approve" else "cycles:scoring"
    notify(recipients.exclude(pk=user.pk), subject, body,
           reverse(page, args=[cycle.pk]), about="" if action == "lock" else key(submission))
    return submission
