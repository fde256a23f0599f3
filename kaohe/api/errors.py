"""Turning the services' refusals into JSON responses: `{code, message, field?, current?}`.

Every service error is a `kaohe.accounts.errors.Refused` (ScoreError, ReviewError, ClaimError and
ObjectionError, CycleError, ResultsError, …): its `kind` is the code and gives the status (invalid
422, forbidden 403, not_found 404, conflict and closed 409, too_large 413); a conflict carries the
saved score or claim in `current`, and a refusal of several rows or items the reason of each
by its code in `items`. `ApiError` is for what the API itself refuses (not visible, wrong
role, a malformed body).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse

from kaohe.accounts.errors import Refused
from kaohe.claims.models import Claim
from kaohe.core.points import optional_points
from kaohe.cycles.models import Score

STATUS_CODES = {403: Refused.FORBIDDEN, 404: Refused.NOT_FOUND, 409: Refused.CONFLICT, 422: Refused.INVALID}
ERROR_RESPONSES = (403, 404, 409, 422)


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        self.status, self.message, self.field = status, message, field
        super().__init__(message)


def current_body(score: Score) -> dict[str, Any]:
    return {"points": optional_points(score.points), "reason": score.reason, "version": score.version,
            "updated_by": str(score.updated_by) if score.updated_by_id else None,
            "updated_at": score.updated_at}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return body


def api_error_response(err: ApiError) -> JsonResponse:
    return JsonResponse(error_body(STATUS_CODES.get(err.status, "error"), err.message, err.field),
                        status=err.status)


def claim_body(claim: Claim) -> dict[str, Any]:
    return {"points": optional_points(claim.points), "explanation": claim.explanation, "version": claim.version,
            "updated_by": str(claim.updated_by) if claim.updated_by_id else None, "updated_at": claim.updated_at}


def refused_response(err: Refused) -> JsonResponse:
    body = error_body(err.kind, err.message, err.field)
    fields = getattr(err, "fields", None)  # a refusal of several inputs at once (kaohe.ledger) names each
    if fields and len(fields) > 1:
        body["fields"] = dict(fields)
    if isinstance(err.current, Score):
        body["current"] = current_body(err.current)
    elif isinstance(err.current, Claim):
        body["current"] = claim_body(err.current)
    if err.items:
        body["items"] = err.items
    return JsonResponse(body, status=err.status)


def translate_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an API view so refusals and ApiError become JSON error responses."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except ApiError as err:
            return api_error_response(err)
        except Refused as err:
            return refused_response(err)

    return wrapper
