"""The detail matrix's report and the documents' content types.

The detail matrix reads the cycle's scores in one query of plain values (no results computed); the
other documents are gathered in `kaohe.results.documents` (a published version's report, the
current results' report, the notice, the scorecards).
"""

from __future__ import annotations

from decimal import Decimal

from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.formats.results_report.report import ResultsReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


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
