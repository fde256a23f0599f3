"""Django's ModelBackend, loading the signed-in user with their unread notifications counted in
the same query, so the header shows the count on every page at no extra query (the main pages'
query counts are asserted). See docs/decisions/2026-11-25-notifications.md."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from kaohe.accounts.models import User
from kaohe.notify.models import Notification

UNREAD = "unread_notifications"


class UnreadCountBackend(ModelBackend):
    def get_user(self, user_id: int) -> User | None:
        unread = (Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True).order_by()
                  .values("user").annotate(count=Count("pk")).values("count"))
        try:
            user = User._default_manager.annotate(
                **{UNREAD: Coalesce(Subquery(unread, output_field=IntegerField()), 0)}).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
