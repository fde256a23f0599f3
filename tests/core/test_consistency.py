"""Scoring consistency per department: the counts, the discrimination (区分度) against the peers'
median, the flags (a department that gives everyone the same score is flagged; normal spread is not),
each finding worded once."""

from __future__ import annotations

import random
from decimal import Context, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.core.consistency import (
    IDENTICAL,
    LOW,
    UNIFORM,
    DepartmentInput,
    analyse,
    discrimination,
    flagged_first,
    median,
)
from kaohe.core.points import rounded_points

D = Decimal


def dept(units, maxima=None, code="d", name="部门"):
    maxima = maxima or {"a": D(10), "b": D(5)}
    return DepartmentInput(code, name, maxima,
                           {u: {i: (None if p is None else D(str(p))) for i, p in items.items()}
                            for u, items in units.items()})


def spread(code: str, seed: int, *, units: int = 18, items: int = 12, care: float = 0.3,
           deepest: int | None = None) -> DepartmentInput:
    """A department scoring as departments do: each unit loses tenths on some items (at most
    `deepest` tenths; by default up to the whole item)."""
    rng = random.Random(seed)
    maxima = {f"i{k}": D(rng.choice([1, 2, 3, 5])) for k in range(items)}
    scores = {}
    for u in range(units):
        scores[f"u{u}"] = {item: (m - D(rng.randint(1, deepest or int(m * 10))) / 10 if rng.random() < care else m)
                           for item, m in maxima.items()}
    return DepartmentInput(code, f"部门{code}", maxima, scores)


def everyone_the_same(code: str, *, units: int = 12) -> DepartmentInput:
    maxima = {"x": D(4), "y": D(6)}
    return DepartmentInput(code, f"部门{code}", maxima, {f"u{u}": {"x": D(4), "y": D("5.5")} for u in range(units)})


# --- counts -------------------------------------------------------------------------------------

# A: a (max 10), b (max 5).  u1 10+5, u2 10+5, u3 8+5 (13/15), u4 10 + unscored.
MIXED = dept({"u1": {"a": 10, "b": 5}, "u2": {"a": 10, "b": 5}, "u3": {"a": 8, "b": 5},
              "u4": {"a": 10, "b": None}})


def test_share_counts_scored_items_at_full_marks():
    (result,) = analyse([MIXED])
    # 8 tasks, 7 scored; at full marks: u1 2, u2 2, u3 1 (b), u4 1 (a) = 6.
    assert (result.tasks, result.scored, result.full_marks) == (8, 7, 6)
    assert result.full_marks_share == D(6) / D(7)
    assert rounded_points(result.full_marks_share * 100) == "85.71"


def test_percents_per_unit():
    (result,) = analyse([MIXED])
    percents = {u.unit: (u.obtained, u.maximum, u.percent, u.complete) for u in result.units}
    with localcontext(Context(prec=28)):
        assert percents == {"u1": (D(15), D(15), D(100), True), "u2": (D(15), D(15), D(100), True),
                            "u3": (D(13), D(15), D(1300) / D(15), True),
                            "u4": (D(10), D(15), D(1000) / D(15), False)}  # unscored b counts 0


# --- the discrimination -------------------------------------------------------------------------


def test_discrimination_is_the_point_weighted_mean_of_each_items_spread_in_percent():
    # a (max 10): 10, 10, 8, 10 → 100, 100, 80, 100 %: mean 95, SD √((25·3 + 225)/4) = √75
    # b (max 5): 5, 5, 5 (u4 unscored) → SD 0.  Weighted: (10·√75 + 5·0) / 15
    value, items = discrimination(MIXED.maxima, MIXED.units)
    assert items == 2
    assert abs(value - D(10) * D(75).sqrt() / 15) < D("1e-20")
    (result,) = analyse([MIXED])
    assert result.discrimination == value and result.items_measured == 2


def test_items_scored_for_fewer_than_three_units_are_not_measured():
    two = dept({"p": {"a": 10, "b": 1}, "q": {"a": 0, "b": 5}})
    assert discrimination(two.maxima, two.units) == (None, 0)
    result, _other = analyse([two, spread("s", 1)])
    assert result.discrimination is None and result.flag is None  # not measured: nothing said
    assert discrimination(two.maxima, two.units, min_units=2)[1] == 2


def test_median():
    assert median([]) is None and median([D(3)]) == D(3)
    assert median([D(5), D(1), D(3)]) == D(3) and median([D(4), D(1), D(3), D(10)]) == D("3.5")


# --- the flags ----------------------------------------------------------------------------------


def test_a_department_that_gives_everyone_the_same_score_is_flagged_normal_spread_is_not():
    departments = [spread(f"s{i}", seed=i) for i in range(8)] + [everyone_the_same("same")]
    results = {r.code: r for r in analyse(departments)}
    assert results["same"].discrimination == 0
    assert results["same"].flag.code == UNIFORM and results["same"].flag.message == "各单位每项得分都相同"
    assert [code for code, r in results.items() if r.flagged] == ["same"]
    assert all(r.reference is not None for r in results.values())


def test_measurably_less_than_the_peers_is_half_their_median():
    peers = [spread(f"s{i}", seed=i) for i in range(6)]
    values = [r.discrimination for r in analyse(peers)]
    reference = median(values)
    # a department of the same kind that takes off a tenth of a point where the others take more
    lazy = spread("lazy", seed=99, deepest=1)
    results = {r.code: r for r in analyse([*peers, lazy])}
    lazy_value = results["lazy"].discrimination
    assert 0 < lazy_value < reference / 2
    assert results["lazy"].flag.code == LOW and results["lazy"].reference == reference
    assert results["lazy"].flag.message == (f"区分度{rounded_points(lazy_value)}，低于其他部门中位数"
                                            f"{rounded_points(reference)}的50%")
    assert not any(r.flagged for code, r in results.items() if code != "lazy")
    # the ratio is a parameter: at a quarter of the median it is not flagged
    quarter = {r.code: r for r in analyse([*peers, lazy], ratio=D("0.25"))}
    assert quarter["lazy"].flagged == (lazy_value < reference / 4)


