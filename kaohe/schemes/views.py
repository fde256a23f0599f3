"""Scheme pages: list, tree with findings, import, publish, clone, diff, exports.

Who may do what (checked here, on the server, for every request):
office: everything; leader, scorer, head: read-only (list, detail, diff, exports);
unit users: 403 on every scheme page; anonymous users: sent to log in.
Every change goes through `kaohe.schemes.store`, which validates, writes and audits it.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaohe.accounts.decorators import office_only, requires
from kaohe.accounts.permissions import can_read_schemes, is_office
from kaohe.core.applicability import resolve_all
from kaohe.core.check import Finding, check
from kaohe.core.diff import KIND_LABELS, diff
from kaohe.core.points import format_points
from kaohe.core.scheme import Level, Location, Node, Scheme, title_path
from kaohe.formats.errors import FormatError
from kaohe.formats.load import read_path
from kaohe.formats.result import ReadResult
from kaohe.schemes import store
from kaohe.schemes.forms import CloneForm, DiffForm, PublishForm, Upload, UploadForm
from kaohe.schemes.models import Node as NodeRecord
from kaohe.schemes.models import SchemeRecord

log = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YAML_TYPE = "application/yaml; charset=utf-8"
READER_FINDINGS_KEY = "kaohe.schemes.reader_findings.{pk}"
MAX_READER_FINDINGS = 500  # kept in the session; a file with more shows the first ones and a count
MAX_POINTS = 10 ** 6  # DecimalField(max_digits=8, decimal_places=2)
LEVEL_NAMES = dict(NodeRecord.LEVELS)  # "dimension" → 一级指标, in the page's language (the core's are Chinese)


# -- access ------------------------------------------------------------------------------------

readers_only = requires(can_read_schemes)


# -- findings and the tree ---------------------------------------------------------------------

@dataclass(frozen=True)
class ShownFinding:
    severity: str
    code: str
    message: str
    node: str = ""
    path: str = ""
    location: str = ""
    origin: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @classmethod
    def of(cls, finding: Finding) -> ShownFinding:
        location = str(finding.location) if finding.location is not None else ""
        return cls(finding.severity.value, finding.code, finding.message, finding.node_code, finding.path,
                   location, finding.origin)


@dataclass
class FindingGroup:
    code: str
    path: str
    findings: list[ShownFinding] = field(default_factory=list)


@dataclass(frozen=True)
class TreeRow:
    node: Node
    level: str
    depth: int
    points: str
    departments: str
    units: int
    unit_names: str
    errors: int
    warnings: int


@dataclass
class Dimension:
    row: TreeRow
    rows: list[TreeRow]


def _group(findings: list[ShownFinding]) -> list[FindingGroup]:
    """Findings by node code, the scheme's own first, then in the order they were found."""
    groups: dict[str, FindingGroup] = {"": FindingGroup("", _("整个指标体系"))}
    for finding in findings:
        group = groups.setdefault(finding.node, FindingGroup(finding.node, finding.path))
        group.findings.append(finding)
    return [g for g in groups.values() if g.findings]


def _tree(scheme: Scheme, findings: list[ShownFinding]) -> list[Dimension]:
    applicability = resolve_all(scheme)
    counts: dict[str, list[int]] = {}
    for finding in findings:
        counts.setdefault(finding.node, [0, 0])[0 if finding.is_error else 1] += 1
    dimensions: list[Dimension] = []
    separator = _("、")
    for node, parents in scheme.walk_with_parents():
        # Departments and notes as written on the node; children inherit them (the tree shows that).
        # A scored node that would inherit none is left blank and the checker says so.
        units = applicability.of(node)
        errors, warnings = counts.get(node.code, (0, 0))
        row = TreeRow(
            node=node, level=LEVEL_NAMES[node.level.value], depth=len(parents),
            points=format_points(node.points), departments=separator.join(node.departments), units=len(units),
            unit_names=separator.join(u for u in scheme.units if u in units), errors=errors,
            warnings=warnings,
        )
        if node.level is Level.DIMENSION:
            dimensions.append(Dimension(row, []))
        else:
            dimensions[-1].rows.append(row)
    return dimensions


