"""Units and departments, editable by the office. A cycle copies them when it opens, so a later
change never rewrites a past cycle (see kaohe.cycles.models.CycleUnit)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

code_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", "编码只能包含小写字母、数字和连字符。")


class Department(models.Model):
    code = models.CharField("编码", max_length=40, unique=True, validators=[code_validator])
    name = models.CharField("名称", max_length=100, unique=True)
    active = models.BooleanField("启用", default=True)
    position = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = verbose_name_plural = "考核部门"

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    CATEGORIES = [(c, c) for c in ("县(市)", "城市区", "功能区", "市直单位")]
    code = models.CharField("编码", max_length=40, unique=True, validators=[code_validator])
    name = models.CharField("名称", max_length=100, unique=True)
    category = models.CharField("类别", max_length=20, choices=CATEGORIES)
    party_organisation = models.CharField("党组织类型", max_length=20, blank=True)
    scheme_name = models.CharField("默认指标体系", max_length=80, blank=True)
    active = models.BooleanField("启用", default=True)
    position = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = verbose_name_plural = "被考核单位"

    def __str__(self) -> str:
        return self.name
