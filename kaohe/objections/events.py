"""The words of the objections' audit events (kaohe.audit.vocabulary): filing, the departments'
answers, the office's confirmation or return. Registered in ObjectionsConfig.ready()."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kaohe.audit.vocabulary import Field, actions, key_part, label_of, object_type
from kaohe.objections.models import Objection, ObjectionItem


def objection_names(pairs: Collection[tuple[int | None, str]]) -> dict[tuple[int | None, str], str]:
    ids = {int(value) for _cycle, value in pairs if value.isdigit()}
    filed = dict(Objection.objects.filter(pk__in=ids).values_list("pk", "filed_at"))
    return {(cycle_id, value): _("第%(number)s号（%(date)s提出）") % {
        "number": value, "date": f"{filed[int(value)]:%Y-%m-%d}"}
        for cycle_id, value in pairs if value.isdigit() and int(value) in filed}


def _version(value: object) -> object:
    return _("第%(version)s版") % {"version": value} if isinstance(value, int) else None


def _reasons(value: object) -> object:
    """Each item's reason as filed ({code: reason}): "1.2.1.1：reason；1.2.1.2：reason"."""
    if not isinstance(value, dict):
        return None
    return _("；").join(_("%(code)s：%(reason)s") % {"code": code, "reason": reason} for code, reason in value.items())


def register() -> None:
    actions({
        "objection.file": gettext_lazy("提出异议"),
        "objection.answer": gettext_lazy("答复异议"),
        "objection.confirm": gettext_lazy("确认异议答复"),
        "objection.send_back": gettext_lazy("退回异议答复"),
    })
    object_type("objection", Objection._meta.verbose_name, {
        "version": Field(label_of(Objection, "version"), choices=_version),
        "items": Field(gettext_lazy("异议的考核内容"), refers="item"),
        "reasons": Field(gettext_lazy("各项的异议理由"), choices=_reasons),
        "evidence": gettext_lazy("佐证材料数"),
        "decision": Field(label_of(ObjectionItem, "decision"),
                          choices=dict(ObjectionItem.Decision.choices)),
        "points": label_of(ObjectionItem, "new_points"),
        "answer": label_of(ObjectionItem, "answer"),
        "changed": Field(gettext_lazy("修改了评分的考核内容"), refers="item"),
        "result_version": Field(label_of(Objection, "result_version"), choices=_version),
    })
    key_part("objection", pgettext_lazy("noun", "异议"), objection_names)
