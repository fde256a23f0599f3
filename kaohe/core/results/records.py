"""The records in and out of the results core: a unit's sums (`UnitInput`, `DimensionSum`), its
adjustments (`Adjustment`), and its result (`UnitResult`, `DimensionResult`).

Inside, sums are integers: `UnitInput.in_hundredths` and `DimensionSum.in_hundredths` take the
integer hundredths the database keeps, and a record made from Decimals keeps their exact integers
beside them. The core computes on a unit's `UnitRow`, a plain tuple of its fields
(`UnitInput.row`): the database side makes rows directly, one tuple per unit and no object
(kaohe.results.sums). Out, every figure is the Decimal it has always been — percent, bonus,
penalty, adjusted and final with 28 significant digits, made by the same Decimal operations as
before the core ran on integers — but made only when it is read (a page, the JSON, a document): the core
decides ranks and grades on exact integers and never needs them. So a cycle of 200,000 units
computes without making a Decimal per unit, and every figure shown is what it was.

The records are slotted classes, not dataclasses: a cycle of 200,000 units makes hundreds of
thousands of them. Nothing changes them once the computation that made them is over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from kaohe.core.points import as_decimal, format_points, from_hundredths
from kaohe.core.results.rules import (
    ADJUSTED,
    ADJUSTMENT_KINDS,
    KIND_LABELS,
    PRECISION,
    Rules,
    RulesError,
    reason_problem,
    set_field,
)

if TYPE_CHECKING:
    from kaohe.core.results.scoring import Run

Figures = tuple[Decimal, Decimal, Decimal, Decimal, Mapping[str, Decimal], Decimal]
# percent, bonus, penalty, adjusted, components, final
Marks = tuple[tuple[tuple[int, "Adjustment"], ...], tuple["Adjustment", ...]]  # grade caps (index), vetoes

HUNDRED = Decimal(100)
ZERO = Decimal(0)
CONTEXT = Context(prec=PRECISION)  # the figures' own context: the caller's does not matter
NO_COMPONENTS: Mapping[str, Decimal] = MappingProxyType({})
_new = object.__new__


UnitRow = tuple[str, str, str, int, int, int, int, tuple["DimensionSum", ...], tuple["Adjustment", ...],
                Mapping[str, Decimal], "tuple[Decimal, Decimal] | None"]
"""A unit as the core computes on it: (code, name, group, obtained, maximum, tasks, scored,
dimensions, adjustments, components, the Decimals the sums were given as or None), the two sums
integers on one scale: hundredths when the last is None."""


def with_components(row: UnitRow, values: Mapping[str, Decimal]) -> UnitRow:
    """The same unit with `values` added to its components (e.g. finals of another cycle)."""
    if not values:
        return row
    return (*row[:9], {**row[9], **values}, row[10])


def scaled_pair(obtained: Decimal, maximum: Decimal) -> tuple[int, int]:
    """Two Decimals as integers on one scale (×10^places): (Decimal("27.5"), Decimal(30)) → (275, 300)."""
    places = max(0, -int(obtained.as_tuple().exponent), -int(maximum.as_tuple().exponent))
    (on, od), (mn, md) = obtained.as_integer_ratio(), maximum.as_integer_ratio()
    return on * 10 ** places // od, mn * 10 ** places // md


def _fields_equal(first: Any, second: Any, names: tuple[str, ...]) -> bool:
    return all(getattr(first, name) == getattr(second, name) for name in names)


# -- in --------------------------------------------------------------------------------------------


class _Sums:
    """Obtained and maximum as integers on one scale (`_o`, `_m`: hundredths when `_decimals` is
    None), and as the Decimals they were given as, if any."""

    __slots__ = ("_o", "_m", "_decimals")
    _o: int
    _m: int
    _decimals: tuple[Decimal, Decimal] | None

    @property
    def obtained(self) -> Decimal:
        return from_hundredths(self._o) if self._decimals is None else self._decimals[0]

    @property
    def maximum(self) -> Decimal:
        return from_hundredths(self._m) if self._decimals is None else self._decimals[1]


class DimensionSum(_Sums):
    """A unit's sums under one dimension (一级指标), over the items that apply to it."""

    __slots__ = ("code", "title", "_result")
    code: str
    title: str
    _result: DimensionResult | None  # kept by the core for the units that share this sum

    def __init__(self, code: str, title: str, obtained: Decimal, maximum: Decimal) -> None:
        obtained = as_decimal(obtained, f"“{title}”的得分")
        maximum = as_decimal(maximum, f"“{title}”的满分")
        self.code, self.title, self._decimals, self._result = code, title, (obtained, maximum), None
        self._o, self._m = scaled_pair(obtained, maximum)

    @classmethod
    def in_hundredths(cls, code: str, title: str, obtained: int, maximum: int) -> DimensionSum:
        """The sums as the database keeps them: integer hundredths of a point."""
        made = _new(cls)
        made.code, made.title, made._o, made._m, made._decimals, made._result = code, title, obtained, maximum, None, None
        return made

    def __repr__(self) -> str:
        return f"DimensionSum({self.code!r}, {self.title!r}, {self.obtained!r}, {self.maximum!r})"


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
        points = as_decimal(self.points, f"{label}的分值")
        set_field(self, "points", points)
        missing = reason_problem(self.kind, self.reason)
        if missing:
            raise RulesError(missing)
        if points < 0:
            raise RulesError(f"{label}的分值不能为负数（扣分请用正数表示扣去的分值）：{format_points(points)}。")
        if self.kind in ("grade_cap", "veto") and points != 0:
            raise RulesError(f"{label}不计分值，分值应为0，现为{format_points(points)}。")
        if self.kind == "grade_cap" and not self.cap.strip():
            raise RulesError("不得评为好等次的调整须写明最高可评的等次。")


