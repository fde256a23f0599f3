"""Year over year: the scheme family and the previous cycle."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from kaohe.core.family import CycleKey, family, previous_cycle

COUNTY = "洛阳市县(市、区)党建工作综合考核指标体系({year}年度)"
MUNICIPAL = "洛阳市市直单位党建工作综合考核指标体系({year}年度)"


def key(pk: int, title: str, year: int, *, day: int = 1, published: bool = True) -> CycleKey:
    return CycleKey(pk, title.format(year=year), year, datetime(year + 1, 1, day, tzinfo=UTC), published)


def test_titles_that_differ_only_in_their_year_are_one_family():
    assert family(COUNTY.format(year=2018)) == family(COUNTY.format(year=2019)) == "洛阳市县(市、区)党建工作综合考核指标体系"
    assert family("洛阳市县（市、区）党建工作综合考核指标体系（2019年度）") == family(COUNTY.format(year=2018))
    assert family("2018年洛阳市 考核") == family("2019年 洛阳市考核") == "洛阳市考核"
    assert family(COUNTY.format(year=2018)) != family(MUNICIPAL.format(year=2018))
    assert family("第12345号考核") == "第12345号考核"  # not a year


@given(st.integers(min_value=1900, max_value=2099), st.integers(min_value=1900, max_value=2099))
def test_any_two_years_of_a_title_are_one_family(a, b):
    assert family(COUNTY.format(year=a)) == family(COUNTY.format(year=b))


def test_the_previous_cycle_is_the_latest_earlier_year_of_the_same_family_with_results():
    now = key(1, COUNTY, 2019)
    cycles = [
        key(2, COUNTY, 2018),
        key(3, COUNTY, 2018, day=5),  # created later in 2018's family: this one
        key(4, COUNTY, 2017),
        key(5, MUNICIPAL, 2018, day=9),  # another family
        key(6, COUNTY, 2019, day=2),  # the same year: a re-run, not "last year"
        key(7, COUNTY, 2020),  # later
    ]
    assert previous_cycle(now, cycles).pk == 3
    assert previous_cycle(now, [c for c in cycles if c.pk != 3]).pk == 2
    assert previous_cycle(now, [key(3, COUNTY, 2018, published=False), key(4, COUNTY, 2017)]).pk == 4


def test_no_earlier_cycle_with_results_means_no_comparison():
    now = key(1, COUNTY, 2018)
    assert previous_cycle(now, [now, key(2, COUNTY, 2018), key(3, MUNICIPAL, 2017)]) is None
    assert previous_cycle(now, [key(4, COUNTY, 2017, published=False)]) is None
