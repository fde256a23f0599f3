"""The results engine: percent, adjustments, components, grouped ranks and grades, with hand-computed figures."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.core.results import (
    Adjustment,
    Component,
    DimensionResult,
    DimensionSum,
    GradeBand,
    Quota,
    Rules,
    RulesError,
    UnitInput,
    compute,
    round_score,
    validate_rules,
)

D = Decimal
RULES = Rules()
SURVEY = Component("survey", "满意度测评", D("0.3"))


def unit(code, obtained, maximum=100, group="县", *, tasks=10, scored=None, adjustments=(),
         components=None, dimensions=()):
    return UnitInput(code=code, name=f"单位{code}", group=group, obtained=D(str(obtained)),
                     maximum=D(str(maximum)), tasks=tasks, scored=tasks if scored is None else scored,
                     dimensions=tuple(dimensions), adjustments=tuple(adjustments),
                     components=components or {})


def bonus(points, reason="获得省级表彰"):
    return Adjustment("bonus", D(str(points)), reason, "洛组〔2018〕1号")


def penalty(points, reason="发生违纪问题"):
    return Adjustment("penalty", D(str(points)), reason, "洛纪〔2018〕2号")


def cap(grade="较好", reason="巡察发现问题整改不力", document="洛巡〔2018〕3号"):
    return Adjustment("grade_cap", D(0), reason, document, cap=grade)


def veto(reason="发生重大安全责任事故", document="洛安〔2018〕4号"):
    return Adjustment("veto", D(0), reason, document)


def by_code(results):
    return {r.code: r for r in results}


def table(results):
    """(code, rank, grade) in output order."""
    return [(r.code, r.rank, r.grade) for r in results]


def with_quota(**quota):
    return Rules(top_quota=Quota(**quota))


# -- 1 and 2: sums, percent, completeness ---------------------------------------------------------


def test_percent_converts_units_with_different_maxima_so_they_compare_fairly():
    # 甲 has more points (177 > 174.5) but out of a larger applicable total
    results = compute([unit("甲", 177, 195), unit("乙", "174.5", 192)], RULES)
    assert table(results) == [("乙", 1, "好"), ("甲", 2, "好")]
    got = by_code(results)
    assert got["甲"].percent == D("90.76923076923076923076923077")  # 17700 / 195
    assert got["乙"].percent == D("90.88541666666666666666666667")  # 17450 / 192
    assert (got["甲"].obtained, got["甲"].maximum) == (D(177), D(195))
    assert got["甲"].final == got["甲"].adjusted == got["甲"].percent


def test_dimension_sums_are_shown_as_points_and_as_percent():
    dimensions = [DimensionSum("1", "政治建设", D(33), D(35)), DimensionSum("2", "思想建设", D("27.5"), D(30)),
                  DimensionSum("3", "功能区专项", D(0), D(0))]
    (result,) = compute([unit("甲", "60.5", 65, dimensions=dimensions)], RULES)
    assert result.dimensions == (
        DimensionResult("1", "政治建设", D(33), D(35), D("94.28571428571428571428571429")),
        DimensionResult("2", "思想建设", D("27.5"), D(30), D("91.66666666666666666666666667")),
        DimensionResult("3", "功能区专项", D(0), D(0), D(0)),
    )
    assert result.percent == D("93.07692307692307692307692308")  # 6050 / 65


def test_units_sharing_one_dimension_sum_get_the_same_result_and_each_reports_a_bad_one():
    # the database side shares one DimensionSum between units with the same sums (kaohe.results.sums)
    shared = DimensionSum("1", "政治建设", D(5), D(10))
    first, second = compute([unit("甲", 5, 10, dimensions=[shared]), unit("乙", 5, 10, dimensions=[shared])], RULES)
    assert first.dimensions == second.dimensions == (DimensionResult("1", "政治建设", D(5), D(10), D(50)),)
    broken = DimensionSum("1", "政治建设", D(12), D(10))
    with pytest.raises(RulesError) as raised:
        compute([unit("甲", 10, 10, dimensions=[broken]), unit("乙", 10, 10, dimensions=[broken])], RULES)
    assert [p for p in raised.value.problems if "政治建设" in p] == [
        "单位甲（甲）“政治建设”的得分12超过满分10。", "单位乙（乙）“政治建设”的得分12超过满分10。"]


def test_inputs_from_an_iterator_are_read_once_and_give_the_same_results():
    inputs = [unit("甲", 5, 10), unit("乙", "7.5", 10), unit("丙", 5, 10, tasks=4, scored=3)]
    assert compute(iter(inputs), RULES) == compute(inputs, RULES)
    with pytest.raises(RulesError, match="单位编码重复：甲"):  # duplicates are still found in one pass
        compute(iter([unit("甲", 5, 10), unit("甲", 6, 10)]), RULES)


def test_inputs_made_one_at_a_time_get_their_own_dimension_results():
    # each input (and its DimensionSum) is freed once scored, so a new one may take its address
    def one_at_a_time():
        for n in range(200):
            yield unit(f"U{n:03d}", n % 10, 10, dimensions=[DimensionSum("1", "政治建设", D(n % 10), D(10))])

    results = compute(one_at_a_time(), RULES)
    assert len(results) == 200
    assert all(r.dimensions[0].obtained == r.obtained for r in results)


def test_units_with_equal_sums_share_one_percent_and_the_final_is_the_adjusted_score():
    results = by_code(compute([unit("甲", 5, 10), unit("乙", "5.0", 10), unit("丙", 6, 10)], RULES))
    first, second, third = results["甲"], results["乙"], results["丙"]
    assert first.percent is second.percent and first.percent == D(50) and third.percent == D(60)
    assert first.final is first.adjusted  # one component at weight 1: one Decimal, not two


def test_unscored_items_mark_the_result_incomplete_and_say_how_many():
    results = by_code(compute([unit("甲", 72, tasks=40, scored=38), unit("乙", 95, tasks=40)], RULES))
    assert results["甲"].complete is False
    assert results["甲"].explanation == ("评分未完成（已评38/共40项）",)
    assert results["甲"].percent == D(72)  # the unscored items count as 0 in the database's sum
    assert results["乙"].complete is True and results["乙"].explanation == ()


def test_a_unit_without_applicable_items_scores_zero_instead_of_dividing_by_zero():
    (result,) = compute([unit("甲", 0, 0, tasks=0)], RULES)
    assert (result.percent, result.final, result.rank, result.grade) == (D(0), D(0), 1, "差")
    assert result.complete is True
    assert result.explanation == ("没有适用的考核内容（满分为0），指标得分按0分计",)


# -- 3: adjustments ------------------------------------------------------------------------------


def test_bonuses_are_summed_and_capped_per_unit_at_five_by_default():
    results = by_code(compute([unit("甲", 80, adjustments=[bonus(3), bonus(4)]),
                               unit("乙", 80, adjustments=[bonus("2.5")])], RULES))
    assert (results["甲"].bonus, results["甲"].adjusted) == (D(5), D(85))
    assert results["甲"].explanation == ("加分合计7分，超过上限，按5分计",)
    assert (results["乙"].bonus, results["乙"].adjusted, results["乙"].explanation) == (D("2.5"), D("82.5"), ())


def test_the_bonus_cap_is_configurable_and_may_lift_a_score_above_100():
    (result,) = compute([unit("甲", 99, adjustments=[bonus(3), bonus(4)])], Rules(bonus_cap=D(6)))
    assert (result.bonus, result.adjusted, result.final) == (D(6), D(105), D(105))


def test_penalties_are_uncapped_but_the_adjusted_score_never_goes_below_zero():
    results = by_code(compute([unit("甲", 90, adjustments=[penalty(7), penalty(3), bonus(1)]),
                               unit("乙", 2, adjustments=[penalty("1.5"), penalty(2)])], RULES))
    assert (results["甲"].penalty, results["甲"].adjusted) == (D(10), D(81))  # 90 + 1 − 10
    assert (results["乙"].penalty, results["乙"].adjusted, results["乙"].final) == (D("3.5"), D(0), D(0))
    assert results["乙"].explanation == ("扣分后得分低于0分，按0分计",)


@pytest.mark.parametrize("kind", ["bonus", "penalty", "grade_cap", "veto"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_an_adjustment_without_a_reason_is_refused(kind, reason):
    points = D(1) if kind in ("bonus", "penalty") else D(0)
    with pytest.raises(ValueError, match="必须写明理由"):
        Adjustment(kind, points, reason, "洛组〔2018〕1号", cap="较好")


def test_an_adjustment_with_an_unknown_kind_negative_points_or_no_cap_grade_is_refused():
    with pytest.raises(RulesError, match="未知的调整类型"):
        Adjustment("malus", D(1), "理由")
    with pytest.raises(RulesError, match="不能为负数"):
        Adjustment("penalty", D(-1), "理由")
    with pytest.raises(RulesError, match="分值应为0"):
        Adjustment("veto", D(1), "理由")
    with pytest.raises(RulesError, match="最高可评的等次"):
        Adjustment("grade_cap", D(0), "理由")


# -- 4: components -------------------------------------------------------------------------------


def test_the_final_score_is_the_weighted_sum_of_the_components():
    rules = Rules(components=(Component("adjusted", "调整后得分", D("0.6")), SURVEY,
                              Component("review", "述职评议", D("0.1"))))
    (result,) = compute([unit("甲", 86, adjustments=[bonus(4)], components={"survey": D(80), "review": D(70)})],
                        rules)
    assert result.components == {"adjusted": D(90), "survey": D(80), "review": D(70)}
    assert result.final == D(85)  # 0.6 × 90 + 0.3 × 80 + 0.1 × 70 = 54 + 24 + 7
    assert result.grade == "较好"


def test_component_values_the_rules_do_not_use_are_ignored():
    (result,) = compute([unit("甲", 90, components={"survey": D(10)})], RULES)
    assert result.components == {"adjusted": D(90)} and result.final == D(90)


def test_a_missing_component_value_names_the_unit_and_the_component():
    rules = Rules(components=(Component("adjusted", "调整后得分", D("0.7")), SURVEY))
    with pytest.raises(RulesError) as error:
        compute([unit("甲", 90, components={"survey": D(80)}), unit("乙", 90)], rules)
    assert error.value.problems == ("单位乙（乙）缺少“满意度测评”（survey）的分值。",)


@pytest.mark.parametrize("value", [D(-1), D("100.01")])
def test_component_values_outside_0_to_100_are_refused(value):
    rules = Rules(components=(Component("adjusted", "调整后得分", D("0.7")), SURVEY))
    with pytest.raises(RulesError, match="应在0到100之间"):
        compute([unit("甲", 90, components={"survey": value})], rules)


# -- 5: ranks ------------------------------------------------------------------------------------


def test_equal_scores_share_a_rank_the_next_rank_skips_and_ties_are_listed_by_code():
    units = [unit("u3", 90), unit("u1", 80), unit("u2", 90), unit("u4", 95)]
    assert table(compute(units, RULES)) == [("u4", 1, "好"), ("u2", 2, "好"), ("u3", 2, "好"), ("u1", 4, "较好")]


def test_ranks_compare_finals_rounded_half_up_to_two_decimals():
    results = compute([unit("a", "89.994"), unit("c", "90.004"), unit("b", "89.995")], RULES)
    # 89.995 → 90.00 ties with 90.004 → 90.00; 89.994 → 89.99
    assert table(results) == [("b", 1, "好"), ("c", 1, "好"), ("a", 3, "较好")]
    assert [r.final for r in results] == [D("89.995"), D("90.004"), D("89.994")]  # stored unrounded


def test_the_rank_places_are_configurable():
    results = compute([unit("a", "89.4"), unit("b", "90.4"), unit("c", "89.5")], Rules(rank_places=0))
    assert table(results) == [("b", 1, "好"), ("c", 1, "好"), ("a", 3, "较好")]  # 90, 90, 89


def test_round_score_rounds_half_up_for_display():
    assert round_score(D("89.995")) == D("90.00")
    assert str(round_score(D("89.994"))) == "89.99"
    assert str(round_score(D("90.76923076923076923076923077"), 1)) == "90.8"
    assert str(round_score(D(85), 2)) == "85.00"


# -- 6: grades -----------------------------------------------------------------------------------


@pytest.mark.parametrize("score, grade", [
    ("100", "好"), ("90", "好"), ("89.995", "好"), ("89.994", "较好"), ("80", "较好"), ("79.99", "一般"),
    ("60", "一般"), ("59.99", "差"), ("0", "差"),
])
def test_grades_follow_the_thresholds_on_the_rounded_final(score, grade):
    (result,) = compute([unit("甲", score)], RULES)
    assert result.grade == grade


def test_grade_bands_are_configurable():
    rules = Rules(grades=(GradeBand("优秀", D(95)), GradeBand("合格", D("60.5")), GradeBand("不合格", D(0))))
    results = compute([unit("a", 96), unit("b", "60.5"), unit("c", "60.49")], rules)
    assert table(results) == [("a", 1, "优秀"), ("b", 2, "合格"), ("c", 3, "不合格")]


def test_a_quota_share_is_rounded_down_per_group():
    county = [unit(c, s) for c, s in zip("abcdefg", [99, 98, 97, 96, 95, 85, 70], strict=True)]
    zones = [unit(c, 99, group="功能区") for c in "wxy"] + [unit("z", 95, group="功能区")]
    results = compute(county + zones, with_quota(share=D("0.3")))
    assert table(results) == [
        ("a", 1, "好"), ("b", 2, "好"), ("c", 3, "较好"), ("d", 4, "较好"), ("e", 5, "较好"),
        ("f", 6, "较好"), ("g", 7, "一般"),  # 县: floor(0.3 × 7) = 2
        ("w", 1, "较好"), ("x", 1, "较好"), ("y", 1, "较好"), ("z", 4, "较好"),  # 功能区: floor(0.3 × 4) = 1
    ]
    got = by_code(results)
    assert got["c"].explanation == ("名额限制：好等次限2个（本组7个单位×30%，向下取整），第3名评为较好",)
    assert got["f"].explanation == ()  # 较好 by its score, not because of the quota
    assert got["w"].explanation == ("名额限制：好等次限1个（本组4个单位×30%，向下取整），并列第1名的3个单位均评为较好",)


def test_a_quota_count_caps_the_top_grade():
    results = compute([unit("a", 95), unit("b", 92), unit("c", 91), unit("d", 85)], with_quota(count=1))
    assert table(results) == [("a", 1, "好"), ("b", 2, "较好"), ("c", 3, "较好"), ("d", 4, "较好")]
    assert by_code(results)["b"].explanation == ("名额限制：好等次限1个，第2名评为较好",)


def test_units_tied_at_the_quota_boundary_all_get_the_next_grade():
    # 93.004 and 92.995 both compare as 93.00: three units tied for second place, two places
    units = [unit("d", "92.995"), unit("a", 96), unit("c", "93.004"), unit("b", 93), unit("e", 85)]
    results = compute(units, with_quota(count=2))
    assert table(results) == [("a", 1, "好"), ("b", 2, "较好"), ("c", 2, "较好"), ("d", 2, "较好"), ("e", 5, "较好")]
    for code in "bcd":
        assert by_code(results)[code].explanation == ("名额限制：好等次限2个，并列第2名的3个单位均评为较好",)


def test_a_tie_that_fits_inside_the_quota_keeps_the_top_grade():
    results = compute([unit("a", 96), unit("b", 93), unit("c", 93), unit("d", 92)], with_quota(count=3))
    assert table(results) == [("a", 1, "好"), ("b", 2, "好"), ("c", 2, "好"), ("d", 4, "较好")]


def test_a_quota_of_all_or_none():
    units = [unit("a", 96), unit("b", 93)]
    assert [r.grade for r in compute(units, with_quota(share=D(1)))] == ["好", "好"]
    assert [r.grade for r in compute(units, with_quota(count=0))] == ["较好", "较好"]


def test_a_grade_cap_applies_after_the_quota_and_does_not_free_a_place():
    units = [unit("a", 96, adjustments=[cap("较好")]), unit("b", 94), unit("c", 92)]
    results = compute(units, with_quota(count=2))
    assert table(results) == [("a", 1, "较好"), ("b", 2, "好"), ("c", 3, "较好")]
    got = by_code(results)
    assert got["a"].final == D(96)  # a cap changes the grade only
    assert got["a"].explanation == ("不得评为好等次：巡察发现问题整改不力（洛巡〔2018〕3号）",)
    assert got["c"].explanation == ("名额限制：好等次限2个，第3名评为较好",)


def test_a_veto_applies_after_the_quota_and_does_not_free_a_place_either():
    units = [unit("a", 96, adjustments=[veto()]), unit("b", 94), unit("c", 92)]
    results = compute(units, with_quota(count=2))
    assert table(results) == [("a", 1, "差"), ("b", 2, "好"), ("c", 3, "较好")]


def test_a_grade_cap_keeps_the_unit_at_or_below_the_named_grade_and_explains_only_what_it_changed():
    units = [unit("a", 85, adjustments=[cap("一般", document="")]), unit("b", 70, adjustments=[cap("较好")]),
             unit("c", 95, adjustments=[cap("较好"), cap("一般", reason="年度目标未完成")])]
    got = by_code(compute(units, RULES))
    assert (got["a"].grade, got["a"].explanation) == ("一般", ("不得评为好、较好等次：巡察发现问题整改不力",))
    assert (got["b"].grade, got["b"].explanation) == ("一般", ())  # 一般 already
    assert got["c"].grade == "一般"  # the strictest cap wins
    assert got["c"].explanation == ("不得评为好等次：巡察发现问题整改不力（洛巡〔2018〕3号）",
                                    "不得评为好、较好等次：年度目标未完成（洛巡〔2018〕3号）")


def test_a_cap_naming_an_unknown_grade_is_an_error():
    with pytest.raises(RulesError, match="等次限制“优秀”不是已设置的等次"):
        compute([unit("a", 85, adjustments=[cap("优秀")])], RULES)


def test_a_veto_gives_the_lowest_grade_but_keeps_score_and_rank():
    results = compute([unit("a", 98, adjustments=[veto(), bonus(2)]), unit("b", 91)], RULES)
    assert table(results) == [("a", 1, "差"), ("b", 2, "好")]
    vetoed = results[0]
    assert vetoed.final == D(100)
    assert vetoed.explanation == ("一票否决：发生重大安全责任事故（洛安〔2018〕4号）",)


def test_groups_are_ranked_and_graded_independently_in_order_of_first_appearance():
    units = [unit("z1", 70, group="区"), unit("x1", 95, group="县"), unit("z2", 92, group="区"),
             unit("x2", 91, group="县"), unit("y1", 50, group="功能区")]
    results = compute(units, with_quota(count=1))
    assert [(r.group, r.code, r.rank, r.grade) for r in results] == [
        ("区", "z2", 1, "好"), ("区", "z1", 2, "一般"),
        ("县", "x1", 1, "好"), ("县", "x2", 2, "较好"),
        ("功能区", "y1", 1, "差"),
    ]


def test_no_units_give_no_results():
    assert compute([], RULES) == []
    assert compute((), with_quota(share=D("0.2"))) == []


# -- 7: precision and input ----------------------------------------------------------------------


def test_results_keep_full_precision_whatever_the_callers_decimal_context():
    with localcontext() as context:
        context.prec = 4
        (result,) = compute([unit("甲", 177, 195, adjustments=[bonus("0.25")])], RULES)
    assert result.percent == D("90.76923076923076923076923077")
    assert result.final == D("91.01923076923076923076923077")


def test_floats_are_refused_everywhere():
    with pytest.raises(TypeError, match="不能是float"):
        UnitInput("a", "甲", "县", 89.5, D(100), 1, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="不能是float"):
        GradeBand("好", 90.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="不能是float"):
        unit("a", 90, components={"survey": 80.0})


def test_integers_are_accepted_as_decimals():
    assert GradeBand("好", 90).threshold == D(90)  # type: ignore[arg-type]
    assert isinstance(UnitInput("a", "甲", "县", 90, 100, 1, 1).obtained, Decimal)  # type: ignore[arg-type]


def test_impossible_sums_and_duplicate_codes_are_reported_together():
    with pytest.raises(RulesError) as error:
        compute([unit("a", 101), unit("a", 90), unit("b", 5, tasks=3, scored=4),
                 unit("c", 5, dimensions=[DimensionSum("1", "政治建设", D(-1), D(35))])], RULES)
    assert error.value.problems == (
        "单位编码重复：a。",
        "单位a（a）的得分101超过满分100。",
        "单位b（b）的已评项数4与适用项数3不合理。",
        "单位c（c）“政治建设”的得分不能为负数：-1。",
    )


# -- the rules -----------------------------------------------------------------------------------


def test_the_default_rules_are_valid():
    assert validate_rules(RULES) == []
    assert validate_rules(Rules(components=(Component("adjusted", "调整后得分", D("0.7")), SURVEY),
                                top_quota=Quota(share=D("0.2")))) == []


def test_validate_rules_reports_every_problem_in_chinese():
    rules = Rules(
        components=(Component("adjusted", "调整后得分", D("0.6")), Component("survey", "满意度测评", D("-0.1")),
                    Component("survey", "群众满意度", D("0.3"))),
        bonus_cap=D(-1),
        grades=(GradeBand("好", D(90)), GradeBand("", D(95)), GradeBand("差", D(10))),
        top_quota=Quota(share=D("1.5")),
        rank_places=-1,
    )
    assert validate_rules(rules) == [
        "“满意度测评”的权重不能为负数，现为-0.1。",
        "得分组成部分的键“survey”重复。",
        "各得分组成部分的权重之和应恰好为1，现为0.8。",
        "加分上限不能为负数，现为-1。",
        "排名比较的小数位数不能为负数，现为-1。",
        "第2个等次的名称为空。",
        "等次分数线应从高到低严格递减：“”的分数线95不低于“好”的90。",
        "最后一个等次“差”的分数线应为0，现为10。",
        "名额比例应大于0且不超过1（100%），现为1.5。",
    ]


@pytest.mark.parametrize("rules, message", [
    (Rules(components=(Component("adjusted", "调整后得分", D("0.5")), SURVEY)), "权重之和应恰好为1，现为0.8"),
    (Rules(components=()), "没有设置任何得分组成部分"),
    (Rules(grades=()), "没有设置任何等次"),
    (Rules(grades=(GradeBand("好", D(90)), GradeBand("较好", D(90)), GradeBand("差", D(0)))), "严格递减"),
    (Rules(grades=(GradeBand("好", D(90)), GradeBand("好", D(0)))), "等次名称“好”重复"),
    (Rules(grades=(GradeBand("合格", D(0)),), top_quota=Quota(count=1)), "至少需要两个等次"),
    (with_quota(share=D(0)), "名额比例应大于0且不超过1"),
    (with_quota(share=D("-0.2")), "名额比例应大于0且不超过1"),
    (with_quota(count=-1), "名额个数不能为负数"),
    (with_quota(), "应设置比例或个数"),
    (with_quota(share=D("0.2"), count=2), "只能按比例或按个数设置其中一种"),
    (Rules(rank_places=11), "不能超过10"),
])
def test_each_invalid_rule_is_reported(rules, message):
    problems = validate_rules(rules)
    assert len(problems) == 1 and message in problems[0]


def test_compute_refuses_invalid_rules_with_all_their_problems():
    rules = Rules(bonus_cap=D(-1), top_quota=Quota(count=-2))
    with pytest.raises(RulesError) as error:
        compute([unit("a", 90)], rules)
    assert error.value.problems == ("加分上限不能为负数，现为-1。", "名额个数不能为负数，现为-2。")
    assert str(error.value) == "加分上限不能为负数，现为-1。；名额个数不能为负数，现为-2。"
    assert isinstance(error.value, ValueError)


# -- properties ----------------------------------------------------------------------------------

GROUPS = ["县(市)", "城市区", "功能区"]
NAMES = [g.name for g in RULES.grades]


@st.composite
def adjustments(draw):
    kind = draw(st.sampled_from(["bonus", "penalty", "grade_cap", "veto"]))
    if kind in ("bonus", "penalty"):
        return Adjustment(kind, D(draw(st.integers(0, 4))), "理由")
    return Adjustment(kind, D(0), "理由", cap=draw(st.sampled_from(NAMES)) if kind == "grade_cap" else "")


@st.composite
def cases(draw):
    count = draw(st.integers(0, 14))
    units = []
    for i in range(count):
        maximum = draw(st.sampled_from([10, 20, 10, 0, 192, 195]))  # small maxima give many ties
        top = st.integers(maximum * 2 * 9 // 10, maximum * 2)  # ≥ 90%: the top grade, ties and the quota
        halves = st.one_of(top, top, st.integers(0, maximum * 2))
        obtained = D(draw(halves)) / 2
        units.append(UnitInput(
            code=f"u{i:02d}", name=f"单位{i}", group=draw(st.sampled_from(GROUPS)), obtained=obtained,
            maximum=D(maximum), tasks=4, scored=draw(st.integers(0, 4)),
            adjustments=tuple(draw(st.lists(adjustments(), max_size=2))) if draw(st.booleans()) else (),
        ))
    quota = draw(st.one_of(
        st.none(),
        st.integers(1, 10).map(lambda k: Quota(share=D(k) / 10)),
        st.integers(0, 4).map(lambda n: Quota(count=n)),
    ))
    return units, Rules(top_quota=quota, rank_places=draw(st.integers(0, 3)))


@settings(max_examples=150, deadline=None)
@given(cases(), st.data())
def test_ranks_and_grades_are_a_function_of_the_units_not_of_their_order(case, data):
    units, rules = case
    results = compute(units, rules)
    shuffled = compute(data.draw(st.permutations(units)), rules)
    assert by_code(shuffled) == by_code(results)
    assert len(results) == len(units)

    groups = list(dict.fromkeys(u.group for u in units))
    assert results == sorted(results, key=lambda r: (groups.index(r.group), r.rank, r.code))
    for group in groups:
        members = [r for r in results if r.group == group]
        rounded = {r.code: round_score(r.final, rules.rank_places) for r in members}
        assert min(r.rank for r in members) == 1
        for r in members:
            assert r.rank == 1 + sum(1 for other in members if rounded[other.code] > rounded[r.code])
        if rules.top_quota is not None:
            allowed = rules.top_quota.allowed(len(members))
            assert sum(1 for r in members if r.grade == NAMES[0]) <= allowed
