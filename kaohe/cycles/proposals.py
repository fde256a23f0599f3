"""Proposed scores for a department's tasks, from whatever app keeps the findings they rest on
(the 平时考核台账, kaohe.ledger, registers itself from its AppConfig.ready()). The grid, the
scoring sheet and the API's task list all ask here, so the three show the same proposals; this
module knows nothing of where they come from.

A `Proposal` is what a task would score by the findings (its points), with the findings as its
reason (`entries`), and whether the findings changed after the department last decided the task
(`changed`: scored before an entry was confirmed, voided or changed by a dispute). A task without
findings has no proposal.

A `ProposalSource` answers for a department's tasks in a fixed number of queries, whatever the
number of units, items and findings (the grid's query count is asserted unchanged by them):
- `cells(cycle, department_id, unit_ids, node_ids)`: the proposals keyed by (node id, unit id),
  for the given units and items (None: all of them);
- `summary(cycle, department_id)`: a line for the top of the grid (what waits, and where), or None;
- `bases(score_ids)`: the findings each of these scores was decided on (accepted or overridden),
  by score id, for the scorecards to list under the item;
- `accepted(user, cycle, chosen)`: the department accepted these proposals elsewhere than on the
  source's own pages (the scoring sheet), inside the transaction that saved the scores: keep what
  each score rests on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from kaohe.cycles.models import Cycle


@dataclass(frozen=True)
class Finding:
    """One counted finding under a proposal."""

    date: date
    kind: str  # as its source names it (the ledger: deduction, note)
    kind_label: str  # in words
    points: Decimal | None  # a deduction's points; None for a note
    reason: str
    document: str
    url: str  # where to read it

    def as_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "kind": self.kind, "points": None if self.points is None else
                str(self.points), "reason": self.reason, "document": self.document, "url": self.url}


@dataclass(frozen=True)
class Proposal:
    points: Decimal  # the proposed score
    deducted: Decimal  # what the findings take off the maximum, before the floor at 0
    reason: str  # the reason an accepted proposal saves
    entries: tuple[Finding, ...] = ()
    changed: bool = False  # the findings changed after the task was last decided
    accept_url: str = ""  # POST here (with the task's version) to accept it
    url: str = ""  # the task's findings, and the form to decide otherwise


@dataclass(frozen=True)
class Summary:
    text: str
    url: str
    urgent: bool = False


@dataclass(frozen=True)
class ProposalSource:
    cells: Callable[[Cycle, int, Sequence[int] | None, Sequence[int] | None], dict[tuple[int, int], Proposal]]
    summary: Callable[[Cycle, int], Summary | None] = field(default=lambda cycle, department_id: None)
    bases: Callable[[Sequence[int]], dict[int, tuple[Finding, ...]]] = field(default=lambda score_ids: {})
    accepted: Callable[[Any, Cycle, Sequence[tuple[Any, Proposal]]], None] = field(
        default=lambda user, cycle, chosen: None)


_sources: list[ProposalSource] = []


def propose_from(source: ProposalSource) -> None:
    """Register a source of proposals (once)."""
    if source not in _sources:
        _sources.append(source)


def proposals(cycle: Cycle, department_id: int, unit_ids: Sequence[int] | None = None,
              node_ids: Sequence[int] | None = None) -> dict[tuple[int, int], Proposal]:
    """The proposals of the department's tasks among these units and items, by (node id, unit id)."""
    found: dict[tuple[int, int], Proposal] = {}
    for source in _sources:
        found.update(source.cells(cycle, department_id, unit_ids, node_ids))
    return found


def summaries(cycle: Cycle, department_id: int) -> list[Summary]:
    return [summary for source in _sources if (summary := source.summary(cycle, department_id)) is not None]


def bases(score_ids: Sequence[int]) -> dict[int, tuple[Finding, ...]]:
    """The findings each score was decided on, by score id (scores decided on none are left out)."""
    found: dict[int, tuple[Finding, ...]] = {}
    for source in _sources:
        for score_id, findings in source.bases(score_ids).items():
            found[score_id] = found.get(score_id, ()) + findings
    return found


def accepted(user: Any, cycle: Cycle, chosen: Sequence[tuple[Any, Proposal]]) -> None:
    """Tell every source that these (score, proposal) pairs were accepted (the scoring sheet)."""
    for source in _sources:
        source.accepted(user, cycle, chosen)
