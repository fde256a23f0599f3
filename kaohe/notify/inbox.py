"""A user's notifications as the pages show them: the unread count (once per request), the latest
unread ones, and marking them read. Every query is filtered by the user: nobody reads another's."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from kaohe.accounts.models import User
from kaohe.notify.backends import UNREAD
from kaohe.notify.models import Notification


def of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(request: HttpRequest) -> int:
    """The user's unread notifications, counted once per request (the header and the home page
    both show it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    counted = getattr(request, "_kaohe_unread", None)
    if counted is None:
        # loaded with the user by kaohe.notify.backends.UnreadCountBackend; counted here otherwise
        counted = getattr(user, UNREAD, None)
        if counted is None:
            counted = of(user).filter(read_at__isnull=True).count()
        setattr(request, "_kaohe_unread", counted)  # noqa: B010  (once per request)
    return int(counted)


def latest_unread(request: HttpRequest, limit: int = 5) -> list[Notification]:
    """The newest unread notifications; no query when there are none."""
    if not unread_count(request):
        return []
    return list(of(request.user).filter(read_at__isnull=True)[:limit])  # type: ignore[arg-type]  # signed in


def mark_read(user: User, pk: int | None = None) -> int:
    """Mark the user's unread notifications read (all, or the one with `pk`); how many changed."""
    unread = of(user).filter(read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())
