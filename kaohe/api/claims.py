"""API: a unit's self-assessment and its evidence files (the unit's side, issue 4).

- GET  /cycles/{id}/self-assessment[?unit=CODE]        the criteria with the unit's claims
- PUT  /cycles/{id}/self-assessment/claims/{code}      {points, explanation, version}
- POST /cycles/{id}/self-assessment/claims             {claims: [{code, points, explanation, version}]}: all or none
- POST /cycles/{id}/self-assessment/submit              the unit's users
- POST /cycles/{id}/self-assessment/reopen?unit=CODE    the office, {reason}
- GET  /cycles/{id}/evidence[?unit=CODE]               what `readable_evidence` allows
- POST /cycles/{id}/evidence                            multipart: `file` (repeatable), `criteria` (repeatable)
- GET  /cycles/{id}/evidence/{eid}/file                 the bytes, as an attachment
- PUT  /cycles/{id}/evidence/{eid}/criteria             {criteria: [...]}
- DELETE /cycles/{id}/evidence/{eid}

Every rule is `kaohe.claims.rules` — the same functions the pages call; its ClaimError becomes
`{code, message, field?, current?}` with the error's status (`kaohe.api.errors`). Unit users name no
unit (their own is meant); everyone else passes `?unit=`. Another unit's objects are 404, so ids
cannot be probed. Points travel as decimal strings and come in as strings or JSON numbers read as
Decimal, never as floats.

(No `from __future__ import annotations`: ninja resolves the views' annotations, see cycles.py.)
"""

from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from kaohe.accounts.models import User
from kaohe.accounts.permissions import is_office, unit_code
from kaohe.api.body import json_object
from kaohe.api.common import user_of, visible_cycle
from kaohe.api.errors import ApiError, translate_errors
from kaohe.api.schemas import (
    ClaimErrorOut,
    ClaimIn,
    ClaimOut,
    ClaimsIn,
    CriteriaIn,
    EvidenceOut,
    ReasonIn,
    SelfAssessmentOut,
    SelfAssessmentStateOut,
)
from kaohe.claims import rules, storage
from kaohe.claims.models import Claim, Evidence, SelfAssessment
from kaohe.claims.rules import ClaimError
from kaohe.core.points import format_points, optional_points
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.formats.download import attach

router = Router(tags=["self-assessment"])

ERRORS: dict[int, Any] = {status: ClaimErrorOut for status in (403, 404, 409, 422)}
MAX_CLAIMS = 1000  # rows in one save: far more than any scheme's criteria
READ_ERRORS: dict[int, Any] = {status: ClaimErrorOut for status in (404, 422)}


# ----------------------------------------------------------------------------- shared with objections.py


def json_body(request: HttpRequest, fields: str) -> dict[str, Any]:
    """The JSON object sent (an empty body is {}), with numbers read as Decimal — never float."""
    return json_object(request, fields)


def text_field(data: dict[str, Any], name: str, label: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(422, _("%(label)s必须是文字。") % {"label": label}, name)
    return value


def points_field(data: dict[str, Any], required: bool = True) -> str | Decimal | None:
    """`points` as typed: a string, a JSON number (already Decimal) or null; never bool or float."""
    if "points" not in data:
        if required:
            raise ApiError(422, _("缺少得分 points（清空请传 null）。"), "points")
        return None
    points = data["points"]
    if isinstance(points, bool) or not isinstance(points, str | int | Decimal | None):
        raise ApiError(422, _("得分必须是数字、数字字符串或 null。"), "points")
    return Decimal(points) if isinstance(points, int) else points


def text_list(values: Any, name: str, label: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ApiError(422, _("%(label)s必须是文字的列表。") % {"label": label}, name)
    return values


def evidence_body(evidence: Evidence) -> dict[str, Any]:
    """Needs `unit` selected and `nodes` prefetched."""
    return {"id": evidence.pk, "unit": evidence.unit.code, "name": evidence.name, "size": evidence.size,
            "type": evidence.kind, "mime": evidence.mime, "sha256": evidence.sha256, "purpose": evidence.purpose,
            "criteria": sorted(node.code for node in evidence.nodes.all()), "uploaded_at": evidence.uploaded_at}


def body_doc(schema: Any, content_type: str = "application/json") -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {content_type: {"schema": schema.model_json_schema()}}}}


