"""The self-assessment's to-do entries and deadline reminders (registered in kaohe.claims.apps):
a unit's users see the self-assessment to fill and submit while the cycle is open, with its deadline
(urgent near it), and are reminded by the daily job when the deadline is near and it is not submitted.
Each costs a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role, User
from kaohe.accounts.permissions import unit_code
from kaohe.claims.models import SelfAssessment
from kaohe.claims.rules import sheet_key
from kaohe.core.messages import Text, gettext_noop
from kaohe.cycles.access import visible_cycles
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.notify.deadlines import Reminder, is_near, time_left, time_left_text
from kaohe.notify.todo import Todo


def unit_entries(user: User, today: date | None = None) -> list[Todo]:
    """The unit's self-assessments still open to it, with how many criteria are claimed. Two queries."""
    code = unit_code(user)
    if code is None:
        return []
    today = today or timezone.localdate()
    units = list(CycleUnit.objects.filter(cycle__in=visible_cycles(user).filter(status=Cycle.Status.OPEN),
                                          code=code).select_related("cycle")
                 .annotate(claimed=Count("claims", filter=Q(claims__points__isnull=False))))
    states = dict(SelfAssessment.objects.filter(unit__in=units).values_list("unit_id", "state"))
    entries = []
    for unit in units:
        cycle, deadline = unit.cycle, unit.cycle.self_assessment_deadline
        if states.get(unit.pk) == SelfAssessment.State.SUBMITTED or (deadline is not None and deadline < today):
            continue
        url = f"/cycles/{cycle.pk}/self/{unit.code}/"
        names = {"cycle": cycle.name, "count": unit.claimed}
        text = _("%(cycle)s：本单位自评待填写提交（已填%(count)d项）") % names
        if deadline is not None and not is_near(deadline, today):  # near: the urgent entry below says it
            text += _("，%(date)s截止（%(left)s）") % {"date": deadline.isoformat(), "left": time_left(deadline, today)}
        entries.append(Todo(text, url))
        if deadline is not None and is_near(deadline, today):
            entries.append(Todo(_("自评截止日期临近：%(cycle)s将于%(date)s截止（%(left)s）") % {
                **names, "date": deadline.isoformat(), "left": time_left(deadline, today)}, url, urgent=True))
    return entries


def self_assessment_reminders(today: date, days: int) -> list[Reminder]:
    """Unit users whose self-assessment is not submitted and whose deadline is near."""
    units = (CycleUnit.objects.filter(cycle__status=Cycle.Status.OPEN, cycle__self_assessment_deadline__gte=today,
                                      cycle__self_assessment_deadline__lte=today + timedelta(days=days))
             .exclude(self_assessment__state=SelfAssessment.State.SUBMITTED).select_related("cycle"))
    users: dict[str, list[User]] = {}
    for user in User.objects.filter(role=Role.UNIT, is_active=True, unit__code__in=[u.code for u in units]).select_related("unit"):
        users.setdefault(unit_code(user) or "", []).append(user)
    reminders = []
    for unit in units:
        if unit.code in users:
            deadline = unit.cycle.self_assessment_deadline
            assert deadline is not None  # the query asked for a deadline near
            reminders.append(Reminder(
                users[unit.code],
                Text.of(gettext_noop("%(cycle)s：本单位自评将于%(date)s截止"), cycle=unit.cycle.name,
                        date=deadline.isoformat()),
                Text.of(gettext_noop("本单位自评尚未提交（%(left)s）。"), left=time_left_text(deadline, today)),
                f"/cycles/{unit.cycle_id}/self/{unit.code}/", about=sheet_key(unit.cycle, unit)))
    return reminders
