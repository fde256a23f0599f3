"""`notify(users, subject, body, url, about)`: tell users that something waits for them;
`settle(about)`: the work it asked for is done.

The subject and body are Texts (kaohe.core.messages: a marked template and its values), stored
with the row so that the pages show them in their reader's language; `label_of` makes a model
choice's label one. Every notification is stored as a `Notification` row inside the caller's
transaction (it rolls back with the action). The e-mail, in the site's language (users have no
language of their own: the language menu sets the browser's), goes out only after the transaction commits, one per user who is
active, has an address and has not switched e-mail off; the subject is prefixed "[考核] " and the
body ends with the absolute link (settings.KAOHE_BASE_URL + url). A failing mail server is logged
and never breaks the action; `emailed` records which mails were handed over.

A notification that asks for work carries `about`, the key of the thing it is about (the app's own
key for it: a submission's, an objection's, …); the event that completes that work calls
`settle(about)` in its transaction, which ends every open notification about it for everyone
(done, and no longer unread). One mechanism for every kind of work: whoever moves the thing on
settles what was asked about it, then notifies the next people with the same key.

Recipients: `department_users`, `unit_users`, `office_users` (active users only).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Choices, F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from kaohe.accounts.models import DEPARTMENT_ROLES, Role, User
from kaohe.core.messages import Text, as_data
from kaohe.core.text import visible
from kaohe.notify.models import BODY_LENGTH, Notification, shown

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[考核] "
SUBJECT_LENGTH: int = Notification._meta.get_field("subject").max_length or 200


def notify(users: Iterable[User], subject: Text, body: Text, url: str = "", about: str = "") -> None:
    """Store a notification for each active user and e-mail those who want it, after commit.
    `about`: what work it asks for, ended by `settle(about)`; empty for a notification that only informs."""
    subject_message, body_message = stored(subject, SUBJECT_LENGTH), stored(body, BODY_LENGTH)
    subject_text, body_text, url = one_line(subject), visible(str(body))[:BODY_LENGTH], str(url or "")
    seen: set[int] = set()
    recipients = []
    for user in users:
        if user.is_active and user.pk not in seen:
            seen.add(user.pk)
            recipients.append(user)
    if not recipients:
        return
    rows = Notification.objects.bulk_create(
        [Notification(user=user, subject=subject_text, body=body_text, subject_message=subject_message,
                      body_message=body_message, url=url, about=about) for user in recipients])
    mails = [(row.pk, user.email) for row, user in zip(rows, recipients, strict=True)
             if user.email and user.email_notifications]
    if mails:
        with translation.override(settings.LANGUAGE_CODE):
            mail_subject = one_line(shown(subject_message, subject_text))
            mail_body = shown(body_message, body_text)
        text = f"{mail_body}\n\n{absolute(url)}" if url else mail_body
        transaction.on_commit(lambda: _deliver(mails, SUBJECT_PREFIX + mail_subject, text), robust=True)


def stored(message: Text, limit: int) -> dict[str, object] | None:
    """A Text's template and values as stored beside its text, or None: a plain string (an older
    caller's), or a message longer than `limit` characters (only its text is kept, cut)."""
    if not isinstance(message, Text) or len(message) > limit:
        return None
    data = as_data(message)
    if len(json.dumps(data, ensure_ascii=False)) > 2 * limit + 1000:  # many short values: their names add up
        return None
    return data


def label_of(choice: Choices) -> Text:
    """A model choice's label as a Text: its Chinese (the catalogue's key), translated where it is read."""
    with translation.override(settings.LANGUAGE_CODE):
        return Text.of(str(choice.label))


def settle(*about: str) -> int:
    """The work these notifications asked for is done: end every open notification about any of
    these keys (for all its recipients), marking it done and read. Returns how many ended."""
    keys = [key for key in about if key]
    if not keys:
        return 0
    now = timezone.now()
    return Notification.objects.filter(about__in=keys, done_at__isnull=True).update(
        done_at=now, read_at=Coalesce(F("read_at"), Value(now)))


def one_line(subject: str) -> str:
    """The subject as stored and mailed: visible characters on one line (mail headers refuse
    newlines), at most 200 characters."""
    return " ".join(visible(str(subject), multiline=False).split())[:SUBJECT_LENGTH]


def absolute(url: str) -> str:
    """The link as the e-mail shows it: relative paths are joined to KAOHE_BASE_URL."""
    if url.startswith(("http://", "https://")):
        return url
    return settings.KAOHE_BASE_URL.rstrip("/") + "/" + url.lstrip("/")


def _deliver(mails: list[tuple[int, str]], subject: str, body: str) -> None:
    """Send one message per (notification id, address); mark those handed over as emailed."""
    sent = []
    try:
        with get_connection() as connection:
            for pk, address in mails:
                try:
                    EmailMessage(subject, body, to=[address], connection=connection).send()
                except Exception:  # any back-end's failure: the action is done, the mail is not
                    logger.warning("notification %s: could not e-mail %s", pk, address, exc_info=True)
                else:
                    sent.append(pk)
    except Exception:  # the connection itself (SMTP server down, refused log-in)
        logger.warning("notifications %s: the mail server is unavailable", [pk for pk, _ in mails],
                       exc_info=True)
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed=True)


# ----------------------------------------------------------------------------- recipients


def _active() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("pk")


def department_users(department: Any, roles: Iterable[str] = DEPARTMENT_ROLES) -> QuerySet[User]:
    """The active users of a department with one of `roles`. `department` is a CycleDepartment, a
    Department or a department code."""
    code = department if isinstance(department, str) else department.code
    return _active().filter(department__code=code, role__in=list(roles))


def unit_users(unit_code: str | Iterable[str]) -> QuerySet[User]:
    """The active users of a unit (a code), or of several units (codes)."""
    codes = [unit_code] if isinstance(unit_code, str) else list(unit_code)
    return _active().filter(role=Role.UNIT, unit__code__in=codes)


def office_users() -> QuerySet[User]:
    return _active().filter(role=Role.OFFICE)