# ----------------------------------------------------------------------------- helpers


def _unit_code(user: User, unit: str | None, write: bool = False) -> str:
    """The unit meant: `?unit=` if given, else the unit user's own. Writing is for the unit's own
    users only (the rules check that for a named unit); reading needs the unit named."""
    if unit:
        return unit
    own = unit_code(user)
    if own is not None:
        return own
    if write:
        raise ClaimError(ClaimError.FORBIDDEN, _("只有本单位的用户可以填写自评和上传佐证材料。"))
    raise ApiError(422, _("请用 ?unit=<单位编码> 指定被考核单位。"), "unit")


def _state_body(cycle: Cycle, unit: CycleUnit, sheet: SelfAssessment) -> dict[str, Any]:
    return {"cycle": cycle.pk, "unit": unit.code, "unit_name": unit.name, "state": sheet.state,
            "state_label": str(sheet.get_state_display()), "submitted_at": sheet.submitted_at,
            "reopen_reason": sheet.reopen_reason}


def _claim_body(unit: CycleUnit, code: str, claim: Claim) -> dict[str, Any]:
    return {"unit": unit.code, "code": code, "points": optional_points(claim.points), "explanation": claim.explanation,
            "version": claim.version, "updated_by": str(claim.updated_by) if claim.updated_by_id else None,
            "updated_at": claim.updated_at}


def _one_evidence(user: User, cycle: Cycle, evidence_id: int) -> Evidence:
    evidence = (rules.readable_evidence(user, cycle).filter(pk=evidence_id).select_related("unit")
                .prefetch_related("nodes").first())
    if evidence is None:
        raise ClaimError(ClaimError.NOT_FOUND, _("没有编号为 %(id)s 的佐证材料。") % {"id": evidence_id})
    return evidence


# ----------------------------------------------------------------------------- self-assessment


@router.get("/{cycle_id}/self-assessment", response={200: SelfAssessmentOut, **READ_ERRORS},
            summary="A unit's self-assessment")
@translate_errors
def get_self_assessment(request: HttpRequest, cycle_id: int, unit: str | None = None) -> dict[str, Any]:
    """The unit's own users (no `unit` needed), the office, leaders and the cycle's scorers and heads
    (`?unit=CODE`). Another unit, or one you may not read, is 404. Every applicable criterion with
    its maximum for the unit, the claim and the ids of the evidence attached that you may open."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    found = rules.find_unit(user, cycle, _unit_code(user, unit))
    sheet = rules.assessment(cycle, found)
    claims = {c.node_id: c for c in Claim.objects.filter(unit=found)}
    attached: dict[int, list[int]] = {}
    for evidence in (rules.readable_evidence(user, cycle).filter(unit=found, purpose=Evidence.Purpose.SELF)
                     .prefetch_related("nodes")):
        for node in evidence.nodes.all():
            attached.setdefault(node.pk, []).append(evidence.pk)
    criteria = []
    for criterion in rules.criteria(cycle, found):
        claim = claims.get(criterion.node_id)
        criteria.append({
            "code": criterion.code, "title": criterion.title, "maximum": format_points(criterion.maximum),
            "departments": criterion.departments, "evidence_expected": criterion.evidence_expected,
            "points": optional_points(claim.points) if claim else None,
            "explanation": claim.explanation if claim else "", "version": claim.version if claim else 0,
            "evidence": sorted(attached.get(criterion.node_id, [])),
        })
    problem = rules.window_problem(cycle, sheet.state)
    return {**_state_body(cycle, found, sheet), "deadline": cycle.self_assessment_deadline,
            "window_problem": problem, "editable": rules.is_units_user(user, found) and not problem,
            "criteria": criteria}


@router.put("/{cycle_id}/self-assessment/claims/{code}", response={200: ClaimOut, **ERRORS},
            summary="Save one claim", openapi_extra=body_doc(ClaimIn))
@translate_errors
def put_claim(request: HttpRequest, cycle_id: int, code: str, unit: str | None = None) -> dict[str, Any]:
    """The unit's own users, while the self-assessment is a draft, the cycle open and the deadline
    not passed. Body `{points: "1.5" | 1.5 | null, explanation, version}`. 200 the saved claim;
    422 invalid (outside 0…maximum, off the step, too long); 403 not your unit; 404 the criterion
    does not apply; 409 stale version (with `current`) or closed."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    data = json_body(request, "{points, explanation, version}")
    points = points_field(data)
    explanation = text_field(data, "explanation", _("自评说明"))
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ApiError(422, _("缺少版本号 version（读取自评时得到的整数）。"), "version")
    unit_code = _unit_code(user, unit, write=True)
    claim = rules.save_claim(user, cycle, unit_code, code, points, explanation, version)
    claim = Claim.objects.select_related("updated_by", "unit").get(pk=claim.pk)
    return _claim_body(claim.unit, code, claim)


