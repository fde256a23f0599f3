"""A ranking group's ranks and grades, on the integer rounded finals the scoring made.

Members are ordered by rounded final (descending), then unit code. Equal rounded finals form a run:
they share the rank (1 + the members before the run: 1, 2, 2, 4), the grade by threshold, and the
quota's decision — a unit keeps the top grade only if the units at or above its rounded final
(rank + ties − 1) are no more than allowed, so a run at the boundary drops to the next grade whole.
Then each member's grade caps (the strictest wins) and vetoes (the lowest grade). The quota is
decided before caps and vetoes, so a capped or vetoed unit keeps its quota place.
"""

from __future__ import annotations

from operator import attrgetter

from kaohe.core.points import format_points
from kaohe.core.results import exact
from kaohe.core.results.records import HUNDRED, Adjustment, UnitResult
from kaohe.core.results.rules import Rules

_by_code = attrgetter("code")
_by_rounded = attrgetter("_r")


def _source(adjustment: Adjustment) -> str:
    reason = adjustment.reason.strip()
    return f"{reason}（{adjustment.document.strip()}）" if adjustment.document.strip() else reason


def rank_group(members: list[UnitResult], rules: Rules) -> None:
    """Order `members` (one group) by rank and code, and set each one's rank, grade and explanation."""
    members.sort(key=_by_code)
    members.sort(key=_by_rounded, reverse=True)  # stable: equal finals stay in code order
    names = [g.name for g in rules.grades]
    thresholds = [exact.at_least(g.threshold, rules.rank_places) for g in rules.grades]
    last = len(names) - 1
    quota = rules.top_quota
    allowed = None
    basis = ""
    if quota is not None:
        if quota.count is not None:
            allowed = quota.count
        else:
            assert quota.share is not None
            allowed = exact.floor_share(quota.share, len(members))
            basis = f"（本组{len(members)}个单位×{format_points(quota.share * HUNDRED)}%，向下取整）"

    count = len(members)
    start = 0
    index = 0  # the grade by threshold: finals only fall along the ordered group
    while start < count:
        rounded = members[start]._r
        end = start + 1
        while end < count and members[end]._r == rounded:
            end += 1
        rank, tied = start + 1, end - start
        while index < last and rounded < thresholds[index]:
            index += 1
        grade = index
        quota_note = None
        if grade == 0 and allowed is not None and rank + tied - 1 > allowed:
            grade = 1
            who = f"并列第{rank}名的{tied}个单位均" if tied > 1 else f"第{rank}名"
            quota_note = f"名额限制：{names[0]}等次限{allowed}个{basis}，{who}评为{names[1]}"
        name = names[grade]
        for position in range(start, end):
            member = members[position]
            member.rank = rank
            if quota_note is None and member._marks is None:
                member.grade = name
                continue
            notes = list(member.explanation)
            if quota_note is not None:
                notes.append(quota_note)
            own = grade
            if member._marks is not None:
                caps, vetoes = member._marks
                if caps:
                    for cap_index, adjustment in sorted(caps, key=lambda c: c[0]):
                        if cap_index > own:
                            notes.append(f"不得评为{'、'.join(names[:cap_index])}等次：{_source(adjustment)}")
                    own = max([own] + [cap_index for cap_index, _ in caps])
                for adjustment in vetoes:
                    own = last
                    notes.append(f"一票否决：{_source(adjustment)}")
                member._marks = None
            member.grade = names[own]
            member.explanation = tuple(notes)
        start = end
