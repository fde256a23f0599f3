"""API: the 民主测评 (issue 17), the same operations as the pages and `kaohe survey`.

- GET  /surveys                                      the office and leaders
- POST /surveys                                      the office: {cycle, name, opens_at, closes_at, groups, …}
- GET  /surveys/{id}                                 the office: definition and codes per group
- POST /surveys/{id}/groups/{gid}/codes              the office: {count} more (default: up to planned)
- POST /surveys/{id}/groups/{gid}/void               the office: {serials: [...]} or {all: true}
- GET  /surveys/{id}/groups/{gid}/slips.pdf          the office: the unused codes as the A4 sheet
- POST /surveys/{id}/close                           the office: end the window now
- GET  /surveys/{id}/results                         office and leaders once closed; a unit its own row once published
- POST /surveys/{id}/publish                         the office

Voting has no API: raters use the voting page, without an account. Every rule is in
kaohe.survey (definition, codes, outcome); a SurveyError becomes `{code, message}` with its
status. Weights and points travel as decimal strings (JSON numbers are read as Decimal).

(No `from __future__ import annotations`: ninja resolves the views' annotations, see cycles.py.)
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kaohe.accounts.permissions import in_unit, is_office, reads_all
from kaohe.api.common import user_of
from kaohe.api.errors import ApiError, api_error_response, error_body
from kaohe.api.schemas import ErrorOut
from kaohe.core.survey import DEFAULT_OPTIONS, Option
from kaohe.cycles.access import visible_cycles
from kaohe.formats.download import attach
from kaohe.formats.pdf import PdfError
from kaohe.survey import codes, outcome, sheet
from kaohe.survey.definition import (
    GroupInput,
    QuestionInput,
    SurveyError,
    SurveyInput,
    save_survey,
    set_window,
    survey_json,
)
from kaohe.survey.forms import parse_rule
from kaohe.survey.models import PublishedSurvey, RaterGroup, Survey

router = Router(tags=["survey"])
ERRORS: dict[int, Any] = {status: ErrorOut for status in (403, 404, 409, 422)}
STATUS_CODES = {403: "forbidden", 404: "not_found", 409: "conflict", 422: "invalid"}


class OptionIn(Schema):
    label: str = Field(max_length=20)
    points: Decimal = Field(ge=0, le=100, max_digits=6, decimal_places=2)


class QuestionIn(Schema):
    text: str = Field(max_length=100)
    weight: Decimal = Field(gt=0, le=1, max_digits=5, decimal_places=4)
    options: list[OptionIn] = Field(default_factory=list, max_length=10)


class GroupIn(Schema):
    name: str = Field(max_length=60)
    weight: Decimal = Field(gt=0, le=1, max_digits=5, decimal_places=4)
    codes: int = Field(ge=1, le=2000)


class SurveyIn(Schema):
    cycle: int
    name: str = Field(max_length=120)
    opens_at: datetime
    closes_at: datetime
    groups: list[GroupIn] = Field(max_length=12)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=5)
    targets: list[str] = Field(default_factory=list, max_length=200)
    valid: str = Field("2/3", max_length=9)
    min_group_size: int = Field(5, ge=1, le=1000)
    abstain_allowed: bool = True


class CountIn(Schema):
    count: int | None = Field(None, ge=1, le=2000)


class VoidIn(Schema):
    serials: list[int] = Field(default_factory=list, max_length=2000)
    all: bool = False


def survey_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except ApiError as error:
            return api_error_response(error)
        except SurveyError as error:
            return JsonResponse(error_body(STATUS_CODES.get(error.status, "invalid"), "；".join(error.problems)),
                                status=error.status)
    return wrapper


def _office(request: HttpRequest) -> Any:
    user = user_of(request)
    if not is_office(user):
        raise ApiError(403, _("只有考核办可以管理民主测评。"))
    return user


def _survey(request: HttpRequest, survey_id: int) -> Survey:
    survey = (Survey.objects.select_related("cycle").filter(cycle__in=visible_cycles(user_of(request)), pk=survey_id)
              .first())
    if survey is None:
        raise ApiError(404, _("没有编号为 %(id)s 的测评，或您无权查看。") % {"id": survey_id})
    return survey


def _group(survey: Survey, group_id: int) -> RaterGroup:
    group = RaterGroup.objects.select_related("survey__cycle").filter(survey=survey, pk=group_id).first()
    if group is None:
        raise ApiError(404, _("这个测评没有编号为 %(id)s 的测评群体。") % {"id": group_id})
    return group


def _state(survey: Survey) -> str:
    return "published" if PublishedSurvey.objects.filter(survey=survey).exists() else survey.state()


def _detail(survey: Survey) -> dict[str, Any]:
    return {"id": survey.pk, "cycle": survey.cycle_id, "state": _state(survey), **survey_json(survey),
            "codes": [{"group": c.group.pk, "name": c.group.name, "planned": c.group.planned, "issued": c.issued,
                       "used": c.used, "voided": c.voided} for c in codes.counts(survey)]}


@router.get("", response={200: list[dict[str, Any]], 403: ErrorOut}, summary="Surveys")
@survey_errors
def list_surveys(request: HttpRequest) -> Any:
    """The office and leaders: every survey of the cycles they see."""
    user = user_of(request)
    if not reads_all(user):
        raise ApiError(403, _("只有考核办和领导可以查看民主测评。"))
    return [{"id": s.pk, "cycle": s.cycle_id, "name": s.name, "state": _state(s),
             "opens_at": s.opens_at, "closes_at": s.closes_at}
            for s in Survey.objects.filter(cycle__in=visible_cycles(user)).order_by("pk")]


@router.post("", response={201: dict[str, Any], **ERRORS}, summary="Create a survey")
@survey_errors
def create_survey(request: HttpRequest, body: SurveyIn) -> Any:
    """The office. Questions default to one overall rating 好/较好/一般/差 = 100/80/60/40; an empty
    `targets` means every unit of the cycle; `valid` is the valid-ballot share, e.g. "2/3"."""
    user = _office(request)
    cycle = visible_cycles(user).filter(pk=body.cycle).first()
    if cycle is None:
        raise ApiError(404, _("没有编号为 %(id)s 的考核周期。") % {"id": body.cycle}, "cycle")
    rule = parse_rule(body.valid)
    if rule is None:
        raise ApiError(422, _("有效票规则应写成分数，如 2/3。"), "valid")
    questions = [QuestionInput(q.text, q.weight, tuple(Option(o.label, o.points) for o in q.options)
                               if q.options else DEFAULT_OPTIONS) for q in body.questions] \
        or [QuestionInput("总体评价", Decimal(1), DEFAULT_OPTIONS)]
    values = SurveyInput(
        name=body.name, opens_at=body.opens_at, closes_at=body.closes_at,
        groups=[GroupInput(g.name, g.weight, g.codes) for g in body.groups], questions=questions,
        targets=body.targets, valid_numerator=rule[0], valid_denominator=rule[1],
        min_group_size=body.min_group_size, abstain_allowed=body.abstain_allowed)
    survey = save_survey(cycle, user, values)
    return Status(201, _detail(survey))


@router.get("/{survey_id}", response={200: dict[str, Any], **ERRORS}, summary="A survey")
@survey_errors
def get_survey(request: HttpRequest, survey_id: int) -> Any:
    _office(request)
    return _detail(_survey(request, survey_id))


@router.post("/{survey_id}/groups/{group_id}/codes", response={200: dict[str, Any], **ERRORS},
             summary="Make codes for a group")
@survey_errors
def add_codes(request: HttpRequest, survey_id: int, group_id: int, body: CountIn) -> Any:
    """Without `count`: up to the group's planned number."""
    _office(request)
    group = _group(_survey(request, survey_id), group_id)
    return {"added": codes.add_codes(group, body.count)}


