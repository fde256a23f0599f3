"""The results' source of the leaders' overview (kaohe.cycles.overview): published figures only.

Leaders see results from published snapshots (immutable, `ResultSnapshot`), never figures computed
on the fly: the latest version of the focus, said on the page ("已发布第2版"). Its panels:

- 关键数据: units, units fully scored, the mean, the highest and the lowest final;
- 分组排名: per ranking group its units by rank, one bar chart each, all on one score axis that starts
  near the lowest final (kaohe.core.charts.score_axis). A group of more than `FULL_GROUP` units
  shows its first `TOP` and its last `BOTTOM` (the page says how many more there are);
- 等次分布: per group and in all, the units of each grade (the rules' grades, best first);
- 与上年比较: the previous cycle (kaohe.core.family: same scheme family, an earlier year, published
  results; the page states the rule) — its latest version against this one: the mean, the grade
  counts, and each unit's change of final (units matched by code; more than `ALL_MOVERS` units
  compared show the `MOVERS` largest rises and falls).

Marks for the cycles' list: "已发布第n版" or "结果未发布". Queries: one for every cycle's latest
version, one for the focus's latest snapshot, one for the previous cycle's: three, whatever the
number of cycles and units.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.core.family import CycleKey, previous_cycle
from kaohe.core.points import round_half_up, two_places
from kaohe.cycles.models import Cycle
from kaohe.cycles.overview import Chart, Contribution, Overview, Panel
from kaohe.results import charts
from kaohe.results.models import ResultSnapshot

FULL_GROUP = 20  # a group up to this size is ranked in full on the overview
TOP, BOTTOM = 10, 5
MOVERS = 5  # the largest rises and falls shown when more than `ALL_MOVERS` units are compared
ALL_MOVERS = 12


def _latest_versions(cycles: Sequence[Cycle]) -> dict[int, int]:
    return dict(ResultSnapshot.objects.filter(cycle__in=[c.pk for c in cycles]).order_by().values("cycle")
                .annotate(version=Max("version")).values_list("cycle", "version"))


def _key(cycle: Cycle, published: bool) -> CycleKey:
    return CycleKey(cycle.pk, cycle.scheme.title, cycle.scheme.year, cycle.created_at, published)


def previous_of(cycle: Cycle, cycles: Sequence[Cycle], published: set[int]) -> Cycle | None:
    """The cycle `cycle` is compared with year over year (kaohe.core.family), among `cycles`."""
    found = previous_cycle(_key(cycle, cycle.pk in published), [_key(c, c.pk in published) for c in cycles])
    return next((c for c in cycles if found is not None and c.pk == found.pk), None)


def basis(snapshot: ResultSnapshot) -> str:
    return _("已发布第%(version)d版（%(date)s）") % {
        "version": snapshot.version, "date": timezone.localtime(snapshot.published_at).strftime("%Y-%m-%d")}


def mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


def shown(value: Decimal | None) -> str:
    return "—" if value is None else two_places(value)


# ----------------------------------------------------------------------------- the panels


def figures(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Key figures of a snapshot's rows: units, fully scored, mean, highest and lowest final."""
    finals = [Decimal(r["final"]) for r in rows]
    best = max(rows, key=lambda r: Decimal(r["final"]), default=None)
    worst = min(rows, key=lambda r: Decimal(r["final"]), default=None)
    return {
        "units": len(rows), "complete": sum(1 for r in rows if r["complete"]),
        "mean": shown(mean(finals)),
        "highest": None if best is None else {"name": best["name"], "final": two_places(best["final"])},
        "lowest": None if worst is None else {"name": worst["name"], "final": two_places(worst["final"])},
    }


