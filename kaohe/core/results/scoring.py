"""One unit scored on exact integers: its sums checked, its dimensions, its adjustments, its
components, and its final rounded half up to the rules' places (`Run.score`). Ranking and grading
come after, per group (kaohe.core.results.ranking).

The final is a fraction of two integers throughout: percent = 100·o ÷ m for the integer sums o and
m; adjusted = percent + bonus − penalty, floored at 0, where bonus and penalty are the exact
fractions of their Decimals; final = Σ weight × component. Its rounded value is an integer count
of 10^-places (`exact.half_up`), which is all that ranks and grades compare. With no adjustment and
the adjusted score as the one component at weight 1 — nearly every unit — that is one integer
division, shared by the units with equal sums.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from kaohe.core.messages import Template, Text, gettext_noop
from kaohe.core.points import format_points, from_hundredths
from kaohe.core.results import exact
from kaohe.core.results.records import (
    CONTEXT,
    NO_COMPONENTS,
    ZERO,
    Adjustment,
    DimensionResult,
    DimensionSum,
    Figures,
    UnitResult,
    UnitRow,
    edge_figures,
)
from kaohe.core.results.rules import ADJUSTED, Rules

# The notes of a result are Texts: Chinese, translatable where a page shows them (kaohe.core.messages).
INCOMPLETE = Template(gettext_noop("评分未完成（已评%(scored)s/共%(tasks)s项）"))  # as small as a str: on every unit
NO_MAXIMUM = Text(gettext_noop("没有适用的考核内容（满分为0），指标得分按0分计"))
_new = object.__new__


def sums_problems(who: str, what: str, obtained: Decimal, maximum: Decimal) -> list[str]:
    if maximum < 0:
        return [f"{who}{what}的满分不能为负数：{format_points(maximum)}。"]
    if obtained < 0:
        return [f"{who}{what}的得分不能为负数：{format_points(obtained)}。"]
    if obtained > maximum:
        return [f"{who}{what}的得分{format_points(obtained)}超过满分{format_points(maximum)}。"]
    return []


class Run:
    """One computation: the rules as integers, and what its units share — a rounded final per
    (obtained, maximum), a Decimal per integer of hundredths and a percent per pair of sums, the
    last two made only when a figure is read."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.places = rules.rank_places
        self.grade_index = {g.name: i for i, g in enumerate(rules.grades)}
        self.weights = [(c.key, c.label, exact.ratio(c.weight)) for c in rules.components]
        # nearly always: the adjusted score is the final
        self.plain = [(key, weight) for key, _label, weight in self.weights] == [(ADJUSTED, (1, 1))]
        self.rounded: dict[tuple[int, int], int] = {}  # (o, m) → the rounded percent, no adjustments
        self.decimals: dict[int, Decimal] = {}
        self.percents: dict[tuple[Decimal, Decimal], Decimal] = {}
        self.plain_figures: dict[tuple[int, int], Figures] = {}

    def points(self, hundredths: int) -> Decimal:
        """Integer hundredths as a Decimal, one per distinct value."""
        value = self.decimals.get(hundredths)
        if value is None:
            value = self.decimals[hundredths] = from_hundredths(hundredths)
        return value

    def figures(self, result: UnitResult) -> Figures:
        """A result's Decimal figures, made when first read. A unit without adjustments, under the
        usual rules (the adjusted score the one component), has the figures of its sums alone: the
        units with equal sums share one tuple of them (and one read-only mapping of components), so
        reading every figure of 200,000 results (the JSON, the ranking workbook) holds a few hundred."""
        if result._adjustments is None and self.plain and result._decimals is None:
            key = (result._o, result._m)
            found = self.plain_figures.get(key)
            if found is None:
                percent, bonus, penalty, adjusted, components, final = edge_figures(result, self.rules, self.percents)
                found = self.plain_figures[key] = (percent, bonus, penalty, adjusted, MappingProxyType(components),
                                                   final)
            return found
        return edge_figures(result, self.rules, self.percents)

    def dimension(self, total: DimensionSum, who: str, problems: list[str]) -> DimensionResult:
        """A DimensionSum's result, kept on the sum for the units that share it (kaohe.results.sums
        shares one per distinct value). A sum that fails its check keeps none: each unit reports it."""
        result = DimensionResult.of(total)
        if total._m < 0 or total._o < 0 or total._o > total._m:
            problems.extend(sums_problems(who, f"“{total.title}”", total.obtained, total.maximum))
        else:
            total._result = result
        return result

    def score(self, row: UnitRow, problems: list[str]) -> UnitResult:
        code, name, group, o, m, tasks, scored, dimensions, adjustments, components, decimals = row
        if not 0 <= o <= m:
            obtained, maximum = decimals if decimals is not None else (from_hundredths(o), from_hundredths(m))
            problems.extend(sums_problems(f"{name}（{code}）", "", obtained, maximum))
        if not 0 <= scored <= tasks:
            problems.append(f"{name}（{code}）的已评项数{scored}与适用项数{tasks}不合理。")
        complete = scored >= tasks
        notes: tuple[str, ...] = ()
        if not complete or not m:
            notes = ((INCOMPLETE(scored=scored, tasks=tasks),) if not complete else ()) + \
                ((NO_MAXIMUM,) if not m else ())

        result = _new(UnitResult)
        # every slot set here, in one go, but the rank and grade (the ranking sets them); the
        # dimensions' results are read from the shared sums (records)
        (result.code, result.name, result.group, result._dimensions, result.complete, result._o, result._m,
         result._decimals, result._values, result._run, result._figures, result._adjustments, result._marks) = (
            code, name, group, dimensions, complete, o, m, decimals, components, self, None, None, None)
        for total in dimensions:
            if total._result is None:  # a sum met for the first time
                self.dimension(total, f"{name}（{code}）", problems)

        if self.plain and not adjustments:
            rounded = self.rounded.get((o, m))
            if rounded is None:
                rounded = self.rounded[(o, m)] = exact.half_up(100 * o, m, self.places) if m else 0
            result._r, result.explanation = rounded, notes
            return result
        result._r = self._general(row, result, notes, problems)
        return result

    def _general(self, row: UnitRow, result: UnitResult, notes: tuple[str, ...], problems: list[str]) -> int:
        """A unit with adjustments, or rules with several components: the final as an exact fraction."""
        code, name, _group, o, m, _tasks, _scored, _dimensions, adjustments, components, _decimals = row
        adjusted: exact.Fraction = (100 * o, m) if m else (0, 1)
        said = list(notes)
        cap_problems = []  # reported after the components', as always
        if adjustments:
            caps: list[tuple[int, Adjustment]] = []
            vetoes: list[Adjustment] = []
            bonuses = penalty = ZERO
            for adjustment in adjustments:
                if adjustment.kind == "bonus":
                    bonuses = CONTEXT.add(bonuses, adjustment.points)
                elif adjustment.kind == "penalty":
                    penalty = CONTEXT.add(penalty, adjustment.points)
                elif adjustment.kind == "grade_cap":
                    if adjustment.cap not in self.grade_index:
                        cap_problems.append(f"{name}（{code}）的等次限制“{adjustment.cap}”不是已设置的等次"
                                            f"（{'、'.join(self.grade_index)}）。")
                    else:
                        caps.append((self.grade_index[adjustment.cap], adjustment))
                else:
                    vetoes.append(adjustment)
            bonus = min(bonuses, self.rules.bonus_cap)
            if bonuses > bonus:
                said.append(Text.of(gettext_noop("加分合计%(bonuses)s分，超过上限，按%(bonus)s分计"),
                                    bonuses=format_points(bonuses), bonus=format_points(bonus)))
            (bn, bd), (pn, pd) = exact.ratio(bonus), exact.ratio(penalty)
            adjusted = exact.add(adjusted, (bn * pd - pn * bd, bd * pd))
            if adjusted[0] < 0:
                said.append(Text(gettext_noop("扣分后得分低于0分，按0分计")))
                adjusted = (0, 1)
            result._adjustments = (bonuses, penalty)
            if caps or vetoes:
                result._marks = (tuple(caps), tuple(vetoes))

        final: exact.Fraction = adjusted
        if not self.plain:
            final = (0, 1)
            values: Mapping[str, Decimal] = components or NO_COMPONENTS
            for key, label, weight in self.weights:
                if key == ADJUSTED:
                    value = adjusted
                else:
                    given = values.get(key)
                    if given is None:
                        problems.append(f"{name}（{code}）缺少“{label}”（{key}）的分值。")
                        value = (0, 1)
                    else:
                        if not 0 <= given <= 100:
                            problems.append(f"{name}（{code}）的“{label}”（{key}）应在0到100之间，"
                                            f"现为{format_points(given)}。")
                        value = exact.ratio(given)
                final = exact.add(final, exact.times(weight, value))
        problems.extend(cap_problems)
        result.explanation = tuple(said)
        return exact.half_up(final[0], final[1], self.places)