@router.post("/{survey_id}/groups/{group_id}/void", response={200: dict[str, Any], **ERRORS},
             summary="Void unused codes")
@survey_errors
def void_codes(request: HttpRequest, survey_id: int, group_id: int, body: VoidIn) -> Any:
    _office(request)
    survey = _survey(request, survey_id)
    group = _group(survey, group_id)
    if not body.serials and not body.all:
        raise ApiError(422, _("请给出要作废的序号，或 all: true。"), "serials")
    return {"voided": codes.void_codes(survey, group, serials=body.serials, all_unused=body.all)}


@router.get("/{survey_id}/groups/{group_id}/slips.pdf", response={200: None, **ERRORS},
            summary="The group's unused codes as slips (PDF)")
@survey_errors
def slips(request: HttpRequest, survey_id: int, group_id: int) -> Any:
    _office(request)
    group = _group(_survey(request, survey_id), group_id)
    found = codes.slips(group)
    if not found:
        raise ApiError(409, _("“%(group)s”没有可打印的测评码。") % {"group": group.name})
    try:
        data = sheet.sheet_pdf(group, found)
    except PdfError as error:
        raise ApiError(409, str(error)) from None
    codes.printed(group, len(found))
    response = HttpResponse(data, content_type="application/pdf")
    attach(response, sheet.filename(group))
    response["Cache-Control"] = "no-store"
    return response


@router.post("/{survey_id}/close", response={200: dict[str, Any], **ERRORS}, summary="End the survey now")
@survey_errors
def close(request: HttpRequest, survey_id: int) -> Any:
    user = _office(request)
    survey = set_window(_survey(request, survey_id), user, closes_at=timezone.now())
    return _detail(survey)


@router.get("/{survey_id}/results", response={200: dict[str, Any], **ERRORS}, summary="A survey's results")
@survey_errors
def results(request: HttpRequest, survey_id: int) -> Any:
    """The office and leaders once the survey is closed (`published` says whether these are the
    published figures); a unit user only its own row, only once published."""
    user = user_of(request)
    survey = _survey(request, survey_id)
    published = PublishedSurvey.objects.filter(survey=survey).first()
    if in_unit(user):
        row = outcome.unit_row(published, user.unit.code) if published is not None and user.unit else None
        if row is None:
            raise ApiError(403, _("测评结果发布后，单位只能查看本单位的结果。"))
        return {"survey": survey.pk, "name": survey.name, "published": True, "targets": [row]}
    if not reads_all(user):
        raise ApiError(403, _("只有考核办和领导可以查看测评结果。"))
    if published is not None:
        return {**published.results, "published": True}
    if survey.state() != "closed":
        raise ApiError(409, _("测评结束后才能查看结果。"))
    return {**outcome.compute(survey), "published": False}


@router.post("/{survey_id}/publish", response={200: dict[str, Any], **ERRORS}, summary="Publish a survey's results")
@survey_errors
def publish(request: HttpRequest, survey_id: int) -> Any:
    user = _office(request)
    published = outcome.publish(_survey(request, survey_id), user)
    return {**published.results, "published": True}
