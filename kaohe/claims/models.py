"""A unit's self-assessment of a cycle (one claim per applicable criterion) and its evidence files.

A criterion here is the scheme's level-3 node (三级指标) over the unit's items; an item hung directly
under an indicator is its own criterion. A claim's maximum is the sum of the unit's applicable items
under it, so variants and applicability are respected. Rules live in `kaohe.claims.rules`, which the
pages and the API both call; files are stored by `kaohe.claims.storage` under their SHA-256.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SelfAssessment(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("填报中")
        SUBMITTED = "submitted", _("已提交")

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="self_assessments")
    unit = models.OneToOneField("cycles.CycleUnit", on_delete=models.CASCADE, related_name="self_assessment")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    reopen_reason = models.TextField(_("退回理由"), blank=True)

    class Meta:
        verbose_name = _("单位自评")
        verbose_name_plural = _("单位自评")


class Claim(models.Model):
    """The points a unit claims for one criterion, and why. `version` makes saves compare-and-set."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="claims")
    unit = models.ForeignKey("cycles.CycleUnit", on_delete=models.CASCADE, related_name="claims")
    node = models.ForeignKey("schemes.Node", on_delete=models.PROTECT, related_name="claims")
    points = models.DecimalField(_("自评得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    explanation = models.TextField(_("自评说明"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "node"], name="unique_claim")]
        indexes = [models.Index(fields=["cycle", "node"])]
        verbose_name = _("自评")
        verbose_name_plural = _("自评")


class Evidence(models.Model):
    """One uploaded file about one unit: the unit's own, attached to one or more criteria (or to an
    objection, or a dispute of a ledger entry), or a department's file for a ledger entry about it."""

    class Purpose(models.TextChoices):
        SELF = "self", _("自评佐证")
        OBJECTION = "objection", _("异议佐证")
        LEDGER = "ledger", _("台账依据")  # a department's file for a ledger entry about the unit (kaohe.ledger)
        DISPUTE = "dispute", _("台账异议佐证")  # the unit's file for its dispute of a ledger entry

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="evidence")
    unit = models.ForeignKey("cycles.CycleUnit", on_delete=models.CASCADE, related_name="evidence")
    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices, default=Purpose.SELF)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    mime = models.CharField(_("类型"), max_length=120)
    kind = models.CharField(_("文件类型"), max_length=60)
    name = models.CharField(_("文件名"), max_length=200)
    nodes = models.ManyToManyField("schemes.Node", related_name="evidence", blank=True,
                                   verbose_name=_("对应指标"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "uploaded_at", "pk"]
        indexes = [models.Index(fields=["cycle", "unit"]), models.Index(fields=["sha256"])]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.name