def groups(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows per ranking group, in the snapshot's order (group, then rank)."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_group.setdefault(row["group"], []).append(row)
    return [{"name": name, "rows": members} for name, members in by_group.items()]


def ranking_panel(cycle: Cycle, snapshot: ResultSnapshot, grades: list[str]) -> Panel:
    parts = groups(snapshot.results)
    axis = charts.finals_axis(r["final"] for r in snapshot.results)
    listed, chart_list = [], []
    for index, group in enumerate(parts):
        rows = group["rows"]
        hidden = 0
        if len(rows) > FULL_GROUP:
            hidden = len(rows) - TOP - BOTTOM
            rows = rows[:TOP] + rows[-BOTTOM:]
        units = [{"code": r["code"], "name": r["name"], "rank": r["rank"], "final": two_places(r["final"]),
                  "grade": r["grade"], "complete": r["complete"]} for r in rows]
        chart = charts.ranking_chart(f"chart-ranking-{index}", _("%(group)s排名") % {"group": group["name"]},
                                     units, axis, grades)
        listed.append({"name": group["name"], "size": len(group["rows"]), "hidden": hidden, "units": units,
                       "chart": chart, "top": TOP, "bottom": BOTTOM})
        chart_list.append(chart)
    return Panel("ranking", _("分组排名"), "results/overview_ranking.html", basis(snapshot),
                 charts=tuple(chart_list), data={"groups": [{k: v for k, v in g.items() if k != "chart"} for g in listed],
                                                 "axis": charts.axis_json(axis)},
                 context={"groups": listed, "snapshot_url": reverse("results:snapshot", args=[cycle.pk, snapshot.version])})


def grade_counts(rows: Sequence[dict[str, Any]], grades: list[str]) -> list[dict[str, Any]]:
    """Per group, then all together: grade → number of units (every grade of the rules, 0 included)."""
    counted = [{"group": group["name"], "grades": Counter(r["grade"] for r in group["rows"])} for group in groups(rows)]
    if len(counted) > 1:
        counted.append({"group": _("合计"), "grades": Counter(r["grade"] for r in rows)})
    for row in counted:
        row["grades"] = {**{g: 0 for g in grades}, **row["grades"]}
        row["total"] = sum(row["grades"].values())
    return counted


def grades_panel(snapshot: ResultSnapshot, grades: list[str]) -> Panel:
    counts = grade_counts(snapshot.results, grades)
    names = [*grades, *sorted({g for row in counts for g in row["grades"] if g not in grades})]
    return Panel("grades", _("等次分布"), "results/overview_grades.html", basis(snapshot),
                 charts=(charts.grades_chart("chart-grades", counts, grades),),
                 data={"grades": names, "counts": counts},
                 context={"names": names, "rows": [{"group": row["group"], "cells": [row["grades"].get(n, 0) for n in names],
                                                    "total": row["total"]} for row in counts]})


def figures_panel(snapshot: ResultSnapshot) -> Panel:
    return Panel("figures", _("关键数据"), "results/overview_figures.html", basis(snapshot),
                 data={**figures(snapshot.results), "version": snapshot.version, "complete_snapshot": snapshot.complete})


def comparison(rows: Sequence[dict[str, Any]], before: Sequence[dict[str, Any]], grades: list[str]) -> dict[str, Any]:
    """This snapshot's rows against the previous cycle's, units matched by code."""
    earlier = {r["code"]: r for r in before}
    pairs = []
    for r in rows:
        if r["code"] in earlier:
            change = round_half_up(Decimal(r["final"])) - round_half_up(Decimal(earlier[r["code"]]["final"]))
            pairs.append({"code": r["code"], "name": r["name"], "final": two_places(r["final"]),
                          "previous": two_places(earlier[r["code"]]["final"]), "change": str(change),
                          "grade": r["grade"], "previous_grade": earlier[r["code"]]["grade"]})
    pairs.sort(key=lambda p: (-Decimal(p["change"]), p["code"]))
    movers = pairs if len(pairs) <= ALL_MOVERS else pairs[:MOVERS] + pairs[-MOVERS:]
    now, then = Counter(r["grade"] for r in rows), Counter(r["grade"] for r in before)
    names = [*grades, *sorted((set(now) | set(then)) - set(grades))]
    now_mean = mean([Decimal(r["final"]) for r in rows])
    then_mean = mean([Decimal(r["final"]) for r in before])
    return {
        "mean": shown(now_mean), "previous_mean": shown(then_mean),
        "mean_change": charts.signed(round_half_up(now_mean) - round_half_up(then_mean))
        if now_mean is not None and then_mean is not None else "—",
        "units": len(rows), "previous_units": len(before), "matched": len(pairs),
        "grades": [{"grade": g, "now": now.get(g, 0), "previous": then.get(g, 0)} for g in names],
        "pairs": pairs, "movers": movers, "hidden": len(pairs) - len(movers),
        "up": sum(1 for p in pairs if Decimal(p["change"]) > 0), "down": sum(1 for p in pairs if Decimal(p["change"]) < 0),
    }


def year_panel(cycle: Cycle, snapshot: ResultSnapshot, previous: Cycle | None, grades: list[str]) -> Panel:
    rule = _("往期的找法：同一指标体系系列（标题去掉年度后相同）中，年度早于本周期、已发布结果的最近一个考核周期，"
             "取其最新发布的版本；单位按编码对应。")
    context: dict[str, Any] = {"rule": rule, "previous": previous}
    if previous is None:
        return Panel("year", _("与上年比较"), "results/overview_year.html", basis(snapshot),
                     data={"previous": None}, context=context)
    before = (ResultSnapshot.objects.filter(cycle=previous).order_by("-version")
              .only("version", "published_at", "results").first())
    assert before is not None  # `previous` has published results
    compared = comparison(snapshot.results, before.results, grades)
    chart_list: tuple[Chart, ...] = ()
    if compared["movers"]:
        chart_list = (charts.change_chart("chart-change", compared["movers"]),)
    context.update(compared=compared, before=before,
                   previous_url=reverse("results:snapshot", args=[previous.pk, before.version]))
    return Panel("year", _("与上年比较"), "results/overview_year.html", basis(snapshot), charts=chart_list, context=context,
                 data={"previous": {"cycle": previous.name, "version": before.version}, **compared})


# ----------------------------------------------------------------------------- the source


def results_source(overview: Overview) -> Contribution:
    versions = _latest_versions(overview.cycles)
    marks = {c.pk: (_("已发布第%(version)d版") % {"version": versions[c.pk]} if c.pk in versions else _("结果未发布"))
             for c in overview.cycles}
    cycle = overview.focus
    if cycle is None or cycle.pk not in versions:
        return Contribution(marks)
    snapshot = ResultSnapshot.objects.get(cycle=cycle, version=versions[cycle.pk])
    grades = [str(g["name"]) for g in snapshot.rules.get("grades", [])]
    previous = previous_of(cycle, overview.cycles, set(versions))
    return Contribution(marks, [figures_panel(snapshot), ranking_panel(cycle, snapshot, grades),
                                grades_panel(snapshot, grades), year_panel(cycle, snapshot, previous, grades)])
