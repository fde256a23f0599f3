"""API: cycles, tasks, scores, submit (see docs/decisions/2026-11-25-web-application.md).

Every endpoint asks the same permission functions and services as the pages: which cycles a user
sees is `visible_cycles`, whose tasks are whose is `scoring_department`, saving is `save_score`,
and the review steps are `kaohe.cycles.review`. Their exceptions become `{code, message, …}`
responses in `kaohe.api.errors`. Points go out as decimal strings and come in as Decimal or str.

(No `from __future__ import annotations` here: ninja resolves the views' annotations through the
error-translating wrapper, whose module globals would not know these names.)
"""

from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from kaohe.accounts.models import DEPARTMENT_ROLES, User
from kaohe.accounts.permissions import department_code, reads_all
from kaohe.api.body import read_json
from kaohe.api.common import user_of, visible_cycle
from kaohe.api.errors import ERROR_RESPONSES, ApiError, translate_errors
from kaohe.api.schemas import (
    CommentIn,
    CycleDetailOut,
    CycleOut,
    ErrorOut,
    ReasonIn,
    ScoreIn,
    SubmissionOut,
    TaskOut,
)
from kaohe.core.points import optional_points
from kaohe.cycles import review
from kaohe.cycles.access import scoring_department, visible_cycles
from kaohe.cycles.models import Cycle, CycleDepartment, Score, Submission
from kaohe.cycles.proposals import Proposal, proposals
from kaohe.cycles.scoring import Entry, ScoreError, save_score

router = Router(tags=["cycles"])

ERRORS: dict[int, Any] = {status: ErrorOut for status in ERROR_RESPONSES}


# ----------------------------------------------------------------------------- helpers


def _progress(cycles: list[Cycle], department_code: str | None = None) -> dict[int, list[dict[str, Any]]]:
    """Per cycle: each department's submission state and scored/total, in two queries."""
    submissions = Submission.objects.filter(cycle__in=cycles).select_related("department")
    counts = Score.objects.filter(cycle__in=cycles)
    if department_code is not None:
        submissions = submissions.filter(department__code=department_code)
        counts = counts.filter(department__code=department_code)
    totals = {row["department"]: row for row in counts.order_by().values("department").annotate(
        total=Count("pk"), scored=Count("points"))}
    result: dict[int, list[dict[str, Any]]] = {cycle.pk: [] for cycle in cycles}
    for submission in submissions.order_by("cycle", "department__position"):
        row = totals.get(submission.department_id, {})
        result[submission.cycle_id].append({
            "department": submission.department.code, "department_name": submission.department.name,
            "state": submission.state, "state_label": str(submission.get_state_display()),
            "comment": submission.comment, "scored": row.get("scored", 0), "total": row.get("total", 0),
        })
    return result


def _own_code(user: User) -> str | None:
    return department_code(user)


def _cycle_body(cycle: Cycle, progress: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": cycle.pk, "name": cycle.name, "scheme": cycle.scheme.name, "scheme_title": cycle.scheme.title,
        "status": cycle.status, "status_label": str(cycle.get_status_display()),
        "step": optional_points(cycle.step),
        "scoring_deadline": cycle.scoring_deadline, "review_deadline": cycle.review_deadline,
        "progress": progress[0] if progress else None,
    }


def _proposal_body(proposal: Proposal | None) -> dict[str, Any] | None:
    if proposal is None:
        return None
    return {"points": optional_points(proposal.points), "deducted": optional_points(proposal.deducted),
            "reason": proposal.reason, "changed": proposal.changed,
            "entries": [finding.as_json() for finding in proposal.entries]}


def task_body(score: Score, department_code: str, proposal: Proposal | None = None) -> dict[str, Any]:
    return {
        "unit_code": score.unit.code, "unit_name": score.unit.name,
        "item_code": score.node.code, "item_title": score.node.title,
        "criterion_code": score.node.criterion_code, "department": department_code,
        "maximum": optional_points(score.node.points or Decimal(0)), "points": optional_points(score.points),
        "reason": score.reason, "version": score.version,
        "updated_by": str(score.updated_by) if score.updated_by_id else None, "updated_at": score.updated_at,
        "proposal": _proposal_body(proposal),
    }


def _tasks_department(user: User, cycle: Cycle, department: str | None) -> CycleDepartment | None:
    """Scorers and heads read their own department; the office and leaders one department they
    name, or every department's tasks (None) when they name none (read-only)."""
    if user.role in DEPARTMENT_ROLES:
        own = scoring_department(user, cycle)
        if own is None:
            raise ApiError(403, _("您所在的考核部门不参加这个考核周期。"))
        if department and department != own.code:
            raise ApiError(403, _("只能查看本考核部门的评分任务。"), "department")
        return own
    if reads_all(user):
        if not department:
            return None
        found = CycleDepartment.objects.filter(cycle=cycle, code=department).first()
        if found is None:
            raise ApiError(404, _("这个考核周期没有编码为 %(code)s 的考核部门。") % {"code": department}, "department")
        return found
    raise ApiError(403, _("您的角色不能查看评分任务。"))


