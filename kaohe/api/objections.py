"""API: the unit's published scorecard and objections to it (the unit's side, issue 4).

- GET  /cycles/{id}/scorecard[?version=N]                        unit users: their own unit only
- GET  /cycles/{id}/objections ; GET /cycles/{id}/objections/{oid}  what `visible_objections` gives
- POST /cycles/{id}/objections                                   the unit: {items: [{code, reason}] or [code], reason?}
                                                                 (+ `file` parts)
- POST /cycles/{id}/objections/{oid}/items/{code}/answer         the item's department: {decision, points, reason}
- POST /cycles/{id}/objections/{oid}/confirm                     the office: {comment?}
- POST /cycles/{id}/objections/{oid}/send-back                   the office: {comment}

The rules are `kaohe.objections.flow` (the pages call the same functions); the scorecard shows what
the page shows (`kaohe.objections.scorecard`: the published figures with the previous version's that
differ and, for the latest version while the cycle is locked, the items with the unit's claims and
the points before on the items that changed); an objection's items carry what the department sees
beside them (`kaohe.objections.context`). The office and leaders read results through
GET /cycles/{id}/results instead.

Items have had their own reasons since 2026-12 (issue 14). A client that sends one `reason` and item
codes, as before, still works: that reason becomes each item's. `reason` on an objection is now the
shared reason as sent (empty when every item came with its own); read each item's `reason`.

(No `from __future__ import annotations`: ninja resolves the views' annotations, see cycles.py.)
"""

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from kaohe.accounts.models import User
from kaohe.accounts.permissions import unit_code
from kaohe.api.claims import (
    ERRORS,
    body_doc,
    json_body,
    points_field,
    text_field,
)
from kaohe.api.common import user_of, visible_cycle
from kaohe.api.errors import ApiError, translate_errors
from kaohe.api.schemas import AnswerIn, ClaimErrorOut, CommentIn, ObjectionIn, ObjectionOut, ScorecardOut
from kaohe.claims import rules
from kaohe.core.points import optional_points
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.objections import context, flow, scorecard
from kaohe.objections.flow import ObjectionError
from kaohe.objections.models import Objection, ObjectionItem
from kaohe.results.models import ResultSnapshot

router = Router(tags=["objections"])

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


# ----------------------------------------------------------------------------- the scorecard


@router.get("/{cycle_id}/scorecard", response={200: ScorecardOut, 403: ClaimErrorOut, 404: ClaimErrorOut},
            summary="Your unit's published scorecard")
