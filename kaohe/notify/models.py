"""A notification as the user sees it on the notifications page; `emailed` says whether it was
also handed to the mail server.

A notification that asks for work names what it is about (`about`, a key the app that sent it
chooses, e.g. a submission's audit key) and ends when that work is done: the event that does it
calls `kaohe.notify.send.settle(about)`, which sets `done_at` (and `read_at`, so it no longer counts
as unread). A notification that only informs has no `about` and never ends by itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="notifications")
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed = models.BooleanField(_("已发邮件"), default=False)
    about = models.CharField(_("事项"), max_length=200, blank=True)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"]), models.Index(fields=["user", "-created_at"]),
                   models.Index(fields=["about"], condition=models.Q(done_at__isnull=True), name="notification_open_about")]
        verbose_name = pgettext_lazy("singular", "通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.subject