class UnitInput(_Sums):
    """One unit's summed points, as the database delivers them, with its adjustments and components
    (other components' values, 0–100). `UnitInput(…)` takes Decimals (or ints, as points);
    `UnitInput.in_hundredths(…)` the integer hundredths the database keeps."""

    __slots__ = ("code", "name", "group", "tasks", "scored", "dimensions", "adjustments", "components")

    def __init__(self, code: str, name: str, group: str, obtained: Decimal, maximum: Decimal, tasks: int,
                 scored: int, dimensions: Iterable[DimensionSum] = (), adjustments: Iterable[Adjustment] = (),
                 components: Mapping[str, Decimal] | None = None) -> None:
        who = f"{name}（{code}）"
        obtained = as_decimal(obtained, f"{who}的得分")
        maximum = as_decimal(maximum, f"{who}的满分")
        self.code, self.name, self.group, self.tasks, self.scored = code, name, group, tasks, scored
        self.dimensions, self.adjustments = tuple(dimensions), tuple(adjustments)
        self.components = ({k: as_decimal(v, f"{who}的“{k}”") for k, v in components.items()} if components
                           else NO_COMPONENTS)
        self._decimals = (obtained, maximum)
        self._o, self._m = scaled_pair(obtained, maximum)

    @classmethod
    def in_hundredths(cls, code: str, name: str, group: str, obtained: int, maximum: int, tasks: int, scored: int,
                      dimensions: tuple[DimensionSum, ...], adjustments: tuple[Adjustment, ...] = (),
                      components: Mapping[str, Decimal] = NO_COMPONENTS) -> UnitInput:
        """The sums as the database keeps them: integer hundredths of a point (no Decimal is made)."""
        made = _new(cls)
        made.code, made.name, made.group, made.tasks, made.scored = code, name, group, tasks, scored
        made.dimensions, made.adjustments, made.components = dimensions, adjustments, components or NO_COMPONENTS
        made._o, made._m, made._decimals = obtained, maximum, None
        return made

    def row(self) -> UnitRow:
        """The unit as the core computes on it."""
        return (self.code, self.name, self.group, self._o, self._m, self.tasks, self.scored, self.dimensions,
                self.adjustments, self.components, self._decimals)

    def __repr__(self) -> str:
        return (f"UnitInput({self.code!r}, {self.name!r}, {self.group!r}, {self.obtained!r}, {self.maximum!r}, "
                f"{self.tasks}, {self.scored})")