@translate_errors
def get_scorecard(request: HttpRequest, cycle_id: int, version: int | None = None) -> dict[str, Any]:
    """Unit users, for their own unit: the published figures of the latest version (or `?version=N`)
    and, for the latest version while the cycle is locked, every item with its points, department and
    reason for a deduction. 404 before the results are published; 403 for other roles (the office
    and leaders use GET /cycles/{id}/results)."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    own = unit_code(user)
    if own is None:
        raise ApiError(403, _("成绩单只对被考核单位开放；考核办和领导请查看 GET /api/v1/cycles/%(id)s/results。") % {
            "id": cycle.pk})
    unit = CycleUnit.objects.filter(cycle=cycle, code=own).first()
    if unit is None:
        raise ApiError(404, _("本单位不参加这个考核周期。"))
    versions = list(ResultSnapshot.objects.filter(cycle=cycle).order_by("-version").values_list("version", flat=True))
    if not versions:
        raise ApiError(404, _("考核结果尚未发布，发布后才能查看成绩单。"))
    wanted = versions[0] if version is None else version
    snapshot = ResultSnapshot.objects.filter(cycle=cycle, version=wanted).first()
    if snapshot is None:
        raise ApiError(404, _("这个考核周期没有第%(version)s版已发布结果。") % {"version": wanted}, "version")
    summary = scorecard.published_row(snapshot, unit.code)
    if summary is None:
        raise ApiError(404, _("第%(version)s版结果中没有本单位。") % {"version": wanted}, "version")
    previous = scorecard.previous_version(snapshot)
    before = scorecard.published_row(previous, unit.code) if previous else None
    rows: list[dict[str, Any]] = []
    items = 0
    if wanted == versions[0] and cycle.status == Cycle.Status.LOCKED:
        changes = scorecard.item_changes(cycle, unit.code, previous, snapshot) if previous else {}
        rows, items = scorecard.unit_rows(cycle, unit, changes)
    latest = snapshot if wanted == versions[0] else None
    return {
        "cycle": cycle.pk, "unit": unit.code, "unit_name": unit.name, "version": snapshot.version,
        "latest_version": versions[0], "versions": versions, "published_at": snapshot.published_at,
        "summary": summary, "previous_version": previous.version if previous else None,
        "changed_from_previous": scorecard.summary_changes(summary, before), "rows": rows, "items": items,
        "pending": sorted(set(flow.pending_for(unit).values_list("score__node__code", flat=True))),
        "objection_deadline": cycle.objection_deadline,
        "window_problem": flow.window_problem(cycle, latest),  # None: it reads the latest itself
    }


# ----------------------------------------------------------------------------- objections


def _objections(user: User, cycle: Cycle) -> Any:
    items = ObjectionItem.objects.select_related("score__node", "score__department", "answered_by")
    return (flow.visible_objections(user, cycle).select_related("filed_by")
            .prefetch_related(Prefetch("items", queryset=items), "evidence"))


def _item_body(item: ObjectionItem, side: context.UnitSide | None) -> dict[str, Any]:
    return {"code": item.score.node.code, "title": item.score.node.title, "department": item.score.department.name,
            "reason": item.reason, "old_points": optional_points(item.old_points), "old_reason": item.old_reason,
            "unit_side": context.side_body(side) if side else None, "decision": item.decision,
            "decision_label": str(item.get_decision_display()), "new_points": optional_points(item.new_points),
            "answer": item.answer, "answered_by": str(item.answered_by) if item.answered_by_id else None,
            "answered_at": item.answered_at}


def _body(user: User, cycle: Cycle, objection: Objection, sides: bool = True) -> dict[str, Any]:
    """An objection; with `sides`, each item with the unit's side of its criterion (a few queries
    per objection, so one objection's GET has it and the list has not)."""
    items = list(objection.items.all())
    unit_sides = context.unit_side(user, cycle, objection, items) if sides else {}
    return {"id": objection.pk, "unit": objection.unit.code, "unit_name": objection.unit.name,
            "version": objection.version, "state": objection.state,
            "state_label": str(objection.get_state_display()), "reason": objection.reason,
            "filed_by": str(objection.filed_by) if objection.filed_by_id else None, "filed_at": objection.filed_at,
            "office_comment": objection.office_comment, "closed_at": objection.closed_at,
            "result_version": objection.result_version,
            "items": [_item_body(item, unit_sides.get(item.pk)) for item in items],
            "evidence": sorted(e.pk for e in objection.evidence.all())}


def _one(user: User, cycle: Cycle, objection_id: int) -> dict[str, Any]:
    objection = _objections(user, cycle).filter(pk=objection_id).first()
    if objection is None:
        raise ObjectionError(ObjectionError.NOT_FOUND, _("没有编号为 %(id)s 的异议。") % {"id": objection_id})
    return _body(user, cycle, objection)


@router.get("/{cycle_id}/objections", response={200: list[ObjectionOut], 404: ClaimErrorOut},
            summary="The objections you may see")
