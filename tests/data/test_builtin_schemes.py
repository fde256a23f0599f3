"""The shipped 2018 data: both schemes check clean, and they agree with the units and departments."""

from __future__ import annotations

from collections import Counter

import pytest

from kaohe.core.applicability import normalize_name
from kaohe.core.check import check
from kaohe.data import builtin_names, builtin_path
from kaohe.formats.masterdata import read_departments, read_units
from kaohe.formats.yaml_scheme import read_yaml

NAMES = ["luoyang-2018-county", "luoyang-2018-municipal"]
COUNTY_UNITS = ["偃师市", "孟津县", "新安县", "宜阳县", "伊川县", "洛宁县", "嵩县", "栾川县", "汝阳县",
                "涧西区", "西工区", "老城区", "瀍河回族区", "洛龙区", "吉利区", "高新区", "伊滨区", "龙门园区"]
DEPARTMENTS = ["市委办公室", "市委组织部", "市委宣传部", "市纪委", "市委党校", "市委巡察办", "市委党史研究室",
               "市人才办", "市委政法委", "市委统战部", "市委党建办", "洛阳军分区", "市委市直工委"]


@pytest.fixture(scope="module", params=NAMES)
def scheme(request):
    return read_yaml(builtin_path(request.param))


def test_both_schemes_are_shipped():
    assert builtin_names() == NAMES


def test_a_shipped_scheme_checks_with_no_errors(scheme):
    errors = [f for f in check(scheme) if f.is_error]
    assert errors == []


def test_every_warning_of_a_shipped_scheme_is_a_recorded_source_gap(scheme):
    for finding in check(scheme):
        assert finding.gap, finding.message


def test_every_node_says_where_it_came_from_in_the_source(scheme):
    assert all(node.origin.startswith("L") for node in scheme.walk())


def test_every_repair_says_what_the_source_said_what_changed_and_why(scheme):
    repairs = [r for node in scheme.walk() for r in node.repairs]
    assert repairs, "the source needed repairs; none recorded"
    assert all(r.source.strip() and r.change.strip() and r.reason.strip() for r in repairs)


def test_the_county_scheme_covers_the_18_units_with_their_groups():
    scheme = read_yaml(builtin_path("luoyang-2018-county"))
    assert scheme.units == COUNTY_UNITS and scheme.total == 200
    assert len(scheme.groups["县(市)"]) == 9 and len(scheme.groups["城市区"]) == 6
    assert scheme.groups["功能区"] == ["高新区", "伊滨区", "龙门园区"]
    assert scheme.aliases["龙门区"] == "龙门园区"


def test_the_units_file_matches_the_schemes_units():
    units = read_units()
    by_scheme = {name: [u.name for u in units if u.scheme == name] for name in NAMES}
    for name in NAMES:
        assert by_scheme[name] == read_yaml(builtin_path(name)).units
    assert Counter(u.category for u in units if u.scheme == NAMES[0]) == {"县(市)": 9, "城市区": 6, "功能区": 3}
    municipal = [u for u in units if u.scheme == NAMES[1]]
    assert municipal and all(u.category == "市直单位" and u.party_organisation for u in municipal)


def test_the_13_departments_are_shipped_and_every_scheme_department_is_one_of_them():
    departments = [d.name for d in read_departments()]
    assert departments == DEPARTMENTS
    for name in NAMES:
        scheme = read_yaml(builtin_path(name))
        named = {d for node in scheme.walk() for d in node.departments}
        assert named <= set(departments)


def test_every_item_and_point_value_of_the_source_is_in_the_curated_schemes(seed_path):
    """Compare with what the official-text reader extracts: nothing of the source is lost, apart
    from rows a repair removed as duplicates."""
    from kaohe.formats.official_text.reader import read_official_text

    drafts = read_official_text(seed_path).schemes
    for draft, name in zip(drafts, NAMES, strict=True):
        curated = read_yaml(builtin_path(name))
        have = Counter((normalize_name(n.content or n.title), n.points) for n in curated.walk() if n.is_leaf)
        removed = sum(sum(1 for leaf in n.walk() if leaf.is_leaf)
                      for n in curated.walk() for r in n.repairs if "删除" in r.change)
        wanted = Counter((normalize_name(n.content or n.title), n.points) for n in draft.walk() if n.is_leaf)
        missing = wanted - have
        assert sum(missing.values()) <= removed, f"{name}: not in the curated scheme: {list(missing)[:5]}"
