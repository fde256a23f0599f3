"""`compute(units, rules)` (or `compute_rows(rows, rules)`): every unit scored
(kaohe.core.results.scoring), then each ranking group ranked and graded (kaohe.core.results.ranking)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from operator import attrgetter

from kaohe.core.results.ranking import rank_group
from kaohe.core.results.records import UnitInput, UnitResult, UnitRow
from kaohe.core.results.rules import Rules, RulesError, validate_rules
from kaohe.core.results.scoring import Run

_code = attrgetter("code")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while hundreds of thousands of result objects are
    made: they hold no cycles, yet each collection walks all of them (a third of the time of a
    200,000-unit cycle). Restored afterwards, also on error. The objects made meanwhile go straight
    to the oldest generation (`freeze` then `unfreeze` moves them there without walking them), as
    if they had survived the young collections they skipped: otherwise the first allocation after
    the pause walks them all at once (0.3–0.7 s at 200,000 units). Cyclic garbage among them is
    still collected, by the next full collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def compute(units: Iterable[UnitInput], rules: Rules) -> list[UnitResult]:
    """Every unit's result under `rules`, by group (first appearance), then rank, then unit code.
    `units` is read once: give an iterator and each input is freed once scored (at 200,000 units
    the inputs would otherwise all be held until every result exists).

    Raises `RulesError` with every problem when the rules are invalid or a unit cannot be computed.
    """
    return compute_rows(map(UnitInput.row, units), rules)


def compute_rows(rows: Iterable[UnitRow], rules: Rules) -> list[UnitResult]:
    """`compute` on the units' rows (`UnitRow`), as the database side makes them."""
    problems = validate_rules(rules)
    if problems:
        raise RulesError(problems)
    run = Run(rules)
    with paused_gc():
        score = run.score
        results = [score(row, problems) for row in rows]
        if len(set(map(_code, results))) < len(results):
            counts = Counter(map(_code, results))
            duplicates = [code for code, n in counts.items() if n > 1]
            problems.insert(0, f"单位编码重复：{'、'.join(duplicates)}。")
        if problems:
            raise RulesError(problems)
        groups: dict[str, list[UnitResult]] = {}
        for result in results:
            members = groups.get(result.group)
            if members is None:
                groups[result.group] = [result]
            else:
                members.append(result)
        results.clear()
        for members in groups.values():
            rank_group(members, rules)
            results += members
        return results