# -- out -------------------------------------------------------------------------------------------


class DimensionResult:
    """A dimension's sums and its percent (obtained × 100 ÷ maximum, 28 digits; 0 when maximum is 0)."""

    __slots__ = ("code", "title", "_sum", "_percent")
    code: str
    title: str
    _sum: DimensionSum
    _percent: Decimal | None
    FIELDS = ("code", "title", "obtained", "maximum", "percent")

    def __init__(self, code: str, title: str, obtained: Decimal, maximum: Decimal, percent: Decimal) -> None:
        self.code, self.title = code, title
        self._sum, self._percent = DimensionSum(code, title, obtained, maximum), percent

    # A DimensionSum's result is the same under any rules: the core keeps it on the sum (`_result`),
    # so the units that share a sum share its result, and its percent is made once.

    @classmethod
    def of(cls, total: DimensionSum) -> DimensionResult:
        made = cls.__new__(cls)
        made.code, made.title, made._sum, made._percent = total.code, total.title, total, None
        return made

    @property
    def obtained(self) -> Decimal:
        return self._sum.obtained

    @property
    def maximum(self) -> Decimal:
        return self._sum.maximum

    @property
    def percent(self) -> Decimal:
        if self._percent is None:
            obtained, maximum = self._sum.obtained, self._sum.maximum
            self._percent = CONTEXT.divide(CONTEXT.multiply(obtained, HUNDRED), maximum) if maximum else ZERO
        return self._percent

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DimensionResult) and _fields_equal(self, other, self.FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "DimensionResult(" + ", ".join(repr(getattr(self, name)) for name in self.FIELDS) + ")"


class UnitResult:
    """A unit's result. Ranks and grades are decided by the core on exact integers; the figures
    (percent, bonus, penalty, adjusted, components, final: 28 significant digits, never rounded) are
    made from them when first read, by the operations that have always defined them:
    percent = obtained × 100 ÷ maximum (0 when maximum is 0); adjusted = max(0, percent + bonus −
    penalty); final = Σ weight × component, and the final is the adjusted score itself when equal."""

    __slots__ = ("code", "name", "group", "_dimensions", "rank", "grade", "complete", "explanation",
                 "_o", "_m", "_decimals", "_adjustments", "_values", "_run", "_r", "_marks", "_figures")
    code: str
    name: str
    group: str
    # the input's sums while the core runs (each keeps its result), or results given whole
    _dimensions: tuple[DimensionSum, ...] | tuple[DimensionResult, ...]
    rank: int
    grade: str
    complete: bool
    explanation: tuple[str, ...]
    _o: int
    _m: int
    _decimals: tuple[Decimal, Decimal] | None
    _adjustments: tuple[Decimal, Decimal] | None  # bonuses (before the cap) and penalty
    _values: Mapping[str, Decimal]
    _run: Run | None  # the run that made it, None for a result given whole
    _r: int  # the rounded final, in 10^-rank_places
    _marks: Marks | None
    _figures: Figures | None
    FIELDS = ("code", "name", "group", "obtained", "maximum", "percent", "dimensions", "bonus", "penalty",
              "adjusted", "components", "final", "rank", "grade", "complete", "explanation")

    def __init__(self, code: str, name: str, group: str, obtained: Decimal, maximum: Decimal, percent: Decimal,
                 dimensions: tuple[DimensionResult, ...], bonus: Decimal, penalty: Decimal, adjusted: Decimal,
                 components: Mapping[str, Decimal], final: Decimal, rank: int, grade: str, complete: bool,
                 explanation: tuple[str, ...]) -> None:
        """A result with every figure given (a test, a stored result); the core makes its own."""
        self.code, self.name, self.group, self._dimensions = code, name, group, tuple(dimensions)
        self.rank, self.grade, self.complete, self.explanation = rank, grade, complete, explanation
        self._decimals = (obtained, maximum)
        self._o = self._m = 0
        self._adjustments, self._values, self._run, self._r, self._marks = None, NO_COMPONENTS, None, 0, None
        self._figures = (percent, bonus, penalty, adjusted, components, final)

    def _made(self) -> Figures:
        figures = self._figures
        if figures is None:
            figures = self._figures = self._of_run().figures(self)
        return figures

    def _of_run(self) -> Run:
        run = self._run
        assert run is not None, "a result given whole has all its figures"
        return run

    @property
    def dimensions(self) -> tuple[DimensionResult, ...]:
        """Per dimension: its sums and percent. The core keeps the input's DimensionSums (shared
        between units) and each sum keeps its result: the tuple is made when read."""
        found = self._dimensions
        if found and isinstance(found[0], DimensionSum):
            return tuple([cast(DimensionResult, total._result) for total in cast("tuple[DimensionSum, ...]", found)])
        return cast("tuple[DimensionResult, ...]", found)

    @property
    def obtained(self) -> Decimal:
        return self._of_run().points(self._o) if self._decimals is None else self._decimals[0]

    @property
    def maximum(self) -> Decimal:
        return self._of_run().points(self._m) if self._decimals is None else self._decimals[1]

    @property
    def percent(self) -> Decimal:
        return self._made()[0]

    @property
    def bonus(self) -> Decimal:  # after the cap
        return self._made()[1]

    @property
    def penalty(self) -> Decimal:
        return self._made()[2]

    @property
    def adjusted(self) -> Decimal:
        return self._made()[3]

    @property
    def components(self) -> Mapping[str, Decimal]:  # key → the value used, "adjusted" included
        return self._made()[4]

    @property
    def final(self) -> Decimal:
        return self._made()[5]

    def replaced(self, **changes: Any) -> UnitResult:
        """A copy with some fields changed (every figure made first)."""
        values = {name: getattr(self, name) for name in self.FIELDS}
        return UnitResult(**{**values, **changes})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnitResult) and _fields_equal(self, other, self.FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "UnitResult(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS) + ")"


