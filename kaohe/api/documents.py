"""API: the results' documents (issue 15), the same services as the pages (kaohe.results.documents).

- `GET /cycles/{id}/results/{version}/notice`: the notice's details of a published version (the
  defaults until saved) and what is missing — office and leaders.
- `PUT …/notice`: the office saves any of issuer, number, title, recipients, copies, printer, day
  (YYYY-MM-DD), opening, closing; 422 with every refusal, nothing saved.
- `GET …/notice.docx`, `…/notice.pdf`: the notice (422 naming the 发文机关 / 发文字号 to fill in);
  `GET …/ranking.xlsx`, `…/ranking.pdf`: the version's ranking — office and leaders.
- `GET /cycles/{id}/scorecards.pdf`: every unit's scorecard of the current results, one PDF —
  office and leaders.
- `GET /cycles/{id}/scorecard.pdf[?version=N]`: a unit user's own published scorecard.

Files are named and sent as on the pages (kaohe.formats.download).

(No `from __future__ import annotations`: ninja resolves the views' annotations, see cycles.py.)
"""

import tempfile
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kaohe.accounts.permissions import is_office, reads_all
from kaohe.api.body import json_object
from kaohe.api.common import user_of, visible_cycle
from kaohe.api.errors import ApiError, translate_errors
from kaohe.api.schemas import ErrorOut
from kaohe.core.results import RulesError
from kaohe.formats.download import attach, chunks
from kaohe.formats.pdf import PdfError
from kaohe.formats.results_report.ranking import ranking_xlsx
from kaohe.objections.documents import unit_scorecard
from kaohe.results import documents, exports
from kaohe.results.models import ResultSnapshot

router = Router(tags=["documents"])
ERRORS: dict[int, Any] = {status: ErrorOut for status in (403, 404, 422, 503)}


class NoticeOut(Schema):
    version: int
    issuer: str
    number: str
    title: str
    recipients: str
    copies: str
    printer: str
    day: str
    opening: str
    closing: str
    missing: list[str]  # what must be filled in before the notice can be made
    saved: bool


class NoticeIn(Schema):
    issuer: str | None = None
    number: str | None = None
    title: str | None = None
    recipients: str | None = None
    copies: str | None = None
    printer: str | None = None
    day: str | None = None
    opening: str | None = None
    closing: str | None = None


def _readers(request: HttpRequest) -> Any:
    user = user_of(request)
    if not reads_all(user):
        raise ApiError(403, _("只有考核办和领导可以下载考核结果文书。"))
    return user


def _snapshot(user: Any, cycle_id: int, version: int) -> ResultSnapshot:
    cycle = visible_cycle(user, cycle_id)
    found = ResultSnapshot.objects.filter(cycle=cycle, version=version).select_related("cycle").first()
    if found is None:
        raise ApiError(404, _("这个考核周期没有第%(version)s版已发布结果。") % {"version": version}, "version")
    return found


