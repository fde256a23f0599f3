"""The results' documents in the browser (issue 15); the rules are in `kaohe.results.documents`.

- `/results/<pk>/v/<version>/notice/`: the office fills in the version's notice (发文机关, 发文字号,
  标题, 主送, 抄送, 印发机关, 成文日期, opening, closing), with the defaults shown; downloads of the
  notice (Word, PDF) and of the version's ranking (xlsx, PDF).
- `/results/<pk>/v/<version>/<kind>.<suffix>`: a published version's documents (office, leaders):
  ranking.xlsx, ranking.pdf, notice.docx, notice.pdf. The notice without its 发文机关 or 发文字号 is
  refused: the office is sent to the form with what to fill in, a leader gets the reason (409).
- `/results/<pk>/export/<kind>/`: the current results (before publishing): ranking (xlsx),
  ranking-pdf, detail (xlsx), scorecards (every unit's scorecard in one PDF).
- `/results/<pk>/scorecard/<unit>/<suffix>`: one unit's scorecard of the current results (pdf, docx).
- `/results/<pk>/templates/`: the office's Word templates of the notice and the scorecard, for this
  cycle or the installation: download the default or the one in use, upload (refused with the
  reason when it does not render; the previous stays in use), back to the default; the placeholders
  documented.

Every download is named by `documents.download_name` and sent with `kaohe.formats.download.attach`.
"""

from __future__ import annotations

import re
import tempfile
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaohe.accounts.decorators import SignedInRequest, office_only, office_or_leader
from kaohe.accounts.permissions import is_office
from kaohe.core.results import RulesError
from kaohe.cycles.access import visible_cycle_or_404
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.formats.download import attach, chunks
from kaohe.formats.gongwen.template import MAX_TEMPLATE_BYTES
from kaohe.formats.pdf import PdfError
from kaohe.formats.results_report.detail import detail_xlsx
from kaohe.formats.results_report.ranking import ranking_xlsx
from kaohe.results import documents, exports
from kaohe.results.forms import NoticeForm, TemplateForm
from kaohe.results.models import DocumentTemplate, ResultSnapshot
from kaohe.results.service import ResultsError

XLSX, DOCX, PDF = exports.XLSX, exports.DOCX, exports.PDF


def download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return attach(response, name)


def _refused(message: str, status: int = 409) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _snapshot(request: SignedInRequest, pk: int, version: int) -> ResultSnapshot:
    cycle = visible_cycle_or_404(request.user, pk)
    return get_object_or_404(ResultSnapshot.objects.select_related("cycle", "cycle__scheme"), cycle=cycle,
                             version=version)


# ----------------------------------------------------------------------------- the notice's form


@office_only
@require_http_methods(["GET", "POST"])
def notice(request: SignedInRequest, pk: int, version: int) -> HttpResponse:
    snapshot = _snapshot(request, pk, version)
    details = documents.notice_details(snapshot)
    status = 200
    if request.method == "POST":
        form = NoticeForm(request.POST)
        if form.is_valid():
            try:
                documents.save_notice(snapshot, request.user, form.cleaned_data)
            except ResultsError as problem:
                for message in problem.problems:
                    form.add_error(None, message)
            else:
                messages.success(request, _("通报信息已保存。"))
                return redirect("results:notice", pk=pk, version=version)
        status = 400
    else:
        form = NoticeForm(initial=documents.details_json(details))
    missing = documents.missing_fields(details)
    return render(request, "results/notice.html", {
        "cycle": snapshot.cycle, "snapshot": snapshot, "form": form, "saved": not details._state.adding,
        "missing": missing, "missing_text": _("、").join(missing),
        "template": documents.template_in_use("notice", snapshot.cycle),
    }, status=status)


# ----------------------------------------------------------------------------- a version's downloads


VERSION_DOCUMENTS = {("ranking", "xlsx"), ("ranking", "pdf"), ("notice", "docx"), ("notice", "pdf")}


