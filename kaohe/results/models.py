"""A cycle's results: its settings (the rules in force), the office's adjustments and entered
component values, and the published snapshots. The figures themselves are never stored live:
`kaohe.results.service.compute_cycle` derives them each time from the scores' per-(unit,
dimension) totals, which the database keeps as scores change (one GROUP BY in `kaohe.results.sums`,
kaohe/cycles/totals.py), the rest in the pure core `kaohe.core.results`. A published snapshot keeps
the rules and every figure (as decimal strings) and never changes.

Settings are JSON and Decimal fields; `kaohe.results.service.rules_for` is the one place that turns
them into the core's `Rules`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_COMPONENTS = [{"key": "adjusted", "label": "调整后得分", "weight": "1"}]
DEFAULT_GRADES = [{"name": "好", "threshold": "90"}, {"name": "较好", "threshold": "80"},
                  {"name": "一般", "threshold": "60"}, {"name": "差", "threshold": "0"}]


def default_components() -> list[dict[str, str]]:
    return [dict(c) for c in DEFAULT_COMPONENTS]


def default_grades() -> list[dict[str, str]]:
    return [dict(g) for g in DEFAULT_GRADES]


class ResultSettings(models.Model):
    """How a cycle's results are computed. Absent → the defaults (an unsaved instance)."""

    cycle = models.OneToOneField("cycles.Cycle", on_delete=models.CASCADE, related_name="result_settings")
    # [{"key": "adjusted", "label": "调整后得分", "weight": "0.8"}, {"key": "survey", …}]; weights sum to 1
    components = models.JSONField(_("得分构成"), default=default_components)
    bonus_cap = models.DecimalField(_("加分上限"), max_digits=6, decimal_places=2, default=Decimal(5))
    # best first: [{"name": "好", "threshold": "90"}, …, {"name": "差", "threshold": "0"}]
    grades = models.JSONField(_("等次"), default=default_grades)
    quota_share = models.DecimalField(_("最高等次比例"), max_digits=6, decimal_places=4, null=True, blank=True)
    quota_count = models.PositiveIntegerField(_("最高等次名额"), null=True, blank=True)
    rank_places = models.PositiveSmallIntegerField(_("排名比较的小数位数"), default=2)
    # unit code → ranking group; a unit not named here ranks in its category (CycleUnit.category)
    groups = models.JSONField(_("排名分组"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("结果设置")
        verbose_name_plural = _("结果设置")


class Adjustment(models.Model):
    """A bonus, penalty, grade cap or veto for one unit, with its reason and document."""

    class Kind(models.TextChoices):
        BONUS = "bonus", _("加分")
        PENALTY = "penalty", _("扣分")
        GRADE_CAP = "grade_cap", _("等次上限")
        VETO = "veto", _("一票否决")

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="adjustments")
    unit = models.ForeignKey("cycles.CycleUnit", on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    points = models.DecimalField(_("分值"), max_digits=8, decimal_places=2, default=Decimal(0),
                                 validators=[MinValueValidator(Decimal(0))])
    reason = models.TextField(_("理由"))
    document = models.CharField(_("依据文件"), max_length=200, blank=True)
    cap = models.CharField(_("最高等次"), max_length=20, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "unit__position", "created_at", "pk"]
        verbose_name = _("结果调整")
        verbose_name_plural = _("结果调整")


class ComponentValue(models.Model):
    """A unit's value (0–100) for an entered component (any component other than "adjusted")."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="component_values")
    unit = models.ForeignKey("cycles.CycleUnit", on_delete=models.CASCADE, related_name="component_values")
    key = models.CharField(_("构成项"), max_length=40)
    value = models.DecimalField(_("分值"), max_digits=6, decimal_places=2,
                                validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))])
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "key"], name="unique_component_value")]
        verbose_name = _("构成项分值")
        verbose_name_plural = _("构成项分值")


class SnapshotImmutable(Exception):
    """A published snapshot is never changed or deleted."""


class ResultSnapshot(models.Model):
    """Published results: version 1, 2, … per cycle. Immutable once saved."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="result_snapshots")
    version = models.PositiveIntegerField(_("版本"))
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    complete = models.BooleanField(_("评分完整"), default=True)
    rules = models.JSONField(_("规则"))
    results = models.JSONField(_("结果"))  # one object per unit, every figure a decimal string
    # the adjustments in force when published (service.adjustment_json plus the unit's name), for
    # the notice; None for versions published before they were kept (the notice then reads the
    # cycle's current adjustments)
    adjustments = models.JSONField(_("加减分与等次调整"), null=True, blank=True)

    class Meta:
        ordering = ["cycle", "-version"]
        constraints = [models.UniqueConstraint(fields=["cycle", "version"], name="unique_result_version")]
        verbose_name = _("已发布结果")
        verbose_name_plural = _("已发布结果")

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise SnapshotImmutable(f"result snapshot v{self.version} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SnapshotImmutable(f"result snapshot v{self.version} is published and cannot be deleted")


class FrameDetails(models.Model):
    """What the office fills in for a 公文 it issues: the frame (kaohe.formats.gongwen) and the
    opening and closing paragraphs; the results notice and the ledger's 季度通报 alike. Every text by
    the one text rule (kaohe.core.text)."""

    issuer = models.CharField(_("发文机关"), max_length=60, blank=True)
    number = models.CharField(_("发文字号"), max_length=40, blank=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    recipients = models.CharField(_("主送机关"), max_length=500, blank=True)
    copies = models.CharField(_("抄送机关"), max_length=500, blank=True)
    printer = models.CharField(_("印发机关"), max_length=60, blank=True)
    day = models.DateField(_("成文日期"))
    opening = models.TextField(_("开头段落"), blank=True)
    closing = models.TextField(_("结尾段落"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NoticeDetails(FrameDetails):
    """The notice (通报) of one published version. Absent → the defaults of
    `kaohe.results.documents.notice_defaults`."""

    snapshot = models.OneToOneField(ResultSnapshot, on_delete=models.CASCADE, related_name="notice")

    class Meta:
        verbose_name = _("通报信息")
        verbose_name_plural = _("通报信息")


class DocumentTemplate(models.Model):
    """A Word template the office uploaded for a document, for one cycle or (cycle empty) for the
    installation. The newest of a kind and scope is in use; one for the cycle wins over the
    installation's, which wins over the default Kaohe ships. Checked before it is stored
    (kaohe.formats.gongwen.template): a template that does not render is never saved."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("考核结果通报")
        SCORECARD = "scorecard", _("考核得分表")

    kind = models.CharField(_("文书"), max_length=20, choices=Kind.choices)
    cycle = models.ForeignKey("cycles.Cycle", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="document_templates")
    name = models.CharField(_("文件名"), max_length=120)
    content = models.BinaryField(_("模板文件"))
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "cycle", "-uploaded_at", "-pk"]
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
