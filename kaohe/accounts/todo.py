"""The to-do list on each user's home page.

`SOURCES` is a list of functions, each taking (user, cycles) — `cycles` being the cycles the user
may see, a queryset — and returning the `Entry`s that wait for that user; a source returns nothing
for roles it is not about. Add a function to the list for a new kind of to-do. Each source costs a
fixed number of queries (the home page's query count is asserted). Urgent entries (deadlines near)
come first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role, User
from kaohe.cycles.models import Cycle, Submission
from kaohe.notify.deadlines import is_near, time_left
from kaohe.schemes.models import SchemeRecord


@dataclass(frozen=True)
class Entry:
    text: str
    url: str
    urgent: bool = False  # a deadline near: shown first and highlighted


Source = Callable[[User, QuerySet[Cycle]], list[Entry]]


def office_entries(user: User, cycles: QuerySet[Cycle]) -> list[Entry]:
    """Draft schemes to publish, draft cycles to open, approved submissions to lock."""
    if user.role != Role.OFFICE:
        return []
    entries = []
    for scheme in SchemeRecord.objects.filter(status=SchemeRecord.Status.DRAFT):
        text = _("指标体系草稿“%(title)s”待发布（%(errors)d个错误，%(warnings)d个警告）") % {
            "title": scheme.title, "errors": scheme.errors, "warnings": scheme.warnings}
        entries.append(Entry(text, f"/schemes/{scheme.pk}/"))
    for cycle in cycles.filter(status=Cycle.Status.DRAFT):
        entries.append(Entry(_("考核周期“%(cycle)s”尚未开始评分") % {"cycle": cycle.name}, f"/cycles/{cycle.pk}/"))
    approved = (Submission.objects.filter(state=Submission.State.APPROVED, cycle__in=cycles)
                .select_related("cycle", "department"))
    for submission in approved:
        text = _("%(cycle)s：%(department)s的评分待审核锁定") % {
            "cycle": submission.cycle.name, "department": submission.department.name}
        entries.append(Entry(text, f"/cycles/{submission.cycle_id}/review/"))
    return entries


def department_entries(user: User, cycles: QuerySet[Cycle], today: date | None = None) -> list[Entry]:
    """For scorers and heads: tasks left (with the comment of a sheet sent back), the scoring
    deadline when it is near and tasks are left, and — for heads — submissions to review. One query."""
    if user.role not in (Role.SCORER, Role.HEAD) or not user.department_id:
        return []
    today = today or timezone.localdate()
    mine = (Submission.objects.filter(cycle__in=cycles.filter(status__in=[Cycle.Status.OPEN, Cycle.Status.REVIEW]),
                                      department__code=user.department.code)
            .select_related("cycle", "department")
            .annotate(missing=Count("department__scores", filter=Q(department__scores__points__isnull=True))))
    entries = []
    for submission in mine:
        cycle = submission.cycle
        url = f"/cycles/{submission.cycle_id}/scoring/"
        if submission.state == Submission.State.DRAFT:
            names = {"cycle": cycle.name, "count": submission.missing}
            text = _("%(cycle)s：还有%(count)d项待评分") % names if submission.missing \
                else _("%(cycle)s：评分已完成，待提交") % names
            if submission.comment:
                text += _("（退回意见：%(comment)s）") % {"comment": submission.comment}
            entries.append(Entry(text, url))
            if submission.missing and is_near(cycle.scoring_deadline, today):
                entries.append(Entry(_("评分截止日期临近：%(cycle)s将于%(date)s截止（%(left)s），还有%(count)d项未评分") % {
                    **names, "date": cycle.scoring_deadline.isoformat(),
                    "left": time_left(cycle.scoring_deadline, today)}, url, urgent=True))
        elif submission.state == Submission.State.SUBMITTED and user.role == Role.HEAD:
            entries.append(Entry(_("%(cycle)s：本部门评分待您审核") % {"cycle": cycle.name}, url))
    return entries


SOURCES: list[Source] = [office_entries, department_entries]


def sources() -> list[Source]:
    """SOURCES, then the units' side (self-assessment, results, objections), which builds on Entry."""
    from kaohe.objections import todo as unit_side

    return [*SOURCES, unit_side.unit_entries, unit_side.department_entries, unit_side.office_entries]


def todo_for(user: User, cycles: QuerySet[Cycle]) -> list[Entry]:
    """Everything that waits for `user`, urgent entries first (otherwise in the sources' order)."""
    entries = [entry for source in sources() for entry in source(user, cycles)]
    return sorted(entries, key=lambda entry: not entry.urgent)
