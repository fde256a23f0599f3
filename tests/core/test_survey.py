"""The survey's pure core: codes (alphabet, entropy, check symbol), ballots read from the form, and
the arithmetic of the results (valid-ballot rule, averages, weights, rounding, minimum group size)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from kaohe.core.survey import (
    ALPHABET,
    CODE_LENGTH,
    DEFAULT_OPTIONS,
    BallotError,
    Definition,
    Group,
    Option,
    Question,
    Target,
    check_symbol,
    field_name,
    format_code,
    hundredths,
    new_code,
    normalize_code,
    read_ballot,
    tally,
    validate_definition,
)

OVERALL = Question("overall", "总体评价", Decimal(1), DEFAULT_OPTIONS)
A, B, C = Target("a", "甲县"), Target("b", "乙县"), Target("c", "丙区")
LEADERS, CADRES = Group("g1", "市级领导", Decimal("0.4")), Group("g2", "干部群众代表", Decimal("0.6"))


def definition(**changes) -> Definition:
    values = dict(targets=(A, B, C), groups=(LEADERS, CADRES), questions=(OVERALL,), min_group_size=1)
    values.update(changes)
    return Definition(**values)


# -- codes


def test_the_alphabet_has_no_confusable_symbols_and_a_prime_size():
    assert not set("0O1IL") & set(ALPHABET)
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert all(31 % d for d in range(2, 31))


def test_a_code_carries_at_least_50_bits():
    assert (CODE_LENGTH - 1) * math.log2(len(ALPHABET)) >= 50


def test_new_codes_are_valid_distinct_and_use_the_alphabet():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
        assert normalize_code(code) == code


def test_every_single_substitution_and_neighbour_swap_is_caught():
    code = new_code()
    for position in range(CODE_LENGTH):
        for symbol in ALPHABET:
            if symbol != code[position]:
                assert normalize_code(code[:position] + symbol + code[position + 1:]) is None
    for position in range(CODE_LENGTH - 1):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
        if swapped != code:
            assert normalize_code(swapped) is None


def test_a_typed_code_is_accepted_in_lower_case_full_width_and_with_separators():
    code = new_code()
    printed = format_code(code)
    assert printed.count("-") == 2 and printed.replace("-", "") == code
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())
    for typed in (printed, printed.lower(), f"  {code[:4]} {code[4:8]} {code[8:]} ", full_width):
        assert normalize_code(typed) == code


@pytest.mark.parametrize("typed", ["", None, "ABC", "0" * 12, "I" * 12, "x" * 1000, "AAAA-AAAA-AAA!"])
def test_malformed_codes_are_refused(typed):
    assert normalize_code(typed) is None


def test_the_check_symbol_completes_the_weighted_sum():
    data = "23456789ABC"
    assert normalize_code(data + check_symbol(data)) == data + check_symbol(data)


# -- the definition


def test_a_sound_definition_has_no_problems():
    assert validate_definition(definition()) == []


def test_weights_must_sum_to_one_and_options_stay_within_0_and_100():
    bad = definition(groups=(LEADERS, Group("g2", "干部群众代表", Decimal("0.5"))),
                     questions=(Question("q", "总体评价", Decimal(1), (Option("好", Decimal(120)), Option("差", Decimal(0)))),))
    problems = validate_definition(bad)
    assert any("权重之和应恰好为1，现为0.9" in p for p in problems)
    assert any("应在0到100之间，现为120" in p for p in problems)


def test_duplicate_groups_and_an_impossible_valid_rule_are_problems():
    problems = validate_definition(definition(groups=(LEADERS, Group("g2", "市级领导", Decimal("0.6"))),
                                              valid_numerator=4, valid_denominator=3))
    assert any("市级领导”重复" in p for p in problems)
    assert any("有效票规则" in p for p in problems)


# -- reading a ballot


def fields(**answers: str) -> dict[str, str]:
    return {field_name(target, "overall"): value for target, value in answers.items()}


def test_a_ballot_keeps_the_chosen_options_and_leaves_abstentions_out():
    assert read_ballot(definition(), fields(a="0", b="3", c="-")) == {"a": [0], "b": [3]}


def test_a_ballot_with_unknown_targets_missing_answers_or_bad_options_is_refused_with_every_reason():
    with pytest.raises(BallotError) as refused:
        read_ballot(definition(), {**fields(a="7", b=""), "a:zz:overall": "1", "a:c:nope": "1"})
    problems = " ".join(refused.value.problems)
    assert "未知的被测评对象：zz" in problems
    assert "未知的测评问题：nope" in problems
    assert "没有这个选项：7" in problems
    assert "“乙县”未作选择" in problems and "“丙区”未作选择" in problems


def test_abstaining_is_refused_where_it_is_not_allowed():
    with pytest.raises(BallotError, match="不允许弃权"):
        read_ballot(definition(abstain_allowed=False), fields(a="0", b="0", c="-"))


def test_a_target_must_be_answered_whole_or_abstained_whole():
    second = Question("work", "工作实绩", Decimal("0.5"), DEFAULT_OPTIONS)
    both = definition(questions=(Question("overall", "总体评价", Decimal("0.5"), DEFAULT_OPTIONS), second))
    base = {"a:b:overall": "0", "a:b:work": "0", "a:c:overall": "-", "a:c:work": "-"}
    assert read_ballot(both, {**base, "a:a:overall": "0", "a:a:work": "1"}) == {"a": [0, 1], "b": [0, 0]}
    with pytest.raises(BallotError, match="全部作答"):
        read_ballot(both, {**base, "a:a:overall": "0", "a:a:work": "-"})
    with pytest.raises(BallotError, match="“工作实绩”未作选择"):
        read_ballot(both, {**base, "a:a:overall": "0"})


# -- results


def test_the_valid_ballot_rule_is_exact_two_thirds():
    rule = definition()  # 3 targets: 2 rated is exactly two thirds
    result = tally(rule, [("g1", {"a": [0], "b": [0]}), ("g1", {"a": [0]})])
    assert (result.cast, result.valid) == (2, 1)
    assert result.targets[2].abstained == 1  # the valid ballot abstained on 丙区


def test_scores_are_group_averages_weighted_and_rounded_half_up_once():
    ballots = [("g1", {"a": [0], "b": [0], "c": [0]}),  # 100
               ("g1", {"a": [1], "b": [0], "c": [0]}),  # 80 → leaders' average for 甲县: 90
               ("g2", {"a": [2], "b": [0], "c": [0]}),  # 60
               ("g2", {"a": [2], "b": [0], "c": [0]}),
               ("g2", {"a": [3], "b": [0], "c": [0]})]  # 40 → cadres' average: 160/3 = 53.333…
    a = tally(definition(), ballots).targets[0]
    # 0.4 × 90 + 0.6 × 160/3 = 36 + 32 = 68 exactly (not 0.6 × 53.33 = 31.998)
    assert a.score == Decimal("68.00")
    assert [g.average for g in a.groups] == [Decimal("90.00"), Decimal("53.33")]
    assert a.rated == 5 and a.abstained == 0 and not a.reweighted


def test_rounding_is_half_up_from_the_exact_value():
    assert hundredths(Fraction(85125, 1000)) == 8513
    assert hundredths(Fraction(260, 3)) == 8667
    assert hundredths(Fraction(200, 3)) == 6667
    assert hundredths(Fraction(1, 200)) == 1
    assert hundredths(Fraction(1, 201)) == 0


def test_question_weights_combine_within_a_ballot():
    q1 = Question("overall", "总体评价", Decimal("0.7"), DEFAULT_OPTIONS)
    q2 = Question("work", "工作实绩", Decimal("0.3"), DEFAULT_OPTIONS)
    result = tally(definition(questions=(q1, q2), targets=(A,)), [("g1", {"a": [0, 3]}), ("g2", {"a": [1, 1]})])
    # leaders: 0.7×100 + 0.3×40 = 82; cadres: 80 → 0.4×82 + 0.6×80 = 80.8
    assert result.targets[0].score == Decimal("80.80")


def test_a_group_without_ratings_passes_its_weight_on():
    result = tally(definition(), [("g2", {"a": [1], "b": [0]})]).targets
    assert result[0].score == Decimal("80.00") and result[0].reweighted
    assert result[2].score is None and result[2].rated == 0


def test_breakdowns_below_the_minimum_size_are_hidden_and_cannot_be_worked_back():
    third = Group("g3", "党代表", Decimal("0.2"))
    rule = definition(groups=(Group("g1", "市级领导", Decimal("0.4")), Group("g2", "干部", Decimal("0.4")), third),
                      min_group_size=3, targets=(A,))
    ballots = [("g1", {"a": [0]})] * 3 + [("g2", {"a": [1]})] * 4 + [("g3", {"a": [3]})] * 2
    figures = tally(rule, ballots).targets[0].groups
    # 党代表 (2 ratings) is below 3; the smallest shown group (市级领导, 3) is hidden with it
    assert [(g.name, g.shown, g.average) for g in figures] == [
        ("市级领导", False, None), ("干部", True, Decimal("80.00")), ("党代表", False, None)]
    assert [g.rated for g in figures] == [3, 4, 2]


def test_two_hidden_groups_need_no_further_hiding():
    rule = definition(min_group_size=2, targets=(A,),
                      groups=(Group("g1", "甲", Decimal("0.3")), Group("g2", "乙", Decimal("0.3")),
                              Group("g3", "丙", Decimal("0.4"))))
    figures = tally(rule, [("g1", {"a": [0]}), ("g2", {"a": [1]}), ("g3", {"a": [2]}), ("g3", {"a": [2]})]).targets[0].groups
    assert [g.shown for g in figures] == [False, False, True]


def test_stored_answers_that_do_not_fit_the_definition_are_refused():
    with pytest.raises(BallotError):
        tally(definition(), [("g1", {"a": [9]})])
    with pytest.raises(BallotError):
        tally(definition(), [("nope", {"a": [0]})])