def edge_figures(result: UnitResult, rules: Rules, percents: dict[tuple[Decimal, Decimal], Decimal]
                 ) -> tuple[Decimal, Decimal, Decimal, Decimal, dict[str, Decimal], Decimal]:
    """A computed result's Decimal figures, by the same operations (28 digits, ROUND_HALF_EVEN
    between steps) that made them before the core ran on integers; `percents` shares one percent
    between the units with equal sums."""
    obtained, maximum = result.obtained, result.maximum
    percent = percents.get((obtained, maximum))
    if percent is None:
        percent = percents[(obtained, maximum)] = (
            CONTEXT.divide(CONTEXT.multiply(obtained, HUNDRED), maximum) if maximum else ZERO)
    if result._adjustments is not None:
        bonuses, penalty = result._adjustments
        bonus = min(bonuses, rules.bonus_cap)
        adjusted = max(CONTEXT.subtract(CONTEXT.add(percent, bonus), penalty), ZERO)
    else:
        bonus = penalty = ZERO
        adjusted = percent
    components: dict[str, Decimal] = {}
    final = ZERO
    for component in rules.components:
        value = adjusted if component.key == ADJUSTED else result._values.get(component.key, ZERO)
        components[component.key] = value
        final = CONTEXT.add(final, CONTEXT.multiply(component.weight, value))
    if final == adjusted:  # the usual single component at weight 1: one Decimal, not two equal ones
        final = adjusted
    return percent, bonus, penalty, adjusted, components, final
