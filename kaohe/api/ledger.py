"""API: the 平时考核台账 (issue 16). The rules are kaohe.ledger.rules and kaohe.ledger.proposals,
the same functions the pages call; who may read what is `rules.visible_entries`.

- GET  /cycles/{id}/ledger[?unit=&quarter=&state=&kind=&department=&page=&per_page=]   the entries you may read
- POST /cycles/{id}/ledger                          scorers and heads: record an entry (JSON, or multipart with `file`)
- GET  /cycles/{id}/ledger/{entry}                  one entry, its files and its dispute
- POST /cycles/{id}/ledger/{entry}/confirm          the department's head
- POST /cycles/{id}/ledger/{entry}/send-back        the department's head: {comment}
- POST /cycles/{id}/ledger/{entry}/void             the office: {reason}
- POST /cycles/{id}/ledger/{entry}/dispute          the unit: {reason} (JSON, or multipart with `file`)
- POST /cycles/{id}/ledger/{entry}/answer           the entry's department: {decision, points?, reason}
- POST /cycles/{id}/ledger/{entry}/close            the office: {comment?} (the answer takes effect)
- POST /cycles/{id}/ledger/{entry}/dispute-send-back  the office: {comment}
- POST /cycles/{id}/ledger/accept                   scorers and heads: {unit, item, version} | {unit} | {all: true}
- POST /cycles/{id}/ledger/override                 scorers and heads: {unit, item, points, reason, version}

Each task's proposal is in GET /cycles/{id}/tasks (`proposal`). A refusal names its field; a
refused entry names every bad field in `fields`.

(No `from __future__ import annotations`: ninja resolves the views' annotations, see cycles.py.)
"""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from kaohe.accounts.models import User
from kaohe.api.claims import body_doc, json_body, points_field, text_field
from kaohe.api.common import user_of, visible_cycle
from kaohe.api.cycles import task_body
from kaohe.api.errors import ApiError, translate_errors
from kaohe.api.schemas import (
    CommentIn,
    LedgerAcceptIn,
    LedgerAcceptOut,
    LedgerAnswerIn,
    LedgerEntryIn,
    LedgerEntryOut,
    LedgerErrorOut,
    LedgerOverrideIn,
    LedgerPageOut,
    ReasonIn,
    TaskOut,
)
from kaohe.claims.rules import read_evidence_upload
from kaohe.core import ledger as core
from kaohe.core.points import optional_points
from kaohe.cycles.models import Cycle, Score
from kaohe.ledger import proposals, rules
from kaohe.ledger.models import Dispute, Entry
from kaohe.ledger.rules import LedgerError, Typed

router = Router(tags=["ledger"])

ERRORS: dict[int, Any] = {status: LedgerErrorOut for status in (403, 404, 409, 413, 422)}
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MAX_PER_PAGE = 500


def _files(cycle: Cycle, entry: Entry, evidence: Any) -> list[dict[str, Any]]:
    return [{"id": e.pk, "name": e.name, "size": e.size, "url": f"/cycles/{cycle.pk}/ledger/{entry.pk}/files/{e.pk}/"}
            for e in evidence]


def _dispute(cycle: Cycle, entry: Entry) -> dict[str, Any] | None:
    found: Dispute | None = getattr(entry, "dispute", None)
    if found is None:
        return None
    return {"state": found.state, "state_label": str(found.get_state_display()), "reason": found.reason,
            "filed_by": str(found.filed_by) if found.filed_by_id else None, "filed_at": found.filed_at,
            "files": _files(cycle, entry, found.evidence.all()), "decision": found.decision,
            "decision_label": str(found.get_decision_display()) if found.decision else "",
            "new_points": optional_points(found.new_points), "answer": found.answer,
            "answered_by": str(found.answered_by) if found.answered_by_id else None, "answered_at": found.answered_at,
            "office_comment": found.office_comment, "closed_at": found.closed_at}


