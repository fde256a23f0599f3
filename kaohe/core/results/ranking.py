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
    """Order `members` (one group) by rank and code, and set each one's rank, grade and explanation."""
    members.sort(key=_by_code)
    members.sort(key=_by_rounded, reverse=True)  # stable: equal finals stay in code order
    names = [g.name for g in rules.grades]
    thresholds = [exact.at_least(g.threshold, rules.rank_places) for g in rules.grades]
    last = len(names) - 1
    quota = rules.top_quota
    allowed = None
    basis = Text("")
    if quota is not None:
        if quota.count is not None:
            allowed = quota.count
        else:
            assert quota.share is not None
            allowed = exact.floor_share(quota.share, len(members))
            basis = Text.of(gettext_noop("（本组%(count)s个单位×%(share)s%%，向下取整）"),
                            count=len(members), share=format_points(quota.share * HUNDRED))

    count = len(members)
    index = 0  # the grade by threshold: finals only fall along the ordered group
    previous = None
    rank = grade = 0
    name = names[0]
    quota_note = None
    for position, member in enumerate(members):
        rounded = member._r
        if rounded != previous:  # a run of equal rounded finals starts: its rank, grade and quota
            previous, rank = rounded, position + 1
            while index < last and rounded < thresholds[index]:
                index += 1
            grade = index
            quota_note = None
            if grade == 0 and allowed is not None:
                end = position + 1
                while end < count and members[end]._r == rounded:
                    end += 1
                tied = end - position
                if rank + tied - 1 > allowed:
                    grade = 1
                    who = (Text.of(gettext_noop("并列第%(rank)s名的%(tied)s个单位均"), rank=rank, tied=tied) if tied > 1
                           else Text.of(gettext_noop("第%(rank)s名"), rank=rank))
                    quota_note = Text.of(gettext_noop("名额限制：%(grade)s等次限%(allowed)s个%(basis)s，%(who)s评为%(next)s"),
                                         grade=names[0], allowed=allowed, basis=basis, who=who, next=names[1])
            name = names[grade]
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
                        notes.append(Text.of(gettext_noop("不得评为%(grades)s等次：%(source)s"),
                                             grades=tuple(names[:cap_index]), source=_source(adjustment)))
                own = max([own] + [cap_index for cap_index, _ in caps])
            for adjustment in vetoes:
                own = last
                notes.append(Text.of(gettext_noop("一票否决：%(source)s"), source=_source(adjustment)))
            member._marks = None
        member.grade = names[own]
        member.explanation = tuple(notes)
