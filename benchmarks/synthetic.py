"""Synthetic schemes for the benchmarks: pure core objects, no database.

- `large_scheme(criteria)` — the checker's workload (benchmark 5): 10 dimensions × 10 indicators ×
  criteria/100 criteria of four items each, every fifth criterion in two variants for two groups.
- `cycle_scheme(items, units, groups, departments)` — the scheme of a generated cycle
  (`benchmarks.generate`): `items` scored items in criteria of two, four criteria per indicator,
  up to five dimensions; every item applies to every unit; criteria are owned by the departments
  in turn. Item points cycle through 0.5, 1, 1.5, 2, 3 and 4 (realistic for the 2018 schemes).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kaohe.core.codes import assign_codes
from kaohe.core.scheme import Level, Node, Scheme

ITEM_POINTS = (Decimal("0.5"), Decimal(1), Decimal("1.5"), Decimal(2), Decimal(3), Decimal(4))
LARGE_UNITS = [f"单位{i:02d}" for i in range(18)]
LARGE_GROUPS = {"甲组": LARGE_UNITS[:9], "乙组": LARGE_UNITS[9:]}


def _sum(nodes: Sequence[Node]) -> Decimal:
    return sum((n.points for n in nodes if n.points is not None), Decimal(0))


def large_scheme(criteria: int = 2000, items_per_criterion: int = 4) -> Scheme:
    """10 dimensions × 10 indicators × criteria/100 criteria; every fifth criterion in two variants
    (so 2,000 criteria are 2,400 criterion nodes and ~8,400 items), 18 units in two groups."""
    per_indicator = max(1, criteria // 100)
    item_points = Decimal("0.5")
    dimensions = []
    for d in range(10):
        indicators = []
        for i in range(10):
            children = []
            for c in range(per_indicator):
                items = [Node(Level.ITEM, f"内容{d}-{i}-{c}-{k}", item_points) for k in range(items_per_criterion)]
                criterion = Node(Level.CRITERION, f"标准{d}-{i}-{c}", item_points * items_per_criterion,
                                 departments=["部门甲"], children=items)
                if c % 5 == 0:
                    criterion.note = "适用于甲组"
                    twin = Node(Level.CRITERION, criterion.title, criterion.points, departments=["部门乙"],
                                note="适用于乙组", children=[Node(Level.ITEM, "替代内容", criterion.points)])
                    children += [criterion, twin]
                else:
                    children.append(criterion)
            points = item_points * items_per_criterion * per_indicator
            indicators.append(Node(Level.INDICATOR, f"指标{d}-{i}", points, children=children))
        dimensions.append(Node(Level.DIMENSION, f"维度{d}", _sum(indicators), children=indicators))
    scheme = Scheme(name="synthetic", title="合成指标体系", year=2018, units=list(LARGE_UNITS),
                    groups={k: list(v) for k, v in LARGE_GROUPS.items()}, departments=["部门甲", "部门乙"],
                    dimensions=dimensions, total=_sum(dimensions))
    assign_codes(scheme)
    return scheme


def cycle_scheme(name: str, items: int, units: Sequence[str], groups: dict[str, list[str]],
                 departments: Sequence[str]) -> Scheme:
    """The scheme of a generated cycle: `items` items, all applying to every unit (see the module)."""
    if items < 1:
        raise ValueError("items must be at least 1")
    criteria_count = (items + 1) // 2
    indicator_count = (criteria_count + 3) // 4
    dimension_count = min(5, indicator_count)
    item_number = 0
    criteria: list[Node] = []
    for c in range(criteria_count):
        leaves = []
        for _ in range(2 if item_number + 2 <= items else 1):
            points = ITEM_POINTS[item_number % len(ITEM_POINTS)]
            leaves.append(Node(Level.ITEM, f"考核内容{item_number + 1}", points))
            item_number += 1
        criteria.append(Node(Level.CRITERION, f"考核标准{c + 1}", _sum(leaves),
                             departments=[departments[c % len(departments)]], children=leaves))
    indicators = [Node(Level.INDICATOR, f"二级指标{i + 1}", _sum(criteria[i * 4:(i + 1) * 4]),
                       children=criteria[i * 4:(i + 1) * 4]) for i in range(indicator_count)]
    dimensions = []
    per_dimension = -(-indicator_count // dimension_count)
    for d in range(dimension_count):
        children = indicators[d * per_dimension:(d + 1) * per_dimension]
        if children:
            dimensions.append(Node(Level.DIMENSION, f"一级指标{d + 1}", _sum(children), children=children))
    scheme = Scheme(name=name, title=f"合成指标体系（{items}项考核内容）", year=2026, units=list(units),
                    groups={k: list(v) for k, v in groups.items()}, departments=list(departments),
                    dimensions=dimensions, total=_sum(dimensions))
    assign_codes(scheme)
    return scheme