def _body(cycle: Cycle, entry: Entry, days: int) -> dict[str, Any]:
    closes = rules.window_closes(cycle, entry, days)
    return {"id": entry.pk, "unit": entry.unit.code, "unit_name": entry.unit.name,
            "department": entry.department.code, "department_name": entry.department.name,
            "item": entry.task.node.code if entry.task is not None else None, "kind": entry.kind,
            "kind_label": str(entry.get_kind_display()), "date": entry.date.isoformat(), "quarter": entry.quarter,
            "points": optional_points(entry.points), "reason": entry.reason, "document": entry.document,
            "state": entry.state, "state_label": str(entry.get_state_display()), "comment": entry.comment,
            "version": entry.version, "recorded_by": str(entry.recorded_by) if entry.recorded_by_id else None,
            "recorded_at": entry.recorded_at, "confirmed_at": entry.confirmed_at,
            "dispute_window_closes": closes.isoformat() if closes else None,
            "files": _files(cycle, entry, entry.evidence.all()), "dispute": _dispute(cycle, entry)}


def _entries(user: User, cycle: Cycle) -> Any:
    disputes = Dispute.objects.select_related("filed_by", "answered_by").prefetch_related("evidence")
    return (rules.visible_entries(user, cycle)
            .select_related("unit", "department", "task__node", "recorded_by")
            .prefetch_related("evidence", Prefetch("dispute", queryset=disputes)))


def _one(user: User, cycle: Cycle, entry_id: int) -> dict[str, Any]:
    entry = _entries(user, cycle).filter(pk=entry_id).first()
    if entry is None:
        raise LedgerError(LedgerError.NOT_FOUND, _("没有编号为 %(id)s 的台账记录。") % {"id": entry_id})
    return _body(cycle, entry, rules.settings_of(cycle).dispute_days)


def _typed(request: HttpRequest) -> tuple[Typed, list[Any]]:
    """The entry sent: JSON, or a form (multipart with `file` parts)."""
    if request.content_type in FORM_TYPES:
        data: Any = request.POST
        return Typed(unit=data.get("unit", ""), item=data.get("item", ""), kind=data.get("kind", ""),
                     date=data.get("date", ""), points=data.get("points", ""), reason=data.get("reason", ""),
                     document=data.get("document", "")), list(request.FILES.getlist("file"))
    data = json_body(request, "{unit, item, kind, date, points, reason, document}")
    return Typed(unit=text_field(data, "unit", _("被考核单位 unit")), item=text_field(data, "item", _("考核内容 item")),
                 kind=text_field(data, "kind", _("类型 kind")), date=text_field(data, "date", _("日期 date")),
                 points=points_field(data, required=False), reason=text_field(data, "reason", _("事由 reason")),
                 document=text_field(data, "document", _("依据文件 document"))), []


@router.get("/{cycle_id}/ledger", response={200: LedgerPageOut, **ERRORS}, summary="The ledger entries you may read")
@translate_errors
def list_entries(request: HttpRequest, cycle_id: int, unit: str | None = None, quarter: int | None = None,
                 state: str | None = None, kind: str | None = None, department: str | None = None, page: int = 1,
                 per_page: int = 100) -> dict[str, Any]:
    """The office: every entry. Leaders: every entry ever confirmed. Scorers and heads: their
    department's. Unit users: those about their unit ever confirmed. Newest first (by the date of
    the fact), `per_page` up to 500."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    entries = _entries(user, cycle)
    if quarter is not None:
        if quarter not in core.QUARTERS:
            raise ApiError(422, _("季度只能是1到4。"), "quarter")
        entries = entries.filter(quarter=quarter)
    for name, value in (("unit__code", unit), ("state", state), ("kind", kind), ("department__code", department)):
        if value:
            entries = entries.filter(**{name: value})
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    found = Paginator(entries.order_by("-date", "-pk"), per_page).get_page(page)
    days = rules.settings_of(cycle).dispute_days
    return {"count": found.paginator.count, "page": found.number, "per_page": per_page,
            "entries": [_body(cycle, entry, days) for entry in found]}


# the proposals first: their paths would otherwise be read as an entry's id


def _task(user: User, cycle: Cycle, unit: str, item: str) -> Score:
    department = proposals.department_of(user, cycle)
    task = Score.objects.filter(cycle=cycle, department=department, unit__code=unit, node__code=item).first()
    if task is None:
        raise LedgerError(LedgerError.NOT_FOUND, _("本部门没有这项评分任务。"), "item")
    return task


@router.post("/{cycle_id}/ledger/accept", response={200: LedgerAcceptOut, **ERRORS},
             summary="Accept the ledger's proposals", openapi_extra=body_doc(LedgerAcceptIn))
@translate_errors
def accept(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """Scorers and heads, while their department's scores can be edited: one task (`unit`, `item`
    and the `version` you saw; 409 when it changed), one unit's (`unit`) or all (`all: true`). Each
    score becomes its proposal, with the entries as its reason, and keeps the entries it rests on."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    proposals.department_of(user, cycle)
    data = json_body(request, "{unit, item, version} | {unit} | {all: true}")
    unit, item = text_field(data, "unit", _("被考核单位 unit")), text_field(data, "item", _("考核内容 item"))
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ApiError(422, _("version 必须是整数。"), "version")
    if item:
        decided = proposals.accept(user, cycle, task_id=_task(user, cycle, unit, item).pk, version=version)
    elif unit:
        decided = proposals.accept(user, cycle, unit_code=unit)
    elif data.get("all") is True:
        decided = proposals.accept(user, cycle)
    else:
        raise ApiError(422, _("请选择要采纳的评分任务、单位或全部。"), "all")
    return {"tasks": decided.tasks, "changed": decided.changed}


