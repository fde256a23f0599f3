"""Applicability notes resolve to units through the scheme's named groups, aliases and units."""

from __future__ import annotations

import pytest

from kaohe.core.applicability import Resolver, UnknownApplicability, note_body, resolve_all


def test_a_note_is_read_without_spaces_prefix_or_full_width_parentheses():
    assert note_body("适用于 9县（市） 6区。") == "9县(市)6区"


def test_a_group_note_resolves_to_its_units(small):
    assert Resolver(small).resolve("适用于 县") == {"甲县", "乙县"}


def test_a_list_of_names_resolves_to_their_union_and_aliases_count(small):
    assert Resolver(small).resolve("适用于甲县、丙城区") == {"甲县", "丙区"}


def test_groups_may_name_other_groups(build, small_yaml):
    scheme = build(small_yaml.replace("aliases:", "  全部: [县, 区]\naliases:"))
    assert Resolver(scheme).resolve("全部") == {"甲县", "乙县", "丙区"}


def test_no_note_means_no_restriction(small):
    assert Resolver(small).resolve("") is None


def test_an_unknown_name_is_an_error_that_names_it(small):
    with pytest.raises(UnknownApplicability) as error:
        Resolver(small).resolve("适用于甲县、丁县")
    assert error.value.unknown == ["丁县"]


def test_a_group_that_contains_itself_is_an_error(build, small_yaml):
    scheme = build(small_yaml.replace("  区: [丙区]", "  区: [丙区, 区]"))
    with pytest.raises(UnknownApplicability):
        Resolver(scheme).resolve("区")


def test_a_node_applies_to_its_own_note_within_its_parents_units(small):
    resolved = resolve_all(small)
    assert resolved.of(small.node("1.1.2a")) == {"甲县", "乙县"}
    assert resolved.of(small.node("1.1.2a.1")) == {"甲县", "乙县"}
    assert resolved.of(small.node("1.1.1")) == {"甲县", "乙县", "丙区"}
