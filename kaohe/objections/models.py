"""Objections to published results: a unit disputes some of its items within the cycle's window, each
with its own reason, the owning departments answer each item (uphold, or change the points, with a
reason) seeing the points and the reason for the deduction as they were when the objection was filed,
the office confirms, and a changed score republishes the results as a new version (the old one is
kept). Rules live in `kaohe.objections.flow`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Objection(models.Model):
    class State(models.TextChoices):
        FILED = "filed", _("待部门答复")
        ANSWERED = "answered", _("待考核办确认")
        CLOSED = "closed", _("已办结")

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="objections")
    unit = models.ForeignKey("cycles.CycleUnit", on_delete=models.CASCADE, related_name="objections")
    version = models.PositiveIntegerField(_("针对的结果版本"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.FILED)
    # the reason given for every item without its own (each item keeps its reason: ObjectionItem.reason)
    reason = models.TextField(_("共同的异议理由"), blank=True)
    evidence = models.ManyToManyField("claims.Evidence", related_name="objections", blank=True,
                                      verbose_name=_("佐证材料"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    office_comment = models.TextField(_("考核办意见"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    result_version = models.PositiveIntegerField(_("重新发布的结果版本"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("成绩异议")
        verbose_name_plural = _("成绩异议")


class ObjectionItem(models.Model):
    class Decision(models.TextChoices):
        PENDING = "", _("待答复")
        UPHELD = "upheld", _("维持原评分")
        CHANGED = "changed", _("修改评分")

    objection = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="items")
    score = models.ForeignKey("cycles.Score", on_delete=models.PROTECT, related_name="objection_items")
    reason = models.TextField(_("异议理由"), blank=True)  # the unit's, for this item
    old_points = models.DecimalField(_("原得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    old_reason = models.TextField(_("原扣分理由"), blank=True)  # the department's, when the objection was filed
    decision = models.CharField(_("答复"), max_length=10, choices=Decision.choices, default="", blank=True)
    new_points = models.DecimalField(_("修改后得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    answer = models.TextField(_("答复理由"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        ordering = ["objection", "score__node__position"]
        constraints = [models.UniqueConstraint(fields=["objection", "score"], name="unique_objection_item")]
        verbose_name = _("异议事项")
        verbose_name_plural = _("异议事项")
