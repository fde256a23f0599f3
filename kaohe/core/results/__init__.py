"""The results engine: from each unit's summed points to percent, adjusted and final score, rank and grade.

The database adds up the scores (one record per unit: a `UnitInput`, or its plain `UnitRow`);
`compute(units, rules)` (`compute_rows` for rows) does the rest (`scoring` a unit, `ranking` a group, on `exact` integers; the `records` in and out; the `rules`), following issue 5 and docs/decisions/2026-11-25-results-engine.md:

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

The computation runs on exact integers (docs/decisions/2026-12-06-integer-results-core.md): the
sums arrive as integer hundredths (or as Decimals, turned into their exact integers once), every
figure the rules decide on is a fraction of two integers, and the rounding for rank and grade is
exact half-up integer division. Decimals are made only at the edge, when a figure is read: with 28
significant digits, never rounded, by the operations that have always defined them (in their own
context: the caller's does not matter); rounding is only for rank and grade comparison and for
display (`round_score`).
Rules that cannot be applied, and input that cannot be computed (a missing component value, obtained
above maximum, an unknown grade in a cap, duplicate unit codes), raise `RulesError` listing every
problem in Chinese; `validate_rules` returns the rule problems without raising.
"""

from __future__ import annotations

from kaohe.core.points import round_half_up as round_score
from kaohe.core.results.compute import compute, compute_rows, paused_gc
from kaohe.core.results.records import (
    Adjustment,
    DimensionResult,
    DimensionSum,
    UnitInput,
    UnitResult,
    UnitRow,
    with_components,
)
from kaohe.core.results.rules import (
    ADJUSTED,
    ADJUSTMENT_KINDS,
    KIND_LABELS,
    MAX_RANK_PLACES,
    PRECISION,
    Component,
    GradeBand,
    Quota,
    Rules,
    RulesError,
    reason_problem,
    validate_rules,
)

__all__ = [
    "ADJUSTED", "ADJUSTMENT_KINDS", "KIND_LABELS", "MAX_RANK_PLACES", "PRECISION", "Adjustment", "Component",
    "DimensionResult", "DimensionSum", "GradeBand", "Quota", "Rules", "RulesError", "UnitInput", "UnitResult",
    "UnitRow", "compute", "compute_rows", "paused_gc", "reason_problem", "round_score", "validate_rules",
    "with_components",
]
