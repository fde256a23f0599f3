"""Audit events. Rows are only ever inserted: `save` refuses updates and `delete` refuses."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AppendOnlyError(Exception):
    pass


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计记录只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("审计记录只能追加，不能删除。")


class Event(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # PROTECT: a user or cycle with a trail cannot be deleted (deactivate users instead), so no
    # event is ever rewritten by a cascade.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=40, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=40, db_index=True)
    object_key = models.CharField(_("对象"), max_length=200, db_index=True)
    cycle = models.ForeignKey("cycles.Cycle", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="events")
    old = models.JSONField(_("原值"), null=True, blank=True, encoder=DjangoJSONEncoder)
    new = models.JSONField(_("新值"), null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(_("理由"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = pgettext_lazy("singular", "审计记录")
        verbose_name_plural = _("审计记录")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("审计记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计记录只能追加，不能删除。")