def _reader_findings(request: HttpRequest, pk: int) -> tuple[list[ShownFinding], int]:
    stored = request.session.get(READER_FINDINGS_KEY.format(pk=pk)) or {}
    return [ShownFinding(**f) for f in stored.get("findings", [])], stored.get("total", 0)


def _remember_reader_findings(request: HttpRequest, pk: int, findings: list[Finding]) -> None:
    key = READER_FINDINGS_KEY.format(pk=pk)
    if not findings:
        request.session.pop(key, None)
        return
    shown = [dataclasses.asdict(ShownFinding.of(f)) for f in findings[:MAX_READER_FINDINGS]]
    request.session[key] = {"findings": shown, "total": len(findings)}


# -- pages -------------------------------------------------------------------------------------

@require_safe
@readers_only
def scheme_list(request: HttpRequest) -> HttpResponse:
    schemes = SchemeRecord.objects.all()
    return render(request, "schemes/list.html", {"schemes": schemes, "office": is_office(request.user)})


def _clone_initial(record: SchemeRecord) -> dict[str, object]:
    year = record.year + 1 if record.year else None
    name = record.name.replace(str(record.year), str(year)) if year and str(record.year) in record.name \
        else f"{record.name}-{year or 'copy'}"
    return {"name": name, "year": year}


def _detail(request: HttpRequest, record: SchemeRecord, clone_form: CloneForm | None = None,
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
        "dimensions": _tree(scheme, findings),
        "groups": _group(findings),
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
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SchemeRecord.objects.select_related("created_by", "published_by"), pk=pk)
    return _detail(request, record)


# -- import ------------------------------------------------------------------------------------

def _located(location: Location | None, name: str) -> Location | None:
    """The upload's own name in place of the temporary file's path."""
    if location is None or location.file is None:
        return location
    return dataclasses.replace(location, file=name)


def _read_upload(upload: Upload) -> ReadResult:
    with tempfile.TemporaryDirectory(prefix="kaohe-upload-") as directory:
        path = Path(directory) / upload.safe_name
        path.write_bytes(upload.data)
        try:
            result = read_path(path)
        except FormatError as error:
            raise FormatError(error.message, _located(error.location, upload.name)) from None
    result.findings = [dataclasses.replace(f, location=_located(f.location, upload.name)) for f in result.findings]
    return result


def _storage_problem(scheme: Scheme) -> str | None:
    """What the database columns cannot hold (SQLite would store it, PostgreSQL would refuse it)."""
    limits = {f: SchemeRecord._meta.get_field(f).max_length for f in ("name", "title", "audience")}
    for key, limit in limits.items():
        if len(getattr(scheme, key) or "") > limit:
            return _("%(field)s太长：最多%(limit)s个字。") % {
                "field": SchemeRecord._meta.get_field(key).verbose_name, "limit": limit}
    if not scheme.name.strip():
        return _("指标体系没有名称（name）。")
    if scheme.total >= MAX_POINTS:
        return _("总分%(total)s太大。") % {"total": format_points(scheme.total)}
    for node, parents in scheme.walk_with_parents():
        if node.points is not None and node.points >= MAX_POINTS:
            return _("%(code)s %(path)s：分值%(points)s太大。") % {
                "code": node.code, "path": title_path(parents, node), "points": format_points(node.points)}
    return None


class _Refused(Exception):
    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _replaceable(existing: SchemeRecord | None, upload: Upload, replace: bool) -> SchemeRecord | None:
    """The draft an upload may replace: none for a new name; a published name is refused, and a
    draft's name too unless the office ticked "replace"."""
    if existing is None:
        return None
    source = _("文件名") if upload.suffix == ".xlsx" else _("文件中的 name")
    if existing.is_published:
        raise _Refused(None, _("已有名为“%(name)s”的已发布指标体系，已发布的指标体系不能替换。"
                               "请修改%(source)s，以新名称导入。") % {"name": existing.name, "source": source})
    if not replace:
        raise _Refused("replace", _("已有名为“%(name)s”的草稿。要用本文件替换该草稿，请勾选“替换同名草稿”后重新上传；"
                                    "否则请修改%(source)s。") % {"name": existing.name, "source": source})
    return existing


