"""API: a cycle's results, computed now or as published (`?version=N`).

The office and leaders (others 403); a cycle the user does not see is 404. Each unit is the same
row as `kaohe results compute --json` and the published snapshots (`kaohe.results.service.result_row`):
every figure a decimal string at full precision.

(No `from __future__ import annotations`: ninja resolves the views' annotations, see cycles.py.)
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kaohe.accounts.permissions import is_office, reads_all
from kaohe.api.common import user_of, visible_cycle
from kaohe.api.errors import ApiError, translate_errors
from kaohe.api.schemas import ErrorOut, UnitResultOut
from kaohe.core.results import RulesError
from kaohe.results import service
from kaohe.results.models import ResultSnapshot

router = Router(tags=["results"])


class ResultsOut(Schema):
    cycle: int
    cycle_name: str
    version: int | None = None  # None: computed now from the current scores and settings
    published_at: datetime | None = None
    complete: bool
    rules: dict[str, Any]
    units: list[UnitResultOut]


@router.get("/{cycle_id}/results", response={200: ResultsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
            summary="A cycle's results")
@translate_errors
def get_results(request: HttpRequest, cycle_id: int, version: int | None = None) -> dict[str, Any]:
    """The office and leaders. Without `version`: computed now (422 when the rules cannot be applied);
    `?version=N`: the published snapshot N (404 if there is none)."""
    user = user_of(request)
    if not reads_all(user):
        raise ApiError(403, _("只有考核办和领导可以查看考核结果。"))
    cycle = visible_cycle(user, cycle_id)
    if version is not None:
        snapshot = ResultSnapshot.objects.filter(cycle=cycle, version=version).first()
        if snapshot is None:
            raise ApiError(404, _("这个考核周期没有第%(version)s版已发布结果。") % {"version": version}, "version")
        return {"cycle": cycle.pk, "cycle_name": cycle.name, "version": snapshot.version,
                "published_at": snapshot.published_at, "complete": snapshot.complete, "rules": snapshot.rules,
                "units": snapshot.results}
    settings = service.settings_for(cycle)
    try:
        results = service.compute_cycle(cycle, settings)
    except RulesError as error:
        raise ApiError(422, _("结果无法计算：%(problems)s") % {"problems": error}) from None
    rows = [service.result_row(r) for r in results]
    return {"cycle": cycle.pk, "cycle_name": cycle.name, "version": None, "published_at": None,
            "complete": all(row["complete"] for row in rows),
            "rules": service.rules_json(service.rules_for(cycle, settings), service.groups_for(settings)),
            "units": rows}


class PublishIn(Schema):
    confirm_incomplete: bool = False


class PublishedOut(Schema):
    cycle: int
    version: int
    published_at: datetime
    complete: bool
    units: int


@router.post("/{cycle_id}/results/publish", response={200: PublishedOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                                      422: ErrorOut}, summary="Publish a cycle's results")
@translate_errors
def publish(request: HttpRequest, cycle_id: int, payload: PublishIn) -> dict[str, Any]:
    """The office: the locked cycle's results as the next published version (the same as the
    results page's button and `kaohe results publish`); every unit is notified. 409 when the cycle
    is not locked, when scores are incomplete and `confirm_incomplete` is not set, or when the
    results equal the latest version."""
    user = user_of(request)
    cycle = visible_cycle(user, cycle_id)
    if not is_office(user):
        raise ApiError(403, _("只有考核办可以发布考核结果。"))
    try:
        snapshot = service.publish(cycle, user, confirm_incomplete=payload.confirm_incomplete)
    except service.ResultsError as error:
        raise ApiError(409, error.message) from None
    return {"cycle": cycle.pk, "version": snapshot.version, "published_at": snapshot.published_at,
            "complete": snapshot.complete, "units": len(snapshot.results)}
