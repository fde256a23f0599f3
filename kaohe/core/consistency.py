"""Scoring consistency: departments that do not tell units apart (issue 5).

`analyse(departments)` takes, per department, its items' maxima and, per unit, the points given per item
(None = unscored), and returns per department:

- tasks (unit × item pairs) and scored (those with points), full marks (scored items at the item's maximum)
  and full_marks_share = full marks ÷ scored (None when nothing is scored);
- per unit: obtained (scored points), maximum (the unit's items of this department), percent =
  obtained × 100 ÷ maximum (0 when the maximum is 0; unscored items count as 0) and complete;
- the spread of the percents of the COMPLETE units (every item of the department scored): range (max − min)
  and the population standard deviation √(Σ(p − mean)² ÷ n), computed with Decimal sqrt in a 28-digit
  context; None when no unit is complete;
- identical patterns: groups of ≥ 2 complete units whose (item, points) vectors over the department's
  items are identical (same items, same points), units and groups in input order;
- flags, each with a Chinese message:
  `full-marks`  "满分比例过高（x%）"          full_marks_share ≥ `full_marks_threshold` (default 0.9);
  `narrow`      "各单位得分差异很小（极差y分）"  range < `min_range` (default 2 percent points) with at least
                `min_units` (default 3) complete units;
  `identical`   "n个单位得分完全相同"          one per identical pattern, with its units.

Pure: no Django, Decimal only (floats are refused), frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from kaohe.core.messages import Text, gettext_noop
from kaohe.core.points import as_decimal, rounded_points

PRECISION = 28
DEFAULT_FULL_MARKS_THRESHOLD = Decimal("0.9")
DEFAULT_MIN_RANGE = Decimal(2)
DEFAULT_MIN_UNITS = 3

FULL_MARKS = "full-marks"
NARROW = "narrow"
IDENTICAL = "identical"

_HUNDRED = Decimal(100)




@dataclass(frozen=True)
class DepartmentInput:
    """One department: `maxima` item code → maximum, in item order; `units` unit code → item code →
    points (None = unscored), in unit order; a unit lists only the items that apply to it."""

    code: str
    name: str
    maxima: Mapping[str, Decimal]
    units: Mapping[str, Mapping[str, Decimal | None]]


@dataclass(frozen=True)
class UnitPercent:
    unit: str
    obtained: Decimal
    maximum: Decimal
    percent: Decimal
    complete: bool


@dataclass(frozen=True)
class Flag:
    code: str  # full-marks, narrow, identical
    message: str  # in Chinese, a Text a page can translate (kaohe.core.messages)
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class DepartmentConsistency:
    code: str
    name: str
    tasks: int
    scored: int
    full_marks: int
    full_marks_share: Decimal | None
    units: tuple[UnitPercent, ...]
    range: Decimal | None
    std_dev: Decimal | None
    identical: tuple[tuple[str, ...], ...]
    flags: tuple[Flag, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def complete_units(self) -> int:
        return sum(1 for u in self.units if u.complete)


def _department(dept: DepartmentInput, full_marks_threshold: Decimal, min_range: Decimal,
                min_units: int) -> DepartmentConsistency:
    maxima = {item: as_decimal(m, f"“{dept.name}”指标{item}的分值") for item, m in dept.maxima.items()}
    order = {item: i for i, item in enumerate(maxima)}
    tasks = scored = full = 0
    units: list[UnitPercent] = []
    patterns: dict[tuple[tuple[str, Decimal], ...], list[str]] = {}
    for unit, given in dept.units.items():
        unknown = [item for item in given if item not in maxima]
        if unknown:
            raise ValueError(f"“{dept.name}”没有指标{'、'.join(unknown)}（单位{unit}）")
        obtained = maximum = Decimal(0)
        complete = True
        vector: list[tuple[str, Decimal]] = []
        for item in sorted(given, key=order.__getitem__):
            tasks += 1
            maximum += maxima[item]
            raw = given[item]
            if raw is None:
                complete = False
                continue
            points = as_decimal(raw, f"单位{unit}指标{item}的得分")
            if points < 0 or points > maxima[item]:
                raise ValueError(f"单位{unit}指标{item}的得分{points}不在0到{maxima[item]}之间")
            scored += 1
            full += points == maxima[item]
            obtained += points
            vector.append((item, points))
        if not given:
            continue
        percent = obtained * _HUNDRED / maximum if maximum else Decimal(0)
        units.append(UnitPercent(unit, obtained, maximum, percent, complete))
        if complete:
            patterns.setdefault(tuple(vector), []).append(unit)

    share = Decimal(full) / Decimal(scored) if scored else None
    percents = [u.percent for u in units if u.complete]
    spread = std_dev = None
    if percents:
        spread = max(percents) - min(percents)
        mean = sum(percents, Decimal(0)) / len(percents)
        std_dev = (sum(((p - mean) ** 2 for p in percents), Decimal(0)) / len(percents)).sqrt()
    identical = tuple(tuple(group) for group in patterns.values() if len(group) >= 2)

    flags: list[Flag] = []
    if share is not None and share >= full_marks_threshold:
        flags.append(Flag(FULL_MARKS, Text.of(gettext_noop("满分比例过高（%(share)s%%）"),
                                               share=rounded_points(share * _HUNDRED))))
    if spread is not None and len(percents) >= min_units and spread < min_range:
        flags.append(Flag(NARROW, Text.of(gettext_noop("各单位得分差异很小（极差%(spread)s分）"),
                                          spread=rounded_points(spread))))
    flags.extend(Flag(IDENTICAL, Text.of(gettext_noop("%(count)s个单位得分完全相同"), count=len(group)), group)
                 for group in identical)
    return DepartmentConsistency(dept.code, dept.name, tasks, scored, full, share, tuple(units), spread,
                                 std_dev, identical, tuple(flags))


def analyse(departments: Iterable[DepartmentInput], *,
            full_marks_threshold: Decimal = DEFAULT_FULL_MARKS_THRESHOLD,
            min_range: Decimal = DEFAULT_MIN_RANGE,
            min_units: int = DEFAULT_MIN_UNITS) -> tuple[DepartmentConsistency, ...]:
    """Each department's consistency, in input order (see the module docstring)."""
    threshold = as_decimal(full_marks_threshold, "满分比例阈值")
    narrow = as_decimal(min_range, "极差阈值")
    with localcontext(Context(prec=PRECISION)):
        return tuple(_department(d, threshold, narrow, min_units) for d in departments)


def flagged_first(results: Iterable[DepartmentConsistency]) -> list[DepartmentConsistency]:
    """Flagged departments first, each part in its original order."""
    return sorted(results, key=lambda r: not r.flagged)
