"""Deadline reminders, sent by `kaohe notify-deadlines` (a daily cron job).

Each app registers its reminder functions in its `AppConfig.ready()` (`register(function)`): a
function takes (today, days) and returns the `Reminder`s due — whom to tell what about a deadline
within `days` days and not past. `send_reminders` sends each reminder at most once a day to each
user: a user who already has a notification with the same subject and link today is skipped (the
Notification rows are the record). `is_near` and `time_left` are the deadline arithmetic the
to-do lists share. This module knows nothing of what the deadlines are about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.core.messages import Text, gettext_noop, translated
from kaohe.notify.models import Notification
from kaohe.notify.send import notify, one_line

DEFAULT_DAYS = 3


@dataclass(frozen=True)
class Reminder:
    users: list[User]
    subject: Text
    body: Text
    url: str
    about: str = ""  # the work it asks for (kaohe.notify.send.settle ends it)


ReminderFunction = Callable[[date, int], list[Reminder]]

_functions: dict[str, ReminderFunction] = {}


def register(function: ReminderFunction) -> ReminderFunction:
    """Add a kind of deadline reminder (once: registering it again changes nothing)."""
    _functions.setdefault(f"{function.__module__}.{function.__qualname__}", function)
    return function


def is_near(deadline: date | None, today: date, days: int = DEFAULT_DAYS) -> bool:
    """Whether `deadline` is within `days` days from `today` and not past (today counts)."""
    return deadline is not None and today <= deadline <= today + timedelta(days=days)


def time_left_text(deadline: date, today: date) -> Text:
    """"今天截止" or "还剩n天", for a notification (translated where it is read)."""
    left = (deadline - today).days
    return Text.of(gettext_noop("今天截止")) if left == 0 else Text.of(gettext_noop("还剩%(days)d天"), days=left)


def time_left(deadline: date, today: date) -> str:
    """`time_left_text` in the active language, for a page."""
    return translated(time_left_text(deadline, today), _)


def _already_told(reminder: Reminder, today: date) -> set[int]:
    start = timezone.make_aware(datetime.combine(today, time.min))
    return set(Notification.objects.filter(
        user__in=[u.pk for u in reminder.users], subject=one_line(reminder.subject), url=reminder.url,
        created_at__gte=start, created_at__lt=start + timedelta(days=1)).values_list("user_id", flat=True))


def send_reminders(today: date, days: int = DEFAULT_DAYS, dry_run: bool = False) -> list[tuple[Reminder, list[User]]]:
    """Every reminder due, with the users it goes (or, in a dry run, would go) to: those not told
    the same thing today. Reminders nobody needs are left out."""
    sent = []
    for function in _functions.values():
        for reminder in function(today, days):
            told = _already_told(reminder, today)
            users = [user for user in reminder.users if user.pk not in told]
            if not users:
                continue
            if not dry_run:
                notify(users, reminder.subject, reminder.body, reminder.url, reminder.about)
            sent.append((reminder, users))
    return sent
