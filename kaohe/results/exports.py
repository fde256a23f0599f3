"""A cycle's result reports as files: the ranking workbook, the detail matrix and the notice.

The figures come from `service.compute_cycle` (the same as the page, the CLI and the API); the
layouts from `kaohe.formats.results_report`. The detail matrix reads the cycle's scores in one
query of plain values.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.formats.results_report import detail_xlsx, notice_docx, ranking_xlsx
from kaohe.results import service
from kaohe.results.models import ResultSnapshot


def _published(cycle: Cycle) -> str:
    latest = ResultSnapshot.objects.filter(cycle=cycle).order_by("-version").first()
    if latest is None:
        return ""
    return f"第{latest.version}版，{latest.published_at:%Y-%m-%d %H:%M}"


def ranking(cycle: Cycle) -> bytes:
    return ranking_xlsx(cycle.name, service.compute_cycle(cycle), service.rules_for(cycle), _published(cycle))


def notice(cycle: Cycle) -> bytes:
    return notice_docx(cycle.name, service.compute_cycle(cycle), service.rules_for(cycle))


def detail(cycle: Cycle) -> bytes:
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position").values_list("code", "name"))
    items: dict[str, tuple[str, str, Decimal]] = {}
    points: dict[tuple[str, str], Decimal | None] = {}
    rows = (Score.objects.filter(cycle=cycle).order_by("node__position")
            .values_list("unit__code", "node__code", "node__title", "node__points", "points"))
    for unit_code, item_code, title, maximum, obtained in rows:
        items.setdefault(item_code, (item_code, title, maximum or Decimal(0)))
        points[(unit_code, item_code)] = obtained
    return detail_xlsx(cycle.name, units, list(items.values()), points)


# kind → (builder, file suffix, content type)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORTS: dict[str, tuple[Callable[[Cycle], bytes], str, str]] = {
    "ranking": (ranking, "xlsx", XLSX),
    "detail": (detail, "xlsx", XLSX),
    "notice": (notice, "docx", DOCX),
}