@office_or_leader
@require_GET
def version_download(request: SignedInRequest, pk: int, version: int, kind: str, suffix: str) -> HttpResponse:
    if (kind, suffix) not in VERSION_DOCUMENTS:
        raise Http404
    snapshot = _snapshot(request, pk, version)
    cycle = snapshot.cycle
    try:
        if kind == "ranking":
            report = documents.version_report(snapshot)
            content = ranking_xlsx(report) if suffix == "xlsx" else documents.ranking_pdf(report)
            return download(content, documents.download_name(cycle, "排名", suffix, snapshot),
                            XLSX if suffix == "xlsx" else PDF)
        content = documents.notice_docx(snapshot) if suffix == "docx" else documents.notice_pdf(snapshot)
        return download(content, documents.download_name(cycle, "考核结果通报", suffix, snapshot),
                        DOCX if suffix == "docx" else PDF)
    except ResultsError as problem:
        if is_office(request.user) and kind == "notice":
            messages.error(request, problem.message)
            return redirect("results:notice", pk=pk, version=version)
        return _refused(problem.message)
    except PdfError as problem:
        return _refused(str(problem), 503)


# ----------------------------------------------------------------------------- the current results


@office_or_leader
@require_GET
def export(request: SignedInRequest, pk: int, kind: str) -> HttpResponseBase:
    """The current results' ranking (xlsx, PDF), detail matrix and all scorecards (PDF)."""
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        if kind == "ranking":
            return download(ranking_xlsx(documents.current_report(cycle)),
                            documents.download_name(cycle, "排名", "xlsx"), XLSX)
        if kind == "ranking-pdf":
            return download(documents.ranking_pdf(documents.current_report(cycle)),
                            documents.download_name(cycle, "排名", "pdf"), PDF)
        if kind == "detail":
            return download(detail_xlsx(exports.detail_report(cycle)),
                            documents.download_name(cycle, "得分明细", "xlsx"), XLSX)
        if kind == "scorecards":
            return _all_scorecards(cycle)
    except RulesError as error:
        return _refused("；".join(error.problems), 400)
    except PdfError as problem:
        return _refused(str(problem), 503)
    if kind == "notice":  # the notice is a published version's: its latest
        latest = ResultSnapshot.objects.filter(cycle=cycle).order_by("-version").first()
        if latest is None:
            return _refused(_("结果尚未发布：通报按已发布的版本生成，请先发布结果。"))
        return redirect("results:version_download", pk=pk, version=latest.version, kind="notice", suffix="docx")
    raise Http404


def _all_scorecards(cycle: Cycle) -> StreamingHttpResponse:
    out = tempfile.TemporaryFile(suffix=".pdf")  # closed by chunks() once read
    try:
        documents.write_scorecards_pdf(documents.current_scorecards(cycle), out)
        size = out.tell()
    except BaseException:
        out.close()
        raise
    response = StreamingHttpResponse(chunks(out), content_type=PDF)
    response["Content-Length"] = str(size)
    response["Cache-Control"] = "private, no-store"
    return attach(response, documents.download_name(cycle, "各单位考核得分表", "pdf"))


@office_or_leader
@require_GET
def scorecard_file(request: SignedInRequest, pk: int, unit_code: str, suffix: str) -> HttpResponse:
    """One unit's scorecard of the current results, as PDF or Word."""
    if suffix not in ("pdf", "docx"):
        raise Http404
    cycle = visible_cycle_or_404(request.user, pk)
    unit = CycleUnit.objects.filter(cycle=cycle, code=unit_code).first()
    if unit is None:
        raise Http404(_("这个考核周期没有编码为 %(code)s 的被考核单位。") % {"code": unit_code})
    try:
        context = next(documents.current_scorecards(cycle, only=unit))
        name = documents.download_name(cycle, f"{unit.name}考核得分表", suffix)
        if suffix == "pdf":
            return download(documents.scorecard_pdf(context), name, PDF)
        return download(documents.scorecard_docx(cycle, context), name, DOCX)
    except RulesError as error:
        return _refused("；".join(error.problems), 400)
    except ResultsError as problem:
        return _refused(problem.message)
    except PdfError as problem:
        return _refused(str(problem), 503)


# ----------------------------------------------------------------------------- templates


