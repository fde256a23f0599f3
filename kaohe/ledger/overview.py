"""The ledger's source of the leaders' overview (kaohe.cycles.overview): the 平时考核台账's quarterly
standings of the focus, year to date up to the current quarter (the cycle's year: today's quarter;
a past year: the fourth), per ranking group its units by rank with their deductions, bonus and
net; a group of more than `FULL_GROUP` units shows its first `TOP` and its last `BOTTOM`. Shown
once the focus has a confirmed entry; a link leads to the full standings and the 季度通报.
Queries: one for whether there is anything to show, then the standings' own (kaohe.ledger.standings).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.core import ledger as core
from kaohe.cycles.models import Cycle
from kaohe.cycles.overview import Contribution, Overview, Panel
from kaohe.ledger import standings
from kaohe.ledger.models import Entry

FULL_GROUP = 12
TOP, BOTTOM = 5, 3


def ledger_source(overview: Overview) -> Contribution:
    focus = overview.focus
    if focus is None or focus.status == Cycle.Status.DRAFT or not Entry.objects.filter(
            cycle=focus, state=core.CONFIRMED).exists():
        return Contribution()
    quarter = standings.default_quarter(focus)
    figures = standings.figures(focus, quarter)
    groups = []
    for name, members in figures.year_standings.groups:
        shown = members if len(members) <= FULL_GROUP else [*members[:TOP], *members[-BOTTOM:]]
        groups.append({"name": name, "size": len(members), "hidden": len(members) - len(shown),
                       "rows": [{"rank": s.rank, "name": s.name, "deductions": core.shown(s.deductions),
                                 "bonus": core.shown(s.bonus), "net": core.shown(s.net), "entries": s.entries}
                                for s in shown]})
    return Contribution(panels=[Panel(
        key="ledger", title=_("平时考核台账"), template="ledger/overview_standings.html",
        basis=_("截至第%(quarter)d季度累计，只计已确认的记录") % {"quarter": quarter}, wide=True,
        data={"quarter": quarter, "groups": [{"name": g["name"], "rows": g["rows"]} for g in groups]},
        context={"groups": groups, "url": reverse("ledger:standings", args=[focus.pk]) + f"?quarter={quarter}"})])
