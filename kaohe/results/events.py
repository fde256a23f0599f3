"""The words of the results' audit events (kaohe.audit.vocabulary): the settings, adjustments,
entered component values and publications. Registered in ResultsConfig.ready()."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.audit.vocabulary import Field, actions, key_part, label_of, object_type
from kaohe.results import service
from kaohe.results.models import Adjustment, DocumentTemplate, NoticeDetails, ResultSettings

Pairs = Collection[tuple[int | None, str]]


def version_names(pairs: Pairs) -> dict[tuple[int | None, str], str]:
    """"v2" → 第2版."""
    return {(cycle_id, value): _("第%(version)s版") % {"version": value[1:]}
            for cycle_id, value in pairs if value.startswith("v") and value[1:].isdigit()}


def adjustment_names(pairs: Pairs) -> dict[tuple[int | None, str], str]:
    ids = {int(value) for _cycle, value in pairs if value.isdigit()}
    kinds = dict(Adjustment.Kind.choices)
    found = {pk: kinds.get(kind, kind) for pk, kind in Adjustment.objects.filter(pk__in=ids).values_list("pk", "kind")}
    return {(cycle_id, value): _("%(kind)s（第%(number)s号）") % {"kind": found.get(int(value), ""), "number": value}
            if int(value) in found else _("第%(number)s号") % {"number": value}
            for cycle_id, value in pairs if value.isdigit()}


def component_names(pairs: Pairs) -> dict[tuple[int | None, str], str]:
    settings = dict(ResultSettings.objects.filter(cycle_id__in={c for c, _v in pairs if c is not None})
                    .values_list("cycle_id", "components"))
    names = {}
    for cycle_id, key in pairs:
        for component in settings.get(cycle_id, []) if cycle_id is not None else []:
            if component.get("key") == key:
                names[(cycle_id, key)] = service.component_label(component)
    return names


def template_names(pairs: Pairs) -> dict[tuple[int | None, str], str]:
    """"notice:5" → 通报（本考核周期）, "scorecard:installation" → 得分表（全系统）."""
    kinds = dict(DocumentTemplate.Kind.choices)
    names = {}
    for cycle_id, value in pairs:
        kind, _colon, scope = value.partition(":")
        if kind in kinds:
            where = _("全系统") if scope == "installation" else _("本考核周期")
            names[(cycle_id, value)] = _("%(kind)s（%(scope)s）") % {"kind": kinds[kind], "scope": where}
    return names


def _components(value: Any) -> Any:
    if not isinstance(value, list):
        return None
    return " + ".join(_("%(label)s 占%(share)s%%") % {
        "label": service.component_label(c), "share": service.share(c.get("weight", 0))}
        for c in value if isinstance(c, dict) and "key" in c) or _("（空）")


def _grades(value: Any) -> Any:
    if not isinstance(value, list):
        return None
    return _("；").join(_("%(name)s ≥ %(threshold)s") % {"name": g.get("name", ""), "threshold": g.get("threshold", "")}
                       for g in value if isinstance(g, dict)) or _("（空）")


def _groups(value: Any) -> Any:
    if not isinstance(value, dict):
        return None
    return _("、").join(f"{unit}→{group}" for unit, group in value.items()) or _("按单位类别分组")


def _share(value: Any) -> Any:
    return None if value in (None, "") else f"{service.share(value)}%"


def register() -> None:
    actions({
        "results.settings": gettext_lazy("修改结果设置"),
        "results.adjustment.add": gettext_lazy("添加结果调整"),
        "results.adjustment.delete": gettext_lazy("删除结果调整"),
        "results.component": gettext_lazy("录入构成项分值"),
        "results.publish": gettext_lazy("发布结果"),
        "results.notice": gettext_lazy("填写通报信息"),
        "results.template": gettext_lazy("上传文书模板"),
        "results.template.reset": gettext_lazy("恢复默认文书模板"),
    })
    model = ResultSettings
    object_type("results", gettext_lazy("考核结果"), {
        "components": Field(label_of(model, "components"), choices=_components),
        "bonus_cap": label_of(model, "bonus_cap"),
        "grades": Field(label_of(model, "grades"), choices=_grades),
        "quota_share": Field(label_of(model, "quota_share"), choices=_share),
        "quota_count": label_of(model, "quota_count"),
        "rank_places": label_of(model, "rank_places"),
        "groups": Field(label_of(model, "groups"), choices=_groups),
        "unit": Field(gettext_lazy("单位"), refers="unit"),
        "kind": Field(label_of(Adjustment, "kind"), choices=dict(Adjustment.Kind.choices)),
        "points": label_of(Adjustment, "points"),
        "reason": label_of(Adjustment, "reason"),
        "document": label_of(Adjustment, "document"),
        "cap": label_of(Adjustment, "cap"),
        "value": gettext_lazy("分值"),
        "version": Field(gettext_lazy("版本"), choices=lambda v: _("第%(version)s版") % {"version": v}
                         if isinstance(v, int) else None),
        "units": gettext_lazy("单位数"),
        "incomplete": gettext_lazy("评分不完整的单位"),
        **{name: label_of(NoticeDetails, name) for name in
           ("issuer", "number", "title", "recipients", "copies", "printer", "day", "opening", "closing")},
        "name": label_of(DocumentTemplate, "name"),
        "size": label_of(DocumentTemplate, "size"),
        "sha256": Field(gettext_lazy("校验值"), hidden=True),
        "templates": gettext_lazy("删除的模板数"),
    })
    key_part("results", gettext_lazy("已发布结果"), version_names)
    key_part("settings", gettext_lazy("结果设置"))
    key_part("adjustment", gettext_lazy("结果调整"), adjustment_names)
    key_part("component", gettext_lazy("构成项"), component_names)
    key_part("notice", gettext_lazy("通报"))
    key_part("template", gettext_lazy("文书模板"), template_names)