def _import(request: HttpRequest, form: UploadForm) -> SchemeRecord | None:
    """Read, check and store the upload; form errors say what is wrong and nothing is stored."""
    upload: Upload = form.cleaned_data["file"]
    try:
        result = _read_upload(upload)
    except FormatError as error:
        form.add_error("file", _("无法读取：%(error)s") % {"error": error})
        return None
    except Exception:  # a reader bug must not show a traceback nor store anything
        log.exception("reading the upload %r failed", upload.name)
        form.add_error("file", _("无法读取“%(name)s”：文件内容不符合预期的格式，未导入。") % {"name": upload.name})
        return None
    if len(result.schemes) != 1:
        if not result.schemes:
            form.add_error("file", _("“%(name)s”中没有指标体系。") % {"name": upload.name})
        else:
            form.add_error("file", _(
                "“%(name)s”含%(n)s个指标体系（%(names)s）。网页一次只导入一个指标体系："
                "请把每个表分别存成一个文件（或用命令 kaohe scheme import 拆分）后逐个导入。") % {
                "name": upload.name, "n": len(result.schemes),
                "names": _("、").join(s.name for s in result.schemes)})
        return None
    scheme = result.schemes[0]
    problem = _storage_problem(scheme)
    if problem:
        form.add_error("file", problem)
        return None
    try:
        with transaction.atomic():  # lock the draft being replaced, so it cannot be published meanwhile
            existing = SchemeRecord.objects.select_for_update().filter(name=scheme.name).first()
            replace = _replaceable(existing, upload, form.cleaned_data["replace"])
            record, _findings = store.save_scheme(scheme, replace=replace)
    except _Refused as refusal:
        form.add_error(refusal.field, refusal.message)
        return None
    except store.SchemeError as error:
        form.add_error(None, str(error))
        return None
    _remember_reader_findings(request, record.pk, result.findings)
    return record


@require_http_methods(["GET", "POST"])
@office_only
def scheme_import(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            record = _import(request, form)
            if record is not None:
                messages.success(request, _("已导入草稿“%(title)s”：%(errors)s个错误，%(warnings)s个警告。") % {
                    "title": record.title, "errors": record.errors, "warnings": record.warnings})
                return redirect("schemes:detail", pk=record.pk)
    else:
        form = UploadForm(initial={"replace": request.GET.get("replace") == "1"})
    return render(request, "schemes/import.html", {"form": form, "limit": settings.MAX_UPLOAD_BYTES})


# -- changes -----------------------------------------------------------------------------------

@require_POST
@office_only
def scheme_publish(request: HttpRequest, pk: int) -> HttpResponse:
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
def scheme_clone(request: HttpRequest, pk: int) -> HttpResponse:
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

@dataclass(frozen=True)
class ChangeRow:
    kind: str
    label: str
    level: str
    codes: str
    path: str
    old: str
    new: str


@require_safe
@readers_only
def scheme_diff(request: HttpRequest) -> HttpResponse:
    form = DiffForm(request.GET if ("a" in request.GET or "b" in request.GET) else None,
                    initial={"a": request.GET.get("a")})
    rows: list[ChangeRow] | None = None
    a = b = None
    if form.is_bound and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
        rows = []
        for change in diff(a.core(), b.core()):
            codes = change.code_a if change.code_a == change.code_b else \
                " → ".join(c or "—" for c in (change.code_a, change.code_b))
            level = LEVEL_NAMES[Level(change.level).value]
            rows.append(ChangeRow(change.kind, KIND_LABELS[change.kind], level,
                                  codes, change.path, change.old, change.new))
    summary: dict[str, int] = {}
    for row in rows or []:
        summary[row.label] = summary.get(row.label, 0) + 1
    return render(request, "schemes/diff.html",
                  {"form": form, "rows": rows, "a": a, "b": b, "summary": sorted(summary.items())})


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_safe
@readers_only
def export_yaml(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SchemeRecord, pk=pk)
    return _download(record.document.encode("utf-8"), YAML_TYPE, f"{record.name}.yaml")


@require_safe
@readers_only
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from kaohe.formats.xlsx_scheme import xlsx_bytes

    record = get_object_or_404(SchemeRecord, pk=pk)
    try:
        content = xlsx_bytes(record.core())
    except FormatError as error:
        messages.error(request, _("无法导出 xlsx：%(error)s") % {"error": error})
        return redirect(reverse("schemes:detail", args=[record.pk]))
    return _download(content, XLSX_TYPE, f"{record.name}.xlsx")
