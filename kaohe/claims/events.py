"""The words of the units' side's audit events (kaohe.audit.vocabulary): claims, the
self-assessment's submission and return, evidence files, and the office's settings for the units'
side of a cycle. Registered in ClaimsConfig.ready()."""

from __future__ import annotations

from collections.abc import Collection

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from kaohe.audit.vocabulary import Field, actions, key_part, label_of, object_type
from kaohe.claims.models import Claim, Evidence
from kaohe.cycles.events import node_names
from kaohe.cycles.models import Cycle


def evidence_names(pairs: Collection[tuple[int | None, str]]) -> dict[tuple[int | None, str], tuple[str, str]]:
    ids = {int(value) for _cycle, value in pairs if value.isdigit()}
    names = dict(Evidence.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {(cycle_id, value): ("", names[int(value)]) for cycle_id, value in pairs
            if value.isdigit() and int(value) in names}


def _size(value: object) -> object:
    return filesizeformat(value) if isinstance(value, int) else None


def register() -> None:
    actions({
        "claim.update": _("填写自评"),
        "self_assessment.submit": _("提交自评"),
        "self_assessment.reopen": _("退回自评"),
        "evidence.upload": _("上传佐证材料"),
        "evidence.criteria": _("修改佐证材料对应的指标"),
        "evidence.delete": _("删除佐证材料"),
        "cycle.unit_side": _("修改自评与异议设置"),
    })
    object_type("claim", Claim._meta.verbose_name, {
        "points": label_of(Claim, "points"),
        "explanation": label_of(Claim, "explanation"),
        "version": Field(_("版本"), hidden=True),
    })
    object_type("self_assessment", _("单位自评"), {"criteria": _("自评的指标数")})
    object_type("evidence", Evidence._meta.verbose_name, {
        "name": Field(label_of(Evidence, "name"), identifier=True),
        "sha256": Field("SHA-256", hidden=True),
        "size": Field(_("大小"), choices=_size),
        "type": label_of(Evidence, "kind"),
        "purpose": Field(label_of(Evidence, "purpose"), choices=dict(Evidence.Purpose.choices)),
        "criteria": Field(_("对应指标"), refers="criterion"),
    })
    object_type("cycle", None, {
        "self_assessment_deadline": label_of(Cycle, "self_assessment_deadline"),
        "objection_deadline": label_of(Cycle, "objection_deadline"),
        "evidence_max_mb": label_of(Cycle, "evidence_max_mb"),
        "evidence_max_files": label_of(Cycle, "evidence_max_files"),
        "evidence_expected": Field(label_of(Cycle, "evidence_expected"), refers="criterion"),
    })
    key_part("criterion", _("指标"), node_names)
    key_part("evidence", Evidence._meta.verbose_name, evidence_names)
