"""The self-assessment's part of the cockpit (kaohe.cycles.cockpit), registered in kaohe.claims.apps:
the section 各单位自评 — each unit's self-assessment (submitted, being filled in with how many
criteria claimed, or not started), with the deadline. The page shows every unit up to
`SHOWN` and beyond that the counts and the units not yet submitted; the data has every unit.
Three queries whatever the number of units."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.claims.models import Claim, SelfAssessment
from kaohe.cycles.cockpit import Section
from kaohe.cycles.models import Cycle, CycleUnit

SHOWN = 200


def self_assessment_section(cycle: Cycle) -> Section | None:
    if cycle.status == Cycle.Status.DRAFT:
        return None
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code").values_list("pk", "code", "name"))
    states = dict(SelfAssessment.objects.filter(cycle=cycle).values_list("unit_id", "state"))
    claimed = dict(Claim.objects.filter(cycle=cycle, points__isnull=False).order_by().values("unit")
                   .annotate(n=Count("pk")).values_list("unit", "n"))
    rows = []
    for pk, code, name in units:
        if states.get(pk) == SelfAssessment.State.SUBMITTED:
            state, label = "submitted", _("已提交")
        elif claimed.get(pk):
            state, label = "draft", _("填报中")
        else:
            state, label = "none", _("未开始")
        rows.append({"code": code, "name": name, "state": state, "state_label": label, "claimed": claimed.get(pk, 0)})
    submitted = sum(1 for row in rows if row["state"] == "submitted")
    data = {"units": len(rows), "submitted": submitted,
            "deadline": cycle.self_assessment_deadline.isoformat() if cycle.self_assessment_deadline else None,
            "rows": rows}
    shown = rows if len(rows) <= SHOWN else [row for row in rows if row["state"] != "submitted"][:SHOWN]
    lines = (_("已提交%(submitted)d个，共%(units)d个单位") % data,) + tuple(
        f"{row['name']}\t{row['state_label']}\t{row['claimed']}" for row in rows if row["state"] != "submitted")
    return Section("self_assessment", _("各单位自评"), "claims/cockpit.html", data, lines,
                   {"shown": shown, "all_shown": len(shown) == len(rows),
                    "overview_url": reverse("claims:overview", args=[cycle.pk])})
