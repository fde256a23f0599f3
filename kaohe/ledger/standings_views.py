"""The quarterly standings and the 季度通报 (the office and leaders):

- GET <pk>/ledger/standings/[?quarter=1-4]       the quarter and the year so far, per group
- GET <pk>/ledger/standings/<q>.xlsx | .docx      the 季度通报 as a workbook or a Word document (the
                                                  公文: refused until the office has filled in its
                                                  发文机关 and 发文字号; the office is sent to the form)
- GET/POST <pk>/ledger/standings/<q>/notice/      the office fills in the quarter's 季度通报 (its frame,
                                                  opening and closing), with defaults from the cycle
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kaohe.accounts.decorators import SignedInRequest, office_only, office_or_leader
from kaohe.accounts.permissions import is_office
from kaohe.core import ledger as core
from kaohe.cycles.access import visible_cycle_or_404
from kaohe.cycles.models import Cycle
from kaohe.formats.ledger_report.workbook import standings_xlsx
from kaohe.ledger import notice, standings
from kaohe.ledger.rules import LedgerError
from kaohe.results.forms import NoticeForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def quarter_names() -> dict[int, str]:
    return {1: _("第一季度"), 2: _("第二季度"), 3: _("第三季度"), 4: _("第四季度")}


def _quarter(cycle: Cycle, text: str | None) -> int:
    return int(text) if text in ("1", "2", "3", "4") else standings.default_quarter(cycle)


@office_or_leader
@require_GET
def standings_page(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    quarter = _quarter(cycle, request.GET.get("quarter"))
    shown = standings.figures(cycle, quarter)
    names = quarter_names()
    return render(request, "ledger/standings.html", {
        "cycle": cycle, "quarter": quarter, "figures": shown, "quarters": list(names.items()),
        "is_office": is_office(request.user),
        "periods": [(names[quarter], table(shown.quarter_standings, shown.dimensions)),
                    (_("截至%(quarter)s累计") % {"quarter": names[quarter]},
                     table(shown.year_standings, shown.dimensions))],
    })


def table(found: core.Standings, dimensions: list[tuple[str, str]]) -> list[tuple[str, list[dict[str, object]]]]:
    """The standings as the pages show them: per group, each unit's figures as text."""
    return [(group, [{"rank": s.rank, "name": s.name, "code": s.code, "entries": s.entries,
                      "dimensions": [(title, core.shown(s.by_dimension.get(code, 0))) for code, title in dimensions],
                      "deductions": core.shown(s.deductions), "bonus": core.shown(s.bonus), "net": core.shown(s.net)}
                     for s in members]) for group, members in found.groups]


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["Cache-Control"] = "private, no-store"
    return response


def report_name(cycle: Cycle, quarter: int, suffix: str) -> str:
    """"2018年度…综合考核-2018年第一季度平时考核情况通报-20181010.docx"."""
    period = f"{cycle.scheme.year}年第{'一二三四'[quarter - 1]}季度平时考核情况通报"
    return f"{cycle.name}-{period}-{timezone.localdate():%Y%m%d}.{suffix}"


@office_or_leader
@require_GET
def standings_file(request: SignedInRequest, pk: int, quarter: int, suffix: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    if quarter not in core.QUARTERS:
        raise Http404(_("季度只能是1到4。"))
    if suffix == "xlsx":
        return download(standings_xlsx(standings.report(cycle, quarter)), report_name(cycle, quarter, "xlsx"), XLSX)
    try:
        content = notice.notice_docx(cycle, quarter)
    except LedgerError as problem:
        if is_office(request.user):
            messages.error(request, problem.message)
            return redirect("ledger:standings_notice", pk=pk, quarter=quarter)
        return HttpResponse(problem.message, status=409, content_type="text/plain; charset=utf-8")
    return download(content, report_name(cycle, quarter, "docx"), DOCX)


@office_only
@require_http_methods(["GET", "POST"])
def standings_notice(request: SignedInRequest, pk: int, quarter: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    if quarter not in core.QUARTERS:
        raise Http404(_("季度只能是1到4。"))
    details = notice.notice_details(cycle, quarter)
    status = 200
    if request.method == "POST":
        form = NoticeForm(request.POST)
        if form.is_valid():
            try:
                notice.save_notice(cycle, quarter, request.user, form.cleaned_data)
            except LedgerError as problem:
                form.add_error(None, problem.message)
            else:
                messages.success(request, _("季度通报信息已保存。"))
                return redirect("ledger:standings_notice", pk=pk, quarter=quarter)
        status = 400
    else:
        form = NoticeForm(initial=notice.details_json(details))
    missing = notice.missing_fields(details)
    return render(request, "ledger/standings_notice.html", {
        "cycle": cycle, "quarter": quarter, "quarter_name": quarter_names()[quarter], "form": form,
        "saved": not details._state.adding, "missing": missing, "missing_text": _("、").join(missing),
    }, status=status)
