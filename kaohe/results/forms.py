"""The office's forms on the results page. They check what a person types (numbers, required
fields); the rules themselves (weights sum to 1, thresholds in order, quota ≤ 100 %, …) are the
core's `validate_rules`, which the view shows as form errors through `kaohe.results.service`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.core import text
from kaohe.core.points import PointsError, format_points, parse_typed
from kaohe.core.text import ADJUSTMENT_DOCUMENT, ADJUSTMENT_REASON
from kaohe.cycles.forms import PointsField
from kaohe.cycles.models import CycleUnit
from kaohe.cycles.scoring import typed_message
from kaohe.results.models import Adjustment, DocumentTemplate, ResultSettings

COMPONENT_ROWS = 4
GRADE_ROWS = 6
KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
QUOTA_KINDS = [("", gettext_lazy("不限")), ("share", gettext_lazy("按比例（%）")), ("count", gettext_lazy("按名额"))]


class SettingsForm(forms.Form):
    """Components (up to 4 rows), bonus cap, grade bands (up to 6 rows), top-grade quota, rank
    places and each unit's ranking group. Empty rows are ignored."""

    bonus_cap = forms.DecimalField(label=gettext_lazy("加分上限"), min_value=Decimal(0), max_digits=6,
                                   decimal_places=2)
    quota_kind = forms.ChoiceField(label=gettext_lazy("最高等次限额"), choices=QUOTA_KINDS, required=False)
    quota_value = forms.DecimalField(label=gettext_lazy("比例（%）或名额"), required=False, min_value=Decimal(0),
                                     max_digits=8, decimal_places=2)
    rank_places = forms.IntegerField(label=gettext_lazy("排名比较的小数位数"), min_value=0, max_value=6)

    def __init__(self, *args: Any, units: Sequence[CycleUnit] = (), sources: Sequence[tuple[int | str, str]] = (),
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.units = list(units)
        source_choices = [("", _("逐单位录入"))] + [(str(source), name) for source, name in sources]
        for i in range(COMPONENT_ROWS):
            self.fields[f"component_key_{i}"] = forms.CharField(required=False, max_length=40)
            self.fields[f"component_label_{i}"] = forms.CharField(required=False, max_length=40)
            self.fields[f"component_weight_{i}"] = forms.DecimalField(required=False, max_digits=6, decimal_places=4)
            self.fields[f"component_source_{i}"] = forms.ChoiceField(required=False, choices=source_choices)
        for i in range(GRADE_ROWS):
            self.fields[f"grade_name_{i}"] = forms.CharField(required=False, max_length=20)
            self.fields[f"grade_threshold_{i}"] = forms.DecimalField(required=False, max_digits=6, decimal_places=2)
        for unit in self.units:
            self.fields[f"group_{unit.code}"] = forms.CharField(required=False, max_length=40, label=unit.name)

    # -- rows for the template
    def component_rows(self) -> list[tuple]:
        return [(self[f"component_key_{i}"], self[f"component_label_{i}"], self[f"component_weight_{i}"],
                 self[f"component_source_{i}"]) for i in range(COMPONENT_ROWS)]

    def grade_rows(self) -> list[tuple]:
        return [(self[f"grade_name_{i}"], self[f"grade_threshold_{i}"]) for i in range(GRADE_ROWS)]

    def group_rows(self) -> list[tuple]:
        return [(unit, self[f"group_{unit.code}"]) for unit in self.units]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(COMPONENT_ROWS):
            key, weight = data.get(f"component_key_{i}", "").strip(), data.get(f"component_weight_{i}")
            if key and not KEY.match(key):
                self.add_error(f"component_key_{i}", _("编码只能用字母、数字、下划线和短横线，以字母开头。"))
            if key and weight is None:
                self.add_error(f"component_weight_{i}", _("请填写权重。"))
            if not key and weight is not None:
                self.add_error(f"component_key_{i}", _("请填写构成项编码。"))
        for i in range(GRADE_ROWS):
            name, threshold = data.get(f"grade_name_{i}", "").strip(), data.get(f"grade_threshold_{i}")
            if name and threshold is None:
                self.add_error(f"grade_threshold_{i}", _("请填写分数线。"))
            if not name and threshold is not None:
                self.add_error(f"grade_name_{i}", _("请填写等次名称。"))
        kind, value = data.get("quota_kind"), data.get("quota_value")
        if kind and value is None:
            self.add_error("quota_value", _("请填写比例或名额。"))
        if kind == "count" and value is not None and value != value.to_integral_value():
            self.add_error("quota_value", _("名额必须是整数。"))
        return data

    def values(self) -> dict[str, Any]:
        """The cleaned form as ResultSettings field values."""
        data = self.cleaned_data
        components = []
        for i in range(COMPONENT_ROWS):
            key = data.get(f"component_key_{i}", "").strip()
            if key:
                component = {"key": key, "label": data.get(f"component_label_{i}", "").strip() or key,
                             "weight": format_points(data[f"component_weight_{i}"])}
                source = data.get(f"component_source_{i}") or ""
                if source.startswith("survey:"):
                    component["survey"] = int(source.removeprefix("survey:"))  # a published survey's scores
                elif source:
                    component["cycle"] = int(source)  # finals of another cycle
                components.append(component)
        grades = []
        for i in range(GRADE_ROWS):
            name = data.get(f"grade_name_{i}", "").strip()
            if name:
                grades.append({"name": name, "threshold": format_points(data[f"grade_threshold_{i}"])})
        kind, value = data.get("quota_kind"), data.get("quota_value")
        groups = {}
        for unit in self.units:
            group = data.get(f"group_{unit.code}", "").strip()
            if group and group != unit.category:
                groups[unit.code] = group
        return {
            "components": components, "bonus_cap": data["bonus_cap"], "grades": grades,
            "quota_share": value / 100 if kind == "share" and value is not None else None,
            "quota_count": int(value) if kind == "count" and value is not None else None,
            "rank_places": data["rank_places"], "groups": groups,
        }


def settings_initial(settings: ResultSettings, units: list[CycleUnit]) -> dict[str, Any]:
    initial: dict[str, Any] = {"bonus_cap": format_points(settings.bonus_cap), "rank_places": settings.rank_places}
    for i, component in enumerate(settings.components[:COMPONENT_ROWS]):
        initial[f"component_key_{i}"] = component["key"]
        initial[f"component_label_{i}"] = component.get("label", "")
        initial[f"component_weight_{i}"] = component["weight"]
        initial[f"component_source_{i}"] = (f"survey:{component['survey']}" if component.get("survey")
                                             else str(component.get("cycle", "")))
    for i, grade in enumerate(settings.grades[:GRADE_ROWS]):
        initial[f"grade_name_{i}"] = grade["name"]
        initial[f"grade_threshold_{i}"] = grade["threshold"]
    if settings.quota_share is not None:
        initial["quota_kind"], initial["quota_value"] = "share", format_points(Decimal(settings.quota_share) * 100)
    elif settings.quota_count is not None:
        initial["quota_kind"], initial["quota_value"] = "count", str(settings.quota_count)
    groups = settings.groups or {}
    for unit in units:
        initial[f"group_{unit.code}"] = groups.get(unit.code) or unit.category
    return initial


class AdjustmentForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("被考核单位"))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Adjustment.Kind.choices)
    points = PointsField(label=gettext_lazy("分值"), required=False, min_value=Decimal(0), max_digits=8,
                                decimal_places=2, help_text=gettext_lazy("加分、扣分填写；等次上限和一票否决不填。"))
    reason = forms.CharField(label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
                             max_length=ADJUSTMENT_REASON.limit, error_messages={"required": gettext_lazy("请填写调整理由。")})
    document = forms.CharField(label=gettext_lazy("依据文件"), required=False, max_length=ADJUSTMENT_DOCUMENT.limit)
    cap = forms.ChoiceField(label=gettext_lazy("最高等次"), required=False,
                            help_text=gettext_lazy("仅用于等次上限。"))

    def __init__(self, *args: Any, units: Sequence[CycleUnit] = (), grades: Sequence[str] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [
            (u.code, _("%(name)s（%(category)s）") % {"name": u.name, "category": u.category}) for u in units]
        cast(forms.ChoiceField, self.fields["cap"]).choices = [("", "—")] + [(name, name) for name in grades]


def component_values(post: Mapping[str, str], units: list[CycleUnit], keys: list[str]) -> tuple[
        dict[tuple[str, str], Decimal | None], list[str]]:
    """The component grid's fields `value:<unit code>:<key>` → {(code, key): value or None}, errors."""
    values: dict[tuple[str, str], Decimal | None] = {}
    errors = []
    for unit in units:
        for key in keys:
            name = f"value:{unit.code}:{key}"
            if name not in post:
                continue
            raw = post[name]
            try:
                values[(unit.code, key)] = parse_typed(raw)
            except PointsError as error:
                errors.append(_("%(unit)s：%(problem)s") % {"unit": unit.name, "problem": typed_message(raw, error)})
    return values, errors


CHINESE = {"lang": "zh-hans"}  # the notice is a Chinese document whatever the page's language


class NoticeForm(forms.Form):
    """The notice's details (kaohe.results.documents.save_notice cleans them by the one text rule)."""

    issuer = forms.CharField(label=gettext_lazy("发文机关"), required=False, max_length=text.NOTICE_ISSUER.limit,
                             widget=forms.TextInput(attrs=CHINESE),
                             help_text=gettext_lazy("如“中共洛阳市委党的建设工作领导小组”；发文机关标志为“发文机关＋文件”。"))
    number = forms.CharField(label=gettext_lazy("发文字号"), required=False, max_length=text.NOTICE_NUMBER.limit,
                             widget=forms.TextInput(attrs=CHINESE),
                             help_text=gettext_lazy("如“洛党建〔2019〕1号”；年份的方括号或圆括号会改为六角括号〔〕。"))
    title = forms.CharField(label=gettext_lazy("标题"), required=False, max_length=text.NOTICE_TITLE.limit,
                            widget=forms.TextInput(attrs=CHINESE),
                            help_text=gettext_lazy("较长的标题按标准自动断行（词不拆开）；要自行指定断行处，在该处输入“|”。"))
    recipients = forms.CharField(label=gettext_lazy("主送机关"), required=False, max_length=text.NOTICE_RECIPIENTS.limit,
                                 widget=forms.TextInput(attrs=CHINESE))
    copies = forms.CharField(label=gettext_lazy("抄送机关"), required=False, max_length=text.NOTICE_COPIES.limit,
                             widget=forms.TextInput(attrs=CHINESE))
    printer = forms.CharField(label=gettext_lazy("印发机关"), required=False, max_length=text.NOTICE_PRINTER.limit,
                              widget=forms.TextInput(attrs=CHINESE),
                              help_text=gettext_lazy("空着时为“发文机关＋办公室”。"))
    day = forms.DateField(label=gettext_lazy("成文日期"), widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"required": gettext_lazy("请填写成文日期。"),
                                          "invalid": gettext_lazy("成文日期应为“2019-01-20”这样的日期。")})
    opening = forms.CharField(label=gettext_lazy("开头段落"), required=False, max_length=text.NOTICE_OPENING.limit,
                              widget=forms.Textarea(attrs={"rows": 4, **CHINESE}), help_text=gettext_lazy("每行一段。"))
    closing = forms.CharField(label=gettext_lazy("结尾段落"), required=False, max_length=text.NOTICE_CLOSING.limit,
                              widget=forms.Textarea(attrs={"rows": 3, **CHINESE}), help_text=gettext_lazy("每行一段。"))


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("文书"), choices=DocumentTemplate.Kind.choices)
    scope = forms.ChoiceField(label=gettext_lazy("适用范围"), choices=[
        ("cycle", gettext_lazy("仅本考核周期")), ("installation", gettext_lazy("全系统（各考核周期）"))])
    file = forms.FileField(label=gettext_lazy("Word 模板（.docx）"))
