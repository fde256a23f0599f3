"""To-do entries and deadline reminders of the units' side (registered in kaohe.accounts.todo
SOURCES and kaohe.notify.deadlines REMINDERS).

- unit users: the self-assessment to fill and submit (urgent near its deadline), published results
  to read and, while the window is open, the last day for objections;
- scorers and heads: objection items their department has to answer;
- the office: answered objections to confirm.
Each source costs a fixed number of queries.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role, User
from kaohe.accounts.todo import Entry
from kaohe.claims.models import SelfAssessment
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.notify.deadlines import Reminder, is_near, time_left
from kaohe.objections.models import Objection, ObjectionItem
from kaohe.results.models import ResultSnapshot


def unit_entries(user: User, cycles: QuerySet[Cycle], today: date | None = None) -> list[Entry]:
    if user.role != Role.UNIT or not user.unit_id:
        return []
    today = today or timezone.localdate()
    units = list(CycleUnit.objects.filter(cycle__in=cycles, code=user.unit.code).select_related("cycle")
                 .annotate(claimed=Count("claims", filter=Q(claims__points__isnull=False))))
    states = dict(SelfAssessment.objects.filter(unit__in=units).values_list("unit_id", "state"))
    published = dict(ResultSnapshot.objects.filter(cycle__in=[u.cycle_id for u in units]).order_by()
                     .values("cycle").annotate(v=Max("version")).values_list("cycle", "v"))
    entries = []
    for unit in units:
        cycle = unit.cycle
        if cycle.status == Cycle.Status.OPEN and states.get(unit.pk) != SelfAssessment.State.SUBMITTED:
            url = f"/cycles/{cycle.pk}/self/{unit.code}/"
            deadline = cycle.self_assessment_deadline
            if deadline is None or deadline >= today:
                names = {"cycle": cycle.name, "count": unit.claimed}
                entries.append(Entry(_("%(cycle)s：本单位自评待填写提交（已填%(count)d项）") % names, url))
                if is_near(deadline, today):
                    entries.append(Entry(_("自评截止日期临近：%(cycle)s将于%(date)s截止（%(left)s）") % {
                        **names, "date": deadline.isoformat(), "left": time_left(deadline, today)}, url, urgent=True))
        version = published.get(cycle.pk)
        if version:
            text = _("%(cycle)s：考核结果已发布（第%(version)d版），请查看本单位成绩单") % {
                "cycle": cycle.name, "version": version}
            open_until = cycle.objection_deadline if cycle.status == Cycle.Status.LOCKED else None
            if open_until and open_until >= today:
                text += _("；如有异议，请于%(date)s前提出") % {"date": open_until.isoformat()}
            entries.append(Entry(text, f"/cycles/{cycle.pk}/scorecard/", urgent=is_near(open_until, today)))
    return entries


def department_entries(user: User, cycles: QuerySet[Cycle]) -> list[Entry]:
    if user.role not in (Role.SCORER, Role.HEAD) or not user.department_id:
        return []
    waiting = (ObjectionItem.objects.filter(objection__cycle__in=cycles, objection__state=Objection.State.FILED,
                                            decision="", score__department__code=user.department.code)
               .values("objection_id", "objection__cycle_id", "objection__cycle__name", "objection__unit__name")
               .annotate(items=Count("pk")).order_by("objection_id"))
    return [Entry(_("%(cycle)s：%(unit)s的异议有%(count)d项待本部门答复") % {
        "cycle": row["objection__cycle__name"], "unit": row["objection__unit__name"], "count": row["items"]},
        f"/cycles/{row['objection__cycle_id']}/objections/{row['objection_id']}/") for row in waiting]


def office_entries(user: User, cycles: QuerySet[Cycle]) -> list[Entry]:
    if user.role != Role.OFFICE:
        return []
    answered = Objection.objects.filter(cycle__in=cycles, state=Objection.State.ANSWERED).select_related("cycle", "unit")
    return [Entry(_("%(cycle)s：%(unit)s的异议已答复，待确认") % {"cycle": o.cycle.name, "unit": o.unit.name},
                  f"/cycles/{o.cycle_id}/objections/{o.pk}/") for o in answered]


def self_assessment_reminders(today: date, days: int) -> list[Reminder]:
    """Unit users whose self-assessment is not submitted and whose deadline is near."""
    units = (CycleUnit.objects.filter(cycle__status=Cycle.Status.OPEN, cycle__self_assessment_deadline__gte=today,
                                      cycle__self_assessment_deadline__lte=today + timedelta(days=days))
             .exclude(self_assessment__state=SelfAssessment.State.SUBMITTED).select_related("cycle"))
    users: dict[str, list[User]] = {}
    for user in User.objects.filter(role=Role.UNIT, is_active=True, unit__code__in=[u.code for u in units]).select_related("unit"):
        users.setdefault(user.unit.code, []).append(user)
    reminders = []
    for unit in units:
        if unit.code in users:
            deadline = unit.cycle.self_assessment_deadline
            reminders.append(Reminder(users[unit.code], _("%(cycle)s：本单位自评将于%(date)s截止") % {
                "cycle": unit.cycle.name, "date": deadline.isoformat()},
                _("本单位自评尚未提交（%(left)s）。") % {"left": time_left(deadline, today)},
                f"/cycles/{unit.cycle_id}/self/{unit.code}/"))
    return reminders