def test_one_department_alone_has_no_peers_and_is_flagged_only_when_uniform():
    (alone,) = analyse([spread("s", 1)])
    assert alone.reference is None and not alone.flagged
    (same,) = analyse([everyone_the_same("x")])
    assert same.flag.code == UNIFORM


def test_each_finding_is_worded_once():
    """Two groups of six identical units: one note, not "6个单位得分完全相同；6个单位得分完全相同"."""
    maxima = {"x": D(4), "y": D(6)}
    units = {f"a{u}": {"x": D(4), "y": D(6)} for u in range(6)} | {f"b{u}": {"x": D(3), "y": D(6)} for u in range(6)}
    (result,) = analyse([DepartmentInput("d", "部门", maxima, units)])
    assert result.identical == (tuple(f"a{u}" for u in range(6)), tuple(f"b{u}" for u in range(6)))
    assert [(n.code, n.message) for n in result.notes] == [(IDENTICAL, "2组单位各项得分完全相同（共12个单位）")]
    assert not result.flagged  # units told apart on item x: not uniform, and no peers to be below
    (one,) = analyse([dept({"p": {"a": 3, "b": 1}, "q": {"a": 3, "b": 1}, "r": {"a": 1, "b": 1}})])
    assert [n.message for n in one.notes] == ["2个单位各项得分完全相同"]


units_ = st.integers(min_value=3, max_value=10)


@st.composite
def departments(draw, count: int):
    result = []
    for d in range(count):
        items = draw(st.integers(min_value=1, max_value=5))
        maxima = {f"i{k}": D(draw(st.integers(min_value=1, max_value=20))) / 2 for k in range(items)}
        units = {}
        for u in range(draw(units_)):
            units[f"u{u}"] = {item: D(draw(st.integers(min_value=0, max_value=int(m * 10)))) / 10
                              for item, m in maxima.items()}
        result.append(DepartmentInput(f"d{d}", f"部门{d}", maxima, units))
    return result


@settings(max_examples=60, deadline=None)
@given(departments(4), st.integers(min_value=2, max_value=9))
def test_the_statistic_does_not_depend_on_scale_or_order(depts, factor):
    for dept_ in depts:
        value, items = discrimination(dept_.maxima, dept_.units)
        scaled = {u: {i: p * factor for i, p in s.items()} for u, s in dept_.units.items()}
        assert discrimination({i: m * factor for i, m in dept_.maxima.items()}, scaled) == (value, items) or \
            abs(discrimination({i: m * factor for i, m in dept_.maxima.items()}, scaled)[0] - value) < D("1e-20")
        backwards = dict(reversed(list(dept_.units.items())))
        assert abs(discrimination(dept_.maxima, backwards)[0] - value) < D("1e-20")
        assert D(0) <= value <= D(50)  # a percent's SD is at most half the range 0–100


@settings(max_examples=60, deadline=None)
@given(departments(5))
def test_a_flag_means_uniform_or_below_half_the_peers_median(depts):
    results = analyse(depts)
    values = [r.discrimination for r in results]
    for index, result in enumerate(results):
        peers = median([v for i, v in enumerate(values) if i != index and v is not None])
        assert result.reference == peers
        low = result.discrimination is not None and peers is not None and result.discrimination < peers / 2
        uniform = result.discrimination == 0
        assert result.flagged == (uniform or low)
        assert len({f.message for f in (*result.flags, *result.notes)}) == len(result.flags) + len(result.notes)


@settings(max_examples=30, deadline=None)
@given(departments(1), st.integers(min_value=2, max_value=6))
def test_copies_of_one_department_flag_none_unless_it_is_uniform(one, copies):
    results = analyse([DepartmentInput(f"c{i}", "部门", one[0].maxima, one[0].units) for i in range(copies)])
    assert all(r.flagged == (r.discrimination == 0) for r in results)


# --- order and bad input ------------------------------------------------------------------------


def test_flagged_first_keeps_order_within_each_part():
    results = analyse([spread("a", 1), everyone_the_same("b"), spread("c", 2)])
    assert [r.code for r in flagged_first(results)] == ["b", "a", "c"]


def test_department_with_no_scores():
    (result,) = analyse([dept({"u1": {"a": None, "b": None}, "u2": {"a": None, "b": None}, "u3": {"a": None}})])
    assert (result.tasks, result.scored, result.full_marks, result.full_marks_share) == (5, 0, 0, None)
    assert (result.discrimination, result.flag, result.identical, result.notes) == (None, None, (), ())


def test_zero_maximum_gives_zero_percent_and_is_not_measured():
    (result,) = analyse([dept({"u": {"a": 0}, "v": {"a": 0}, "w": {"a": 0}}, maxima={"a": D(0)})])
    assert result.units[0].percent == D(0) and result.full_marks_share == D(1) and result.discrimination is None


def test_bad_input_is_refused():
    with pytest.raises(TypeError):
        analyse([DepartmentInput("d", "部门", {"a": D(1)}, {"u": {"a": 0.5}})])
    with pytest.raises(TypeError):
        analyse([MIXED], ratio=0.5)
    with pytest.raises(ValueError, match="没有指标"):
        analyse([DepartmentInput("d", "部门", {"a": D(1)}, {"u": {"c": D(1)}})])
    with pytest.raises(ValueError, match="不在0到"):
        analyse([DepartmentInput("d", "部门", {"a": D(1)}, {"u": {"a": D(2)}})])