@translate_errors
def list_objections(request: HttpRequest, cycle_id: int) -> list[dict[str, Any]]:
    """Unit users: their unit's. The office and leaders: all. Scorers and heads: those with an item
    their department scored. Newest first."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    return [_body(user, cycle, o, sides=False) for o in _objections(user, cycle)]


@router.get("/{cycle_id}/objections/{objection_id}", response={200: ObjectionOut, 404: ClaimErrorOut},
            summary="One objection")
@translate_errors
def get_objection(request: HttpRequest, cycle_id: int, objection_id: int) -> dict[str, Any]:
    """As the list; an objection you may not see is 404."""
    user = user_of(request)
    return _one(user, visible_cycle(user, cycle_id), objection_id)


@router.post("/{cycle_id}/objections", response={201: ObjectionOut, 413: ClaimErrorOut, **ERRORS},
             summary="Object to some of your unit's published items",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": ObjectionIn.model_json_schema()},
                 "multipart/form-data": {"schema": {"type": "object", "required": ["items"], "properties": {
                     "items": {"type": "array", "items": {"type": "string"}},
                     "reason": {"type": "string", "description": "the reason of every item without its own"},
                     "reason:{code}": {"type": "string", "description": "an item's own reason (one field per item)"},
                     "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}})
@translate_errors
def file_objection(request: HttpRequest, cycle_id: int):
    """Unit users, while the window is open (results published, the cycle locked, the objection
    deadline not passed; else 409). JSON `{items: [{code, reason}, …], reason}`: each item with its
    own reason; `reason` (optional) is the reason of every item given without one — so the form of
    before, `{items: ["1.2.1.1", …], reason}`, still works and gives every item that reason. Or
    multipart/form-data with repeated `items`, `reason:<code>` per item and/or `reason`, and
    optional `file` parts (checked like evidence: 413 too large, 422 refused type). 422 when an item
    did not apply, is already under an open objection or has no reason: `items` in the answer gives
    the reason for each such item by its code."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    own = unit_code(user)
    if own is None:
        raise ObjectionError(ObjectionError.FORBIDDEN, _("只有被考核单位可以提出异议。"))
    if request.content_type in FORM_TYPES:
        codes = request.POST.getlist("items")
        items: list[str | tuple[str, str]] = [(code, request.POST.get(f"reason:{code}", "")) for code in codes]
        reason = request.POST.get("reason", "")
        files = [rules.read_evidence_upload(cycle, upload) for upload in request.FILES.getlist("file")]
    else:
        data = json_body(request, "{items: [{code, reason}, ...], reason}")
        items = _objected_items(data.get("items", []))
        reason, files = text_field(data, "reason", _("异议理由")), []
    objection = flow.file(user, cycle, own, items, reason, files)
    return Status(201, _one(user, cycle, objection.pk))


def _objected_items(values: Any) -> list[str | tuple[str, str]]:
    """`items` as sent: item codes, or objects {code, reason} (the two may be mixed)."""
    message = _("考核内容 items 必须是列表，每项是编码，或 {code, reason}（编码和该项的异议理由）。")
    if not isinstance(values, list):
        raise ApiError(422, message, "items")
    items: list[str | tuple[str, str]] = []
    for value in values:
        if isinstance(value, str):
            items.append(value)
        elif (isinstance(value, dict) and isinstance(value.get("code"), str)
              and isinstance(value.get("reason", ""), str | None) and set(value) <= {"code", "reason"}):
            items.append((value["code"], value.get("reason") or ""))
        else:
            raise ApiError(422, message, "items")
    return items


@router.post("/{cycle_id}/objections/{objection_id}/items/{code}/answer", response={200: ObjectionOut, **ERRORS},
             summary="Answer one item of an objection", openapi_extra=body_doc(AnswerIn))
@translate_errors
def answer(request: HttpRequest, cycle_id: int, objection_id: int, code: str) -> dict[str, Any]:
    """Scorers and heads of the department that scored the item, while the objection is open:
    `{decision: "upheld" | "changed", points (when changed), reason}` (a reason always)."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    data = json_body(request, "{decision, points, reason}")
    decision = text_field(data, "decision", _("答复 decision"))
    points = points_field(data, required=False)
    flow.answer(user, cycle, objection_id, code, decision, points, text_field(data, "reason", _("答复理由")))
    return _one(user, cycle, objection_id)


@router.post("/{cycle_id}/objections/{objection_id}/confirm", response={200: ObjectionOut, **ERRORS},
             summary="Confirm the answers (republishes the results if points changed)",
             openapi_extra=body_doc(CommentIn))
@translate_errors
def confirm(request: HttpRequest, cycle_id: int, objection_id: int) -> dict[str, Any]:
    """The office, once every item is answered: changed points are written to the scores and the
    results republished as the next version (`result_version`). `{comment}` is optional."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    comment = text_field(json_body(request, "{comment}"), "comment", _("意见"))
    flow.confirm(user, cycle, objection_id, comment)
    return _one(user, cycle, objection_id)


@router.post("/{cycle_id}/objections/{objection_id}/send-back", response={200: ObjectionOut, **ERRORS},
             summary="Send the answers back to the departments", openapi_extra=body_doc(CommentIn))
@translate_errors
def send_back(request: HttpRequest, cycle_id: int, objection_id: int) -> dict[str, Any]:
    """The office, once every item is answered: `{comment}` (required); the departments answer again."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    comment = text_field(json_body(request, "{comment}"), "comment", _("意见"))
    flow.send_back(user, cycle, objection_id, comment)
    return _one(user, cycle, objection_id)
