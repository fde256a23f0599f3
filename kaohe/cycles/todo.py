"""The cycles' to-do entries and deadline reminders (registered in kaohe.cycles.apps):

- the office: each cycle's next step (kaohe.cycles.cockpit: open it, start the review, lock the
  approved departments, lock it, publish, confirm objections…) and the other actions open now;
- scorers and heads: their department's tasks left (with the comment of scores sent back), the
  scoring deadline when it is near and tasks are left, and — for heads — scores to review;
- reminders: the scorers of every department with unscored tasks when the scoring deadline is near.
Each costs a fixed number of queries.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role, User
from kaohe.accounts.permissions import department_code, is_office
from kaohe.core.messages import Text, gettext_noop
from kaohe.cycles import cockpit, review
from kaohe.cycles.access import visible_cycles
from kaohe.cycles.models import SCORING, Submission
from kaohe.notify.deadlines import Reminder, is_near, time_left, time_left_text
from kaohe.notify.todo import Todo


def office_entries(user: User) -> list[Todo]:
    """Each cycle's next step where it is the office's to take (kaohe.cycles.cockpit), and the
    other actions open now (e.g. approved departments to lock while scoring runs); a cycle waiting
    for others, or finished, gives none. A fixed number of queries however many cycles."""
    if not is_office(user):
        return []
    cycles = list(visible_cycles(user).defer("scheme__document").order_by("-created_at"))
    steps = cockpit.next_steps(cycles)
    entries = []
    for cycle in cycles:
        step = steps[cycle.pk]
        url = reverse("cycles:detail", args=[cycle.pk])
        if step.action is not None:
            entries.append(Todo(_("%(cycle)s：下一步，%(step)s") % {"cycle": cycle.name, "step": step.title}, url))
        entries += [Todo(_("%(cycle)s：%(action)s") % {"cycle": cycle.name, "action": action.label}, url)
                    for action in step.secondary if action.post]
    return entries


def department_entries(user: User, today: date | None = None) -> list[Todo]:
    """Tasks left, the scoring deadline near, submissions for the head to review. One query."""
    code = department_code(user)
    if code is None:
        return []
    today = today or timezone.localdate()
    mine = (Submission.objects.filter(cycle__in=visible_cycles(user).filter(status__in=SCORING), department__code=code)
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
            entries.append(Todo(text, url))
            deadline = cycle.scoring_deadline
            if submission.missing and deadline is not None and is_near(deadline, today):
                entries.append(Todo(_("评分截止日期临近：%(cycle)s将于%(date)s截止（%(left)s），还有%(count)d项未评分") % {
                    **names, "date": deadline.isoformat(), "left": time_left(deadline, today)}, url, urgent=True))
        elif submission.state == Submission.State.SUBMITTED and user.role == Role.HEAD:
            entries.append(Todo(_("%(cycle)s：本部门评分待您审核") % {"cycle": cycle.name}, url))
    return entries


def draft_submissions(today: date, days: int) -> list[Submission]:
    """The draft submissions with unscored tasks (annotated `missing`) whose cycle's scoring
    deadline is near. One query."""
    return list(Submission.objects.filter(
        state=Submission.State.DRAFT, cycle__status__in=SCORING,
        cycle__scoring_deadline__gte=today, cycle__scoring_deadline__lte=today + timedelta(days=days))
        .select_related("cycle", "department")
        .annotate(missing=Count("department__scores", filter=Q(department__scores__points__isnull=True)))
        .filter(missing__gt=0).order_by("cycle__scoring_deadline", "cycle_id", "department__position"))


def scoring_reminders(today: date, days: int) -> list[Reminder]:
    """The scorers of every department whose scores are still a draft with unscored tasks, in a
    cycle whose scoring deadline is near. Two queries."""
    submissions = draft_submissions(today, days)
    scorers: dict[str, list[User]] = {}
    codes = {s.department.code for s in submissions}
    for user in User.objects.filter(is_active=True, role=Role.SCORER, department__code__in=codes) \
            .select_related("department").order_by("pk"):
        scorers.setdefault(department_code(user) or "", []).append(user)
    reminders = []
    for submission in submissions:
        cycle, deadline = submission.cycle, submission.cycle.scoring_deadline
        assert deadline is not None  # the query asked for a deadline near
        missing: int = submission.missing  # type: ignore[attr-defined]  # annotated by the query
        reminders.append(Reminder(
            users=scorers.get(submission.department.code, []),
            subject=Text.of(gettext_noop("评分截止临近：%(cycle)s（%(date)s截止）"),
                            cycle=cycle.name, date=deadline.isoformat()),
            body=Text.of(gettext_noop("%(department)s在“%(cycle)s”中还有%(count)d项未评分，评分截止日期为%(date)s（%(left)s）。"
                                      "请尽快完成评分并提交。"),
                         department=submission.department.name, cycle=cycle.name, count=missing,
                         date=deadline.isoformat(), left=time_left_text(deadline, today)),
            url=reverse("cycles:scoring", args=[cycle.pk]), about=review.key(submission)))
    return reminders
