"""A notification as the user sees it on the notifications page; `emailed` says whether it was
also handed to the mail server.

Its subject and body are stored twice: as the Chinese text (`subject`, `body`: what older rows
have only, what a search or the admin sees, and the fallback) and as the marked template with its
values (`subject_message`, `body_message`: kaohe.core.messages.Text as JSON), which the pages show in
the reader's language (`shown_subject`, `shown_body`). Both are bounded: the subject one line of at
most 200 characters, the body at most `BODY_LENGTH`; a message longer than that keeps only its text,
cut.

A notification that asks for work names what it is about (`about`, a key the app that sent it
chooses, e.g. a submission's audit key) and ends when that work is done: the event that does it
calls `kaohe.notify.send.settle(about)`, which sets `done_at` (and `read_at`, so it no longer counts
as unread). A notification that only informs has no `about` and never ends by itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kaohe.core.messages import from_data

BODY_LENGTH = 10_000  # characters of a notification's body as stored (its text; the message's values alike)


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="notifications")
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    subject_message = models.JSONField(_("标题的模板与取值"), null=True, blank=True)
    body_message = models.JSONField(_("内容的模板与取值"), null=True, blank=True)
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

    @property
    def shown_subject(self) -> str:
        """The subject in the active language (one line); the stored text for an older row."""
        return " ".join(shown(self.subject_message, self.subject).split())

    @property
    def shown_body(self) -> str:
        """The body in the active language; the stored text for an older row."""
        return shown(self.body_message, self.body)


def shown(data: object, text: str) -> str:
    """A stored message (kaohe.core.messages.as_data) in the active language, or `text` when there is
    none or it cannot be read (a template whose translation does not take its values)."""
    message = from_data(data) if data is not None else None
    if message is None:
        return text
    try:
        return message.render(gettext)
    except (KeyError, ValueError, TypeError):
        return text
