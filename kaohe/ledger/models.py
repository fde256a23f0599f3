"""The 平时考核台账 of a cycle: entries that departments record through the year, the units'
disputes of them, and which entries a score was decided on. Rules: `kaohe.ledger.rules` (who may
do what, when) over `kaohe.core.ledger` (what counts, proposals, the cap, dispute outcomes,
standings). Nothing here is ever deleted: an entry is voided or withdrawn, never removed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kaohe.core import ledger as rules
from kaohe.results.models import FrameDetails


class LedgerSettings(models.Model):
    """What the office sets for a cycle's ledger. Absent → the defaults (an unsaved instance)."""

    cycle = models.OneToOneField("cycles.Cycle", on_delete=models.CASCADE, related_name="ledger_settings")
    dispute_days = models.PositiveSmallIntegerField(_("异议期（天）"), default=7)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("台账设置")
        verbose_name_plural = _("台账设置")


class Entry(models.Model):
    """One finding a department recorded about a unit: a deduction or note on one of its tasks
    (`task`: the unit's item), or a bonus against the cycle's bonus (`task` empty)."""

    class Kind(models.TextChoices):
        DEDUCTION = rules.DEDUCTION, _("扣分")
        BONUS = rules.BONUS, _("加分")
        NOTE = rules.NOTE, _("记录")

    class State(models.TextChoices):
        DRAFT = rules.DRAFT, _("待确认")
        RETURNED = rules.RETURNED, _("已退回")
        CONFIRMED = rules.CONFIRMED, _("已确认")
        VOIDED = rules.VOIDED, _("已作废")
        WITHDRAWN = rules.WITHDRAWN, _("已撤销")

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="ledger_entries")
    unit = models.ForeignKey("cycles.CycleUnit", on_delete=models.CASCADE, related_name="ledger_entries",
                             verbose_name=_("被考核单位"))
    department = models.ForeignKey("cycles.CycleDepartment", on_delete=models.CASCADE, related_name="ledger_entries",
                                   verbose_name=_("考核部门"))
    task = models.ForeignKey("cycles.Score", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="ledger_entries", verbose_name=_("考核内容"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("日期"))
    quarter = models.PositiveSmallIntegerField(_("季度"))  # of `date`, kept for filtering
    points = models.DecimalField(_("分值"), max_digits=8, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("事由"))
    document = models.CharField(_("依据文件"), max_length=200, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    comment = models.TextField(_("退回或作废的理由"), blank=True)
    evidence = models.ManyToManyField("claims.Evidence", related_name="ledger_entries", blank=True,
                                      verbose_name=_("依据材料"))
    version = models.PositiveIntegerField(_("版本"), default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    # The last time the entry changed what counts (confirmed; voided, changed or withdrawn after
    # counting): a task scored before this has a ledger that changed since (kaohe.ledger.proposals).
    counted_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["cycle", "unit", "date"], name="ledger_unit_date"),
            models.Index(fields=["cycle", "quarter", "date"], name="ledger_quarter_date"),
            models.Index(fields=["cycle", "department", "state"], name="ledger_department_state"),
            models.Index(fields=["cycle", "state", "kind"], name="ledger_counted"),
        ]
        verbose_name = pgettext_lazy("singular", "台账记录")
        verbose_name_plural = _("台账记录")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.reason[:20]}"

    @property
    def counts(self) -> bool:
        return rules.counts(self.state)


class Dispute(models.Model):
    """A unit's dispute of a confirmed entry, within the office's window: the department answers
    (uphold, change, withdraw) and the office closes it, which applies the answer."""

    class State(models.TextChoices):
        FILED = "filed", _("待部门答复")
        ANSWERED = "answered", _("待考核办办结")
        CLOSED = "closed", _("已办结")

    class Decision(models.TextChoices):
        PENDING = "", _("待答复")
        UPHELD = rules.UPHELD, _("维持")
        CHANGED = rules.CHANGED, _("修改分值")
        WITHDRAWN = rules.WITHDRAWN, _("撤销")

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="dispute")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.FILED)
    reason = models.TextField(_("异议理由"))
    evidence = models.ManyToManyField("claims.Evidence", related_name="ledger_disputes", blank=True,
                                      verbose_name=_("佐证材料"))
    old_points = models.DecimalField(_("原分值"), max_digits=8, decimal_places=2, null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    decision = models.CharField(_("答复"), max_length=10, choices=Decision.choices, default="", blank=True)
    new_points = models.DecimalField(_("修改后分值"), max_digits=8, decimal_places=2, null=True, blank=True)
    answer = models.TextField(_("答复理由"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    office_comment = models.TextField(_("考核办意见"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("台账异议")
        verbose_name_plural = _("台账异议")


class Basis(models.Model):
    """The ledger a score was decided on: the counted entries of its task when the department
    accepted the proposal, or overrode it with a reason of its own. The scorecards list them."""

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", _("采纳台账建议")
        OVERRIDDEN = "overridden", _("未采纳台账建议")

    score = models.OneToOneField("cycles.Score", on_delete=models.CASCADE, related_name="ledger_basis")
    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    entries = models.ManyToManyField(Entry, related_name="bases", blank=True, verbose_name=_("台账记录"))
    proposal = models.DecimalField(_("台账建议得分"), max_digits=8, decimal_places=2)
    reason = models.TextField(_("理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"))

    class Meta:
        verbose_name = _("评分依据")
        verbose_name_plural = _("评分依据")


class StandingsNotice(FrameDetails):
    """What the office fills in for a quarter's 季度通报 (the results notice's fields). Absent → the
    defaults of `kaohe.ledger.notice.notice_defaults`."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="standings_notices")
    quarter = models.PositiveSmallIntegerField(_("季度"))

    class Meta:
        verbose_name = _("季度通报信息")
        verbose_name_plural = _("季度通报信息")
        constraints = [models.UniqueConstraint(fields=["cycle", "quarter"], name="unique_standings_notice")]
