"""Units and departments, editable by the office. A cycle copies them when it opens, so a later
change never rewrites a past cycle (see kaohe.cycles.models.CycleUnit)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

code_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("编码只能包含小写字母、数字和连字符。"))


class Department(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100, unique=True)
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("考核部门")
        verbose_name_plural = pgettext_lazy("plural", "考核部门")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    CATEGORIES = [(c, c) for c in ("县(市)", "城市区", "功能区", "市直单位")]
    code = models.CharField(_("编码"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100, unique=True)
    category = models.CharField(_("类别"), max_length=20, choices=CATEGORIES)
    party_organisation = models.CharField(_("党组织类型"), max_length=20, blank=True)
    scheme_name = models.CharField(_("默认指标体系"), max_length=80, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = pgettext_lazy("singular", "被考核单位")
        verbose_name_plural = _("被考核单位")

    def __str__(self) -> str:
        return self.name
