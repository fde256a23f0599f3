"""The results' rules: components and weights, the bonus cap, grades, the top-grade quota and the
ranking places (`Rules`), checked by `validate_rules`; `RulesError` for what cannot be applied."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal, localcontext

from kaohe.core.messages import Text, gettext_noop
from kaohe.core.points import as_decimal, format_points

PRECISION = 28
"""Significant digits of every computed figure (obtained × 100 ÷ maximum keeps 28 digits)."""

MAX_RANK_PLACES = 10
ADJUSTED = "adjusted"
ADJUSTMENT_KINDS = ("bonus", "penalty", "grade_cap", "veto")
KIND_LABELS = {"bonus": gettext_noop("加分"), "penalty": gettext_noop("扣分"),
               "grade_cap": gettext_noop("不得评为好等次"), "veto": gettext_noop("一票否决")}


def reason_problem(kind: str, reason: str) -> Text | None:
    """An adjustment needs a reason (the one rule: the core's records and the results service ask it)."""
    if reason.strip():
        return None
    return Text.of(gettext_noop("%(kind)s必须写明理由。"), kind=Text(KIND_LABELS.get(kind, gettext_noop("调整"))))



class RulesError(ValueError):
    """Rules that cannot be applied, or units that cannot be computed with them; `problems` lists each."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: tuple[str, ...] = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("；".join(self.problems))


def set_field(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


# -- the rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeBand:
    """A grade; grades are listed best first and the last one has threshold 0."""

    name: str  # e.g. "好"
    threshold: Decimal  # a rounded final >= threshold gets this grade (before quota, cap and veto)

    def __post_init__(self) -> None:
        set_field(self, "threshold", as_decimal(self.threshold, f"等次“{self.name}”的分数线"))


@dataclass(frozen=True)
class Quota:
    """A hard cap on the top grade per ranking group: a share (0 < share <= 1, rounded down) or a count."""

    share: Decimal | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        if self.share is not None:
            set_field(self, "share", as_decimal(self.share, "名额比例"))

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
        set_field(self, "weight", as_decimal(self.weight, f"“{self.label}”的权重"))


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
        set_field(self, "components", tuple(self.components))
        set_field(self, "grades", tuple(self.grades))
        set_field(self, "bonus_cap", as_decimal(self.bonus_cap, "加分上限"))


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
