"""The ledger's section of the office's cockpit (kaohe.cycles.cockpit), registered in
kaohe.ledger.apps: 平时考核台账 — per department the entries waiting for the head's confirmation
(and those sent back), the open disputes and how many of them have been open longer than the
dispute window, the counts of the quarter the standings open on, and links to the ledger and the
standings. Three queries (and the settings' one), whatever the number of units, departments and
entries. Leaders read it as the office does; it has no buttons.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.core import ledger as core
from kaohe.core.points import format_points
from kaohe.cycles.cockpit import Section
from kaohe.cycles.models import Cycle
from kaohe.ledger import rules, standings
from kaohe.ledger.models import Dispute, Entry

ZERO = Decimal(0)
OPEN = (Dispute.State.FILED, Dispute.State.ANSWERED)


def ledger_section(cycle: Cycle) -> Section | None:
    if cycle.status == Cycle.Status.DRAFT:
        return None
    entries_url = reverse("ledger:entries", args=[cycle.pk])
    rows = (Entry.objects.filter(cycle=cycle, state__in=(core.DRAFT, core.RETURNED))
            .values("department__code", "department__name", "department__position")
            .annotate(drafts=Count("pk", filter=Q(state=core.DRAFT)), returned=Count("pk", filter=Q(state=core.RETURNED)))
            .order_by("department__position", "department__code"))
    waiting = [{"department": row["department__code"], "name": row["department__name"], "drafts": row["drafts"],
                "returned": row["returned"], "url": f"{entries_url}?state=draft&department={row['department__code']}",
                "returned_url": f"{entries_url}?state=returned&department={row['department__code']}"} for row in rows]

    days = rules.settings_of(cycle).dispute_days
    since = timezone.now() - timedelta(days=days)
    disputes = Dispute.objects.filter(entry__cycle=cycle, state__in=OPEN).aggregate(
        filed=Count("pk", filter=Q(state=Dispute.State.FILED)),
        answered=Count("pk", filter=Q(state=Dispute.State.ANSWERED)),
        overdue=Count("pk", filter=Q(filed_at__lt=since)))

    quarter = standings.default_quarter(cycle)
    counted = Q(state=core.CONFIRMED)
    figures = Entry.objects.filter(cycle=cycle, quarter=quarter).aggregate(
        recorded=Count("pk"),
        deductions=Count("pk", filter=counted & Q(kind=core.DEDUCTION)),
        deducted=Sum("points", filter=counted & Q(kind=core.DEDUCTION)),
        bonuses=Count("pk", filter=counted & Q(kind=core.BONUS)),
        bonus=Sum("points", filter=counted & Q(kind=core.BONUS)),
        notes=Count("pk", filter=counted & Q(kind=core.NOTE)))
    deducted, bonus = figures["deducted"] or ZERO, figures["bonus"] or ZERO

    data = {
        "waiting": [{key: row[key] for key in ("department", "name", "drafts", "returned")} for row in waiting],
        "disputes": {"filed": disputes["filed"], "answered": disputes["answered"], "overdue": disputes["overdue"],
                     "window_days": days},
        "quarter": {"quarter": quarter, "recorded": figures["recorded"], "deductions": figures["deductions"],
                    "deducted": format_points(deducted), "bonuses": figures["bonuses"], "bonus": format_points(bonus),
                    "notes": figures["notes"]},
    }
    quarter_text = _("第%(quarter)d季度：登记%(recorded)d条，已确认扣分%(deductions)d条共%(deducted)s分、"
                     "加分%(bonuses)d条共%(bonus)s分、记录%(notes)d条") % data["quarter"]
    dispute_text = _("台账异议：待部门答复%(filed)d条，待考核办办结%(answered)d条，"
                     "其中%(overdue)d条已超过%(window_days)d天") % data["disputes"]
    lines = (quarter_text, dispute_text) + tuple(
        _("%(name)s：待负责人确认%(drafts)d条，被退回%(returned)d条") % row for row in data["waiting"])
    return Section("ledger", _("平时考核台账"), "ledger/cockpit.html", data, lines, {
        "waiting": waiting, "quarter_text": quarter_text, "entries_url": entries_url,
        "filed_url": f"{entries_url}?dispute=filed", "answered_url": f"{entries_url}?dispute=answered",
        "standings_url": f"{reverse('ledger:standings', args=[cycle.pk])}?quarter={quarter}"})
