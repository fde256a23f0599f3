"""Scoring consistency per department, with hand-computed figures."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

import pytest

from kaohe.core.consistency import (
    FULL_MARKS,
    IDENTICAL,
    NARROW,
    DepartmentInput,
    analyse,
    flagged_first,
)
from kaohe.core.points import rounded_points

D = Decimal


def dept(units, maxima=None, code="d", name="部门"):
    maxima = maxima or {"a": D(10), "b": D(5)}
    return DepartmentInput(code, name, maxima,
                           {u: {i: (None if p is None else D(str(p))) for i, p in items.items()}
                            for u, items in units.items()})


# A: a (max 10), b (max 5).  u1 10+5, u2 10+5, u3 8+5 (13/15), u4 10 + unscored.
MIXED = dept({"u1": {"a": 10, "b": 5}, "u2": {"a": 10, "b": 5}, "u3": {"a": 8, "b": 5},
              "u4": {"a": 10, "b": None}})
# B: x (max 4), y (max 6).  v1–v4 full marks, v5 3.9 + 6 = 9.9 of 10.
UNIFORM = dept({f"v{i}": {"x": 4, "y": 6} for i in range(1, 5)} | {"v5": {"x": "3.9", "y": 6}},
               maxima={"x": D(4), "y": D(6)}, code="b", name="乙部门")


def test_share_counts_scored_items_at_full_marks():
    (result,) = analyse([MIXED])
    # 8 tasks, 7 scored; at full marks: u1 2, u2 2, u3 1 (b), u4 1 (a) = 6.
    assert (result.tasks, result.scored, result.full_marks) == (8, 7, 6)
    assert result.full_marks_share == D(6) / D(7)
    assert rounded_points(result.full_marks_share * 100) == "85.71"


def test_percents_range_and_population_std_dev():
    (result,) = analyse([MIXED])
    percents = {u.unit: (u.obtained, u.maximum, u.percent, u.complete) for u in result.units}
    with localcontext(Context(prec=28)):
        third = D(1300) / D(15)  # 86.666…
        assert percents == {"u1": (D(15), D(15), D(100), True), "u2": (D(15), D(15), D(100), True),
                            "u3": (D(13), D(15), third, True),
                            "u4": (D(10), D(15), D(1000) / D(15), False)}  # unscored b counts 0
        assert result.range == D(100) - third  # u4 is incomplete: not in the spread
    # Complete percents 100, 100, 260/3: mean 860/9, deviations 40/9, 40/9, −80/9,
    # variance (1600 + 1600 + 6400) / 81 / 3 = 3200/81, std dev = 40·√2 / 9 = 6.2853936105…
    assert result.std_dev.quantize(D("1e-10")) == D("6.2853936105")
    assert abs(result.std_dev - D(40) * D(2).sqrt() / 9) < D("1e-24")
    assert rounded_points(result.range) == "13.33"


def test_identical_groups_ignore_units_with_unscored_items():
    (result,) = analyse([MIXED])
    assert result.identical == (("u1", "u2"),)  # u4 has the same a but b unscored
    assert [(f.code, f.message, f.units) for f in result.flags] == [(IDENTICAL, "2个单位得分完全相同", ("u1", "u2"))]

    (partial,) = analyse([dept({"p": {"a": None, "b": 4}, "q": {"a": None, "b": 4}})])
    assert partial.identical == () and partial.flags == ()
    assert (partial.range, partial.std_dev) == (None, None)


def test_uniform_department_gets_every_flag():
    (result,) = analyse([UNIFORM])
    # 10 tasks, all scored, 9 at full marks: share 0.9 (at the threshold).
    assert (result.tasks, result.scored, result.full_marks, result.full_marks_share) == (10, 10, 9, D("0.9"))
    # Percents 100, 100, 100, 100, 99: range 1; mean 99.8, squares 4 × 0.04 + 0.64 = 0.8, ÷ 5 = 0.16.
    assert result.range == D(1)
    assert result.std_dev == D("0.4")
    assert result.identical == (("v1", "v2", "v3", "v4"),)
    assert [(f.code, f.message) for f in result.flags] == [
        (FULL_MARKS, "满分比例过高（90%）"),
        (NARROW, "各单位得分差异很小（极差1分）"),
        (IDENTICAL, "4个单位得分完全相同"),
    ]
    assert result.flagged


def test_thresholds_are_parameters():
    (strict,) = analyse([UNIFORM], full_marks_threshold=D("0.95"), min_range=D(1))
    assert [f.code for f in strict.flags] == [IDENTICAL]  # 0.9 < 0.95; range 1 is not < 1
    (loose,) = analyse([MIXED], full_marks_threshold=D("0.85"), min_range=D(14))
    assert [f.code for f in loose.flags] == [FULL_MARKS, NARROW, IDENTICAL]
    assert loose.flags[0].message == "满分比例过高（85.71%）"
    assert loose.flags[1].message == "各单位得分差异很小（极差13.33分）"
    (few,) = analyse([MIXED], min_range=D(14), min_units=4)  # only 3 complete units
    assert [f.code for f in few.flags] == [IDENTICAL]


def test_narrow_spread_needs_three_units():
    (two,) = analyse([dept({"w1": {"a": 3, "b": 1}, "w2": {"a": 3, "b": 1}})])
    assert (two.range, two.std_dev) == (D(0), D(0))
    assert [f.code for f in two.flags] == [IDENTICAL]  # identical, but no "narrow" with 2 units


def test_department_with_one_unit():
    (result,) = analyse([dept({"z": {"a": 2}}, maxima={"a": D(4)})])
    assert (result.tasks, result.scored, result.full_marks, result.full_marks_share) == (1, 1, 0, D(0))
    assert [(u.unit, u.percent) for u in result.units] == [("z", D(50))]
    assert (result.range, result.std_dev, result.identical, result.flags) == (D(0), D(0), (), ())


def test_department_with_no_scores():
    (result,) = analyse([dept({"u1": {"a": None, "b": None}, "u2": {"a": None, "b": None},
                               "u3": {"a": None}})])
    assert (result.tasks, result.scored, result.full_marks, result.full_marks_share) == (5, 0, 0, None)
    assert [(u.percent, u.complete) for u in result.units] == [(D(0), False)] * 3
    assert (result.range, result.std_dev, result.identical, result.flags) == (None, None, (), ())


def test_variants_compare_only_units_with_the_same_items():
    (result,) = analyse([dept({"p1": {"a": 10}, "p2": {"a": 10, "b": 5}, "p3": {"a": 10}})])
    assert result.identical == (("p1", "p3"),)
    assert [(u.unit, u.maximum, u.percent) for u in result.units] == [
        ("p1", D(10), D(100)), ("p2", D(15), D(100)), ("p3", D(10), D(100))]


def test_zero_maximum_gives_zero_percent():
    (result,) = analyse([dept({"u": {"a": 0}}, maxima={"a": D(0)})])
    assert result.units[0].percent == D(0) and result.full_marks_share == D(1)


def test_flagged_first_keeps_order_within_each_part():
    quiet = dept({"z": {"a": 2}}, maxima={"a": D(4)}, code="q")
    results = analyse([quiet, MIXED, UNIFORM])
    assert [r.code for r in flagged_first(results)] == ["d", "b", "q"]


def test_bad_input_is_refused():
    with pytest.raises(TypeError):
        analyse([DepartmentInput("d", "部门", {"a": D(1)}, {"u": {"a": 0.5}})])
    with pytest.raises(ValueError, match="没有指标"):
        analyse([DepartmentInput("d", "部门", {"a": D(1)}, {"u": {"c": D(1)}})])
    with pytest.raises(ValueError, match="不在0到"):
        analyse([DepartmentInput("d", "部门", {"a": D(1)}, {"u": {"a": D(2)}})])
