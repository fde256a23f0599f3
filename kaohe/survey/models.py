"""民主测评: a survey of a cycle, its rater groups, one-time codes and anonymous ballots.

Anonymity is a property of these tables (docs/decisions/2026-12-06-survey-anonymity.md): a `Code`
keeps its group, its text, its serial number on the printed sheet and two flags (used, voided) —
no time, no reference to a ballot; a `Ballot` keeps its group, its answers and a random id — no
time, no reference to a code, no sequence. `kaohe.survey.voting` writes both in one transaction
and leaves the group's ballots in a fresh random order; tests/web/survey/test_survey_anonymity.py
inspects the schema for any link.

The definition (targets, questions, valid-ballot rule, minimum group size, window) is editable
until the window opens; `kaohe.survey.definition.definition_of` turns it into the core's
`Definition` (kaohe/core/survey.py), which does all the arithmetic.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def default_questions() -> list[dict]:
    return [{"key": "overall", "text": "总体评价", "weight": "1",
             "options": [{"label": "好", "points": "100"}, {"label": "较好", "points": "80"},
                         {"label": "一般", "points": "60"}, {"label": "差", "points": "40"}]}]


class Survey(models.Model):
    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="surveys")
    name = models.CharField(_("名称"), max_length=120)
    targets = models.JSONField(_("被测评对象"), default=list)  # unit codes of the cycle, in order
    questions = models.JSONField(_("测评问题"), default=default_questions)
    valid_numerator = models.PositiveSmallIntegerField(_("有效票：至少评价的比例（分子）"), default=2)
    valid_denominator = models.PositiveSmallIntegerField(_("有效票：至少评价的比例（分母）"), default=3)
    min_group_size = models.PositiveSmallIntegerField(_("分组显示的最少人数"), default=5)
    abstain_allowed = models.BooleanField(_("允许弃权"), default=True)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("结束时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-opens_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["cycle", "name"], name="unique_survey_name")]
        verbose_name = _("民主测评")
        verbose_name_plural = _("民主测评")

    def __str__(self) -> str:
        return self.name

    def state(self, now=None) -> str:
        """"draft" before the window, "open" inside it, "closed" after it (published is separate)."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "draft"
        return "open" if now < self.closes_at else "closed"


class RaterGroup(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("测评群体"), max_length=60)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=4)
    planned = models.PositiveIntegerField(_("计划测评码数"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["survey", "position", "pk"]
        verbose_name = _("测评群体")
        verbose_name_plural = _("测评群体")

    def __str__(self) -> str:
        return self.name


class Code(models.Model):
    """A one-time code. No time and no ballot: only whether it was used or voided."""

    group = models.ForeignKey(RaterGroup, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("测评码"), max_length=12, unique=True)
    serial = models.PositiveIntegerField(_("序号"))  # printed on the slip, to void a lost one by number
    used = models.BooleanField(_("已使用"), default=False)
    voided = models.BooleanField(_("已作废"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "serial"], name="unique_code_serial")]
        verbose_name = _("测评码")
        verbose_name_plural = _("测评码")


class Ballot(models.Model):
    """An anonymous ballot: its group, its answers ({target: [option per question]}) and a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(RaterGroup, on_delete=models.PROTECT, related_name="ballots")
    answers = models.JSONField()

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")


class CodeAttempt(models.Model):
    """A refused code from a client address, for rate limiting guesses (never the code itself)."""

    address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="survey_attempt_address")]


class ResultImmutable(Exception):
    """Published survey results are never changed or deleted."""


class PublishedSurvey(models.Model):
    """A survey's published results: the definition and every figure, never changed. Its scores
    are the values of a weighted component of the cycle's results (kaohe.results.service)."""

    survey = models.OneToOneField(Survey, on_delete=models.PROTECT, related_name="published")
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    results = models.JSONField(_("结果"))

    class Meta:
        verbose_name = _("已发布测评结果")
        verbose_name_plural = _("已发布测评结果")

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ResultImmutable("published survey results cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ResultImmutable("published survey results cannot be deleted")
