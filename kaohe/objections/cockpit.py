"""The objections' part of the cockpit (kaohe.cycles.cockpit), registered in kaohe.objections.apps:

- the stage 异议处理, for a locked cycle whose results are published: the office confirms the
  objections the departments have answered; it waits while departments still have items to
  answer, and while the objection window is open. A cycle with neither (the window closed, or
  none set) has finished its year. One query for any number of cycles.
- the section 成绩异议: how many objections wait for the departments, for the office, or are
  closed, and the open ones with their units. One query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kaohe.cycles.cockpit import Action, Section, Step
from kaohe.cycles.models import Cycle
from kaohe.objections.flow import OPEN_STATES
from kaohe.objections.models import Objection

S = Objection.State


def objections_stage(cycles: Sequence[Cycle]) -> dict[int, Step]:
    locked = [cycle for cycle in cycles if cycle.status == Cycle.Status.LOCKED]
    if not locked:
        return {}
    counts: dict[int, Counter] = {cycle.pk: Counter() for cycle in locked}
    for cycle_id, state, count in (Objection.objects.filter(cycle__in=locked, state__in=OPEN_STATES).order_by()
                                   .values_list("cycle", "state").annotate(n=Count("pk"))):
        counts[cycle_id][state] = count
    today = timezone.localdate()
    steps = {}
    for cycle in locked:
        answered, filed = counts[cycle.pk][S.ANSWERED], counts[cycle.pk][S.FILED]
        url = reverse("objections:list", args=[cycle.pk])
        waiting = (ngettext("%(count)d条异议待考核部门答复", "%(count)d条异议待考核部门答复", filed) % {"count": filed},) \
            if filed else ()
        deadline = cycle.objection_deadline
        window = deadline is not None and today <= deadline
        notes = (_("异议期至%(date)s。") % {"date": deadline.isoformat()},) if deadline is not None and window else ()
        if answered:
            steps[cycle.pk] = Step("confirm_objections", ngettext(
                "确认考核部门对异议的答复（%(count)d条），有修改的将重新发布结果",
                "确认考核部门对异议的答复（%(count)d条），有修改的将重新发布结果", answered) % {"count": answered},
                Action(_("处理异议"), url, post=False), waiting, notes)
        elif filed:
            steps[cycle.pk] = Step("wait_objections", _("等待考核部门答复异议"), None, waiting, notes)
        elif deadline is not None and window:
            steps[cycle.pk] = Step("objection_window", _("异议期：被考核单位可于%(date)s前对结果提出异议") % {
                "date": deadline.isoformat()}, None, (_("等待异议期结束"),))
    return steps


def objections_section(cycle: Cycle) -> Section | None:
    if cycle.status == Cycle.Status.DRAFT:
        return None
    rows = list(Objection.objects.filter(cycle=cycle).order_by("state", "filed_at", "pk")
                .values("pk", "state", "unit__name", "filed_at", "result_version")
                .annotate(item_count=Count("items")))
    counts = Counter(row["state"] for row in rows)
    labels = dict(S.choices)
    open_rows = [{"id": row["pk"], "unit": row["unit__name"], "state": row["state"],
                  "state_label": str(labels[row["state"]]), "items": row["item_count"],
                  "url": reverse("objections:detail", args=[cycle.pk, row["pk"]])}
                 for row in rows if row["state"] in OPEN_STATES]
    data = {"filed": counts[S.FILED], "answered": counts[S.ANSWERED], "closed": counts[S.CLOSED],
            "deadline": cycle.objection_deadline.isoformat() if cycle.objection_deadline else None,
            "open": [{k: v for k, v in row.items() if k != "url"} for row in open_rows]}
    lines = (_("待部门答复%(filed)d条，待考核办确认%(answered)d条，已办结%(closed)d条") % data,) + tuple(
        f"{row['unit']}\t{row['state_label']}\t{row['items']}" for row in open_rows)
    return Section("objections", _("成绩异议"), "objections/cockpit.html", data, lines,
                   {"open": open_rows, "list_url": reverse("objections:list", args=[cycle.pk])})
