"""A ranking group's ranks and grades, on the integer rounded finals the scoring made.

Members are ordered by rounded final (descending), then unit code. Equal rounded finals form a run:
they share the rank (1 + the members before the run: 1, 2, 2, 4), the grade by threshold, and the
quota's decision — a unit keeps the top grade only if the units at or above its rounded final
(rank + ties − 1) are no more than allowed, so a run at the boundary drops to the next grade whole.
Then each member's grade caps (the strictest wins) and vetoes (the lowest grade). The quota is
decided before caps and vetoes, so a capped or vetoed unit keeps its quota place.
"""

from __future__ import annotations

from bisect import bisect_right
from operator import attrgetter, neg

from kaohe.core.messages import Text, gettext_noop
from kaohe.core.points import format_points
from kaohe.core.results import exact
from kaohe.core.results.records import HUNDRED, Adjustment, UnitResult
from kaohe.core.results.rules import Rules

_by_code = attrgetter("code")
_by_rounded = attrgetter("_r")


def _source(adjustment: Adjustment) -> str:
    reason = adjustment.reason.strip()
    if not adjustment.document.strip():
        return reason
    return Text.of(gettext_noop("%(reason)s（%(document)s）"), reason=reason, document=adjustment.document.strip())


def rank_group(members: list[UnitResult], rules: Rules) -> None:
    """Order `members` (one group) by rank and code, and set each one's rank, grade and explanation.

    Done a stage at a time over the whole group, each stage's loop in C where it can be (a group
    can hold 100,000 units): the ranks from each final's first position, the grades by threshold
    as slices of the ordered group (found by bisection), then only the members the quota, a cap or
    a veto changes."""
    members.sort(key=_by_code)
    members.sort(key=_by_rounded, reverse=True)  # stable: equal finals stay in code order
    count = len(members)
    finals = list(map(_by_rounded, members))  # descending
    first = dict(zip(reversed(finals), range(count, 0, -1), strict=True))  # final → 1 + the members above it

    names = [g.name for g in rules.grades]
    last = len(names) - 1
    # grade i: the finals at or above its threshold and below the one before (the last: all the rest)
    ends = [bisect_right(finals, -exact.at_least(g.threshold, rules.rank_places), key=neg) for g in rules.grades[:last]]
    ends.append(count)
    grades: list[str] = []
    for name, end in zip(names, ends, strict=True):  # the ends never decrease: thresholds strictly do
        grades += [name] * (end - len(grades))
    for member, rank, grade in zip(members, map(first.__getitem__, finals), grades, strict=True):
        member.rank, member.grade = rank, grade

    _apply_quota(members, finals, first, ends[0], names, rules)
    marked = [member for member in members if member._marks is not None]
    if marked:
        _apply_marks(marked, names)


def _apply_quota(members: list[UnitResult], finals: list[int], first: dict[int, int], top: int, names: list[str],
                 rules: Rules) -> None:
    """The top grade's quota: a run of equal finals keeps the top grade only if it ends within the
    allowed number, so from the run that crosses it on, every run the thresholds made top drops to
    the next grade whole, each with a note."""
    quota = rules.top_quota
    if quota is None:
        return
    if quota.count is not None:
        allowed, basis = quota.count, Text("")
    else:
        assert quota.share is not None
        allowed = exact.floor_share(quota.share, len(members))
        basis = Text.of(gettext_noop("（本组%(count)s个单位×%(share)s%%，向下取整）"),
                        count=len(members), share=format_points(quota.share * HUNDRED))
    if top <= allowed:
        return
    position = first[finals[allowed]] - 1  # the crossing run's first member
    while position < top:
        rank = position + 1
        end = bisect_right(finals, -finals[position], lo=position, key=neg)
        tied = end - position
        who = (Text.of(gettext_noop("并列第%(rank)s名的%(tied)s个单位均"), rank=rank, tied=tied) if tied > 1
               else Text.of(gettext_noop("第%(rank)s名"), rank=rank))
        note = Text.of(gettext_noop("名额限制：%(grade)s等次限%(allowed)s个%(basis)s，%(who)s评为%(next)s"),
                       grade=names[0], allowed=allowed, basis=basis, who=who, next=names[1])
        alone = (note,)  # the explanation of most: they had none
        for member in members[position:end]:
            member.grade = names[1]
            member.explanation = (*member.explanation, note) if member.explanation else alone
        position = end


def _apply_marks(marked: list[UnitResult], names: list[str]) -> None:
    """Grade caps (the strictest wins) and vetoes (the lowest grade), after the quota."""
    index = {name: at for at, name in enumerate(names)}
    last = len(names) - 1
    for member in marked:
        assert member._marks is not None
        caps, vetoes = member._marks
        notes = list(member.explanation)
        own = index[member.grade]
        if caps:
            for cap_index, adjustment in sorted(caps, key=lambda c: c[0]):
                if cap_index > own:
                    notes.append(Text.of(gettext_noop("不得评为%(grades)s等次：%(source)s"),
                                         grades=tuple(names[:cap_index]), source=_source(adjustment)))
            own = max([own] + [cap_index for cap_index, _ in caps])
        for adjustment in vetoes:
            own = last
            notes.append(Text.of(gettext_noop("一票否决：%(source)s"), source=_source(adjustment)))
        member._marks = None
        member.grade = names[own]
        member.explanation = tuple(notes)
