"""The leaders' overview: a leader's home page, and `/overview/` for the office and leaders.

Every cycle the reader may see is listed (the latest year first, then the newest, each with the marks its sources give:
"评分中，已评63%", "已发布第2版"); one of them, the focus (`?cycle=<id>`, by default the newest), is
shown in the panels the registered sources give (kaohe.cycles.overview). No forms, no settings: the
page is for reading, on a wall screen (1920×1080) and a phone. The charts' ECharts options come
with the page as one JSON script; static/kaohe/overview.js draws them.

Queries: a fixed number, whatever the number of cycles and units (asserted).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kaohe.accounts.decorators import SignedInRequest, office_or_leader
from kaohe.cycles.access import visible_cycles
from kaohe.cycles.models import Cycle
from kaohe.cycles.overview import Overview, gather

LISTED = 12  # cycles listed by name; the rest are a link away (the cycles' list)


def _focus(cycles: tuple[Cycle, ...], wanted: str) -> Cycle | None:
    if not wanted:
        return cycles[0] if cycles else None
    if not wanted.isdigit() or len(wanted) > 18:
        raise Http404
    found = next((c for c in cycles if c.pk == int(wanted)), None)
    if found is None:
        raise Http404
    return found


def render_overview(request: SignedInRequest) -> HttpResponse:
    cycles = tuple(visible_cycles(request.user).defer("scheme__document")
                   .order_by("-scheme__year", "-created_at", "-pk"))
    focus = _focus(cycles, request.GET.get("cycle", ""))
    gathered = gather(Overview(cycles, focus))
    listed = list(cycles[:LISTED])
    if focus is not None and focus not in listed:
        listed.append(focus)
    charts = {chart.id: {"option": chart.option, "height": chart.height}
              for panel in gathered.panels for chart in panel.charts}
    return render(request, "overview/page.html", {
        "focus": focus, "panels": gathered.panels, "charts": charts,
        "cycles": [{"cycle": c, "marks": gathered.marks.get(c.pk, [])} for c in listed],
        "more": len(cycles) - len(listed), "status": gathered.marks.get(focus.pk, []) if focus else [],
    })


@office_or_leader
@require_GET
def overview_page(request: SignedInRequest) -> HttpResponse:
    return render_overview(request)
