"""Diffs between two schemes: what the office needs when next year's scheme arrives."""

from __future__ import annotations

from decimal import Decimal

from kaohe.core.codes import assign_codes
from kaohe.core.diff import diff
from kaohe.core.scheme import Level, Node


def kinds(changes):
    return sorted((c.kind, c.code_a, c.code_b) for c in changes)


def test_a_scheme_has_no_differences_with_itself(build, small_yaml):
    assert diff(build(small_yaml), build(small_yaml)) == []


def test_it_reports_changed_points_departments_and_applicability(build, small_yaml):
    a, b = build(small_yaml), build(small_yaml)
    b.node("1.1.1.2").points = Decimal("2.5")
    b.node("1.1.1").departments = ["市委组织部"]
    b.node("1.1.2b").note = "适用于丙城区"  # same units, other words: still reported as a note change
    changes = diff(a, b)
    assert kinds(changes) == [("applicability", "1.1.2b", "1.1.2b"), ("departments", "1.1.1", "1.1.1"),
                              ("points", "1.1.1.2", "1.1.1.2")]
    points = next(c for c in changes if c.kind == "points")
    assert (points.old, points.new) == ("2", "2.5")


def test_it_reports_added_and_removed_subtrees_once_at_their_top(build, small_yaml):
    a, b = build(small_yaml), build(small_yaml)
    removed = b.node("1.1").children.pop(0)
    b.node("1").children.append(Node(Level.INDICATOR, "新指标", Decimal(2), children=[
        Node(Level.ITEM, "新内容", Decimal(2))]))
    assign_codes(b)
    changes = diff(a, b)
    assert ("removed", "1.1.1", "") in kinds(changes)
    assert ("added", "", "1.2") in kinds(changes)
    assert not any(c.code_a.startswith("1.1.1.") for c in changes)  # its items are not listed again
    assert removed.title in next(c.path for c in changes if c.kind == "removed")


def test_it_reports_a_node_moved_under_another_parent(build, small_yaml):
    a, b = build(small_yaml), build(small_yaml)
    moved = b.node("1.1").children.pop(0)
    b.node("1").children.append(Node(Level.INDICATOR, "指标二", Decimal(6), children=[moved]))
    assign_codes(b)
    changes = diff(a, b)
    assert ("moved", "1.1.1", "1.2.1") in kinds(changes)
    assert ("added", "", "1.2") in kinds(changes)


def test_an_item_reworded_in_place_is_a_title_change_not_a_removal(build, small_yaml):
    a, b = build(small_yaml), build(small_yaml)
    b.node("1.1.1.2").title = "内容2（修订）"
    assert kinds(diff(a, b)) == [("title", "1.1.1.2", "1.1.1.2")]