def _entry(request: HttpRequest) -> Entry:
    """The body as typed: JSON numbers are parsed as Decimal, so 0.3 stays 0.3 (never a float)."""
    data = read_json(request.body)
    if not isinstance(data, dict):
        raise ApiError(422, _("请求内容必须是 JSON 对象：{points, reason, version}。"))
    if "points" not in data:
        raise ApiError(422, _("缺少得分 points（清空得分请传 null）。"), "points")
    points = data["points"]
    if isinstance(points, bool) or not isinstance(points, str | int | Decimal | None):
        raise ApiError(422, _("得分必须是数字、数字字符串或 null。"), "points")
    if isinstance(points, int):
        points = Decimal(points)
    reason = data.get("reason")
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        raise ApiError(422, _("扣分理由必须是文字。"), "reason")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ApiError(422, _("缺少版本号 version（读取评分任务时得到的整数）。"), "version")
    return Entry(points=points, reason=reason, version=version)


def _submission_body(submission: Submission) -> dict[str, Any]:
    return {
        "department": submission.department.code, "department_name": submission.department.name,
        "state": submission.state, "state_label": str(submission.get_state_display()),
        "comment": submission.comment, "updated_at": submission.updated_at,
    }


def _own_submission(user: User, cycle: Cycle) -> Submission:
    department = scoring_department(user, cycle)
    if department is None:
        raise ApiError(403, _("只有参加本周期的考核部门的评分人和负责人可以执行此操作。"))
    return Submission.objects.select_related("department", "cycle").get(department=department)


def _department_submission(cycle: Cycle, code: str) -> Submission:
    submission = Submission.objects.select_related("department", "cycle").filter(
        cycle=cycle, department__code=code).first()
    if submission is None:
        raise ApiError(404, _("这个考核周期没有编码为 %(code)s 的考核部门。") % {"code": code})
    return submission


# ----------------------------------------------------------------------------- cycles


@router.get("", response=list[CycleOut], summary="The cycles you may see")
def list_cycles(request: HttpRequest) -> list[dict[str, Any]]:
    """Every role: the cycles `visible_cycles` gives; scorers and heads also get their department's
    progress (scored/total and the submission's state)."""
    user = user_of(request)
    cycles = list(visible_cycles(user))
    code = _own_code(user)
    progress = _progress(cycles, code) if code and cycles else {}
    return [_cycle_body(cycle, progress.get(cycle.pk)) for cycle in cycles]


