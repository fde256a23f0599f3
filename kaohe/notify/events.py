"""Who hears of what: the review steps and published results, as notifications.

- submitted → the department's heads; approved → the office;
- sent back by the head, returned by the office, locked, re-opened → the department's scorers and
  heads (with the comment or reason);
- results published → the users of every unit in the cycle.

The user who acted is not told of their own action. Called inside the action's transaction.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role, User
from kaohe.cycles.models import Submission
from kaohe.notify.send import department_users, notify, office_users, unit_users

DEPARTMENT = (Role.SCORER, Role.HEAD)


def _subjects() -> dict[str, str]:
    return {
        "submit": _("%(cycle)s：%(department)s的评分已提交，待您审核"),
        "approve": _("%(cycle)s：%(department)s的评分已通过部门审核，待考核办审核锁定"),
        "send_back": _("%(cycle)s：%(department)s的评分被部门负责人退回"),
        "return": _("%(cycle)s：%(department)s的评分被考核办退回"),
        "lock": _("%(cycle)s：%(department)s的评分已审核锁定"),
        "reopen": _("%(cycle)s：%(department)s的评分已被考核办重新打开"),
    }


def review_step(user: User, submission: Submission, action: str) -> Submission:
    """Notify of a review step (`action`: submit, approve, send_back, return, lock, reopen) that
    `user` just took on `submission`; returns the submission."""
    cycle, department = submission.cycle, submission.department
    if action == "submit":
        recipients = department_users(department, roles=(Role.HEAD,))
    elif action == "approve":
        recipients = office_users()
    else:
        recipients = department_users(department, roles=DEPARTMENT)
    names = {"cycle": cycle.name, "department": department.name}
    lines = [_subjects()[action] % names, _("操作人：%(user)s") % {"user": user}]
    if submission.comment:
        label = _("重新打开的理由") if action == "reopen" else _("意见")
        lines.append(f"{label}：{submission.comment}")
    page = "cycles:review" if action == "approve" else "cycles:scoring"
    notify(recipients.exclude(pk=user.pk), _subjects()[action] % names, "\n".join(lines),
           reverse(page, args=[cycle.pk]))
    return submission


def results_published(cycle: object, version: int) -> None:
    """Tell every unit of the cycle that its results are out."""
    codes = cycle.units.values_list("code", flat=True)
    subject = _("%(cycle)s：结果已发布") % {"cycle": cycle.name}
    body = _("%(cycle)s：结果已发布，可查看本单位成绩单（第%(version)d版）。") % {
        "cycle": cycle.name, "version": version}
    notify(unit_users(codes), subject, body, reverse("objections:scorecard", args=[cycle.pk]))
