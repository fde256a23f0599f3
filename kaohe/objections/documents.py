"""The unit's own published scorecard as a document (the PDF the unit keeps in its records), for
the scorecard page and the API alike."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kaohe.accounts.permissions import unit_code
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.objections.flow import ObjectionError
from kaohe.results import documents
from kaohe.results.models import ResultSnapshot
from kaohe.results.scorecard import scorecard_rows
from kaohe.results.service import adjustments_json


def unit_scorecard(user: Any, cycle: Cycle, version: str | None) -> tuple[dict[str, Any], ResultSnapshot]:
    """The unit user's own published scorecard as the documents show it (kaohe.results.documents):
    the version's figures, and every item while it is the latest version and the cycle is locked
    (as on the page). Not found (ObjectionError) for anyone but a unit user, or before publication."""
    own = unit_code(user)
    if own is None:
        raise ObjectionError(ObjectionError.NOT_FOUND, _("成绩单只对被考核单位开放。"))
    unit = CycleUnit.objects.filter(cycle=cycle, code=own).first()
    if unit is None:
        raise ObjectionError(ObjectionError.NOT_FOUND, _("这个考核周期没有本单位。"))
    snapshots = ResultSnapshot.objects.filter(cycle=cycle).order_by("-version")
    latest = snapshots.first()
    if latest is None:
        raise ObjectionError(ObjectionError.NOT_FOUND, _("考核结果尚未发布。"))
    wanted = int(version) if version and version.isdigit() and len(version) < 10 else 0
    snapshot = latest if not version else snapshots.filter(version=wanted).first()
    if snapshot is None:
        raise ObjectionError(ObjectionError.NOT_FOUND, _("没有这个版本的已发布结果。"))
    row = next((r for r in snapshot.results if r["code"] == unit.code), None)
    rows: list[dict[str, Any]] = []
    if snapshot.version == latest.version and cycle.status == Cycle.Status.LOCKED:
        rows, _items = scorecard_rows(cycle.pk, cycle.scheme_id, unit.pk)
    kept = snapshot.adjustments if snapshot.adjustments is not None else adjustments_json(cycle)
    size = sum(1 for r in snapshot.results if row is not None and r["group"] == row["group"])
    context = documents.scorecard_context(cycle, unit, row, size, rows, [a for a in kept if a["unit"] == unit.code],
                                          snapshot.rules, snapshot)
    return context, snapshot
