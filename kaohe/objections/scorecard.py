"""The unit's published scorecard, as its page and the API show it (`kaohe.objections.views`,
`kaohe.api.objections`):

- the figures of a published version (`published_row`) and, beside each one that differs, the
  previous version's (`summary_changes`);
- for the latest version while the cycle is locked, every item that applied (headings over them,
  `kaohe.results.scorecard.scorecard_rows`) with, on each criterion (or item that is its own
  criterion), the points the unit claimed in its self-assessment against the points awarded, and,
  on each item whose points changed since the previous version, the points it had then
  (`item_changes`).

What changed between two versions is read from the audit trail, which records every change to a
score (`kaohe.cycles.scoring.SCORE_UPDATE`, keyed by `score_key`): the scores of the unit changed
after version N-1 was published and up to version N, from their first old points to their last new
points — whether an objection or a re-opened review changed them. Each costs one query.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kaohe.audit.models import Event
from kaohe.claims.models import Claim
from kaohe.core.points import format_points, two_places
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.cycles.scoring import SCORE_UPDATE, parse_score_key
from kaohe.results.models import ResultSnapshot
from kaohe.results.scorecard import scorecard_rows

SUMMARY_FIGURES = ("obtained", "percent", "final", "rank", "grade")


def published_row(snapshot: ResultSnapshot, unit_code: str) -> dict[str, Any] | None:
    """The unit's row of a published version, figures with two places, its group's size."""
    row = next((r for r in snapshot.results if r["code"] == unit_code), None)
    if row is None:
        return None
    return {**row, "percent": two_places(row["percent"]), "final": two_places(row["final"]),
            "bonus": two_places(row["bonus"]), "penalty": two_places(row["penalty"]),
            "adjusted": two_places(row["adjusted"]),
            "group_size": sum(1 for r in snapshot.results if r["group"] == row["group"]),
            "dimensions": [{**d, "percent": two_places(d["percent"])} for d in row["dimensions"]
                           if Decimal(d["maximum"]) > 0]}


def previous_version(snapshot: ResultSnapshot) -> ResultSnapshot | None:
    if snapshot.version <= 1:
        return None
    return ResultSnapshot.objects.filter(cycle_id=snapshot.cycle_id, version=snapshot.version - 1).first()


def summary_changes(summary: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """The previous version's figures that differ from `summary`'s (figure → the old value), with
    `dimensions` (code → old obtained) for the dimensions whose points changed."""
    if before is None:
        return {}
    changes: dict[str, Any] = {name: before[name] for name in SUMMARY_FIGURES if str(before[name]) != str(summary[name])}
    old = {d["code"]: d["obtained"] for d in before["dimensions"]}
    dimensions = {d["code"]: old[d["code"]] for d in summary["dimensions"]
                  if d["code"] in old and Decimal(old[d["code"]]) != Decimal(d["obtained"])}
    if dimensions:
        changes["dimensions"] = dimensions
    return changes


def item_changes(cycle: Cycle, unit_code: str, before: ResultSnapshot, after: ResultSnapshot) -> dict[str, str | None]:
    """The unit's items whose points changed between two published versions: code → the points
    (display text, None for none) at `before`. From the audit trail; one query."""
    events = (Event.objects.filter(cycle=cycle, action=SCORE_UPDATE, at__gt=before.published_at,
                                   at__lte=after.published_at,
                                   object_key__startswith=f"cycle:{cycle.pk}/unit:{unit_code}/item:")
              .order_by("pk").values_list("object_key", "old", "new"))
    first: dict[str, str | None] = {}
    last: dict[str, str | None] = {}
    for key, old, new in events:
        parsed = parse_score_key(key)
        if parsed is None or parsed[1] != unit_code:
            continue
        first.setdefault(parsed[2], (old or {}).get("points"))
        last[parsed[2]] = (new or {}).get("points")
    return {code: first[code] for code, points in last.items() if not _same(first[code], points)}


def _same(a: str | None, b: str | None) -> bool:
    return a == b if a is None or b is None else Decimal(a) == Decimal(b)


def unit_rows(cycle: Cycle, unit: CycleUnit, changes: dict[str, str | None]) -> tuple[list[dict[str, Any]], int]:
    """The scorecard's rows (`scorecard_rows`) with the unit's claims on its criteria (`claimed`,
    `claim_explanation`, and `claim_gap`: claimed minus awarded, when the unit claimed more) and, on
    items that changed, `previous` (the points at the previous version) and `changed`."""
    rows, items = scorecard_rows(cycle.pk, cycle.scheme_id, unit.pk)
    claims = {code: (points, explanation) for code, points, explanation in Claim.objects.filter(unit=unit)
              .exclude(points__isnull=True, explanation="").values_list("node__code", "points", "explanation")}
    for row in rows:
        if row["code"] in claims:  # a criterion's heading, or an item that is its own criterion
            claimed, explanation = claims[row["code"]]
            awarded = Decimal(row["obtained"] if row["kind"] == "heading" else (row["points"] or "0"))
            row["claimed"] = None if claimed is None else format_points(claimed)
            row["claim_gap"] = format_points(claimed - awarded) if claimed is not None and claimed > awarded else ""
            row["claim_explanation"] = explanation
        if row["kind"] == "item" and row["code"] in changes:
            row["changed"], row["previous"] = True, changes[row["code"]]
    return rows, items
