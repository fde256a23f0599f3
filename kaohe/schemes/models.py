"""A scheme is stored twice, on purpose: as its canonical YAML (what the core reads back, so the
checker, diff and exports work on exactly what was imported) and as one row per node (what the
database joins and sums). Both are written together by `kaohe.schemes.store.save_scheme` and
never change once the scheme is published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kaohe.core.scheme import Scheme as CoreScheme
from kaohe.formats.yaml_scheme import loads_yaml


class SchemeQuerySet(models.QuerySet):
    def published(self) -> SchemeQuerySet:
        return self.filter(status=SchemeRecord.Status.PUBLISHED)


class SchemeRecord(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    name = models.CharField(_("名称"), max_length=80, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    year = models.PositiveIntegerField(_("年度"))
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2)
    audience = models.CharField(_("考核对象"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    document = models.TextField(_("YAML 内容"))
    errors = models.PositiveIntegerField(_("错误数"), default=0)
    warnings = models.PositiveIntegerField(_("警告数"), default=0)
    warnings_acknowledged = models.BooleanField(_("已确认警告"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    objects = SchemeQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = pgettext_lazy("singular", "指标体系")
        verbose_name_plural = _("指标体系")

    def __str__(self) -> str:
        return f"{self.title}（{self.name}）"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def core(self) -> CoreScheme:
        """The scheme as core objects, read back from its canonical YAML."""
        return loads_yaml(self.document, f"{self.name}.yaml")


class Node(models.Model):
    LEVELS = [("dimension", _("一级指标")), ("indicator", _("二级指标")), ("criterion", _("三级指标")),
              ("item", _("考核内容"))]

    scheme = models.ForeignKey(SchemeRecord, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField(_("编码"), max_length=40)
    level = models.CharField(_("层级"), max_length=10, choices=LEVELS)
    title = models.TextField(_("标题"))
    points = models.DecimalField(_("分值"), max_digits=8, decimal_places=2, null=True)
    position = models.PositiveIntegerField(_("顺序"))
    depth = models.PositiveSmallIntegerField(_("深度"))
    is_leaf = models.BooleanField(_("评分项"), default=False)
    dimension_code = models.CharField(_("一级指标编码"), max_length=40)
    criterion_code = models.CharField(_("三级指标编码"), max_length=40, blank=True)
    note = models.TextField(_("备注"), blank=True)
    # effective, inherited down to leaves
    departments = models.JSONField(pgettext_lazy("plural", "考核部门"), default=list)
    units = models.JSONField(_("适用单位"), default=list)  # effective applicability: unit names

    class Meta:
        ordering = ["scheme", "position"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="unique_node_code")]
        indexes = [models.Index(fields=["scheme", "is_leaf"])]
        verbose_name = _("指标节点")
        verbose_name_plural = pgettext_lazy("plural", "指标节点")

    def __str__(self) -> str:
        return f"{self.code} {self.title[:30]}"

    @property
    def owner(self) -> str:
        """The department that scores this item: the first one named (see docs/decisions)."""
        return self.departments[0] if self.departments else ""
