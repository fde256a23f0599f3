"""Deadline reminders, sent by `kaohe notify-deadlines` (a daily cron job).

`REMINDERS` is the list of reminder functions: each takes (today, days) and returns the
`Reminder`s due — whom to tell what about a deadline within `days` days and not past. Add a
function to the list for a new kind of deadline. `send_reminders` sends each reminder at most once
a day to each user: a user who already has a notification with the same subject and link today is
skipped (the Notification rows are the record).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role, User
from kaohe.cycles.models import Cycle, Submission
from kaohe.notify.models import Notification
from kaohe.notify.send import notify, one_line

DEFAULT_DAYS = 3
# Scoring goes on while the cycle is open, and for drafts returned during the review.
SCORING = (Cycle.Status.OPEN, Cycle.Status.REVIEW)


@dataclass(frozen=True)
class Reminder:
    users: list[User]
    subject: str
    body: str
    url: str


ReminderFunction = Callable[[date, int], list[Reminder]]


def is_near(deadline: date | None, today: date, days: int = DEFAULT_DAYS) -> bool:
    """Whether `deadline` is within `days` days from `today` and not past (today counts)."""
    return deadline is not None and today <= deadline <= today + timedelta(days=days)


def time_left(deadline: date, today: date) -> str:
    left = (deadline - today).days
    return _("今天截止") if left == 0 else _("还剩%(days)d天") % {"days": left}


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
        scorers.setdefault(user.department.code, []).append(user)
    reminders = []
    for submission in submissions:
        cycle, deadline = submission.cycle, submission.cycle.scoring_deadline
        names = {"cycle": cycle.name, "department": submission.department.name, "count": submission.missing,
                 "date": deadline.isoformat(), "left": time_left(deadline, today)}
        reminders.append(Reminder(
            users=scorers.get(submission.department.code, []),
            subject=_("评分截止临近：%(cycle)s（%(date)s截止）") % names,
            body=_("%(department)s在“%(cycle)s”中还有%(count)d项未评分，评分截止日期为%(date)s（%(left)s）。"
                   "请尽快完成评分并提交。") % names,
            url=reverse("cycles:scoring", args=[cycle.pk])))
    return reminders


REMINDERS: list[ReminderFunction] = [scoring_reminders]


def _already_told(reminder: Reminder, today: date) -> set[int]:
    start = timezone.make_aware(datetime.combine(today, time.min))
    return set(Notification.objects.filter(
        user__in=[u.pk for u in reminder.users], subject=one_line(reminder.subject), url=reminder.url,
        created_at__gte=start, created_at__lt=start + timedelta(days=1)).values_list("user_id", flat=True))


def send_reminders(today: date, days: int = DEFAULT_DAYS, dry_run: bool = False) -> list[tuple[Reminder, list[User]]]:
    """Every reminder due, with the users it goes (or, in a dry run, would go) to: those not told
    the same thing today. Reminders nobody needs are left out."""
    sent = []
    from kaohe.objections.todo import self_assessment_reminders  # builds on Reminder (no import cycle)

    for function in [*REMINDERS, self_assessment_reminders]:
        for reminder in function(today, days):
            told = _already_told(reminder, today)
            users = [user for user in reminder.users if user.pk not in told]
            if not users:
                continue
            if not dry_run:
                notify(users, reminder.subject, reminder.body, reminder.url)
            sent.append((reminder, users))
    return sent
