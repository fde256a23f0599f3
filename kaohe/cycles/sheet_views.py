"""Offline Excel scoring sheets: download and upload (see docs/decisions/2026-11-25-web-application.md).

- GET  /cycles/<pk>/sheet.xlsx         the scorer's or head's department sheet; the office may ask
                                       for any department's read-only copy with ?department=<code>.
- GET  /cycles/<pk>/sheet/upload/      the upload form.
- POST /cycles/<pk>/sheet/upload/      check and apply a filled-in sheet all-or-nothing; the page
                                       shows how many changes were saved, or every error and
                                       conflict with its cell, and that nothing was saved.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaohe.accounts.decorators import SignedInRequest
from kaohe.accounts.models import User
from kaohe.accounts.permissions import is_office
from kaohe.cycles.access import scoring_department, visible_cycle_or_404
from kaohe.cycles.models import Cycle, CycleDepartment
from kaohe.cycles.sheets import apply_upload, build_sheet, edit_refusal, read_sheet_upload
from kaohe.formats.download import attach, file_name
from kaohe.formats.scoring_sheet import write_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICE_COPY_NOTE = "考核办查看副本。"  # in the workbook, which is Chinese (kaohe.formats) like its file name


def sheet_file(user: User, cycle: Cycle, department_code: str | None = None) -> tuple[bytes, str]:
    """The xlsx bytes and file name for `user`; PermissionDenied or Http404 when not allowed.

    Scorers and heads get their own department's sheet (read-only when they may not edit now);
    the office gets a read-only copy of the department it names."""
    department = scoring_department(user, cycle)
    if department is not None:
        with translation.override(settings.LANGUAGE_CODE):  # the note is part of the Chinese workbook
            refusal = edit_refusal(cycle, department)
        read_only, note = bool(refusal), refusal
    elif is_office(user) and department_code:
        department = CycleDepartment.objects.filter(cycle=cycle, code=department_code).first()
        if department is None:
            raise Http404(_("本考核周期没有这个考核部门。"))
        read_only, note = True, OFFICE_COPY_NOTE
    else:
        raise PermissionDenied(_("只有本考核周期考核部门的评分人员可以下载评分表。"))
    with translation.override(settings.LANGUAGE_CODE):  # the proposals' entries name their kinds in words
        sheet = build_sheet(cycle, department)
    sheet.read_only, sheet.note = read_only, note
    suffix = "评分表（只读）" if read_only else "评分表"
    return write_sheet(sheet), file_name([cycle.name, department.name, suffix], "xlsx", timezone.localdate())


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    attach(response, filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def sheet_download(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    content, filename = sheet_file(request.user, cycle, request.GET.get("department") or None)
    return xlsx_response(content, filename)


@login_required
def sheet_upload(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    department = scoring_department(request.user, cycle)
    if department is None:
        raise PermissionDenied(_("只有本考核周期考核部门的评分人员可以上传评分表。"))
    context: dict[str, object] = {"cycle": cycle, "department": department,
                                  "refusal": edit_refusal(cycle, department),
                                  "max_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}
    if request.method == "POST":
        uploaded, problem = read_sheet_upload(request.FILES.get("file"), cycle)
        if uploaded is None:
            context["file_error"] = problem
        else:
            context["report"] = apply_upload(request.user, cycle, uploaded, department)
    return render(request, "cycles/sheet_upload.html", context)


urlpatterns = [
    path("<int:pk>/sheet.xlsx", sheet_download, name="sheet_download"),
    path("<int:pk>/sheet/upload/", sheet_upload, name="sheet_upload"),
]
