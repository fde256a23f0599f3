"""Cycles and what they own. When a cycle opens, its units and departments are copied into
CycleUnit and CycleDepartment rows, and one Score row (a task) is created for every (unit, item)
that applies to the unit; the item's first department scores it. Rules live in
`kaohe.cycles.scoring` and `kaohe.cycles.review`, which pages, sheets and the API all call."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kaohe.core.points import from_hundredths


class Cycle(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("评分中")
        REVIEW = "review", _("审核中")
        LOCKED = "locked", _("已锁定")

    name = models.CharField(_("名称"), max_length=120, unique=True)
    scheme = models.ForeignKey("schemes.SchemeRecord", verbose_name=pgettext_lazy("singular", "指标体系"),
                               on_delete=models.PROTECT, related_name="cycles")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    step = models.DecimalField(_("评分步长"), max_digits=4, decimal_places=2, default=Decimal("0.1"))
    scoring_deadline = models.DateField(_("评分截止日期"), null=True, blank=True)
    review_deadline = models.DateField(_("审核截止日期"), null=True, blank=True)
    unit_codes = models.JSONField(_("参加单位编码"), default=list)  # chosen in draft; frozen on opening
    # The assessed units' side (kaohe.claims, kaohe.objections): self-assessment until its deadline
    # (inclusive; none = while the cycle is open), evidence limits, the criteria where evidence is
    # expected (node codes), and the last day objections to published results may be filed.
    self_assessment_deadline = models.DateField(_("自评截止日期"), null=True, blank=True)
    objection_deadline = models.DateField(_("异议截止日期"), null=True, blank=True)
    evidence_max_mb = models.PositiveIntegerField(_("单个佐证材料上限（MB）"), default=20)
    evidence_max_files = models.PositiveIntegerField(_("每个单位佐证材料数量上限"), default=100)
    evidence_expected = models.JSONField(_("需提供佐证材料的指标"), default=list, blank=True)
    # Items the scheme names no assessing department for, given one for this cycle by the office
    # while it is a draft (item code → department code; kaohe.cycles.unscored): opening makes their tasks.
    item_departments = models.JSONField(_("补充指定的考核部门"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = pgettext_lazy("singular", "考核周期")
        verbose_name_plural = _("考核周期")

    def __str__(self) -> str:
        return self.name

    @property
    def evidence_max_bytes(self) -> int:
        """The limit per evidence file (the office sets it in MB)."""
        return self.evidence_max_mb * 1024 * 1024


# Scores change while the cycle is open, and (for departments sent back) while it is under review.
SCORING = (Cycle.Status.OPEN, Cycle.Status.REVIEW)


class CycleUnit(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=20)
    party_organisation = models.CharField(_("党组织类型"), max_length=20, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "position"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="unique_cycle_unit")]
        # the cycle's units in order without a sort (the results read all of them: 200,000 sorted on
        # disk took PostgreSQL 60 ms, read along this index 29 ms)
        indexes = [models.Index(fields=["cycle", "position", "code"], name="cycle_unit_order")]

    def __str__(self) -> str:
        return self.name


class CycleDepartment(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="departments")
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "position"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="unique_cycle_department")]

    def __str__(self) -> str:
        return self.name


class Submission(models.Model):
    """One department's scores in one cycle, as they move from the scorer to the head to the office."""

    class State(models.TextChoices):
        DRAFT = "draft", _("评分中")
        SUBMITTED = "submitted", _("待部门负责人审核")
        APPROVED = "approved", _("待考核办审核")
        LOCKED = "locked", _("已锁定")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="submissions")
    department = models.OneToOneField(CycleDepartment, on_delete=models.CASCADE, related_name="submission")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    comment = models.TextField(_("最近意见"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "department__position"]


class Score(models.Model):
    """A task and its result: the points one department gives one unit for one item."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey(CycleUnit, on_delete=models.CASCADE, related_name="scores")
    node = models.ForeignKey("schemes.Node", on_delete=models.PROTECT, related_name="scores")
    department = models.ForeignKey(CycleDepartment, on_delete=models.CASCADE, related_name="scores")
    points = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("扣分理由"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "unit", "node"], name="unique_score")]
        # (cycle, department) first for a department's tasks; node and points after it cover the
        # grid's per-item progress count without reading the table (docs/decisions/…-grid-pages-and-api-load.md)
        indexes = [models.Index(fields=["cycle", "department", "node", "points"], name="score_department_items")]


class DimensionTotal(models.Model):
    """A unit's running totals under one dimension (一级指标) of its cycle: its tasks, how many are
    scored, Σ points (unscored = 0) and Σ the items' maxima, the two sums in hundredths of a point
    (points have two decimal places, so this is exact; integers add and travel several times
    faster than decimals). Derived from the Score rows and kept by the database itself: a trigger
    on the score table (migration 0004, `kaohe.cycles.totals`) adds every insert, change of
    points and delete in the same transaction, whoever writes. The results read these (200,000
    units × 4 dimensions) instead of summing every score."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(CycleUnit, on_delete=models.CASCADE, related_name="dimension_totals")
    dimension_code = models.CharField(_("一级指标编码"), max_length=40)
    tasks = models.IntegerField(_("适用项数"), default=0)
    scored = models.IntegerField(_("已评项数"), default=0)
    obtained_cents = models.IntegerField(_("得分合计（0.01分）"), default=0)
    maximum_cents = models.IntegerField(_("满分合计（0.01分）"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "dimension_code"], name="unique_dimension_total")]
        indexes = [models.Index(fields=["cycle", "unit"], name="dimension_total_cycle")]

    @property
    def obtained(self) -> Decimal:
        return from_hundredths(self.obtained_cents)

    @property
    def maximum(self) -> Decimal:
        return from_hundredths(self.maximum_cents)