@router.get("/{cycle_id}", response={200: CycleDetailOut, 404: ErrorOut}, summary="One cycle")
@translate_errors
def get_cycle(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """Every role that sees the cycle. `departments`: all of them for the office and leaders, the
    user's own for scorers and heads, none for unit users."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    code = _own_code(user)
    if reads_all(user):
        departments = _progress([cycle])[cycle.pk]
    elif code:
        departments = _progress([cycle], code)[cycle.pk]
    else:
        departments = []
    body = _cycle_body(cycle, departments if code else None)
    body["departments"] = departments
    return body


# ----------------------------------------------------------------------------- tasks and scores


TASKS_PAGE = 1000  # tasks per page of a whole cycle's list, unless `limit` says otherwise
TASKS_LIMIT = 5000  # the most one page may ask for


@router.get("/{cycle_id}/tasks", response={200: list[TaskOut], **ERRORS}, summary="A department's tasks, or a cycle's")
@translate_errors
def list_tasks(request: HttpRequest, response: HttpResponse, cycle_id: int, department: str | None = None,
               unit: str | None = None, item: str | None = None, limit: int | None = None,
               offset: int = 0) -> list[dict[str, Any]]:
    """Scorers and heads: their department's tasks. The office and leaders: `?department=<code>`,
    or without it every task of the cycle (read-only). Unit users: 403. `?unit=` and `?item=`
    narrow the list to one unit or item. A task with confirmed 平时考核台账 entries carries its
    `proposal` (its maximum minus the confirmed deductions, at least 0, with the entries as its reason;
    see /cycles/{id}/ledger). Paged by `limit` (at most 5000) and `offset`: a whole
    cycle's list 1000 tasks a page unless `limit` says otherwise, a department's list whole unless
    it does. `X-Total-Count` gives the number of tasks, `Link: <…>; rel="next"` the next page."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    owner = _tasks_department(user, cycle, department)
    if limit is not None and not 1 <= limit <= TASKS_LIMIT:
        raise ApiError(422, _("limit 必须在1到%(max)d之间。") % {"max": TASKS_LIMIT}, "limit")
    if offset < 0:
        raise ApiError(422, _("offset 不能为负。"), "offset")
    tasks = Score.objects.filter(cycle=cycle)
    if owner is not None:
        tasks = tasks.filter(department=owner)
    elif limit is None:
        limit = TASKS_PAGE
    if unit:
        tasks = tasks.filter(unit__code=unit)
    if item:
        tasks = tasks.filter(node__code=item)
    ordered = (tasks.select_related("unit", "node", "updated_by", "department")
               .order_by("node__position", "unit__position", "pk"))
    if limit is None:  # the whole list: counted as it is read
        listed = list(ordered[offset:])
        total = offset + len(listed)
    else:
        total = tasks.count()
        listed = list(ordered[offset:offset + limit])
        if offset + limit < total:
            query = request.GET.copy()
            query["limit"], query["offset"] = str(limit), str(offset + limit)
            response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
    response["X-Total-Count"] = str(total)
    # the 平时考核台账's proposals of a department's list: one query whatever the number of entries
    found = proposals(cycle, owner.pk, sorted({t.unit_id for t in listed}) if unit else None,
                      sorted({t.node_id for t in listed}) if item else None) if owner is not None else {}
    return [task_body(score, score.department.code, found.get((score.node_id, score.unit_id))) for score in listed]


@router.put("/{cycle_id}/scores/{unit_code}/{item_code}", response={200: TaskOut, **ERRORS},
            summary="Save one score",
            openapi_extra={"requestBody": {"required": True, "content": {
                "application/json": {"schema": ScoreIn.model_json_schema()}}}})
@translate_errors
def put_score(request: HttpRequest, cycle_id: int, unit_code: str, item_code: str) -> dict[str, Any]:
    """Scorers and heads of the item's department, while its submission is a draft.
    Body `{points: "1.5" | 1.5 | null, reason, version}`. 200 the saved task; 422 invalid;
    403 another department's item; 404 the item does not apply to the unit; 409 stale version
    (with `current`) or the cycle/submission is closed."""
    user = user_of(request)
    try:
        entry = _entry(request)
        # by the cycle's id: save_score reads the cycle's status and step with the task
        score = save_score(user, cycle_id, unit_code, item_code, entry, source="api")  # with unit, node, department
    except (ApiError, ScoreError):
        # A cycle the user may not see is 404 before any other refusal, as on every endpoint. Asked
        # only on a refusal: a save that succeeds proves it (a scorer or head of a department of an
        # open or reviewed cycle sees it), so a successful save costs no query for it.
        visible_cycle(user, cycle_id)
        raise
    return task_body(score, score.department.code)


# ----------------------------------------------------------------------------- submissions


@router.post("/{cycle_id}/submission/submit", response={200: SubmissionOut, **ERRORS},
             summary="Submit the department's scores")
@translate_errors
def submit(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """Scorers and heads: draft → submitted, once every task has points."""
    user = user_of(request)
    submission = _own_submission(user, visible_cycle(user, cycle_id))
    return _submission_body(review.submit(user, submission))


@router.post("/{cycle_id}/submission/approve", response={200: SubmissionOut, **ERRORS},
             summary="Approve the department's scores")
@translate_errors
def approve(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """Heads: submitted → approved (to the office)."""
    user = user_of(request)
    submission = _own_submission(user, visible_cycle(user, cycle_id))
    return _submission_body(review.approve(user, submission))


@router.post("/{cycle_id}/submission/send-back", response={200: SubmissionOut, **ERRORS},
             summary="Send the department's scores back to the scorer")
@translate_errors
def send_back(request: HttpRequest, cycle_id: int, payload: CommentIn) -> dict[str, Any]:
    """Heads: submitted → draft, with a comment (required)."""
    user = user_of(request)
    submission = _own_submission(user, visible_cycle(user, cycle_id))
    return _submission_body(review.send_back(user, submission, payload.comment))


@router.post("/{cycle_id}/departments/{code}/return", response={200: SubmissionOut, **ERRORS},
             summary="Return a department's scores")
@translate_errors
def return_department(request: HttpRequest, cycle_id: int, code: str, payload: CommentIn) -> dict[str, Any]:
    """The office: approved → draft, with a comment (required)."""
    user = user_of(request)
    submission = _department_submission(visible_cycle(user, cycle_id), code)
    return _submission_body(review.return_to_department(user, submission, payload.comment))


@router.post("/{cycle_id}/departments/{code}/lock", response={200: SubmissionOut, **ERRORS},
             summary="Lock a department's scores")
@translate_errors
def lock_department(request: HttpRequest, cycle_id: int, code: str) -> dict[str, Any]:
    """The office: approved → locked."""
    user = user_of(request)
    submission = _department_submission(visible_cycle(user, cycle_id), code)
    return _submission_body(review.lock(user, submission))


@router.post("/{cycle_id}/departments/{code}/reopen", response={200: SubmissionOut, **ERRORS},
             summary="Re-open a department's locked scores")
@translate_errors
def reopen_department(request: HttpRequest, cycle_id: int, code: str, payload: ReasonIn) -> dict[str, Any]:
    """The office: locked → draft, with a reason (required)."""
    user = user_of(request)
    submission = _department_submission(visible_cycle(user, cycle_id), code)
    return _submission_body(review.reopen(user, submission, payload.reason))
