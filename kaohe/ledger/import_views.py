"""Importing a department's ledger from Excel, in pages (rules: kaohe.ledger.imports):

- GET/POST <pk>/ledger/import/    scorers and heads: upload a sheet; all rows stored or none, every
                                  bad row listed with its column and problem
- GET  <pk>/ledger/template.xlsx  the department's sheet to fill (its units and items listed)
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaohe.accounts.decorators import SignedInRequest
from kaohe.cycles.access import visible_cycle_or_404
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.formats.ledger_sheet import MAX_ROWS, Template, write_template
from kaohe.ledger import imports, rules
from kaohe.ledger.rules import LedgerError
from kaohe.ledger.standings_views import XLSX, download
from kaohe.ledger.views import fail


@login_required
def import_page(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        department = imports.department_for(request.user, cycle)
    except LedgerError as error:
        raise PermissionDenied(error.message) from None
    context: dict[str, object] = {"cycle": cycle, "department": department,
                                  "closed": cycle.status != Cycle.Status.OPEN,
                                  "max_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024), "max_rows": MAX_ROWS}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or not (upload.name or "").lower().endswith(".xlsx"):
            context["file_error"] = _("请选择要导入的 .xlsx 台账表。")
        else:
            upload.seek(0)
            rows, report = imports.read(upload, upload.name)
            if report.ok:
                try:
                    report = imports.import_rows(request.user, cycle, department, rows)
                except LedgerError as error:
                    return fail(request, error, request.path)
            context["report"] = report
            if report.ok:
                messages.success(request, _("已导入%(count)d条台账记录，等待部门负责人确认。") % {
                    "count": len(report.created)})
                return redirect(f"/cycles/{cycle.pk}/ledger/?state=draft")
    refused = bool(context.get("report") or context.get("file_error"))
    return render(request, "ledger/import.html", context, status=422 if refused else 200)


@login_required
@require_GET
def template(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    department = rules.can_record(request.user, cycle)
    if department is None:
        raise PermissionDenied(_("只有考核部门的评分人和负责人可以下载台账导入表。"))
    tasks = Score.objects.filter(cycle=cycle, department=department)
    units = list(CycleUnit.objects.filter(cycle=cycle, scores__in=tasks).distinct().order_by("position")
                 .values_list("code", "name"))
    items = [(code, title, points or Decimal(0)) for code, title, points in
             tasks.order_by("node__position").values_list("node__code", "node__title", "node__points").distinct()]
    content = write_template(Template(cycle.name, department.name, cycle.scheme.year, cycle.step, units, items))
    return download(content, f"{cycle.name}-{department.name}-平时考核台账导入表.xlsx", XLSX)
