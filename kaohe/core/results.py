"""The results engine: from each unit's summed points to percent, adjusted and final score, rank and grade.

The database adds up the scores (one record per unit, `UnitInput`); `compute(units, rules)` does the
rest, following issue 5 and docs/decisions/2026-11-25-results-engine.md:

1. percent = obtained × 100 ÷ maximum (百分制折算), per unit and per dimension; 0 when the maximum is 0.
   A unit with fewer scored than applicable tasks is marked incomplete (unscored items count as 0).
2. adjusted = max(0, percent + bonus − penalty); bonuses are summed, then capped at `rules.bonus_cap`;
   penalties are uncapped.
3. final = Σ weight × component over `rules.components` (weights sum to exactly 1); the "adjusted"
   component is the adjusted score, every other one is taken from `UnitInput.components` (0–100).
4. Ranks inside each ranking group, by the final rounded ROUND_HALF_UP to `rules.rank_places`:
   rank = 1 + the number of units of the group with a strictly greater rounded final (1, 2, 2, 4);
   ties are listed by unit code.
5. Grades, in this order:
   a. by threshold, comparing the ROUNDED final (the same rounding as ranks), so units that share a rank
      always share a grade and 89.995 counts as 90.00;
   b. the quota on the top grade per group, a hard cap: allowed = floor(share × units in the group) or the
      count; a unit keeps the top grade only if the units with a rounded final at or above its own are no
      more than allowed, so units tied at the boundary all get the next grade;
   c. grade caps (不得评为…等次): the grade becomes no better than the named one; the strictest cap wins;
   d. vetoes (一票否决): the lowest grade.
   The quota is decided before caps and vetoes: a capped or vetoed unit keeps the quota place it took,
   and that place is not passed on to the next unit. Caps and vetoes change the grade only, never the
   score or the rank.

All arithmetic runs in its own 28-digit decimal context (the caller's context does not matter) and is
never rounded: rounding is only for rank and grade comparison and for display (`round_score`).
Rules that cannot be applied, and input that cannot be computed (a missing component value, obtained
above maximum, an unknown grade in a cap, duplicate unit codes), raise `RulesError` listing every
problem in Chinese; `validate_rules` returns the rule problems without raising.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, localcontext
from types import MappingProxyType
from typing import Any

from kaohe.core.points import format_points

PRECISION = 28
"""Significant digits of every computed figure (obtained × 100 ÷ maximum keeps 28 digits)."""

MAX_RANK_PLACES = 10
ADJUSTED = "adjusted"
ADJUSTMENT_KINDS = ("bonus", "penalty", "grade_cap", "veto")
KIND_LABELS = {"bonus": "加分", "penalty": "扣分", "grade_cap": "不得评为好等次", "veto": "一票否决"}

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_CONTEXT = Context(prec=PRECISION)  # passed explicitly where the caller's context must not matter
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(MAX_RANK_PLACES + 1)}


class RulesError(ValueError):
    """Rules that cannot be applied, or units that cannot be computed with them; `problems` lists each."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: tuple[str, ...] = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("；".join(self.problems))


def _decimal(value: Any, what: str) -> Decimal:
    """Decimal as is, int converted; floats (and anything else) refused, as everywhere in the core."""
    if type(value) is Decimal and value.is_finite():  # the common case, first
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"{what}不是有限数：{value}")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"{what}必须是十进制数（Decimal），不能是{type(value).__name__}：{value!r}")


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


# -- the rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeBand:
    """A grade; grades are listed best first and the last one has threshold 0."""

    name: str  # e.g. "好"
    threshold: Decimal  # a rounded final >= threshold gets this grade (before quota, cap and veto)

    def __post_init__(self) -> None:
        _set(self, "threshold", _decimal(self.threshold, f"等次“{self.name}”的分数线"))