@router.post("/{cycle_id}/self-assessment/claims", response={200: list[ClaimOut], **ERRORS},
             summary="Save several claims at once, all or none", openapi_extra=body_doc(ClaimsIn))
@translate_errors
def post_claims(request: HttpRequest, cycle_id: int, unit: str | None = None) -> list[dict[str, Any]]:
    """As PUT …/claims/{code}, for several criteria in one transaction, as the page saves them:
    every row is checked first and either all are saved or none. Body `{claims: [{code, points,
    explanation, version}, …]}`, each criterion at most once, at most MAX_CLAIMS rows. 200 the
    claims in the order given; 422 when any row is invalid or its criterion does not apply, 409 when
    the only refusals are stale versions — with `items`, each refused row's reason by its code."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    rows = json_body(request, "{claims: [{code, points, explanation, version}, ...]}").get("claims")
    if not isinstance(rows, list) or not 0 < len(rows) <= MAX_CLAIMS:
        raise ApiError(422, _("claims 必须是1到%(max)d条自评的列表。") % {"max": MAX_CLAIMS}, "claims")
    entries = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("code"), str):
            raise ApiError(422, _("claims 的每一条必须是 {code, points, explanation, version}。"), "claims")
        version = row.get("version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise ApiError(422, _("自评 %(code)s 缺少版本号 version（读取自评时得到的整数）。") % {"code": row["code"]},
                           "claims")
        entries.append(rules.ClaimEntry(row["code"], points_field(row), text_field(row, "explanation", _("自评说明")),
                                        version))
    codes = [entry.code for entry in entries]
    if len(set(codes)) != len(codes):
        raise ApiError(422, _("同一指标在 claims 中出现了不止一次。"), "claims")
    saved = rules.save_claims(user, cycle, _unit_code(user, unit, write=True), entries)
    claims = {c.pk: c for c in Claim.objects.filter(pk__in=[c.pk for c in saved]).select_related("updated_by", "unit")}
    return [_claim_body(claims[claim.pk].unit, entry.code, claims[claim.pk]) for claim, entry in zip(saved, entries,
                                                                                                     strict=True)]


@router.post("/{cycle_id}/self-assessment/submit", response={200: SelfAssessmentStateOut, **ERRORS},
             summary="Submit the unit's self-assessment")
@translate_errors
def submit(request: HttpRequest, cycle_id: int, unit: str | None = None) -> dict[str, Any]:
    """The unit's own users: draft → submitted, once every criterion has a claim (else 422);
    read-only afterwards until the office re-opens it."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    sheet = rules.submit(user, cycle, _unit_code(user, unit, write=True))
    return _state_body(cycle, sheet.unit, sheet)


@router.post("/{cycle_id}/self-assessment/reopen", response={200: SelfAssessmentStateOut, **ERRORS},
             summary="Re-open a unit's submitted self-assessment", openapi_extra=body_doc(ReasonIn))
