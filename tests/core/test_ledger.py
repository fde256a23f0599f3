"""The ledger's rules (kaohe.core.ledger): what counts, the proposal and its floor, the bonus cap,
dispute outcomes, quarters and standings. Pure: no database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.core.ledger import (
    BONUS,
    CHANGED,
    CONFIRMED,
    DEDUCTION,
    DRAFT,
    NOTE,
    RETURNED,
    STATES,
    UPHELD,
    VOIDED,
    WITHDRAWN,
    Counted,
    LedgerProblem,
    Member,
    after_dispute,
    capped_bonus,
    check_amount,
    check_date,
    counts,
    proposal,
    quarter_dates,
    quarter_of,
    shown,
    standings,
)

cents = st.integers(min_value=1, max_value=100_000)


def test_only_confirmed_entries_count():
    assert [state for state in STATES if counts(state)] == [CONFIRMED]
    for state in (DRAFT, RETURNED, VOIDED, WITHDRAWN):
        assert not counts(state)


@settings(deadline=None)  # the machine may be loaded: no time limit per example
@given(maximum=st.integers(min_value=0, max_value=100_000), deductions=st.lists(cents, max_size=50))
def test_the_proposal_is_the_maximum_less_the_deductions_never_below_zero(maximum, deductions):
    found = proposal(maximum, deductions)
    assert found == max(0, maximum - sum(deductions))
    assert 0 <= found <= maximum


def test_an_item_never_goes_below_zero_however_many_deductions():
    assert proposal(400, [150] * 100) == 0
    assert proposal(400, [150, 150]) == 100
    assert proposal(400, []) == 400


@settings(deadline=None)  # the machine may be loaded: no time limit per example
@given(bonuses=st.lists(cents, max_size=30), cap=st.integers(min_value=0, max_value=10_000))
def test_bonuses_add_up_to_the_cap_at_most(bonuses, cap):
    assert capped_bonus(bonuses, cap) == min(sum(bonuses), cap)
    assert capped_bonus(bonuses, cap) <= cap


def test_dispute_outcomes():
    assert after_dispute(UPHELD, 150, None) == (CONFIRMED, 150)
    assert after_dispute(CHANGED, 150, 50) == (CONFIRMED, 50)
    assert after_dispute(WITHDRAWN, 150, None) == (WITHDRAWN, 150)
    assert not counts(after_dispute(WITHDRAWN, 150, None)[0])
    with pytest.raises(LedgerProblem) as problem:
        after_dispute(CHANGED, 150, None)
    assert problem.value.field == "points"
    with pytest.raises(LedgerProblem) as problem:
        after_dispute("maybe", 150, None)
    assert problem.value.field == "decision"


@settings(deadline=None)  # the machine may be loaded: no time limit per example
@given(maximum=st.integers(min_value=1, max_value=10_000), deductions=st.lists(cents, min_size=1, max_size=10),
       index=st.integers(min_value=0, max_value=9), decision=st.sampled_from([UPHELD, CHANGED, WITHDRAWN]),
       new=cents)
def test_a_dispute_changes_the_proposal_by_its_outcome(maximum, deductions, index, decision, new):
    index %= len(deductions)
    state, points = after_dispute(decision, deductions[index], new if decision == CHANGED else None)
    after = [d for i, d in enumerate(deductions) if i != index] + ([points] if counts(state) else [])
    expected = {UPHELD: deductions,
                CHANGED: [d for i, d in enumerate(deductions) if i != index] + [new],
                WITHDRAWN: [d for i, d in enumerate(deductions) if i != index]}[decision]
    assert proposal(maximum, after) == proposal(maximum, expected)


@pytest.mark.parametrize(("kind", "amount", "field"), [
    (DEDUCTION, None, "points"), (DEDUCTION, 0, "points"), (DEDUCTION, 401, "points"), (BONUS, 501, "points"),
    (BONUS, 0, "points"), (NOTE, 100, "points"), ("penalty", 100, "kind"),
])
def test_amounts_refused_with_the_field_named(kind, amount, field):
    maximum = 500 if kind == BONUS else 400
    with pytest.raises(LedgerProblem) as problem:
        check_amount(kind, amount, maximum, "1.1.1.1")
    assert problem.value.field == field


def test_amounts_accepted():
    check_amount(DEDUCTION, 400, 400)
    check_amount(DEDUCTION, 10, 400)
    check_amount(BONUS, 500, 500)
    check_amount(NOTE, None, 400)
    check_amount(NOTE, 0, 400)


def test_the_message_names_the_limit():
    with pytest.raises(LedgerProblem) as problem:
        check_amount(DEDUCTION, 450, 400, "1.1.1.1")
    assert problem.value.message() == "扣分不能超过1.1.1.1的分值4分。"


def test_dates_inside_the_year_and_not_after_today():
    check_date(date(2018, 1, 1), 2018, date(2026, 12, 6))
    check_date(date(2018, 12, 31), 2018, date(2026, 12, 6))
    for day, today in ((date(2017, 12, 31), date(2026, 1, 1)), (date(2019, 1, 1), date(2026, 1, 1)),
                       (date(2018, 6, 2), date(2018, 6, 1))):
        with pytest.raises(LedgerProblem) as problem:
            check_date(day, 2018, today)
        assert problem.value.field == "date"


@settings(deadline=None)  # the machine may be loaded: no time limit per example
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_is_in_its_quarter(day):
    first, last = quarter_dates(day.year, quarter_of(day))
    assert first <= day <= last


def test_quarter_dates():
    assert quarter_dates(2018, 1) == (date(2018, 1, 1), date(2018, 3, 31))
    assert quarter_dates(2018, 2) == (date(2018, 4, 1), date(2018, 6, 30))
    assert quarter_dates(2018, 4) == (date(2018, 10, 1), date(2018, 12, 31))
    with pytest.raises(LedgerProblem):
        quarter_dates(2018, 5)


def test_shown():
    assert [shown(c) for c in (0, 5, 50, 150, 200, -150)] == ["0", "0.05", "0.5", "1.5", "2", "-1.5"]


MEMBERS = [Member("a", "甲县", "县"), Member("b", "乙县", "县"), Member("c", "丙县", "县"), Member("d", "丁区", "区")]


def test_standings_of_a_quarter_and_of_the_year_so_far():
    counted = [
        Counted("a", "1", DEDUCTION, 50, 1), Counted("a", "2", DEDUCTION, 100, 2), Counted("b", "1", DEDUCTION, 150, 2),
        Counted("c", "", BONUS, 300, 1), Counted("c", "", BONUS, 400, 2), Counted("d", "1", DEDUCTION, 20, 3),
        Counted("a", "1", NOTE, 0, 2),
    ]
    q2 = standings(MEMBERS, counted, 2, cap=500)
    by_code = {s.code: s for s in q2.units}
    assert (by_code["a"].deductions, by_code["a"].by_dimension, by_code["a"].entries) == (100, {"2": 100}, 1)
    assert by_code["c"].bonus == 200  # 300 in Q1, so Q2 adds 200 up to the cap of 500
    assert by_code["d"].deductions == 0  # Q3 is later
    county = dict(q2.groups)["县"]
    assert [(s.code, s.rank, s.net) for s in county] == [("c", 1, 200), ("a", 2, -100), ("b", 3, -150)]

    ytd = standings(MEMBERS, counted, 2, cap=500, year_to_date=True)
    by_code = {s.code: s for s in ytd.units}
    assert (by_code["a"].deductions, by_code["a"].by_dimension) == (150, {"1": 50, "2": 100})
    assert by_code["c"].bonus == 500
    assert [g for g, _ in ytd.groups] == ["县", "区"]


def test_equal_nets_share_a_rank_ordered_by_code():
    counted = [Counted("b", "1", DEDUCTION, 100, 1), Counted("c", "1", DEDUCTION, 100, 1)]
    county = dict(standings(MEMBERS, counted, 1, cap=500).groups)["县"]
    assert [(s.code, s.rank) for s in county] == [("a", 1), ("b", 2), ("c", 2)]


@settings(deadline=None)  # the machine may be loaded: no time limit per example
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from([DEDUCTION, BONUS]), cents,
                          st.sampled_from([1, 2, 3, 4])), max_size=40),
       st.integers(min_value=0, max_value=2000))
def test_the_quarters_add_up_to_the_year(entries, cap):
    counted = [Counted(unit, "" if kind == BONUS else "1", kind, amount, quarter)
               for unit, kind, amount, quarter in entries]
    year = {s.code: s for s in standings(MEMBERS, counted, 4, cap, year_to_date=True).units}
    quarters = [{s.code: s for s in standings(MEMBERS, counted, q, cap).units} for q in (1, 2, 3, 4)]
    for code, total in year.items():
        assert total.deductions == sum(q[code].deductions for q in quarters)
        assert total.bonus == sum(q[code].bonus for q in quarters) == min(
            sum(a for u, k, a, _q in entries if u == code and k == BONUS), cap)
        assert total.entries == sum(q[code].entries for q in quarters)
