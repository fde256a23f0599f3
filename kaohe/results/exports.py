"""A cycle's result reports as files: the ranking workbook, the detail matrix and the notice.

The generator half of the reports (kaohe.formats.results_report has the writers): each report is a
`ResultsReport` of the cycle, with the figures from `service.compute_cycle` (the same as the page,
the CLI and the API) or, for the detail matrix, the cycle's scores in one query of plain values.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.formats.results_report.detail import detail_xlsx
from kaohe.formats.results_report.notice import notice_docx
from kaohe.formats.results_report.ranking import ranking_xlsx
from kaohe.formats.results_report.report import ResultsReport
from kaohe.results import service
from kaohe.results.models import ResultSnapshot


def _published(cycle: Cycle) -> str:
    latest = ResultSnapshot.objects.filter(cycle=cycle).order_by("-version").first()
    if latest is None:
        return ""
    return f"第{latest.version}版，{latest.published_at:%Y-%m-%d %H:%M}"


def results_report(cycle: Cycle) -> ResultsReport:
    """The cycle's results under its rules, with the latest published version named."""
    return ResultsReport(cycle.name, service.rules_for(cycle), service.compute_cycle(cycle),
                         published=_published(cycle))


def detail_report(cycle: Cycle) -> ResultsReport:
    """The cycle's points per unit and item (no results computed)."""
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position").values_list("code", "name"))
    items: dict[str, tuple[str, str, Decimal]] = {}
    points: dict[tuple[str, str], Decimal | None] = {}
    rows = (Score.objects.filter(cycle=cycle).order_by("node__position")
            .values_list("unit__code", "node__code", "node__title", "node__points", "points"))
    for unit_code, item_code, title, maximum, obtained in rows:
        items.setdefault(item_code, (item_code, title, maximum or Decimal(0)))
        points[(unit_code, item_code)] = obtained
    return ResultsReport(cycle.name, units=units, items=list(items.values()), points=points)


def ranking(cycle: Cycle) -> bytes:
    return ranking_xlsx(results_report(cycle))


def notice(cycle: Cycle) -> bytes:
    return notice_docx(results_report(cycle))


def detail(cycle: Cycle) -> bytes:
    return detail_xlsx(detail_report(cycle))


# kind → (builder, file suffix, content type)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORTS: dict[str, tuple[Callable[[Cycle], bytes], str, str]] = {
    "ranking": (ranking, "xlsx", XLSX),
    "detail": (detail, "xlsx", XLSX),
    "notice": (notice, "docx", DOCX),
}
