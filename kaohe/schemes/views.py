"""Scheme pages: list, tree with findings, import, publish, clone, diff, exports.

Who may do what (checked here, on the server, for every request):
office: everything; leader, scorer, head: read-only (list, detail, diff, exports);
unit users: 403 on every scheme page; anonymous users: sent to log in.
Every change goes through `kaohe.schemes.store` (an upload through `kaohe.schemes.importing`),
which validates, writes and audits it; what the pages show is made by `kaohe.schemes.presenters`.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaohe.accounts.decorators import SignedInRequest, office_only, requires
from kaohe.accounts.permissions import can_read_schemes, is_office
from kaohe.core.check import Finding, check
from kaohe.formats import scheme_print
from kaohe.formats.download import attach, file_name
from kaohe.formats.errors import FormatError
from kaohe.formats.gongwen.style import css_variables
from kaohe.formats.pdf import PdfError, html_to_pdf
from kaohe.formats.xlsx_scheme import xlsx_bytes
from kaohe.schemes import store
from kaohe.schemes.forms import CloneForm, DiffForm, PublishForm, UploadForm
from kaohe.schemes.importing import ImportRefused, import_upload
from kaohe.schemes.models import SchemeRecord
from kaohe.schemes.presenters import LEVEL_NAMES, ChangeRow, ShownFinding, changes, group_findings, tree

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YAML_TYPE = "application/yaml; charset=utf-8"
READER_FINDINGS_KEY = "kaohe.schemes.reader_findings.{pk}"
MAX_READER_FINDINGS = 500  # kept in the session; a file with more shows the first ones and a count


# -- access ------------------------------------------------------------------------------------

readers_only = requires(can_read_schemes)


# -- the import's findings, kept for the next page ---------------------------------------------

def _reader_findings(request: SignedInRequest, pk: int) -> tuple[list[ShownFinding], int]:
    stored = request.session.get(READER_FINDINGS_KEY.format(pk=pk)) or {}
    return [ShownFinding(**f) for f in stored.get("findings", [])], stored.get("total", 0)


def _remember_reader_findings(request: SignedInRequest, pk: int, findings: list[Finding]) -> None:
    key = READER_FINDINGS_KEY.format(pk=pk)
    if not findings:
        request.session.pop(key, None)
        return
    shown = [dataclasses.asdict(ShownFinding.of(f, uploaded=True)) for f in findings[:MAX_READER_FINDINGS]]
    request.session[key] = {"findings": shown, "total": len(findings)}


# -- pages -------------------------------------------------------------------------------------

@require_safe
@readers_only
def scheme_list(request: SignedInRequest) -> HttpResponse:
    schemes = SchemeRecord.objects.all()
    return render(request, "schemes/list.html", {"schemes": schemes, "office": is_office(request.user)})


def _clone_initial(record: SchemeRecord) -> dict[str, object]:
    year = record.year + 1 if record.year else None
    name = record.name.replace(str(record.year), str(year)) if year and str(record.year) in record.name \
        else f"{record.name}-{year or 'copy'}"
    return {"name": name, "year": year}


def _detail(request: SignedInRequest, record: SchemeRecord, clone_form: CloneForm | None = None,
            status: int = 200) -> HttpResponse:
    scheme = record.core()
    findings = [ShownFinding.of(f) for f in check(scheme)]
    reader_findings, reader_total = _reader_findings(request, record.pk)
    errors = sum(f.is_error for f in findings)
    office = is_office(request.user)
    context = {
        "record": record,
        "scheme": scheme,
        "counts": [(LEVEL_NAMES[level.value], n) for level, n in scheme.counts().items()],
        "dimensions": tree(scheme, findings),
        "groups": group_findings(findings),
        "errors": errors,
        "warnings": len(findings) - errors,
        "reader_findings": reader_findings,
        "reader_more": max(reader_total - len(reader_findings), 0),
        "office": office,
        "clone_form": clone_form or (CloneForm(initial=_clone_initial(record)) if office else None),
        "others": SchemeRecord.objects.exclude(pk=record.pk).only("pk", "name", "title", "year"),
    }
    return render(request, "schemes/detail.html", context, status=status)


@require_safe
@readers_only
def scheme_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SchemeRecord.objects.select_related("created_by", "published_by"), pk=pk)
    return _detail(request, record)


# -- import ------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@office_only
def scheme_import(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                record, reader_findings = import_upload(form.cleaned_data["file"], form.cleaned_data["replace"])
            except ImportRefused as refusal:
                form.add_error(refusal.field or None, refusal.message)
            else:
                _remember_reader_findings(request, record.pk, reader_findings)
                messages.success(request, _("已导入草稿“%(title)s”：%(errors)s个错误，%(warnings)s个警告。") % {
                    "title": record.title, "errors": record.errors, "warnings": record.warnings})
                return redirect("schemes:detail", pk=record.pk)
    else:
        form = UploadForm(initial={"replace": request.GET.get("replace") == "1"})
    return render(request, "schemes/import.html", {"form": form, "limit": settings.MAX_UPLOAD_BYTES})


# -- changes -----------------------------------------------------------------------------------

@require_POST
@office_only
def scheme_publish(request: SignedInRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SchemeRecord, pk=pk)
    form = PublishForm(request.POST)
    acknowledged = form.is_valid() and form.cleaned_data["acknowledge"]
    try:
        store.publish(record, acknowledge_warnings=acknowledged)
    except store.SchemeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已发布“%(title)s”。已发布的指标体系不能再修改。") % {"title": record.title})
    return redirect("schemes:detail", pk=record.pk)


@require_POST
@office_only
def scheme_clone(request: SignedInRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SchemeRecord.objects.select_related("created_by", "published_by"), pk=pk)
    form = CloneForm(request.POST)
    if form.is_valid():
        try:
            copy = store.clone(record, name=form.cleaned_data["name"], year=form.cleaned_data["year"])
        except store.SchemeError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("已复制为%(year)s年度的草稿“%(name)s”。") % {
                "year": copy.year, "name": copy.name})
            return redirect("schemes:detail", pk=copy.pk)
    return _detail(request, record, clone_form=form, status=400)


# -- diff and exports --------------------------------------------------------------------------

@require_safe
@readers_only
def scheme_diff(request: SignedInRequest) -> HttpResponse:
    form = DiffForm(request.GET if ("a" in request.GET or "b" in request.GET) else None,
                    initial={"a": request.GET.get("a")})
    rows: list[ChangeRow] | None = None
    a = b = None
    if form.is_bound and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
        rows = changes(a.core(), b.core())
    summary: dict[str, int] = {}
    for row in rows or []:
        summary[row.label] = summary.get(row.label, 0) + 1
    return render(request, "schemes/diff.html",
                  {"form": form, "rows": rows, "a": a, "b": b, "summary": sorted(summary.items())})


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    attach(response, filename)
    return response


@require_safe
@readers_only
def export_yaml(request: SignedInRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SchemeRecord, pk=pk)
    return _download(record.document.encode("utf-8"), YAML_TYPE, file_name([record.title], "yaml", timezone.localdate()))


@require_safe
@readers_only
def export_xlsx(request: SignedInRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SchemeRecord, pk=pk)
    try:
        content = xlsx_bytes(record.core())
    except FormatError as error:
        messages.error(request, _("无法导出 xlsx：%(error)s") % {"error": error})
        return redirect(reverse("schemes:detail", args=[record.pk]))
    return _download(content, XLSX_TYPE, file_name([record.title, "指标体系表"], "xlsx", timezone.localdate()))


@require_safe
@readers_only
def export_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    """The official seven-column table as an A4 landscape PDF (the same texts and merges as the xlsx)."""
    record = get_object_or_404(SchemeRecord, pk=pk)
    html = render_to_string("documents/scheme_table.html", {
        "title": record.title, "headers": scheme_print.headers(), "rows": scheme_print.printed_rows(record.core()),
        "css": css_variables()})
    try:
        content = html_to_pdf(html)
    except PdfError as error:
        messages.error(request, str(error))
        return redirect(reverse("schemes:detail", args=[record.pk]))
    return _download(content, "application/pdf", file_name([record.title, "指标体系表"], "pdf", timezone.localdate()))
