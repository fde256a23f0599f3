"""Replaying a cycle's scores from its audit trail, and checking them against the Score table.

Every change to a score writes one `score.update` event in the same transaction (see
kaohe.cycles.scoring.apply), keyed by `scoring.score_key` (read back by `scoring.parse_score_key`), with `old` and `new`
= {"points": "1.5" | null, "reason": …, "version": n}. So, starting from empty — every task
unscored, no reason, version 0, as the cycle's opening made it — and applying each event's
`new` in id order must give exactly what the Score table holds. Events are read in chunks and
only the final state per task is kept, so memory grows with the tasks, not with the trail.

`differences(cycle)` reports where trail and table disagree:
- "score": a task whose stored points, reason or version are not what the trail gives
  (e.g. a row updated behind the trail's back);
- "chain": an event whose `old` is not what the events before it left (a change that was never
  recorded, later overwritten by a recorded one, still shows up here);
- "key": an event that names no task of this cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kaohe.audit.models import Event
from kaohe.cycles.models import Cycle, Score
from kaohe.cycles.scoring import SCORE_UPDATE, parse_score_key

CENTS = Decimal("0.01")

TaskKey = tuple[str, str]  # (unit code, item code)
State = tuple[Decimal | None, str, int]  # (points, reason, version)
EMPTY: State = (None, "", 0)


@dataclass(frozen=True)
class Difference:
    kind: str  # "score", "chain" or "key"
    task: TaskKey | None
    replayed: State | None
    stored: State | None
    event_id: int | None = None

    def __str__(self) -> str:
        where = f"{self.task[0]}/{self.task[1]}" if self.task else "?"
        if self.kind == "score":
            return f"{where}: 审计记录重放为 {self.replayed}，评分表中为 {self.stored}"
        if self.kind == "chain":
            return f"{where}: 记录 #{self.event_id} 的原值 {self.stored} 与此前记录得出的 {self.replayed} 不符"
        return f"记录 #{self.event_id} 的对象不是本周期的评分项"


@dataclass
class Replay:
    scores: dict[TaskKey, State] = field(default_factory=dict)
    breaks: list[Difference] = field(default_factory=list)


def state_of(value: Any) -> State:
    """An event's `old` or `new` dict as (points, reason, version)."""
    value = value or {}
    points = value.get("points")
    return (None if points in (None, "") else Decimal(str(points)).quantize(CENTS),
            value.get("reason") or "", int(value.get("version") or 0))


def task_of(event: Event, cycle: Cycle) -> TaskKey | None:
    key = parse_score_key(event.object_key)
    if key is None or key[0] != cycle.pk:
        return None
    return key[1], key[2]


def replay(cycle: Cycle) -> Replay:
    """The cycle's scores rebuilt from its events alone, with every break in the chain of events."""
    result = Replay()
    events = (Event.objects.filter(cycle=cycle, action=SCORE_UPDATE).order_by("id")
              .only("id", "object_key", "old", "new").iterator(chunk_size=2000))
    for event in events:
        task = task_of(event, cycle)
        if task is None:
            result.breaks.append(Difference("key", None, None, None, event.pk))
            continue
        before = result.scores.get(task, EMPTY)
        claimed = state_of(event.old)
        if claimed != before:
            result.breaks.append(Difference("chain", task, before, claimed, event.pk))
        result.scores[task] = state_of(event.new)
    return result


def replay_scores(cycle: Cycle) -> dict[TaskKey, State]:
    """{(unit code, item code): (points, reason, version)} for every task the trail touched; a task
    it never touched is as the cycle's opening made it: `EMPTY`."""
    return replay(cycle).scores


def stored_scores(cycle: Cycle) -> dict[TaskKey, State]:
    """The same mapping, for every task, from the Score table."""
    rows = (Score.objects.filter(cycle=cycle)
            .values_list("unit__code", "node__code", "points", "reason", "version").iterator(chunk_size=2000))
    return {(unit, item): (points, reason, version) for unit, item, points, reason, version in rows}


def differences(cycle: Cycle) -> list[Difference]:
    """Where the trail and the Score table disagree; empty when the trail accounts for every score."""
    result = replay(cycle)
    stored = stored_scores(cycle)
    found = list(result.breaks)
    for task in sorted(stored.keys() | result.scores.keys()):
        replayed = result.scores.get(task, EMPTY)
        current = stored.get(task)
        if current != replayed:
            found.append(Difference("score", task, replayed, current))
    return found
