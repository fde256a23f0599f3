"""The cycles' source of the leaders' overview (kaohe.cycles.overview): where scoring stands.

- marks: each cycle's state; while scoring runs, the share of tasks scored, from the totals the
  database keeps per unit and dimension (`DimensionTotal`, kaohe/cycles/totals.py): one GROUP BY
  over 4 rows a unit, whatever the number of scores;
- the focus, unless it is locked: the panel 评分进度 — tasks scored, units fully scored (from the
  kept totals), and per department its tasks, scored tasks and where its submission stands (one
  GROUP BY over the focus's scores, one over its totals). Live figures, not published ones: the
  page says so.

Three queries at most, whatever the number of cycles, units and scores.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from kaohe.cycles.models import Cycle, CycleDepartment, DimensionTotal, Submission
from kaohe.cycles.overview import FONT, Chart, Contribution, Overview, Panel

STATE_COLOURS = {  # a department's submission, from started to done
    Submission.State.DRAFT: "#f9a825", Submission.State.SUBMITTED: "#5c9bd5",
    Submission.State.APPROVED: "#2e7d32", Submission.State.LOCKED: "#1b5e20",
}


def percent(done: int, total: int) -> int:
    """Whole percent, rounded down: 100 only when everything is done."""
    return done * 100 // total if total else 0


def _marks(cycles: tuple[Cycle, ...]) -> dict[int, str]:
    running = [c.pk for c in cycles if c.status in (Cycle.Status.OPEN, Cycle.Status.REVIEW)]
    totals = {row["cycle"]: (row["tasks"] or 0, row["scored"] or 0) for row in
              DimensionTotal.objects.filter(cycle__in=running).order_by().values("cycle")
              .annotate(tasks=Sum("tasks"), scored=Sum("scored"))} if running else {}
    marks = {}
    for cycle in cycles:
        if cycle.pk in totals:
            tasks, scored = totals[cycle.pk]
            marks[cycle.pk] = _("%(status)s，已评%(percent)d%%") % {
                "status": cycle.get_status_display(), "percent": percent(scored, tasks)}
        else:
            marks[cycle.pk] = str(cycle.get_status_display())
    return marks


def departments(cycle: Cycle) -> list[dict[str, Any]]:
    """Each department's tasks, scored tasks and submission state: one GROUP BY query."""
    rows = (CycleDepartment.objects.filter(cycle=cycle).select_related("submission")
            .annotate(tasks=Count("scores"), scored=Count("scores__points")).order_by("position", "code"))
    result = []
    for row in rows:
        submission = getattr(row, "submission", None)
        state = submission.state if submission is not None else Submission.State.DRAFT
        result.append({"code": row.code, "name": row.name, "tasks": row.tasks, "scored": row.scored,
                       "percent": percent(row.scored, row.tasks), "state": state,
                       "state_label": str(Submission.State(state).label)})
    return result


def units_scored(cycle: Cycle) -> tuple[int, int, int, int]:
    """(units, units fully scored, tasks, scored tasks) from the kept totals: one query."""
    rows = list(DimensionTotal.objects.filter(cycle=cycle).order_by().values("unit")
                .annotate(tasks=Sum("tasks"), scored=Sum("scored")).values_list("tasks", "scored"))
    return (len(rows), sum(1 for tasks, scored in rows if tasks == scored),
            sum(tasks for tasks, _ in rows), sum(scored for _, scored in rows))


def progress_chart(rows: list[dict[str, Any]]) -> Chart:
    """Per department the share of its tasks scored (0–100 %), coloured by its submission's state:
    one series per state, so the legend names them."""
    shown = list(reversed(rows))  # ECharts draws a category axis bottom-up
    states = [state for state in Submission.State if any(r["state"] == state for r in rows)]
    series = [{
        "name": str(state.label), "type": "bar", "stack": "progress", "barMaxWidth": 22,
        "itemStyle": {"color": STATE_COLOURS[state]},
        "data": [({"value": r["percent"], "label": {"show": True, "position": "right", "fontSize": FONT,
                                                    "formatter": f"{r['percent']}% {r['scored']}/{r['tasks']}"}}
                  if r["state"] == state else None) for r in shown],
    } for state in states]
    option = {
        "animation": False,
        "grid": {"left": 8, "right": 120, "top": 34, "bottom": 8, "containLabel": True},
        # one line of legend that scrolls on a phone rather than wrapping over the bars
        "legend": {"top": 0, "type": "scroll", "textStyle": {"fontSize": FONT}},
        "xAxis": {"type": "value", "min": 0, "max": 100, "interval": 50,
                  "axisLabel": {"fontSize": FONT, "formatter": "{value}%", "hideOverlap": True}},
        "yAxis": {"type": "category", "data": [r["name"] for r in shown], "axisLabel": {"fontSize": FONT}},
        "series": series,
    }
    return Chart("chart-progress", _("各考核部门评分进度"), option, height=60 + 26 * max(len(rows), 1))


def progress_source(overview: Overview) -> Contribution:
    marks = _marks(overview.cycles)
    cycle = overview.focus
    if cycle is None or cycle.status == Cycle.Status.LOCKED:
        return Contribution(marks)
    rows = departments(cycle)
    units, complete, tasks, scored = units_scored(cycle)
    data = {"units": units, "units_complete": complete, "tasks": tasks, "scored": scored,
            "percent": percent(scored, tasks), "departments": rows,
            "locked": sum(1 for r in rows if r["state"] == Submission.State.LOCKED)}
    panel = Panel("progress", _("评分进度"), "cycles/overview_progress.html",
                  basis=_("实时数据，未发布"), wide=False, charts=(progress_chart(rows),) if rows else (),
                  data=data)
    return Contribution(marks, [panel])
