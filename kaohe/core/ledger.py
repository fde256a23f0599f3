"""The 平时考核台账's rules: which entries count, the proposed score of a task, the bonus cap, what
a dispute's outcome does, the quarters of a year and the quarterly standings. Pure: no Django;
points are integer hundredths of a point (1.5 points = 150), exact.

The ledger (kaohe.ledger) keeps entries: a department records a finding about a unit — a deduction
(扣分) or a note (记录, no points) on one of its items, or a bonus (加分) against the cycle's bonus —
its head confirms it or sends it back, the office may void it. The rules here:

- **Which entries count**: confirmed ones (`counts`). A draft, an entry sent back, a voided one and
  one withdrawn after a dispute count for nothing. A confirmed entry under dispute still counts
  until the office closes the dispute.
- **The proposal** for a task (a unit's item): the item's maximum minus the counted deductions on
  it, never below 0 (`proposal`). Notes count for nothing; bonuses are not on an item.
- **The bonus**: a unit's counted bonuses add up to at most the cycle's cap (`capped_bonus`); one
  bonus entry is at most the cap.
- **A dispute's outcome** (`after_dispute`): upheld, the entry stays as it is; changed, it counts
  with the new points; withdrawn, it counts for nothing any more.
- **Quarters**: by the date of the fact, Q1 January–March … Q4 October–December of the cycle's year.
- **Standings** (`standings`): per unit, its counted deductions (in total and per dimension), its
  bonus and its net (bonus − deductions) in one quarter, or in the year up to a quarter; ranked by
  net inside each group, highest first, equal nets sharing a rank (1, 1, 3), then by unit code. The
  bonus of a quarter is what the quarter adds to the capped bonus of the year so far, so the
  quarters of a year add up to the year.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

DEDUCTION, BONUS, NOTE = "deduction", "bonus", "note"
KINDS = (DEDUCTION, BONUS, NOTE)
DRAFT, RETURNED, CONFIRMED, VOIDED, WITHDRAWN = "draft", "returned", "confirmed", "voided", "withdrawn"
STATES = (DRAFT, RETURNED, CONFIRMED, VOIDED, WITHDRAWN)
EDITABLE = (DRAFT, RETURNED)  # the department may still change these
UPHELD, CHANGED = "upheld", "changed"  # and WITHDRAWN: a dispute's decisions
DECISIONS = (UPHELD, CHANGED, WITHDRAWN)
QUARTERS = (1, 2, 3, 4)


def _(text: str) -> str:
    """Marks a message for the translation catalogue; translated by the caller (`LedgerProblem.message`)."""
    return text


class LedgerProblem(ValueError):
    """Input the rules refuse: `field` names it, `message(gettext)` says why in the user's language."""

    def __init__(self, field: str, template: str, **values: object):
        self.field, self.template, self.values = field, template, values
        super().__init__(self.message())

    def message(self, translate: Callable[[str], str] = _) -> str:
        return translate(self.template) % self.values if self.values else translate(self.template)


# ----------------------------------------------------------------------------- counting


def counts(state: str) -> bool:
    """Whether an entry in this state counts towards proposals and standings: confirmed only."""
    return state == CONFIRMED


def proposal(maximum: int, deductions: Iterable[int]) -> int:
    """The proposed score of a task: its maximum minus the counted deductions, floored at 0."""
    return max(0, maximum - sum(deductions))


def capped_bonus(bonuses: Iterable[int], cap: int) -> int:
    """A unit's counted bonuses together, at most the cycle's cap."""
    return min(sum(bonuses), max(cap, 0))


def after_dispute(decision: str, cents: int, new_cents: int | None) -> tuple[str, int]:
    """The entry's state and points once the office closes a dispute the department answered with
    `decision`: upheld (as it was), changed (the new points), withdrawn (counts for nothing)."""
    if decision == UPHELD:
        return CONFIRMED, cents
    if decision == CHANGED:
        if new_cents is None:
            raise LedgerProblem("points", _("修改台账分值时必须填写新的分值。"))
        return CONFIRMED, new_cents
    if decision == WITHDRAWN:
        return WITHDRAWN, cents
    raise LedgerProblem("decision", _("答复只能是“维持”“修改”或“撤销”。"))


# ----------------------------------------------------------------------------- checks


def check_amount(kind: str, cents: int | None, maximum: int, what: str = "") -> None:
    """The points of an entry of `kind`, already read in the cycle's step (hundredths or None):
    a deduction or bonus needs more than 0 and at most `maximum` (the item's maximum, or the bonus
    cap); a note has none."""
    if kind not in KINDS:
        raise LedgerProblem("kind", _("类型只能是“扣分”“加分”或“记录”。"))
    if kind == NOTE:
        if cents:
            raise LedgerProblem("points", _("“记录”不计分值，请不要填写分值。"))
        return
    if cents is None or cents <= 0:
        raise LedgerProblem("points", _("扣分和加分必须填写大于0的分值。"))
    if cents > maximum:
        if kind == BONUS:
            raise LedgerProblem("points", _("加分不能超过本周期的加分上限%(maximum)s分。"), maximum=shown(maximum))
        raise LedgerProblem("points", _("扣分不能超过%(item)s的分值%(maximum)s分。"), item=what,
                            maximum=shown(maximum))


