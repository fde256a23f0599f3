"""ECharts options of the results' charts, built on the server (the leaders' overview, the dashboard).

The scales come from the pure core (kaohe.core.charts): ranking bars on an axis that starts near
the lowest score, a histogram whose bins follow the spread. Options are plain JSON (no functions):
labels are written out per bar, tooltips are ECharts' own (which escape what they show). Figures
are shown with two decimals, half up (kaohe.core.points), as floats for the chart only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from kaohe.core.charts import Axis, Bin, histogram, nice_step, score_axis
from kaohe.core.points import round_half_up, two_places
from kaohe.cycles.overview import FONT, Chart

GRADE_COLOURS = ("#2e7d32", "#1e88e5", "#f9a825", "#e53935", "#8e24aa", "#6d4c41")
NO_GRADE = "#90a4ae"
UP, DOWN = "#2e7d32", "#c62828"
ROW = 26  # px per bar of a horizontal bar chart
LIMITS = tuple(Decimal(m) for m in ("1", "1.5", "2", "2.5", "3", "4", "5", "6", "8"))  # the change chart's reach


def number(value: Decimal | int | str) -> float:
    """A figure for a chart: two decimals half up, as a float (display only)."""
    return float(round_half_up(Decimal(str(value))))


def grade_colour(grade: str, grades: Sequence[str]) -> str:
    """Grades are coloured by their place in the rules (best first)."""
    return GRADE_COLOURS[grades.index(grade) % len(GRADE_COLOURS)] if grade in grades else NO_GRADE


def axis_json(axis: Axis) -> dict[str, Any]:
    return {"min": number(axis.min), "max": number(axis.max), "interval": number(axis.interval)}


def finals_axis(finals: Iterable[Decimal | str]) -> Axis:
    """One axis for every ranking chart of a cycle, so that the groups can be compared."""
    return score_axis(Decimal(str(f)) for f in finals)


def ranking_chart(chart_id: str, label: str, rows: Sequence[dict[str, Any]], axis: Axis,
                  grades: Sequence[str]) -> Chart:
    """Horizontal bars, best at the top: `rows` have rank, name, final (a decimal string or
    Decimal), grade and complete; the bar's label says the final and the grade."""
    shown = list(reversed(rows))  # ECharts draws a category axis bottom-up
    incomplete = _("评分未完成")
    data = []
    for r in shown:
        text = f"{two_places(r['final'])} {r['grade']}".strip()
        if not r.get("complete", True):
            text = f"{text}（{incomplete}）"
        data.append({"value": number(r["final"]), "name": r["name"],
                     "itemStyle": {"color": grade_colour(r["grade"], grades), "opacity": 1 if r.get("complete", True) else 0.5},
                     "label": {"show": True, "position": "right", "fontSize": FONT, "formatter": text}})
    option = {
        "animation": False,
        "grid": {"left": 8, "right": 96, "top": 8, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "item"},
        "xAxis": {"type": "value", **axis_json(axis), "axisLabel": {"fontSize": FONT, "hideOverlap": True}},
        "yAxis": {"type": "category", "data": [f"{r['rank']}. {r['name']}" for r in shown],
                  "axisLabel": {"fontSize": FONT}},
        "series": [{"type": "bar", "name": _("最终得分"), "barMaxWidth": 20, "data": data}],
    }
    return Chart(chart_id, label, option, height=24 + ROW * max(len(rows), 1))


def histogram_chart(chart_id: str, finals: Iterable[Decimal | str]) -> Chart:
    """The finals' distribution in bins that follow their spread (kaohe.core.charts.histogram); the
    axis names sit apart from the ticks (the x axis's name above the chart's bottom edge, under its
    labels, which are never rotated)."""
    bins: tuple[Bin, ...] = histogram(Decimal(str(f)) for f in finals)
    option = {
        "animation": False,
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 34, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [b.label for b in bins], "name": _("最终得分"),
                  "nameLocation": "middle", "nameGap": 28, "nameTextStyle": {"fontSize": FONT},
                  "axisLabel": {"interval": 0, "fontSize": FONT, "hideOverlap": True}},
        "yAxis": {"type": "value", "name": _("单位数"), "minInterval": 1, "nameTextStyle": {"fontSize": FONT},
                  "axisLabel": {"fontSize": FONT}},
        "series": [{"type": "bar", "name": _("单位数"), "data": [b.count for b in bins], "barCategoryGap": "8%",
                    "itemStyle": {"color": "#5470c6"},
                    "label": {"show": True, "position": "top", "fontSize": FONT}}],
    }
    return Chart(chart_id, _("得分分布"), option, height=320)


def grades_chart(chart_id: str, counts: Sequence[dict[str, Any]], grades: Sequence[str]) -> Chart:
    """Per ranking group (and all together) the number of units of each grade, stacked."""
    shown = list(reversed(counts))
    names = [*grades, *sorted({g for row in counts for g in row["grades"] if g not in grades})]
    series = [{"name": grade or _("无等次"), "type": "bar", "stack": "grades", "barMaxWidth": 26,
               "itemStyle": {"color": grade_colour(grade, grades)},
               "label": {"show": True, "fontSize": FONT, "color": "#fff"},
               "data": [row["grades"].get(grade) or None for row in shown]} for grade in names]
    option = {
        "animation": False,
        "grid": {"left": 8, "right": 16, "top": 34, "bottom": 8, "containLabel": True},
        "legend": {"top": 0, "textStyle": {"fontSize": FONT}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "minInterval": 1, "axisLabel": {"fontSize": FONT, "hideOverlap": True}},
        "yAxis": {"type": "category", "data": [row["group"] for row in shown], "axisLabel": {"fontSize": FONT}},
        "series": series,
    }
    return Chart(chart_id, _("等次分布"), option, height=50 + 34 * max(len(counts), 1))


def change_chart(chart_id: str, pairs: Sequence[dict[str, Any]]) -> Chart:
    """Each unit's change of final against the previous cycle, largest rise at the top."""
    shown = list(reversed(pairs))
    # symmetric around 0, with room beyond the longest bar for its label
    reach = max((abs(Decimal(p["change"])) for p in pairs), default=Decimal(0))
    limit = nice_step(reach * Decimal("1.4"), LIMITS) if reach else Decimal(1)
    data = [{"value": number(p["change"]), "itemStyle": {"color": UP if Decimal(p["change"]) >= 0 else DOWN},
             "label": {"show": True, "fontSize": FONT, "position": "right" if Decimal(p["change"]) >= 0 else "left",
                       "formatter": signed(p["change"])}} for p in shown]
    option = {
        "animation": False,
        "grid": {"left": 8, "right": 16, "top": 8, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "item"},
        "xAxis": {"type": "value", "min": -number(limit), "max": number(limit),
                  "axisLabel": {"fontSize": FONT, "hideOverlap": True}},
        "yAxis": {"type": "category", "data": [p["name"] for p in shown], "axisLabel": {"fontSize": FONT}},
        "series": [{"type": "bar", "name": _("较上期变化"), "barMaxWidth": 18, "data": data}],
    }
    return Chart(chart_id, _("较上期变化"), option, height=24 + ROW * max(len(pairs), 1))


def signed(value: Decimal | str) -> str:
    """A change as shown: '+1.25', '−0.50', '0.00'."""
    number_ = round_half_up(Decimal(str(value)))
    text = two_places(abs(number_))
    return f"+{text}" if number_ > 0 else f"−{text}" if number_ < 0 else text