@translate_errors
def reopen(request: HttpRequest, cycle_id: int, unit: str | None = None) -> dict[str, Any]:
    """The office: submitted → draft, `?unit=CODE`, body `{reason}` (required). Others 403."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    reason = text_field(json_body(request, "{reason}"), "reason", _("理由"))
    if is_office(user) and not unit:
        raise ApiError(422, _("请用 ?unit=<单位编码> 指定要退回自评的单位。"), "unit")
    sheet = rules.reopen(user, cycle, unit or "", reason)
    return _state_body(cycle, sheet.unit, sheet)


# ----------------------------------------------------------------------------- evidence


@router.get("/{cycle_id}/evidence", response={200: list[EvidenceOut], **READ_ERRORS},
            summary="The evidence files you may open")
@translate_errors
def list_evidence(request: HttpRequest, cycle_id: int, unit: str | None = None) -> list[dict[str, Any]]:
    """Unit users: their unit's files (self-assessment and objections). The office and leaders:
    every file. Scorers and heads: the files attached to the criteria their department scores or
    to objections to its items. `?unit=CODE` narrows to one unit (404 for one you may not read)."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    evidence = rules.readable_evidence(user, cycle).select_related("unit").prefetch_related("nodes")
    if unit:
        evidence = evidence.filter(unit=rules.find_unit(user, cycle, unit))
    return [evidence_body(e) for e in evidence.order_by("unit__position", "uploaded_at", "pk")]


@router.post("/{cycle_id}/evidence", response={201: list[EvidenceOut], 413: ClaimErrorOut, **ERRORS},
             summary="Upload evidence files")
@translate_errors
def upload_evidence(request: HttpRequest, cycle_id: int, file: list[UploadedFile] = File(None),  # noqa: B008
                    criteria: list[str] = Form(None), unit: str | None = None):  # noqa: B008
    """The unit's own users, while the self-assessment is writable. multipart/form-data: one or more
    `file` parts and repeated `criteria` fields (criterion codes). Every file is checked first (type
    by content, a clean name, the cycle's size and count limits) and all are stored or none:
    201 the new files; 413 a file over the size limit; 422 a refused type or an unknown criterion."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    unit_code = _unit_code(user, unit, write=True)
    rules.check_writable(user, cycle, unit_code)
    files = [rules.read_evidence_upload(cycle, upload) for upload in file or []]
    stored = rules.upload_evidence(user, cycle, unit_code, files, criteria or [])
    created = Evidence.objects.filter(pk__in=[e.pk for e in stored]).select_related("unit").prefetch_related("nodes")
    return Status(201, [evidence_body(e) for e in created.order_by("pk")])


@router.get("/{cycle_id}/evidence/{evidence_id}/file", response={200: None, 404: ClaimErrorOut},
            summary="Download an evidence file",
            openapi_extra={"responses": {200: {"description": "the file, as an attachment",
                                               "content": {"application/octet-stream": {}}}}})
@translate_errors
def download_evidence(request: HttpRequest, cycle_id: int, evidence_id: int) -> HttpResponseBase:
    """Those `readable_evidence` allows; anything else is 404. Always an attachment with the stored
    type (read from the content at upload) and the cleaned original name."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    evidence = _one_evidence(user, cycle, evidence_id)
    try:
        handle = storage.path_for(evidence.sha256).open("rb")
    except OSError:
        raise ClaimError(ClaimError.NOT_FOUND, _("佐证材料“%(name)s”的文件已丢失，请联系考核办。") % {
            "name": evidence.name}) from None
    response = attach(FileResponse(handle, content_type=evidence.mime), evidence.name)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@router.put("/{cycle_id}/evidence/{evidence_id}/criteria", response={200: EvidenceOut, **ERRORS},
            summary="Attach an evidence file to other criteria", openapi_extra=body_doc(CriteriaIn))
@translate_errors
def put_evidence_criteria(request: HttpRequest, cycle_id: int, evidence_id: int) -> dict[str, Any]:
    """The unit's own users, while the self-assessment is writable. Body `{criteria: [codes]}`."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    data = json_body(request, "{criteria: [...]}")
    codes = text_list(data.get("criteria"), "criteria", _("对应指标 criteria"))
    evidence = rules.set_evidence_criteria(user, cycle, evidence_id, codes)
    return evidence_body(_one_evidence(user, cycle, evidence.pk))


@router.delete("/{cycle_id}/evidence/{evidence_id}", response={204: None, **ERRORS},
               summary="Delete an evidence file")
@translate_errors
def delete_evidence(request: HttpRequest, cycle_id: int, evidence_id: int):
    """The unit's own users, while the self-assessment is writable; an objection's files stay."""
    user = user_of(request)
    rules.delete_evidence(user, visible_cycle(user, cycle_id), evidence_id)
    return Status(204, None)
