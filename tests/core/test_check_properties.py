"""Property-based tests: random consistent trees check clean; any single changed point is found."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.core.check import check, has_errors
from kaohe.core.codes import assign_codes
from kaohe.core.scheme import Level, Node, Scheme

UNITS = ["甲县", "乙县", "丙区", "丁区"]
GROUPS = {"县": ["甲县", "乙县"], "区": ["丙区", "丁区"]}
DEPARTMENTS = ["市委办公室", "市委组织部"]
CHILD = {Level.DIMENSION: Level.INDICATOR, Level.INDICATOR: Level.CRITERION, Level.CRITERION: Level.ITEM}

points = st.integers(min_value=0, max_value=400).map(lambda n: Decimal(n) / 4)  # 0 … 100 in 0.25 steps


@st.composite
def subtree(draw, level: Level, title: str) -> Node:
    """A node whose declared points are exactly the sum of its children's."""
    node = Node(level=level, title=title, points=None)
    if level is Level.CRITERION:
        node.departments = [draw(st.sampled_from(DEPARTMENTS))]
    child_level = CHILD.get(level)
    width = 0 if child_level is None else draw(st.integers(min_value=0, max_value=3))
    if level is Level.DIMENSION:
        width = max(width, 1)
    if level is Level.INDICATOR and draw(st.booleans()):
        child_level = Level.ITEM  # items directly under the indicator, no criterion
        node.departments = [draw(st.sampled_from(DEPARTMENTS))]
    node.children = [draw(subtree(child_level, f"{title}-{i}")) for i in range(width)]
    if child_level is Level.CRITERION and node.children and draw(st.booleans()):
        # split one criterion into variants for the two groups, with possibly different points
        base = node.children[0]
        other = draw(subtree(Level.CRITERION, base.title))
        base.note, other.note = "适用于县", "适用于区"
        node.children.insert(1, other)
    if node.children:
        node.points = _children_points(node)
    else:
        node.points = draw(points)
        if level is not Level.ITEM and not node.departments:
            node.departments = [draw(st.sampled_from(DEPARTMENTS))]  # a scored node needs an owner
    return node


def _children_points(node: Node) -> Decimal:
    """What each unit can achieve; variants make it the same for every unit only by construction."""
    plain = sum((c.points for c in node.children if not c.note), Decimal(0))
    county = sum((c.points for c in node.children if c.note == "适用于县"), Decimal(0))
    district = sum((c.points for c in node.children if c.note == "适用于区"), Decimal(0))
    if county != district:
        # give the smaller variant an extra item so both groups can achieve the same
        short = next(c for c in node.children if c.note == ("适用于县" if county < district else "适用于区"))
        gap = abs(county - district)
        short.children.append(Node(level=Level.ITEM, title=f"{short.title}-补", points=gap))
        if len(short.children) == 1:
            short.children.insert(0, Node(level=Level.ITEM, title=f"{short.title}-原", points=short.points))
        short.points += gap
    return plain + max(county, district)


@st.composite
def schemes(draw) -> Scheme:
    dimensions = [draw(subtree(Level.DIMENSION, f"维度{i}")) for i in range(draw(st.integers(1, 3)))]
    scheme = Scheme(name="random", title="随机", year=2018, units=list(UNITS), groups=dict(GROUPS),
                    departments=list(DEPARTMENTS), dimensions=dimensions,
                    total=sum((d.points for d in dimensions), Decimal(0)))
    assign_codes(scheme)
    return scheme


@settings(max_examples=150, deadline=None)
@given(schemes())
def test_random_consistent_schemes_check_clean(scheme):
    assert [f for f in check(scheme) if f.is_error] == []


@settings(max_examples=150, deadline=None)
@given(schemes(), st.data())
def test_any_single_changed_point_value_is_found(scheme, data):
    nodes = list(scheme.walk_with_parents())
    node, parents = data.draw(st.sampled_from(nodes))
    node.points = node.points + data.draw(st.sampled_from([Decimal("0.25"), Decimal(1), Decimal(-0.25)])) \
        if node.points >= 1 else node.points + Decimal("0.5")
    findings = check(scheme)
    assert has_errors(findings)
    near = {node.code} | ({parents[-1].code} if parents else set())
    assert any(f.node_code in near or f.code == "unit-total" for f in findings if f.is_error)
