"""The objections' to-do entries (registered in kaohe.objections.apps):

- unit users: published results to read on the scorecard and, while the window is open, the last
  day for objections (urgent when near);
- scorers and heads: objection items their department has to answer.
The office's (answered objections to confirm) is its cycle's next step (kaohe.objections.cockpit).
Each costs one query.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.accounts.permissions import department_code, in_unit
from kaohe.cycles.access import visible_cycles
from kaohe.cycles.models import Cycle
from kaohe.notify.deadlines import is_near
from kaohe.notify.todo import Todo
from kaohe.objections.models import Objection, ObjectionItem
from kaohe.results.models import ResultSnapshot


def unit_entries(user: User, today: date | None = None) -> list[Todo]:
    """The unit's published results, with the objection deadline while it is open."""
    if not in_unit(user):
        return []
    today = today or timezone.localdate()
    published = (ResultSnapshot.objects.filter(cycle__in=visible_cycles(user)).order_by("cycle")
                 .values("cycle", "cycle__name", "cycle__status", "cycle__objection_deadline")
                 .annotate(version=Max("version")))
    entries = []
    for row in published:
        text = _("%(cycle)s：考核结果已发布（第%(version)d版），请查看本单位成绩单") % {
            "cycle": row["cycle__name"], "version": row["version"]}
        open_until = row["cycle__objection_deadline"] if row["cycle__status"] == Cycle.Status.LOCKED else None
        if open_until and open_until >= today:
            text += _("；如有异议，请于%(date)s前提出") % {"date": open_until.isoformat()}
        entries.append(Todo(text, f"/cycles/{row['cycle']}/scorecard/", urgent=is_near(open_until, today)))
    return entries


def department_entries(user: User) -> list[Todo]:
    code = department_code(user)
    if code is None:
        return []
    waiting = (ObjectionItem.objects.filter(objection__cycle__in=visible_cycles(user),
                                            objection__state=Objection.State.FILED, decision="",
                                            score__department__code=code)
               .values("objection_id", "objection__cycle_id", "objection__cycle__name", "objection__unit__name")
               .annotate(items=Count("pk")).order_by("objection_id"))
    return [Todo(_("%(cycle)s：%(unit)s的异议有%(count)d项待本部门答复") % {
        "cycle": row["objection__cycle__name"], "unit": row["objection__unit__name"], "count": row["items"]},
        f"/cycles/{row['objection__cycle_id']}/objections/{row['objection_id']}/") for row in waiting]
