"""Turning the services' exceptions into JSON responses: `{code, message, field?, current?}`.

ScoreError kinds map to their own statuses (invalid 422, forbidden 403, not_found 404, conflict and
closed 409); a conflict carries the saved score in `current`. ReviewError carries its status; its
code is named after it. `ApiError` is for what the API itself refuses (not visible, wrong role).
ClaimError (and ObjectionError, its subclass) carries its status too (too_large 413); a conflict
carries the saved claim in `current`.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse

from kaohe.claims.models import Claim
from kaohe.claims.rules import ClaimError
from kaohe.core.points import format_points
from kaohe.cycles.models import Score
from kaohe.cycles.review import ReviewError
from kaohe.cycles.scoring import ScoreError

INVALID, FORBIDDEN, NOT_FOUND = ScoreError.INVALID, ScoreError.FORBIDDEN, ScoreError.NOT_FOUND
STATUS_CODES = {403: FORBIDDEN, 404: NOT_FOUND, 409: ScoreError.CONFLICT, 422: INVALID}
ERROR_RESPONSES = (403, 404, 409, 422)


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        self.status, self.message, self.field = status, message, field
        super().__init__(message)


def points_text(points: Any) -> str | None:
    return None if points is None else format_points(points)


def current_body(score: Score) -> dict[str, Any]:
    return {"points": points_text(score.points), "reason": score.reason, "version": score.version,
            "updated_by": str(score.updated_by) if score.updated_by_id else None,
            "updated_at": score.updated_at}


def error_body(code: str, message: str, field: str | None = None, current: Score | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    if current is not None:
        body["current"] = current_body(current)
    return body


def score_error_response(err: ScoreError) -> JsonResponse:
    return JsonResponse(error_body(err.kind, err.message, err.field, err.current), status=err.status)


def review_error_response(err: ReviewError) -> JsonResponse:
    return JsonResponse(error_body(STATUS_CODES.get(err.status, "error"), err.message), status=err.status)


def api_error_response(err: ApiError) -> JsonResponse:
    return JsonResponse(error_body(STATUS_CODES.get(err.status, "error"), err.message, err.field),
                        status=err.status)


def claim_body(claim: Claim) -> dict[str, Any]:
    return {"points": points_text(claim.points), "explanation": claim.explanation, "version": claim.version,
            "updated_by": str(claim.updated_by) if claim.updated_by_id else None, "updated_at": claim.updated_at}


def claim_error_response(err: ClaimError) -> JsonResponse:
    body = error_body(err.kind, err.message, err.field)
    if err.current is not None:
        body["current"] = claim_body(err.current)
    return JsonResponse(body, status=err.status)


def translate_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an API view so ScoreError, ReviewError, ClaimError and ApiError become JSON error responses."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except ScoreError as err:
            return score_error_response(err)
        except ReviewError as err:
            return review_error_response(err)
        except ApiError as err:
            return api_error_response(err)
        except ClaimError as err:
            return claim_error_response(err)

    return wrapper
