"""API: a cycle's life, for scripts — create it from a published scheme, open it, start its review,
lock every approved department at once, lock it, re-open it; and where it stands.

    POST /api/v1/cycles                                   the office: a draft (201)
    POST /api/v1/cycles/{id}/open | start-review | lock   the office
    POST /api/v1/cycles/{id}/reopen                       the office, {"reason": …}
    POST /api/v1/cycles/{id}/departments/lock-approved    the office
    GET  /api/v1/cycles/{id}/status                       the office and leaders

The same services as the pages and `kaohe cycle …` (kaohe.cycles.lifecycle, kaohe.cycles.review),
and the same answer as `kaohe cycle status --json` (kaohe.cycles.cockpit): every operation answers
with the cycle's status afterwards, whose `next` says what comes next. A cycle the user does not
see is 404; another role 403; a step the cycle's state does not allow 409; bad input 422 with the
field named.

(No `from __future__ import annotations`: ninja resolves the views' annotations, see cycles.py.)
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status

from kaohe.accounts.models import User
from kaohe.accounts.permissions import is_office, reads_all
from kaohe.api import cycles
from kaohe.api.common import user_of, visible_cycle
from kaohe.api.errors import ERROR_RESPONSES, ApiError, translate_errors
from kaohe.api.schemas import ErrorOut, ReasonIn
from kaohe.cycles import cockpit, lifecycle, review
from kaohe.cycles.models import Cycle
from kaohe.schemes.models import SchemeRecord

# The cycles router's own operations, written here: POST /cycles shares its path with GET /cycles, and
# one path must be one router's for ninja to dispatch both methods.
router = cycles.router

ERRORS: dict[int, Any] = {status: ErrorOut for status in ERROR_RESPONSES}
UNITS_MAX = 100_000  # unit codes in one request: more than any installation has units


class CycleIn(Schema):
    name: str = Field(description="unique; at most 120 characters")
    scheme: str = Field(description="a published scheme's name, e.g. luoyang-2018-county")
    units: list[str] | None = Field(None, description="unit codes; omitted: the units whose default scheme it is")
    step: Decimal = Field(Decimal("0.1"), description='the scoring step, "0.1" (0 < step ≤ 1, two places)')
    scoring_deadline: date | None = None
    review_deadline: date | None = None
    self_assessment_deadline: date | None = None
    objection_deadline: date | None = Field(None, description="the last day a unit may object to published results")
    item_departments: dict[str, str] = Field(
        default_factory=dict,
        description="for items the scheme names no department for: item code → department code (this cycle only)")


class StepActionOut(Schema):
    label: str
    url: str
    method: str


class StepOut(Schema):
    stage: str
    key: str = Field(description="open, start_review, lock_approved, wait_departments, lock, publish, "
                                 "confirm_objections, wait_objections, objection_window or done")
    title: str
    action: StepActionOut | None = Field(description="the office's action; null while others must act first")
    blockers: list[str]
    notes: list[str]
    secondary: list[StepActionOut]


class StageOut(Schema):
    key: str
    label: str
    state: str = Field(description="done, current or later")


class CycleStatusOut(Schema):
    id: int
    name: str
    scheme: str
    status: str
    status_label: str
    next: StepOut
    stages: list[StageOut]
    sections: dict[str, Any] = Field(description="departments, self_assessment, objections, results, unscored, …")


class LockedOut(CycleStatusOut):
    locked: list[str] = Field(description="the codes of the departments locked now")


def _office(user: User) -> None:
    if not is_office(user):
        raise ApiError(403, _("只有考核办可以执行此操作。"))


def _status(cycle: Cycle) -> dict[str, Any]:
    cycle.refresh_from_db()
    return cockpit.overview(cycle).as_json()


@router.post("", response={201: CycleStatusOut, **ERRORS}, summary="Create a cycle (a draft)")
@translate_errors
def create(request: HttpRequest, payload: CycleIn) -> Status:
    """The office. From a published scheme; `units` are unit codes (omitted: the scheme's default
    units). 422 with `field` for what the rules refuse (name taken, scheme not published, unknown
    or outside units, deadlines out of order, an item that has a department already)."""
    user = user_of(request)
    _office(user)
    scheme = SchemeRecord.objects.defer("document").filter(name=payload.scheme).first()
    if scheme is None:
        raise ApiError(422, _("没有名为“%(name)s”的指标体系。") % {"name": payload.scheme}, "scheme")
    if payload.units is not None and len(payload.units) > UNITS_MAX:
        raise ApiError(422, _("被考核单位最多%(max)d个。") % {"max": UNITS_MAX}, "units")
    units = payload.units if payload.units is not None else lifecycle.default_unit_codes(scheme)
    cycle = lifecycle.create_cycle(
        name=payload.name, scheme=scheme, unit_codes=units, step=payload.step,
        scoring_deadline=payload.scoring_deadline, review_deadline=payload.review_deadline,
        self_assessment_deadline=payload.self_assessment_deadline, objection_deadline=payload.objection_deadline,
        item_departments=payload.item_departments, created_by=user)
    return Status(201, _status(cycle))


@router.post("/{cycle_id}/open", response={200: CycleStatusOut, **ERRORS}, summary="Open a cycle for scoring")
@translate_errors
def open_cycle(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """The office: draft → open; freezes the units and departments and makes the scoring tasks."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    _office(user)
    lifecycle.open_cycle(cycle)
    return _status(cycle)


@router.post("/{cycle_id}/start-review", response={200: CycleStatusOut, **ERRORS}, summary="Start a cycle's review")
@translate_errors
def start_review(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """The office: open → review."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    _office(user)
    lifecycle.start_review(cycle)
    return _status(cycle)


@router.post("/{cycle_id}/lock", response={200: CycleStatusOut, **ERRORS}, summary="Lock a cycle")
@translate_errors
def lock(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """The office: review → locked, once every department is locked (409 naming those that are not)."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    _office(user)
    lifecycle.lock_cycle(cycle)
    return _status(cycle)


@router.post("/{cycle_id}/reopen", response={200: CycleStatusOut, **ERRORS}, summary="Re-open a locked cycle")
@translate_errors
def reopen(request: HttpRequest, cycle_id: int, payload: ReasonIn) -> dict[str, Any]:
    """The office: locked → review, with a reason (required, at most 1000 characters)."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    _office(user)
    lifecycle.reopen_cycle(cycle, payload.reason)
    return _status(cycle)


@router.post("/{cycle_id}/departments/lock-approved", response={200: LockedOut, **ERRORS},
             summary="Lock every approved department")
@translate_errors
def lock_approved(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """The office: every department whose head approved its scores, locked in one transaction
    (409 when none is approved)."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    _office(user)
    locked = review.lock_approved(user, cycle)
    return {**_status(cycle), "locked": [submission.department.code for submission in locked]}


@router.get("/{cycle_id}/status", response={200: CycleStatusOut, **ERRORS}, summary="Where a cycle stands")
@translate_errors
def status(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """The office and leaders: the next step (with what blocks it), the stages, and each section
    (departments, the units' self-assessment, objections, published versions, unscored items)."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    if not reads_all(user):
        raise ApiError(403, _("只有考核办和领导可以查看考核周期的进展。"))
    return cockpit.overview(cycle).as_json()
