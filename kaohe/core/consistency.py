"""Scoring consistency: departments whose scores tell units apart measurably less than their peers'
(issues 5 and 14; the method: docs/decisions/2026-12-06-leaders-overview.md).

`analyse(departments)` takes, per department, its items' maxima and, per unit, the points given per item
(None = unscored), and returns per department:

- tasks (unit × item pairs) and scored (those with points), full marks (scored items at the item's maximum)
  and full_marks_share = full marks ÷ scored (None when nothing is scored);
- per unit: obtained (scored points), maximum (the unit's items of this department), percent =
  obtained × 100 ÷ maximum (0 when the maximum is 0; unscored items count as 0) and complete;
- **discrimination** (区分度), how far apart the department's scores put the units: for each of its items
  scored for at least `min_units` units (default 3), the population standard deviation of those units'
  scores as a percent of the item's maximum; their mean weighted by the items' maxima. Percent points,
  0 when every unit gets the same points on every item. Per item, so a department that scores many
  items is not made to look uniform by averaging, nor one with few items to look discriminating by
  their coarse steps; weighted by points, so that a 0.5-point item weighs what it is worth. None when
  no item has `min_units` scored units (the department is not measured);
- **reference**: the median discrimination of the other measured departments (its peers), None
  without peers;
- **the flag**, at most one, each worded once:
  `uniform` "各单位每项得分都相同" — discrimination 0: no unit told apart on any item;
  `low` "区分度x，低于其他部门中位数y的50%" — discrimination < `ratio` (default ½) × reference;
- notes, not flags: identical patterns — groups of ≥ 2 complete units whose (item, points) vectors are
  identical — summed up once ("2组单位各项得分完全相同（共12个单位）"), each group listed.

Full-marks share and identical patterns are shown beside the flag, but flag nothing: a department
whose units all do well gives many full marks rightly, and units with few items often tie.

Pure: no Django, Decimal only (floats are refused), frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from kaohe.core.messages import Text, gettext_noop
from kaohe.core.points import as_decimal, rounded_points

PRECISION = 28
DEFAULT_RATIO = Decimal("0.5")
DEFAULT_MIN_UNITS = 3

UNIFORM = "uniform"
LOW = "low"
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
class Finding:
    code: str  # uniform, low, identical
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
    discrimination: Decimal | None
    items_measured: int
    reference: Decimal | None
    flag: Finding | None
    identical: tuple[tuple[str, ...], ...]
    notes: tuple[Finding, ...]

    @property
    def flagged(self) -> bool:
        return self.flag is not None

    @property
    def flags(self) -> tuple[Finding, ...]:
        return () if self.flag is None else (self.flag,)


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The middle value (the mean of the two middle ones for an even count); None for none."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def population_std_dev(values: Sequence[Decimal]) -> Decimal:
    mean = sum(values, Decimal(0)) / len(values)
    return (sum(((v - mean) ** 2 for v in values), Decimal(0)) / len(values)).sqrt()


def discrimination(maxima: Mapping[str, Decimal], units: Mapping[str, Mapping[str, Decimal | None]],
                   min_units: int = DEFAULT_MIN_UNITS) -> tuple[Decimal | None, int]:
    """(the discrimination of these scores, how many items it measured): see the module docstring."""
    weighted = weights = Decimal(0)
    measured = 0
    for item, maximum in maxima.items():
        if maximum <= 0:
            continue
        given = [points for scores in units.values() if (points := scores.get(item)) is not None]
        if len(given) < max(min_units, 2):
            continue
        weighted += population_std_dev(given) * _HUNDRED  # = maximum × SD of the percents, exactly 0 for equal points
        weights += maximum
        measured += 1
    return (weighted / weights if measured else None), measured


def is_low(value: Decimal, reference: Decimal | None, ratio: Decimal) -> bool:
    """Whether a department's discrimination is measurably below its peers': under `ratio` × their median."""
    return reference is not None and value < ratio * reference


@dataclass(frozen=True)
class _Counted:
    tasks: int
    scored: int
    full: int
    units: tuple[UnitPercent, ...]
    identical: tuple[tuple[str, ...], ...]
    maxima: dict[str, Decimal]
    given: dict[str, dict[str, Decimal | None]]


def _count(dept: DepartmentInput) -> _Counted:
    maxima = {item: as_decimal(m, f"“{dept.name}”指标{item}的分值") for item, m in dept.maxima.items()}
    order = {item: i for i, item in enumerate(maxima)}
    tasks = scored = full = 0
    units: list[UnitPercent] = []
    patterns: dict[tuple[tuple[str, Decimal], ...], list[str]] = {}
    checked: dict[str, dict[str, Decimal | None]] = {}
    for unit, given in dept.units.items():
        unknown = [item for item in given if item not in maxima]
        if unknown:
            raise ValueError(f"“{dept.name}”没有指标{'、'.join(unknown)}（单位{unit}）")
        obtained = maximum = Decimal(0)
        complete = True
        vector: list[tuple[str, Decimal]] = []
        checked[unit] = {}
        for item in sorted(given, key=order.__getitem__):
            tasks += 1
            maximum += maxima[item]
            raw = given[item]
            if raw is None:
                complete = False
                checked[unit][item] = None
                continue
            points = as_decimal(raw, f"单位{unit}指标{item}的得分")
            if points < 0 or points > maxima[item]:
                raise ValueError(f"单位{unit}指标{item}的得分{points}不在0到{maxima[item]}之间")
            checked[unit][item] = points
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
    identical = tuple(tuple(group) for group in patterns.values() if len(group) >= 2)
    return _Counted(tasks, scored, full, tuple(units), identical, maxima, checked)


def _identical_note(groups: tuple[tuple[str, ...], ...]) -> tuple[Finding, ...]:
    if not groups:
        return ()
    units = tuple(u for group in groups for u in group)
    if len(groups) == 1:
        return (Finding(IDENTICAL, Text.of(gettext_noop("%(units)s个单位各项得分完全相同"), units=len(units)), units),)
    return (Finding(IDENTICAL, Text.of(gettext_noop("%(groups)s组单位各项得分完全相同（共%(units)s个单位）"),
                                       groups=len(groups), units=len(units)), units),)


def analyse(departments: Iterable[DepartmentInput], *, ratio: Decimal = DEFAULT_RATIO,
            min_units: int = DEFAULT_MIN_UNITS) -> tuple[DepartmentConsistency, ...]:
    """Each department's consistency, in input order (see the module docstring)."""
    ratio = as_decimal(ratio, "提示比例")
    with localcontext(Context(prec=PRECISION)):
        inputs = list(departments)
        counted = [_count(d) for d in inputs]
        measured = [discrimination(c.maxima, c.given, min_units) for c in counted]
        results = []
        for index, (dept, count, (value, items)) in enumerate(zip(inputs, counted, measured, strict=True)):
            peers = [v for i, (v, _) in enumerate(measured) if i != index and v is not None]
            reference = median(peers)
            flag = None
            if value is not None and value == 0:
                flag = Finding(UNIFORM, Text.of(gettext_noop("各单位每项得分都相同")))
            elif value is not None and reference is not None and is_low(value, reference, ratio):
                flag = Finding(LOW, Text.of(gettext_noop("区分度%(value)s，低于其他部门中位数%(median)s的%(ratio)s%%"),
                                            value=rounded_points(value), median=rounded_points(reference),
                                            ratio=rounded_points(ratio * _HUNDRED)))
            share = Decimal(count.full) / Decimal(count.scored) if count.scored else None
            results.append(DepartmentConsistency(
                dept.code, dept.name, count.tasks, count.scored, count.full, share, count.units, value, items,
                reference, flag, count.identical, _identical_note(count.identical)))
        return tuple(results)


def flagged_first(results: Iterable[DepartmentConsistency]) -> list[DepartmentConsistency]:
    """Flagged departments first, each part in its original order."""
    return sorted(results, key=lambda r: not r.flagged)
