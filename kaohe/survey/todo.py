"""The survey's to-do entries (registered in kaohe.survey.apps), one query each:

- the office: a survey open now, with how many of its codes were used; a survey whose window has
  not opened and has groups without their codes; a survey that has ended and waits to be published;
- a unit user: the published surveys that rated its unit, with its score (its own figures page).
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.accounts.permissions import in_unit, is_office
from kaohe.cycles.access import visible_cycles
from kaohe.notify.todo import Todo
from kaohe.survey.models import PublishedSurvey, RaterGroup, Survey
from kaohe.survey.outcome import unit_row


def office_entries(user: User) -> list[Todo]:
    if not is_office(user):
        return []
    now = timezone.now()
    missing_codes = (RaterGroup.objects.filter(survey=OuterRef("pk")).annotate(made=Count("codes"))
                     .filter(made__lt=F("planned")))
    surveys = (Survey.objects.filter(published__isnull=True)
               .annotate(issued=Count("groups__codes", filter=Q(groups__codes__voided=False)),
                         used=Count("groups__codes", filter=Q(groups__codes__used=True)),
                         codes_missing=Exists(missing_codes))
               .order_by("opens_at", "pk"))
    entries = []
    for survey in surveys:
        url = reverse("survey:detail", args=[survey.pk])
        names = {"name": survey.name, "used": survey.used, "issued": survey.issued}
        state = survey.state(now)
        if state == "open":
            entries.append(Todo(_("民主测评“%(name)s”进行中：已投票 %(used)d / %(issued)d 个测评码") % names, url))
        elif state == "closed":
            entries.append(Todo(_("民主测评“%(name)s”已结束（%(used)d 张选票），结果待发布") % names, url))
        elif survey.codes_missing:
            entries.append(Todo(_("民主测评“%(name)s”还有测评群体未生成测评码") % names, url))
    return entries



def unit_entries(user: User) -> list[Todo]:
    if not in_unit(user):
        return []
    assert user.unit is not None
    published = (PublishedSurvey.objects.filter(survey__cycle__in=visible_cycles(user))
                 .select_related("survey").order_by("-published_at"))
    entries = []
    for record in published:
        row = unit_row(record, user.unit.code)
        if row is not None:
            entries.append(Todo(_("民主测评“%(name)s”结果已发布：本单位得分 %(score)s") % {
                "name": record.survey.name, "score": row["score"]}, reverse("survey:results", args=[record.survey_id])))
    return entries