@router.post("/{cycle_id}/ledger/override", response={200: TaskOut, **ERRORS},
             summary="Score a task otherwise than its proposal, with a reason", openapi_extra=body_doc(LedgerOverrideIn))
@translate_errors
def override(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """Scorers and heads: `{unit, item, points, reason, version}`; the reason is required and
    becomes the score's reason; the task keeps the entries it was decided against."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    data = json_body(request, "{unit, item, points, reason, version}")
    task = _task(user, cycle, text_field(data, "unit", _("被考核单位 unit")), text_field(data, "item", _("考核内容 item")))
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ApiError(422, _("version 必须是整数。"), "version")
    score = proposals.override(user, cycle, task.pk, points_field(data), text_field(data, "reason", _("理由 reason")),
                               version)
    proposal = proposals.cells(cycle, score.department_id, [score.unit_id], [score.node_id])
    return task_body(score, score.department.code, proposal.get((score.node_id, score.unit_id)))


@router.get("/{cycle_id}/ledger/{entry_id}", response={200: LedgerEntryOut, **ERRORS}, summary="One ledger entry")
@translate_errors
def get_entry(request: HttpRequest, cycle_id: int, entry_id: int) -> dict[str, Any]:
    """As the list; an entry you may not read is 404."""
    user = user_of(request)
    return _one(user, visible_cycle(user, cycle_id), entry_id)


@router.post("/{cycle_id}/ledger", response={201: LedgerEntryOut, **ERRORS}, summary="Record a ledger entry",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": LedgerEntryIn.model_json_schema()},
                 "multipart/form-data": {"schema": {"type": "object", "required": ["unit", "kind", "date", "reason"],
                                                    "properties": {
                     **{name: {"type": "string"} for name in ("unit", "item", "kind", "date", "points", "reason",
                                                                "document")},
                     "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}})
@translate_errors
def record(request: HttpRequest, cycle_id: int):
    """Scorers and heads of a department of the cycle, while it is open: a deduction or note on an
    item the department scores for a unit it applies to, or a bonus (no item) within the cycle's
    bonus cap. It waits for the head (`state` draft). 422 names every bad field in `fields`."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    typed, uploads = _typed(request)
    files = [read_evidence_upload(cycle, upload) for upload in uploads]
    entry = rules.record(user, cycle, typed, files, source="api")
    return Status(201, _one(user, cycle, entry.pk))


def _step(request: HttpRequest, cycle_id: int, entry_id: int, act: Any) -> dict[str, Any]:
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    act(user, cycle)
    return _one(user, cycle, entry_id)


@router.post("/{cycle_id}/ledger/{entry_id}/confirm", response={200: LedgerEntryOut, **ERRORS},
             summary="Confirm a ledger entry (the unit is notified)")
@translate_errors
def confirm(request: HttpRequest, cycle_id: int, entry_id: int) -> dict[str, Any]:
    """The head of the entry's department, while the cycle is open, an entry that waits."""
    return _step(request, cycle_id, entry_id, lambda user, cycle: rules.confirm(user, cycle, [entry_id]))


@router.post("/{cycle_id}/ledger/{entry_id}/send-back", response={200: LedgerEntryOut, **ERRORS},
             summary="Send a ledger entry back to its recorder", openapi_extra=body_doc(CommentIn))
@translate_errors
def send_back(request: HttpRequest, cycle_id: int, entry_id: int) -> dict[str, Any]:
    """The head of the entry's department: `{comment}` (required)."""
    comment = text_field(json_body(request, "{comment}"), "comment", _("退回理由 comment"))
    return _step(request, cycle_id, entry_id, lambda user, cycle: rules.send_back(user, cycle, entry_id, comment))


@router.post("/{cycle_id}/ledger/{entry_id}/void", response={200: LedgerEntryOut, **ERRORS},
             summary="Void a ledger entry", openapi_extra=body_doc(ReasonIn))
@translate_errors
def void(request: HttpRequest, cycle_id: int, entry_id: int) -> dict[str, Any]:
    """The office, until the cycle is locked: `{reason}` (required). Nothing is deleted."""
    reason = text_field(json_body(request, "{reason}"), "reason", _("作废理由 reason"))
    return _step(request, cycle_id, entry_id, lambda user, cycle: rules.void(user, cycle, entry_id, reason))


@router.post("/{cycle_id}/ledger/{entry_id}/dispute", response={200: LedgerEntryOut, **ERRORS},
             summary="Dispute a confirmed ledger entry about your unit",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": ReasonIn.model_json_schema()},
                 "multipart/form-data": {"schema": {"type": "object", "required": ["reason"], "properties": {
                     "reason": {"type": "string"},
                     "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}})
@translate_errors
def dispute(request: HttpRequest, cycle_id: int, entry_id: int) -> dict[str, Any]:
    """Unit users, within the office's window after the confirmation: `{reason}`, or a form with
    `reason` and `file` parts (checked like evidence)."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    if request.content_type in FORM_TYPES:
        reason = request.POST.get("reason", "")
        files = [read_evidence_upload(cycle, upload) for upload in request.FILES.getlist("file")]
    else:
        reason, files = text_field(json_body(request, "{reason}"), "reason", _("异议理由 reason")), []
    rules.dispute(user, cycle, entry_id, reason, files)
    return _one(user, cycle, entry_id)


@router.post("/{cycle_id}/ledger/{entry_id}/answer", response={200: LedgerEntryOut, **ERRORS},
             summary="Answer the dispute of a ledger entry", openapi_extra=body_doc(LedgerAnswerIn))
@translate_errors
def answer(request: HttpRequest, cycle_id: int, entry_id: int) -> dict[str, Any]:
    """Scorers and heads of the entry's department: `{decision: upheld | changed | withdrawn,
    points (when changed), reason}`. It takes effect when the office closes the dispute."""
    data = json_body(request, "{decision, points, reason}")
    decision = text_field(data, "decision", _("答复 decision"))
    points = points_field(data, required=False)
    reason = text_field(data, "reason", _("答复理由 reason"))
    return _step(request, cycle_id, entry_id,
                 lambda user, cycle: rules.answer(user, cycle, entry_id, decision, points, reason))


@router.post("/{cycle_id}/ledger/{entry_id}/close", response={200: LedgerEntryOut, **ERRORS},
             summary="Close an answered dispute (the answer takes effect)", openapi_extra=body_doc(CommentIn))
@translate_errors
def close(request: HttpRequest, cycle_id: int, entry_id: int) -> dict[str, Any]:
    """The office: `{comment}` optional."""
    comment = text_field(json_body(request, "{comment}"), "comment", _("意见 comment"))
    return _step(request, cycle_id, entry_id, lambda user, cycle: rules.close(user, cycle, entry_id, comment))


@router.post("/{cycle_id}/ledger/{entry_id}/dispute-send-back", response={200: LedgerEntryOut, **ERRORS},
             summary="Send a dispute's answer back to the department", openapi_extra=body_doc(CommentIn))
@translate_errors
def send_back_dispute(request: HttpRequest, cycle_id: int, entry_id: int) -> dict[str, Any]:
    """The office: `{comment}` (required); the department answers again."""
    comment = text_field(json_body(request, "{comment}"), "comment", _("意见 comment"))
    return _step(request, cycle_id, entry_id,
                 lambda user, cycle: rules.send_back_dispute(user, cycle, entry_id, comment))
