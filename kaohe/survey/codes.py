"""One-time codes: made for a group (its planned number, or more later), voided when a slip is
lost, counted for the office. The audit trail records how many, never which code.

Codes are kept as text so that the office can print a group's unused slips again (a jammed
printer); whoever reads the code table before the vote could vote with an unused code, as with a
box of blank paper ballots (docs/decisions/2026-12-06-survey-anonymity.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from kaohe.audit.record import record
from kaohe.core.survey import MAX_CODES_PER_GROUP, new_code, normalize_code
from kaohe.survey.definition import SurveyError
from kaohe.survey.models import Code, PublishedSurvey, RaterGroup, Survey


@dataclass(frozen=True)
class CodeCount:
    group: RaterGroup
    issued: int  # not voided
    used: int
    voided: int

    @property
    def unused(self) -> int:
        return self.issued - self.used


def counts(survey: Survey) -> list[CodeCount]:
    """Per group: codes issued (not voided), used and voided. One query."""
    groups = (RaterGroup.objects.filter(survey=survey).order_by("position", "pk").annotate(
        issued=Count("codes", filter=Q(codes__voided=False)),
        used_count=Count("codes", filter=Q(codes__used=True)),
        voided_count=Count("codes", filter=Q(codes__voided=True))))
    return [CodeCount(g, g.issued, g.used_count, g.voided_count) for g in groups]


def _writable(survey: Survey) -> None:
    if survey.state() == "closed" or PublishedSurvey.objects.filter(survey=survey).exists():
        raise SurveyError(_("测评已结束，不能再生成或作废测评码。"), status=409)


@transaction.atomic
def add_codes(group: RaterGroup, count: int | None = None) -> int:
    """Make `count` new codes for the group (default: up to its planned number). Returns how many."""
    group = RaterGroup.objects.select_for_update().select_related("survey").get(pk=group.pk)
    _writable(group.survey)
    existing = Code.objects.filter(group=group).aggregate(n=Count("pk"), last=Max("serial"))
    if count is None:
        count = max(0, group.planned - existing["n"])
    if count < 0 or existing["n"] + count > MAX_CODES_PER_GROUP:
        raise SurveyError(_("每个测评群体最多%(max)d个测评码（已有%(have)d个）。") % {
            "max": MAX_CODES_PER_GROUP, "have": existing["n"]})
    serial = existing["last"] or 0
    made = 0
    while made < count:
        batch = [Code(group=group, code=new_code(), serial=serial + i + 1) for i in range(min(500, count - made))]
        try:
            with transaction.atomic():
                Code.objects.bulk_create(batch)
        except IntegrityError:  # a code equal to an existing one: 1 in 2^54 per pair; make the batch again
            continue
        made += len(batch)
        serial += len(batch)
    if made:
        record("survey.codes.add", "survey", f"survey:{group.survey_id}/group:{group.pk}",
               cycle=group.survey.cycle, new={"group": group.name, "added": made, "total": existing["n"] + made})
    return made


@transaction.atomic
def void_codes(survey: Survey, group: RaterGroup | None = None, serials: Iterable[int] = (),
               codes: Iterable[str] = (), all_unused: bool = False) -> int:
    """Void unused codes: by serial number within `group`, by the code's text, or every unused code
    of `group`. Used codes stay as they are (a ballot cannot be taken back). Returns how many."""
    _writable(survey)
    chosen = Code.objects.filter(group__survey=survey, used=False, voided=False)
    wanted = Q(pk__in=[])
    serials = [int(s) for s in serials]
    if serials or all_unused:
        if group is None:
            raise SurveyError(_("按序号作废时请选择测评群体。"))
        wanted |= Q(group=group, serial__in=serials) if serials else Q(group=group)
    texts = [normalize_code(text) for text in codes]
    if any(text is None for text in texts):
        raise SurveyError(_("有测评码格式不对，请核对。"))
    if texts:
        wanted |= Q(code__in=texts)
    voided = chosen.filter(wanted).update(voided=True)
    if voided:
        record("survey.codes.void", "survey", f"survey:{survey.pk}", cycle=survey.cycle,
               new={"group": group.name if group else None, "voided": voided})
    return voided


def slips(group: RaterGroup, serials: Iterable[int] | None = None) -> list[Code]:
    """The group's codes to print: every unused, not voided code (or those serials), by serial."""
    chosen = Code.objects.filter(group=group, used=False, voided=False)
    if serials is not None:
        chosen = chosen.filter(serial__in=list(serials))
    return list(chosen.order_by("serial"))


def printed(group: RaterGroup, count: int, actor: Any = None) -> None:
    """The audit trail's note of a printed sheet: how many slips, never which."""
    record("survey.codes.print", "survey", f"survey:{group.survey_id}/group:{group.pk}",
           cycle=group.survey.cycle, new={"group": group.name, "slips": count})
