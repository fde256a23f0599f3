"""A published year for the leaders' overview (its benchmark, its tests and screenshots).

- `score_spread(cycle, seed)`: every task of the cycle scored as departments score: most items at
  full marks, each unit losing tenths on a share of its items that it draws (β(2, 9): 18 % on
  average) and losing 0.1 to all of the item's points there, deterministic for a seed;
- `lock_and_publish(cycle, user)`: every department's submission locked, the cycle locked, its
  results published (version 1, or the next);
- `previous_year(cycle, user, seed)`: the same scheme cloned for the year before, published, a
  cycle of it for the same units, scored with another seed and published: what the overview
  compares with year over year.

Scores are written directly (bulk), as a year of scoring would have left them; the database keeps
the totals (kaohe/cycles/totals.py) as ever.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from kaohe.audit.context import acting_as
from kaohe.cycles import lifecycle
from kaohe.cycles.models import Cycle, CycleUnit, Score, Submission
from kaohe.results import service
from kaohe.results.models import ResultSnapshot
from kaohe.schemes import store
from kaohe.schemes.models import SchemeRecord

TENTH = Decimal("0.1")


def score_spread(cycle: Cycle, seed: int) -> int:
    """Score every task of `cycle` (see the module docstring); returns how many lost points."""
    rng = random.Random(seed)
    care = {pk: rng.betavariate(2, 9) for pk in
            CycleUnit.objects.filter(cycle=cycle).order_by("position", "pk").values_list("pk", flat=True)}
    scores = list(Score.objects.filter(cycle=cycle).select_related("node").only("pk", "unit_id", "node__points")
                  .order_by("unit__position", "node__position"))
    lost = 0
    for score in scores:
        maximum = score.node.points or Decimal(0)
        tenths = int(maximum / TENTH)
        if tenths and rng.random() < care[score.unit_id]:
            score.points = maximum - TENTH * rng.randint(1, tenths)
            lost += 1
        else:
            score.points = maximum
    Score.objects.bulk_update(scores, ["points"], batch_size=500)
    return lost


def lock_and_publish(cycle: Cycle, user: Any) -> ResultSnapshot:
    """Every submission locked, the cycle locked, its results published."""
    Submission.objects.filter(cycle=cycle).update(state=Submission.State.LOCKED)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    cycle.refresh_from_db()
    with acting_as(user):
        return service.publish(cycle, user, confirm_incomplete=True)


def previous_year(cycle: Cycle, user: Any, seed: int, *, units: list[str] | None = None) -> Cycle:
    """The year before `cycle`, of the same scheme family, scored, locked and published."""
    scheme = cycle.scheme
    year = scheme.year - 1
    with acting_as(user):
        earlier = SchemeRecord.objects.filter(name=f"{scheme.name}-{year}").first()
        if earlier is None:  # another cycle of the same scheme made it already
            earlier = store.clone(scheme, name=f"{scheme.name}-{year}", year=year)
            store.publish(earlier, acknowledge_warnings=True)
            earlier.refresh_from_db()
        name = cycle.name.replace(str(scheme.year), str(year), 1)
        made = lifecycle.create_cycle(name=name if name != cycle.name else f"{cycle.name}（{year}年）", scheme=earlier, unit_codes=units if units is not None else list(cycle.unit_codes),
                                      created_by=user)
        lifecycle.open_cycle(made)
    made.refresh_from_db()
    score_spread(made, seed)
    lock_and_publish(made, user)
    return made
