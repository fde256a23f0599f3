"""Results: the dashboard page for leaders and the office (see docs/decisions/2026-11-25-results-engine.md).

`/results/<pk>/dashboard/` draws five charts with Apache ECharts, served locally from
`static/vendor/echarts/` (no CDN): the ranking per ranking group (one score axis for all groups
that starts near the lowest final), a radar of one unit's dimension percentages against its group's
average, the distribution of finals (bins that follow the spread), scoring progress per department,
and year-over-year finals against another cycle (`?compare=<pk>`; by default the previous cycle as the
leaders' overview finds it, kaohe.core.family.previous_cycle: the same scheme family, an earlier
year, published results; the page states the rule), units matched by code. The figures are computed from the live scores (the page
says so); leaders' published figures are on their overview (kaohe.results.overview).

The ranking and the histogram come as ECharts options built on the server (kaohe.results.charts,
over the core's scales); the other charts are drawn by dashboard.js from the data.

The page gets its data once, through `json_script` (figures rounded to two decimals, ROUND_HALF_UP,
as floats: for display only); `static/kaohe/dashboard.js` draws. When the rules cannot be applied
(RulesError) the message replaces the results charts; scoring progress is still shown.

Access as the results page: office and leaders (others 403, anonymous → login), visible cycles only
(else 404). Queries: a constant number whatever the cycle's size (compute_cycle for this cycle and the
compared one, one GROUP BY for the progress, one query for the cycles to compare with).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaohe.accounts.decorators import SignedInRequest, office_or_leader
from kaohe.core.family import CycleKey, previous_cycle
from kaohe.core.points import two_places
from kaohe.core.results import RulesError, UnitResult
from kaohe.cycles.access import visible_cycle_or_404, visible_cycles
from kaohe.cycles.models import Cycle, Score
from kaohe.cycles.overview import Chart
from kaohe.results import charts, service
from kaohe.results.models import ResultSnapshot


def number(value: Decimal | int | str) -> float:
    """A figure for display: two decimals ROUND_HALF_UP, as a float."""
    return float(two_places(value))


def ranking(results: list[UnitResult]) -> list[dict[str, Any]]:
    """Per ranking group (in the core's order: group, rank, code): the units' finals and grades."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault(r.group, []).append({
            "code": r.code, "name": r.name, "rank": int(r.rank), "final": number(r.final),
            "grade": r.grade, "complete": bool(r.complete)})
    return [{"name": name, "units": units} for name, units in groups.items()]


def radar(results: list[UnitResult]) -> dict[str, Any]:
    """Each unit's dimension percentages, and per group the mean of its units' percentages."""
    dimensions = [{"code": d.code, "title": d.title} for d in results[0].dimensions] if results else []
    totals: dict[str, list[Decimal]] = {}
    sizes: dict[str, int] = defaultdict(int)
    for r in results:
        sums = totals.setdefault(r.group, [Decimal(0)] * len(dimensions))
        for i, d in enumerate(r.dimensions):
            sums[i] += d.percent
        sizes[r.group] += 1
    return {
        "dimensions": dimensions,
        "units": [{"code": r.code, "name": r.name, "group": r.group,
                   "percents": [number(d.percent) for d in r.dimensions]} for r in results],
        "averages": {group: [number(total / sizes[group]) for total in sums] for group, sums in totals.items()},
    }


def progress(cycle: Cycle) -> list[dict[str, Any]]:
    """Scored tasks / tasks per department: one GROUP BY query on Score."""
    rows = (Score.objects.filter(cycle=cycle).order_by()
            .values("department_id", "department__name", "department__position")
            .annotate(tasks=Count("pk"), scored=Count("points"))
            .order_by("department__position", "department__name"))
    return [{"department": row["department__name"], "tasks": row["tasks"], "scored": row["scored"]} for row in rows]