def check_date(day: date, year: int, today: date) -> None:
    """The date of the fact: inside the cycle's year, and not after today."""
    if day.year != year:
        raise LedgerProblem("date", _("日期必须在本周期的考核年度（%(year)d年）之内。"), year=year)
    if day > today:
        raise LedgerProblem("date", _("日期不能晚于今天。"))


def shown(cents: int) -> str:
    """Hundredths as points without trailing zeros: 150 → '1.5', 200 → '2', 5 → '0.05'."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}" if part == 0 else f"{sign}{whole}.{part:02d}".rstrip("0")


# ----------------------------------------------------------------------------- quarters


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_dates(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a quarter."""
    if quarter not in QUARTERS:
        raise LedgerProblem("quarter", _("季度只能是1到4。"))
    first = date(year, 3 * quarter - 2, 1)
    last = date(year, 12, 31) if quarter == 4 else date(year, 3 * quarter + 1, 1) - timedelta(days=1)
    return first, last


# ----------------------------------------------------------------------------- standings


@dataclass(frozen=True)
class Counted:
    """Counted entries as the standings read them: the unit, the item's dimension ("" for a
    bonus), the kind, the points (hundredths) and the quarter of their dates; `count` entries
    together (the database sums them per unit, dimension, kind and quarter)."""

    unit: str
    dimension: str
    kind: str
    cents: int
    quarter: int
    count: int = 1


@dataclass(frozen=True)
class Member:
    """A unit of the cycle: its code, name and ranking group."""

    code: str
    name: str
    group: str


@dataclass
class Standing:
    """A unit's figures in one period (hundredths), and its rank in its group."""

    code: str
    name: str
    group: str
    deductions: int = 0
    by_dimension: dict[str, int] = field(default_factory=dict)
    bonus: int = 0
    entries: int = 0  # counted deductions and bonuses in the period
    rank: int = 0

    @property
    def net(self) -> int:
        return self.bonus - self.deductions


@dataclass(frozen=True)
class Standings:
    """One period's standings: `quarter` alone (`year_to_date` False) or Q1 up to it (True)."""

    quarter: int
    year_to_date: bool
    groups: list[tuple[str, list[Standing]]]  # in the order the groups first appear among the units

    @property
    def units(self) -> list[Standing]:
        return [standing for _group, members in self.groups for standing in members]


def standings(members: Sequence[Member], counted: Iterable[Counted], quarter: int, cap: int,
              year_to_date: bool = False) -> Standings:
    """The standings of one quarter (or of the year up to it). Entries of units not among
    `members` are left out; notes count for nothing."""
    if quarter not in QUARTERS:
        raise LedgerProblem("quarter", _("季度只能是1到4。"))
    first = 1 if year_to_date else quarter
    rows = {m.code: Standing(m.code, m.name, m.group) for m in members}
    bonus_before: dict[str, int] = {}  # counted bonus before the period (for the cap)
    bonus_within: dict[str, int] = {}
    for entry in counted:
        row = rows.get(entry.unit)
        if row is None or entry.quarter > quarter or entry.kind == NOTE:
            continue
        if entry.kind == BONUS:
            into = bonus_before if entry.quarter < first else bonus_within
            into[entry.unit] = into.get(entry.unit, 0) + entry.cents
            if entry.quarter >= first:
                row.entries += entry.count
            continue
        if entry.quarter < first:
            continue
        row.deductions += entry.cents
        row.by_dimension[entry.dimension] = row.by_dimension.get(entry.dimension, 0) + entry.cents
        row.entries += entry.count
    for code, row in rows.items():
        before = bonus_before.get(code, 0)
        row.bonus = capped_bonus([before, bonus_within.get(code, 0)], cap) - capped_bonus([before], cap)
    grouped: dict[str, list[Standing]] = {}
    for member in members:
        grouped.setdefault(member.group, []).append(rows[member.code])
    for group in grouped.values():
        rank_by_net(group)
    return Standings(quarter, year_to_date, list(grouped.items()))


def rank_by_net(group: list[Standing]) -> None:
    """Order a group by net (highest first), then code, and give equal nets the same rank."""
    group.sort(key=lambda s: s.code)
    group.sort(key=lambda s: s.net, reverse=True)
    for index, standing in enumerate(group):
        if index and standing.net == group[index - 1].net:
            standing.rank = group[index - 1].rank
        else:
            standing.rank = index + 1
