"""The words of the surveys' audit events (kaohe.audit.vocabulary): a survey saved, its window
changed, its codes made, voided and printed, its results published. Registered in SurveyConfig.ready()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.audit.vocabulary import Field, actions, key_part, label_of, object_type
from kaohe.survey.models import RaterGroup, Survey

Pairs = Collection[tuple[int | None, str]]


def survey_names(pairs: Pairs) -> dict[tuple[int | None, str], str]:
    names = dict(Survey.objects.filter(pk__in={int(v) for _c, v in pairs if v.isdigit()}).values_list("pk", "name"))
    return {(c, v): names[int(v)] for c, v in pairs if v.isdigit() and int(v) in names}


def group_names(pairs: Pairs) -> dict[tuple[int | None, str], str]:
    names = dict(RaterGroup.objects.filter(pk__in={int(v) for _c, v in pairs if v.isdigit()})
                 .values_list("pk", "name"))
    return {(c, v): names[int(v)] for c, v in pairs if v.isdigit() and int(v) in names}


def _time(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if timezone.is_aware(moment) else f"{moment:%Y-%m-%d %H:%M}"


def _questions(value: Any) -> Any:
    if not isinstance(value, list):
        return None
    return _("；").join(_("%(text)s 占%(share)s%%") % {
        "text": q.get("text", ""), "share": _share(q.get("weight", "0"))} for q in value if isinstance(q, dict))


def _groups(value: Any) -> Any:
    if not isinstance(value, list):
        return None
    return _("；").join(_("%(name)s 占%(share)s%%，计划%(planned)s人") % {
        "name": g.get("name", ""), "share": _share(g.get("weight", "0")), "planned": g.get("planned", "")}
        for g in value if isinstance(g, dict))


def _share(weight: Any) -> str:
    try:
        return format((float(weight) * 100), "g")
    except (TypeError, ValueError):
        return str(weight)


def register() -> None:
    actions({
        "survey.save": gettext_lazy("保存民主测评"),
        "survey.window": gettext_lazy("修改测评时间"),
        "survey.publish": gettext_lazy("发布测评结果"),
        "survey.codes.add": gettext_lazy("生成测评码"),
        "survey.codes.void": gettext_lazy("作废测评码"),
        "survey.codes.print": gettext_lazy("打印测评码"),
    })
    model = Survey
    object_type("survey", Survey._meta.verbose_name, {
        "name": label_of(model, "name"),
        "targets": Field(gettext_lazy("被测评单位"), refers="unit"),
        "questions": Field(gettext_lazy("测评问题"), choices=_questions),
        "valid": gettext_lazy("有效票条件"),
        "min_group_size": label_of(model, "min_group_size"),
        "abstain_allowed": label_of(model, "abstain_allowed"),
        "opens_at": Field(label_of(model, "opens_at"), choices=_time),
        "closes_at": Field(label_of(model, "closes_at"), choices=_time),
        "groups": Field(gettext_lazy("测评群体"), choices=_groups),
        "group": gettext_lazy("测评群体"),
        "added": gettext_lazy("新生成"),
        "total": gettext_lazy("共有"),
        "voided": gettext_lazy("作废数"),
        "slips": gettext_lazy("打印张数"),
        "cast": gettext_lazy("投票数"),
    })
    key_part("survey", Survey._meta.verbose_name, survey_names)
    key_part("group", gettext_lazy("测评群体"), group_names)