def comparable_cycles(request: SignedInRequest, cycle: Cycle) -> list[dict[str, Any]]:
    """The other cycles the user can see (drafts have no scores), the latest scheme year first, each
    with its scheme's title and year and whether it has published results: one query."""
    published = ResultSnapshot.objects.filter(cycle=OuterRef("pk"))
    rows = (visible_cycles(request.user).exclude(pk=cycle.pk).exclude(status=Cycle.Status.DRAFT)
            .annotate(published=Exists(published))
            .order_by("-scheme__year", "-created_at", "-pk")
            .values("pk", "name", "scheme_id", "scheme__title", "scheme__year", "created_at", "published"))
    return list(rows)


def _key(row: dict[str, Any]) -> CycleKey:
    return CycleKey(row["pk"], row["scheme__title"], row["scheme__year"], row["created_at"], row["published"])


def chosen(request: SignedInRequest, cycle: Cycle, options: list[dict[str, Any]]) -> dict[str, Any] | None:
    """`?compare=<pk>` when it is one of the options; else the previous cycle as the leaders' overview
    finds it (kaohe.core.family.previous_cycle: same scheme family, an earlier year, published results)."""
    wanted = request.GET.get("compare", "")
    if wanted.isdigit():
        for option in options:
            if option["pk"] == int(wanted):
                return option
    this = CycleKey(cycle.pk, cycle.scheme.title, cycle.scheme.year, cycle.created_at, False)
    found = previous_cycle(this, [_key(o) for o in options])
    return next((o for o in options if found is not None and o["pk"] == found.pk), None)


def year_over_year(cycle: Cycle, results: list[UnitResult], other: dict[str, Any] | None) -> dict[str, Any] | None:
    """This cycle's finals next to the other cycle's, for units in both (matched by code)."""
    if other is None:
        return None
    try:
        previous = {r.code: r for r in service.compute_cycle(Cycle(pk=other["pk"], name=other["name"], scheme_id=other["scheme_id"]))}
    except RulesError as problem:
        return {"cycle": other["name"], "pairs": [], "error": "；".join(problem.problems)}
    pairs = [{"code": r.code, "name": r.name, "final": number(r.final), "previous": number(previous[r.code].final)}
             for r in results if r.code in previous]
    axis = charts.finals_axis([r.final for r in results if r.code in previous]
                              + [previous[r.code].final for r in results if r.code in previous])
    return {"cycle": other["name"], "pairs": pairs, "error": "", "axis": charts.axis_json(axis)}


def _chart(chart: Chart) -> dict[str, Any]:
    return {"id": chart.id, "title": chart.label, "option": chart.option, "height": chart.height}


def labels() -> dict[str, str]:
    """Chart texts for dashboard.js, translated here."""
    return {
        "final": _("最终得分"), "rank": _("排名"), "grade": _("等次"), "average": _("%(group)s组平均"),
        "units": _("单位数"), "scored": _("已评分"), "unscored": _("未评分"), "tasks": _("评分任务"),
        "current": _("本周期"), "previous": _("对比周期"), "incomplete": _("评分未完成"),
    }


@office_or_leader
@require_GET
def dashboard_page(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    error = ""
    settings = service.settings_for(cycle)
    try:
        grades = [g.name for g in service.rules_for(cycle, settings).grades]
        results = service.compute_cycle(cycle, settings)
    except RulesError as problem:
        grades, results, error = [], [], "；".join(problem.problems)
    options = comparable_cycles(request, cycle)
    other = chosen(request, cycle, options) if not error else None
    groups = ranking(results)
    axis = charts.finals_axis(r.final for r in results)
    data = {
        "cycle": cycle.name, "error": error, "labels": labels(),
        "ranking": groups, "grades": grades, "radar": radar(results), "progress": progress(cycle),
        "compare": year_over_year(cycle, results, other),
        "charts": {
            "ranking": [_chart(charts.ranking_chart(f"chart-ranking-{i}", group["name"], group["units"], axis, grades))
                        for i, group in enumerate(groups)],
            "histogram": _chart(charts.histogram_chart("chart-histogram", [r.final for r in results])),
        },
    }
    return render(request, "results/dashboard.html", {
        "cycle": cycle, "data": data, "error": error, "results": results,
        "options": options, "compare": other,
    })


urlpatterns = [path("<int:pk>/dashboard/", dashboard_page, name="dashboard")]