def _file(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return attach(response, name)


def _notice_body(snapshot: ResultSnapshot) -> dict[str, Any]:
    details = documents.notice_details(snapshot)
    return {"version": snapshot.version, **documents.details_json(details),
            "missing": documents.missing_fields(details), "saved": not details._state.adding}


@router.get("/{cycle_id}/results/{version}/notice", response={200: NoticeOut, **ERRORS},
            summary="A published version's notice details")
@translate_errors
def get_notice(request: HttpRequest, cycle_id: int, version: int) -> dict[str, Any]:
    """The office and leaders: the details (the defaults until saved) and `missing`."""
    return _notice_body(_snapshot(_readers(request), cycle_id, version))


@router.put("/{cycle_id}/results/{version}/notice", response={200: NoticeOut, **ERRORS},
            summary="Fill in a published version's notice", openapi_extra={"requestBody": {
                "required": True, "content": {"application/json": {"schema": NoticeIn.model_json_schema()}}}})
@translate_errors
def put_notice(request: HttpRequest, cycle_id: int, version: int) -> dict[str, Any]:
    """The office: any of the fields; a text beyond its limit or a bad date is 422, nothing saved."""
    user = _readers(request)
    if not is_office(user):
        raise ApiError(403, _("只有考核办可以填写通报。"))
    snapshot = _snapshot(user, cycle_id, version)
    data = json_object(request, "{issuer, number, title, recipients, copies, printer, day, opening, closing}")
    values: dict[str, Any] = {}
    for name in documents.NOTICE_FIELDS:
        if name in data and data[name] is not None:
            if not isinstance(data[name], str):
                raise ApiError(422, _("%(name)s必须是文字。") % {"name": name}, name)
            values[name] = data[name]
    documents.save_notice(snapshot, user, values)
    return _notice_body(snapshot)


@router.get("/{cycle_id}/results/{version}/{name}", response={200: None, **ERRORS},
            summary="A published version's notice (docx, pdf) or ranking (xlsx, pdf)")
@translate_errors
def version_file(request: HttpRequest, cycle_id: int, version: int, name: str) -> Any:
    """`notice.docx`, `notice.pdf`, `ranking.xlsx` or `ranking.pdf`; the office and leaders."""
    snapshot = _snapshot(_readers(request), cycle_id, version)
    kind, _dot, suffix = name.partition(".")
    cycle = snapshot.cycle
    try:
        if (kind, suffix) == ("ranking", "xlsx"):
            return _file(ranking_xlsx(documents.version_report(snapshot)),
                         documents.download_name(cycle, "排名", "xlsx", snapshot), exports.XLSX)
        if (kind, suffix) == ("ranking", "pdf"):
            return _file(documents.ranking_pdf(documents.version_report(snapshot)),
                         documents.download_name(cycle, "排名", "pdf", snapshot), exports.PDF)
        if (kind, suffix) == ("notice", "docx"):
            return _file(documents.notice_docx(snapshot), documents.download_name(cycle, "考核结果通报", "docx", snapshot),
                         exports.DOCX)
        if (kind, suffix) == ("notice", "pdf"):
            return _file(documents.notice_pdf(snapshot), documents.download_name(cycle, "考核结果通报", "pdf", snapshot),
                         exports.PDF)
    except PdfError as error:
        raise ApiError(503, str(error)) from None
    raise ApiError(404, _("没有这个文书：%(name)s（可用 notice.docx、notice.pdf、ranking.xlsx、ranking.pdf）。")
                   % {"name": name[:40]}, "name")


@router.get("/{cycle_id}/scorecards.pdf", response={200: None, **ERRORS},
            summary="Every unit's scorecard of the current results in one PDF")
@translate_errors
def scorecards_pdf(request: HttpRequest, cycle_id: int) -> Any:
    """The office and leaders: a page break before each unit, written unit batch by batch."""
    cycle = visible_cycle(_readers(request), cycle_id)
    out = tempfile.TemporaryFile(suffix=".pdf")  # closed by chunks() once read
    try:
        documents.write_scorecards_pdf(documents.current_scorecards(cycle), out)
        size = out.tell()
    except RulesError as error:
        out.close()
        raise ApiError(422, _("结果无法计算：%(problems)s") % {"problems": error}) from None
    except PdfError as error:
        out.close()
        raise ApiError(503, str(error)) from None
    except BaseException:
        out.close()
        raise
    response = StreamingHttpResponse(chunks(out), content_type=exports.PDF)
    response["Content-Length"] = str(size)
    return attach(response, documents.download_name(cycle, "各单位考核得分表", "pdf"))


@router.get("/{cycle_id}/scorecard.pdf", response={200: None, **ERRORS},
            summary="The unit's own published scorecard as a PDF")
@translate_errors
def own_scorecard_pdf(request: HttpRequest, cycle_id: int, version: int | None = None) -> Any:
    """A unit user: its latest (or `version`) published scorecard; 404 before publication or for
    other roles."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    context, snapshot = unit_scorecard(user, cycle, str(version) if version is not None else None)
    try:
        content = documents.scorecard_pdf(context)
    except PdfError as error:
        raise ApiError(503, str(error)) from None
    return _file(content, documents.download_name(cycle, f"{context['unit']}考核得分表", "pdf", snapshot), exports.PDF)