@dataclass(frozen=True)
class Quota:
    """A hard cap on the top grade per ranking group: a share (0 < share <= 1, rounded down) or a count."""

    share: Decimal | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        if self.share is not None:
            _set(self, "share", _decimal(self.share, "名额比例"))

    def allowed(self, group_size: int) -> int:
        """How many units of a group of `group_size` may get the top grade."""
        if self.count is not None:
            return self.count
        assert self.share is not None
        with localcontext(Context(prec=PRECISION)):
            return int((self.share * group_size).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class Component:
    """One part of the final score: final = Σ weight × component."""

    key: str  # "adjusted" is the adjusted indicator score; others are entered per unit (0–100)
    label: str
    weight: Decimal

    def __post_init__(self) -> None:
        _set(self, "weight", _decimal(self.weight, f"“{self.label}”的权重"))


DEFAULT_GRADES = (GradeBand("好", Decimal(90)), GradeBand("较好", Decimal(80)),
                  GradeBand("一般", Decimal(60)), GradeBand("差", Decimal(0)))


@dataclass(frozen=True)
class Rules:
    """How a cycle's results are computed; every field has the default of issue 5."""

    components: tuple[Component, ...] = (Component(ADJUSTED, "调整后得分", Decimal(1)),)
    bonus_cap: Decimal = Decimal(5)
    grades: tuple[GradeBand, ...] = DEFAULT_GRADES
    top_quota: Quota | None = None
    rank_places: int = 2  # ranks (and grades) compare final scores rounded ROUND_HALF_UP to this

    def __post_init__(self) -> None:
        _set(self, "components", tuple(self.components))
        _set(self, "grades", tuple(self.grades))
        _set(self, "bonus_cap", _decimal(self.bonus_cap, "加分上限"))


def validate_rules(rules: Rules) -> list[str]:
    """Every problem that keeps `rules` from being applied, as Chinese messages; [] when they are fine."""
    problems: list[str] = []

    if not rules.components:
        problems.append("没有设置任何得分组成部分（默认只有调整后得分，权重为1）。")
    else:
        seen: set[str] = set()
        for component in rules.components:
            name = component.label or component.key
            if not component.key.strip():
                problems.append(f"得分组成部分“{name}”没有键。")
            elif component.key in seen:
                problems.append(f"得分组成部分的键“{component.key}”重复。")
            seen.add(component.key)
            if component.weight < 0:
                problems.append(f"“{name}”的权重不能为负数，现为{format_points(component.weight)}。")
        total = sum((c.weight for c in rules.components), Decimal(0))
        if total != 1:
            problems.append(f"各得分组成部分的权重之和应恰好为1，现为{format_points(total)}。")

    if rules.bonus_cap < 0:
        problems.append(f"加分上限不能为负数，现为{format_points(rules.bonus_cap)}。")

    if not isinstance(rules.rank_places, int) or isinstance(rules.rank_places, bool):
        problems.append(f"排名比较的小数位数应为整数，现为{rules.rank_places!r}。")
    elif rules.rank_places < 0:
        problems.append(f"排名比较的小数位数不能为负数，现为{rules.rank_places}。")
    elif rules.rank_places > MAX_RANK_PLACES:
        problems.append(f"排名比较的小数位数不能超过{MAX_RANK_PLACES}，现为{rules.rank_places}。")

    grades = rules.grades
    if not grades:
        problems.append("没有设置任何等次。")
    names: set[str] = set()
    for index, band in enumerate(grades, start=1):
        if not band.name.strip():
            problems.append(f"第{index}个等次的名称为空。")
        elif band.name in names:
            problems.append(f"等次名称“{band.name}”重复。")
        names.add(band.name)
    for previous, band in zip(grades, grades[1:], strict=False):
        if band.threshold >= previous.threshold:
            problems.append(f"等次分数线应从高到低严格递减：“{band.name}”的分数线"
                            f"{format_points(band.threshold)}不低于“{previous.name}”的"
                            f"{format_points(previous.threshold)}。")
    if grades and grades[-1].threshold != 0:
        problems.append(f"最后一个等次“{grades[-1].name}”的分数线应为0，现为{format_points(grades[-1].threshold)}。")

    quota = rules.top_quota
    if quota is not None:
        if quota.share is None and quota.count is None:
            problems.append("好等次名额限制应设置比例或个数。")
        elif quota.share is not None and quota.count is not None:
            problems.append("好等次名额限制只能按比例或按个数设置其中一种。")
        elif quota.share is not None and not 0 < quota.share <= 1:
            problems.append(f"名额比例应大于0且不超过1（100%），现为{format_points(quota.share)}。")
        elif quota.count is not None and (not isinstance(quota.count, int) or isinstance(quota.count, bool)):
            problems.append(f"名额个数应为整数，现为{quota.count!r}。")
        elif quota.count is not None and quota.count < 0:
            problems.append(f"名额个数不能为负数，现为{quota.count}。")
        if len(grades) < 2:
            problems.append("设置名额限制至少需要两个等次。")
    return problems


# -- the input -------------------------------------------------------------------------------------
# The records in and out are slotted dataclasses, not frozen ones: a cycle of 200,000 units makes
# two million of them, and a frozen dataclass's __init__ costs four times as much. Nothing changes
# them after they are made.


@dataclass(slots=True)
class DimensionSum:
    """A unit's sums under one dimension (一级指标), over the items that apply to it."""

    code: str
    title: str
    obtained: Decimal
    maximum: Decimal

    def __post_init__(self) -> None:
        if type(self.obtained) is not Decimal or type(self.maximum) is not Decimal:
            _set(self, "obtained", _decimal(self.obtained, f"“{self.title}”的得分"))
            _set(self, "maximum", _decimal(self.maximum, f"“{self.title}”的满分"))
        elif not (self.obtained.is_finite() and self.maximum.is_finite()):
            _decimal(self.obtained, f"“{self.title}”的得分")
            _decimal(self.maximum, f"“{self.title}”的满分")


@dataclass(frozen=True)
class Adjustment:
    """An adjustment outside the indicator tree; the reason is required, the document recommended."""

    kind: str  # "bonus" | "penalty" | "grade_cap" | "veto"
    points: Decimal  # bonus/penalty points, >= 0 (0 for grade_cap and veto)
    reason: str
    document: str = ""
    cap: str = ""  # for grade_cap: the best grade the unit may get

    def __post_init__(self) -> None:
        if self.kind not in ADJUSTMENT_KINDS:
            raise RulesError(f"未知的调整类型“{self.kind}”，应为{'、'.join(ADJUSTMENT_KINDS)}之一。")
        label = KIND_LABELS[self.kind]
        points = _decimal(self.points, f"{label}的分值")
        _set(self, "points", points)
        if not self.reason.strip():
            raise RulesError(f"{label}必须写明理由。")
        if points < 0:
            raise RulesError(f"{label}的分值不能为负数（扣分请用正数表示扣去的分值）：{format_points(points)}。")
        if self.kind in ("grade_cap", "veto") and points != 0:
            raise RulesError(f"{label}不计分值，分值应为0，现为{format_points(points)}。")
        if self.kind == "grade_cap" and not self.cap.strip():
            raise RulesError("不得评为好等次的调整须写明最高可评的等次。")


_NO_COMPONENTS: Mapping[str, Decimal] = MappingProxyType({})


@dataclass(slots=True)
class UnitInput:
    """One unit's summed points, as the database delivers them, with its adjustments and components."""

    code: str
    name: str
    group: str  # the ranking group: 县(市) / 城市区 / 功能区 / 市直单位 …
    obtained: Decimal  # sum over the unit's applicable items (unscored = 0)
    maximum: Decimal  # sum of those items' maxima
    tasks: int  # applicable items
    scored: int  # of which scored; scored < tasks → incomplete
    dimensions: tuple[DimensionSum, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    components: Mapping[str, Decimal] = field(default_factory=dict, hash=False)  # other components, 0–100

    def __post_init__(self) -> None:
        # a few hundred thousand units per cycle: convert only what is not already as stored
        if type(self.obtained) is not Decimal or not self.obtained.is_finite():
            _set(self, "obtained", _decimal(self.obtained, f"{self.name}（{self.code}）的得分"))
        if type(self.maximum) is not Decimal or not self.maximum.is_finite():
            _set(self, "maximum", _decimal(self.maximum, f"{self.name}（{self.code}）的满分"))
        if type(self.dimensions) is not tuple:
            _set(self, "dimensions", tuple(self.dimensions))
        if type(self.adjustments) is not tuple:
            _set(self, "adjustments", tuple(self.adjustments))
        if self.components:
            who = f"{self.name}（{self.code}）"
            _set(self, "components", {k: _decimal(v, f"{who}的“{k}”") for k, v in self.components.items()})
        else:
            _set(self, "components", _NO_COMPONENTS)  # one for all, not an empty dict per unit


# -- the output ------------------------------------------------------------------------------------


@dataclass(slots=True)
class DimensionResult:
    code: str
    title: str
    obtained: Decimal
    maximum: Decimal
    percent: Decimal  # obtained × 100 ÷ maximum, full precision; 0 when maximum is 0


@dataclass(slots=True)
class UnitResult:
    code: str
    name: str
    group: str
    obtained: Decimal
    maximum: Decimal
    percent: Decimal  # obtained × 100 ÷ maximum, full precision; 0 when maximum is 0
    dimensions: tuple[DimensionResult, ...]
    bonus: Decimal  # after the cap
    penalty: Decimal
    adjusted: Decimal  # max(0, percent + bonus − penalty)
    components: Mapping[str, Decimal] = field(hash=False)  # key → the value used, "adjusted" included
    final: Decimal  # Σ weight × component, full precision
    rank: int  # inside the group: 1 + units with a strictly greater rounded final (1, 2, 2, 4)
    grade: str
    complete: bool  # every applicable item scored
    explanation: tuple[str, ...]  # why the grade is what it is (quota, cap, veto …), in Chinese


def round_score(value: Decimal, places: int = 2) -> Decimal:
    """A score as displayed and compared for rank and grade: ROUND_HALF_UP to `places` decimals."""
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=ROUND_HALF_UP, context=_CONTEXT)


# -- the computation -------------------------------------------------------------------------------


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while hundreds of thousands of result objects are
    made: they hold no cycles, yet each collection walks all of them (a third of the time of a
    200,000-unit cycle). Restored afterwards, also on error."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _sums_problems(who: str, what: str, obtained: Decimal, maximum: Decimal) -> list[str]:
    if maximum < 0:
        return [f"{who}{what}的满分不能为负数：{format_points(maximum)}。"]
    if obtained < 0:
        return [f"{who}{what}的得分不能为负数：{format_points(obtained)}。"]
    if obtained > maximum:
        return [f"{who}{what}的得分{format_points(obtained)}超过满分{format_points(maximum)}。"]
    return []


@dataclass(slots=True)
class _Scored:
    """A unit's figures before ranking; the UnitResult is made once rank and grade are known.
    Private; `_score` makes it and only `rounded` is set later, when its group is ranked. Not
    frozen, because a frozen dataclass's `__init__` is several times slower. It keeps what the
    result takes from the input, not the input itself, so an input given by an iterator is freed
    once scored."""

    code: str
    name: str
    group: str
    obtained: Decimal
    maximum: Decimal
    percent: Decimal
    dimensions: tuple[DimensionResult, ...]
    bonus: Decimal
    penalty: Decimal
    adjusted: Decimal
    components: dict[str, Decimal]
    final: Decimal
    complete: bool
    rounded: Decimal  # the final as ranked: set when its group is ranked (until then 0), so the
    # rounded values of only one group exist at a time
    notes: tuple[str, ...]  # explanation sentences about the score
    caps: tuple[tuple[int, Adjustment], ...]  # (index of the capped grade, adjustment)
    vetoes: tuple[Adjustment, ...]


def _score(unit: UnitInput, rules: Rules, grade_index: Mapping[str, int], problems: list[str],
           shared: dict[int, tuple[DimensionSum, DimensionResult]],
           percents: dict[tuple[Decimal, Decimal], Decimal]) -> _Scored:
    """`shared`: id of a DimensionSum → (the sum, its result), for this computation; holding the sum
    keeps its id from being reused by another object once the unit that gave it is freed.
    `percents`: (obtained, maximum) → the percent, one Decimal for the units with equal sums (at
    scale a few hundred distinct pairs)."""
    obtained, maximum = unit.obtained, unit.maximum
    if maximum < _ZERO or obtained < _ZERO or obtained > maximum:
        problems.extend(_sums_problems(f"{unit.name}（{unit.code}）", "", obtained, maximum))
    if unit.tasks < 0 or unit.scored < 0 or unit.scored > unit.tasks:
        problems.append(f"{unit.name}（{unit.code}）的已评项数{unit.scored}与适用项数{unit.tasks}不合理。")
    notes: list[str] = []
    complete = unit.scored >= unit.tasks
    if not complete:
        notes.append(f"评分未完成（已评{unit.scored}/共{unit.tasks}项）")
    if not maximum:
        notes.append("没有适用的考核内容（满分为0），指标得分按0分计")

    dimensions = []
    for d in unit.dimensions:
        known = shared.get(id(d))  # units that share a DimensionSum share its result
        if known is not None:
            result = known[1]
        else:
            result = DimensionResult(d.code, d.title, d.obtained, d.maximum,
                                     d.obtained * _HUNDRED / d.maximum if d.maximum else _ZERO)
            if d.maximum < _ZERO or d.obtained < _ZERO or d.obtained > d.maximum:  # never shared: each unit reports it
                problems.extend(_sums_problems(f"{unit.name}（{unit.code}）", f"“{d.title}”", d.obtained, d.maximum))
            else:
                shared[id(d)] = (d, result)
        dimensions.append(result)
    percent = percents.get((obtained, maximum))
    if percent is None:
        percent = percents[(obtained, maximum)] = obtained * _HUNDRED / maximum if maximum else _ZERO

    caps = []
    vetoes = []
    cap_problems = []  # reported after the components', as always
    if unit.adjustments:
        bonuses = penalty = _ZERO
        for adjustment in unit.adjustments:
            if adjustment.kind == "bonus":
                bonuses += adjustment.points
            elif adjustment.kind == "penalty":
                penalty += adjustment.points
            elif adjustment.kind == "grade_cap":
                if adjustment.cap not in grade_index:
                    cap_problems.append(f"{unit.name}（{unit.code}）的等次限制“{adjustment.cap}”不是已设置的等次"
                                    f"（{'、'.join(grade_index)}）。")
                else:
                    caps.append((grade_index[adjustment.cap], adjustment))
            else:
                vetoes.append(adjustment)
        bonus = min(bonuses, rules.bonus_cap)
        if bonuses > bonus:
            notes.append(f"加分合计{format_points(bonuses)}分，超过上限，按{format_points(bonus)}分计")
        raw = percent + bonus - penalty
        adjusted = max(raw, _ZERO)
        if raw < 0:
            notes.append("扣分后得分低于0分，按0分计")
    else:
        bonus = penalty = _ZERO
        adjusted = percent

    components: dict[str, Decimal] = {}
    final = _ZERO
    for component in rules.components:
        if component.key == ADJUSTED:
            value = adjusted
        else:
            value = unit.components.get(component.key)
            if value is None:
                problems.append(f"{unit.name}（{unit.code}）缺少“{component.label}”（{component.key}）的分值。")
                value = _ZERO
            elif not 0 <= value <= 100:
                problems.append(f"{unit.name}（{unit.code}）的“{component.label}”（{component.key}）应在0到100之间，"
                                f"现为{format_points(value)}。")
        components[component.key] = value
        final += component.weight * value
    if final == adjusted:  # the usual single component at weight 1: one Decimal, not two equal ones
        final = adjusted
    problems.extend(cap_problems)

    return _Scored(unit.code, unit.name, unit.group, obtained, maximum, percent, tuple(dimensions), bonus,
                   penalty, adjusted, components, final, complete, _ZERO, tuple(notes), tuple(caps), tuple(vetoes))


def _source(adjustment: Adjustment) -> str:
    reason = adjustment.reason.strip()
    return f"{reason}（{adjustment.document.strip()}）" if adjustment.document.strip() else reason


def _rank_and_grade(members: list[_Scored], rules: Rules) -> list[UnitResult]:
    """The group's results in rank order. Empties `members` and drops each record once its result
    is made (at scale the records and the results would otherwise all be held at once)."""
    for member in members:
        member.rounded = round_score(member.final, rules.rank_places)
    ordered = sorted(members, key=lambda s: (-s.rounded, s.code))
    members.clear()
    ranks: list[int] = []
    for position, scored in enumerate(ordered):
        tied_with_previous = position > 0 and scored.rounded == ordered[position - 1].rounded
        ranks.append(ranks[-1] if tied_with_previous else position + 1)
    ties = Counter(s.rounded for s in ordered)

    grades = rules.grades
    names = [g.name for g in grades]
    last = len(grades) - 1
    quota = rules.top_quota
    allowed = quota.allowed(len(ordered)) if quota is not None else None
    if quota is not None and quota.share is not None:
        basis = f"（本组{len(ordered)}个单位×{format_points(quota.share * _HUNDRED)}%，向下取整）"
    else:
        basis = ""

    thresholds = [g.threshold for g in grades]
    results = []
    for position, rank in enumerate(ranks):
        scored = ordered[position]
        ordered[position] = None  # type: ignore[call-overload]
        notes = list(scored.notes)
        rounded = scored.rounded
        index = last
        for i, threshold in enumerate(thresholds):
            if rounded >= threshold:
                index = i
                break
        # the top-grade units are the top of the ordered group, so rank + ties − 1 of them are at or above
        if index == 0 and allowed is not None and rank + ties[rounded] - 1 > allowed:
            index = 1
            tied = ties[rounded]
            who = f"并列第{rank}名的{tied}个单位均" if tied > 1 else f"第{rank}名"
            notes.append(f"名额限制：{names[0]}等次限{allowed}个{basis}，{who}评为{names[1]}")
        if scored.caps:
            for cap_index, adjustment in sorted(scored.caps, key=lambda c: c[0]):
                if cap_index > index:
                    notes.append(f"不得评为{'、'.join(names[:cap_index])}等次：{_source(adjustment)}")
            index = max([index] + [cap_index for cap_index, _ in scored.caps])
        for adjustment in scored.vetoes:
            index = last
            notes.append(f"一票否决：{_source(adjustment)}")
        results.append(UnitResult(
            scored.code, scored.name, scored.group, scored.obtained, scored.maximum, scored.percent, scored.dimensions,
            scored.bonus, scored.penalty, scored.adjusted, scored.components, scored.final, rank, names[index],
            scored.complete, tuple(notes)))
    return results


def compute(units: Iterable[UnitInput], rules: Rules) -> list[UnitResult]:
    """Every unit's result under `rules`, by group (first appearance), then rank, then unit code.
    `units` is read once: give an iterator and each input is freed once scored (at 200,000 units
    the inputs would otherwise all be held until every result exists).

    Raises `RulesError` with every problem when the rules are invalid or a unit cannot be computed.
    """
    problems = validate_rules(rules)
    if problems:
        raise RulesError(problems)
    grade_index = {g.name: i for i, g in enumerate(rules.grades)}
    with localcontext(Context(prec=PRECISION)), paused_gc():
        shared: dict[int, tuple[DimensionSum, DimensionResult]] = {}
        percents: dict[tuple[Decimal, Decimal], Decimal] = {}
        scored = [_score(unit, rules, grade_index, problems, shared, percents) for unit in units]
        del shared, percents
        counts = Counter(item.code for item in scored)
        duplicates = [code for code, n in counts.items() if n > 1]
        if duplicates:
            problems.insert(0, f"单位编码重复：{'、'.join(duplicates)}。")
        if problems:
            raise RulesError(problems)
        groups: dict[str, list[_Scored]] = {}
        for item in scored:
            groups.setdefault(item.group, []).append(item)
        scored.clear()  # from here each intermediate record is dropped once its result is made
        results: list[UnitResult] = []
        for group in list(groups):
            results += _rank_and_grade(groups.pop(group), rules)
        return results


__all__ = [
    "ADJUSTED", "Adjustment", "Component", "DimensionResult", "DimensionSum", "GradeBand", "Quota",
    "Rules", "RulesError", "UnitInput", "UnitResult", "compute", "paused_gc", "round_score", "validate_rules",
]
