"""Benchmarks (`make bench`), not tests: figures go to BENCHMARKS.md, never into assertions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.core.check import check
from kaohe.core.codes import assign_codes
from kaohe.core.scheme import Level, Node, Scheme

pytestmark = pytest.mark.bench

UNITS = [f"单位{i:02d}" for i in range(18)]
GROUPS = {"甲组": UNITS[:9], "乙组": UNITS[9:]}


def synthetic_scheme(criteria: int = 2000, items_per_criterion: int = 4) -> Scheme:
    """10 dimensions × 10 indicators × criteria/100 criteria; every fifth criterion in two variants."""
    per_indicator = criteria // 100
    dimensions = []
    for d in range(10):
        indicators = []
        for i in range(10):
            children = []
            for c in range(per_indicator):
                items = [Node(Level.ITEM, f"内容{d}-{i}-{c}-{k}", Decimal("0.5")) for k in range(items_per_criterion)]
                criterion = Node(Level.CRITERION, f"标准{d}-{i}-{c}", Decimal("0.5") * items_per_criterion,
                                 departments=["部门甲"], children=items)
                if c % 5 == 0:
                    criterion.note = "适用于甲组"
                    twin = Node(Level.CRITERION, criterion.title, criterion.points, departments=["部门乙"],
                                note="适用于乙组", children=[Node(Level.ITEM, "替代内容", criterion.points)])
                    children += [criterion, twin]
                else:
                    children.append(criterion)
            points = Decimal("0.5") * items_per_criterion * per_indicator
            indicators.append(Node(Level.INDICATOR, f"指标{d}-{i}", points, children=children))
        dimensions.append(Node(Level.DIMENSION, f"维度{d}", sum((n.points for n in indicators), Decimal(0)),
                               children=indicators))
    scheme = Scheme(name="synthetic", title="合成", year=2018, units=UNITS, groups=GROUPS,
                    departments=["部门甲", "部门乙"], dimensions=dimensions,
                    total=sum((n.points for n in dimensions), Decimal(0)))
    assign_codes(scheme)
    return scheme


def test_check_a_scheme_of_2000_criteria(benchmark):
    scheme = synthetic_scheme()
    findings = benchmark(check, scheme)
    assert [f for f in findings if f.is_error] == []


def test_read_the_seed(benchmark, seed_path):
    from kaohe.formats.official_text import read_official_text

    result = benchmark(read_official_text, seed_path)
    assert len(result.schemes) == 2


def test_read_a_built_in_yaml_scheme(benchmark):
    from kaohe.data import builtin_path
    from kaohe.formats.yaml_scheme import read_yaml

    benchmark(read_yaml, builtin_path("luoyang-2018-municipal"))