@office_only
@require_http_methods(["GET", "POST"])
def templates(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    status = 200
    form = TemplateForm()
    if request.method == "POST":
        form = TemplateForm(request.POST, request.FILES)
        if form.is_valid():
            scope = cycle if form.cleaned_data["scope"] == "cycle" else None
            upload = form.cleaned_data["file"]
            try:
                documents.store_template(form.cleaned_data["kind"], scope, request.user, upload.name,
                                         upload.read(MAX_TEMPLATE_BYTES + 1))
            except ResultsError as problem:
                form.add_error("file", problem.message)
            else:
                messages.success(request, _("模板已上传，此后生成的文书使用新模板。"))
                return redirect("results:templates", pk=pk)
        status = 400
    kinds: list[dict[str, Any]] = []
    for kind, label in DocumentTemplate.Kind.choices:
        in_use = documents.template_in_use(kind, cycle)
        kinds.append({"kind": kind, "label": label, "placeholders": placeholder_docs(documents.TEMPLATES[kind][3]),
                      "cycle": in_use if in_use is not None and in_use.cycle_id else None,
                      "installation": documents.template_in_use(kind, None)})
    return render(request, "results/templates.html", {"cycle": cycle, "form": form, "kinds": kinds,
                                                      "limit_mb": MAX_TEMPLATE_BYTES // 1024 // 1024}, status=status)


IDENTIFIERS = frozenset(("heading", "name", "count", "summary", "rows", "rank", "final", "grade", "notes", "obtained",
                         "maximum", "percent", "bonus", "penalty", "adjusted", "group_size", "explanation", "label",
                         "weight", "value", "code", "title", "kind", "points", "reason", "document", "department",
                         "item", "r"))
_WORD = re.compile(r"(?<![A-Za-z_])[A-Za-z_]+(?![A-Za-z_])")


def placeholder_docs(placeholders: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Each placeholder with its meaning translated; in Chinese the field names inside a meaning
    ("rows（名次 rank、…）") marked as code, not words of the page's language."""
    chinese = (get_language() or "").startswith("zh")
    shown: list[tuple[str, str]] = []
    for name, meaning in placeholders:
        text: str = conditional_escape(_(meaning))
        if chinese:
            text = _WORD.sub(lambda m: f'<code translate="no">{m.group(0)}</code>' if m.group(0) in IDENTIFIERS
                             else m.group(0), text)
        shown.append((name, mark_safe(text)))  # escaped above, only our own tags added
    return shown


@office_only
@require_GET
def template_file(request: SignedInRequest, pk: int, kind: str, which: str) -> HttpResponse:
    """The default template, or the one in use for this cycle, as a download."""
    cycle = visible_cycle_or_404(request.user, pk)
    if kind not in documents.TEMPLATES or which not in ("default", "in-use"):
        raise Http404
    label = dict(DocumentTemplate.Kind.choices)[kind]
    if which == "default":
        return download(documents.TEMPLATES[kind][0](), f"{label}-默认模板.docx", DOCX)
    return download(documents.template_bytes(kind, cycle), documents.download_name(cycle, f"{label}模板", "docx"), DOCX)


@office_only
@require_POST
def template_reset(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    kind, scope = request.POST.get("kind", ""), request.POST.get("scope", "")
    if kind not in documents.TEMPLATES or scope not in ("cycle", "installation"):
        raise PermissionDenied(_("请求无效。"))
    count = documents.reset_template(kind, cycle if scope == "cycle" else None, request.user)
    messages.success(request, _("已恢复默认模板（删除%(count)d个上传的模板）。") % {"count": count})
    return redirect("results:templates", pk=pk)


urlpatterns = [
    path("<int:pk>/v/<int:version>/notice/", notice, name="notice"),
    path("<int:pk>/v/<int:version>/<slug:kind>.<slug:suffix>", version_download, name="version_download"),
    path("<int:pk>/export/<slug:kind>/", export, name="export"),
    path("<int:pk>/scorecard/<str:unit_code>/file.<slug:suffix>", scorecard_file, name="scorecard_file"),
    path("<int:pk>/templates/", templates, name="templates"),
    path("<int:pk>/templates/<slug:kind>/<slug:which>.docx", template_file, name="template_file"),
    path("<int:pk>/templates/reset/", template_reset, name="template_reset"),
]
