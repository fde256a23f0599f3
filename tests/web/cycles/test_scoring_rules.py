"""The scoring rules of kaohe.cycles.scoring, which the grid, the sheet upload and the API share."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.audit.context import acting_as
from kaohe.audit.models import Event
from kaohe.cycles.models import Score, Submission
from kaohe.cycles.scoring import Entry, ScoreError, apply, parse_score, save_score

STEP = Decimal("0.1")


@pytest.mark.parametrize(("text", "expected"), [("1.5", Decimal("1.5")), ("0", Decimal(0)), (" 2 ", Decimal(2)),
                                                 ("", None), (None, None)])
def test_valid_points_parse_to_decimal(text, expected):
    assert parse_score(text, Decimal(2), STEP) == expected


@pytest.mark.parametrize(("text", "words"), [("2.5", "0到2分之间"), ("-0.1", "0到2分之间"), ("abc", "不是数字"),
                                            ("1.25", "最多1位小数"), ("NaN", "不是数字"), ("1e1", "0到2分之间")])
def test_invalid_points_are_refused_with_a_reason(text, words):
    with pytest.raises(ScoreError) as error:
        parse_score(text, Decimal(2), STEP)
    assert error.value.kind == ScoreError.INVALID and words in error.value.message


def test_points_must_be_a_multiple_of_the_step():
    with pytest.raises(ScoreError, match="0.5分的整数倍"):
        parse_score("1.2", Decimal(2), Decimal("0.5"))


@pytest.fixture
def task(cycle):
    return (Score.objects.select_related("node", "unit", "department")
            .filter(cycle=cycle, department__code="swzzb").order_by("node__position", "unit__position").first())


def save(user, cycle, task, points, reason="", version=None):
    with acting_as(user):
        return save_score(user, cycle, task.unit.code, task.node.code,
                          Entry(points, reason, task.version if version is None else version))


def test_a_scorer_saves_full_marks_without_a_reason(users, cycle, task):
    saved = save(users["scorer"], cycle, task, str(task.node.points))
    assert saved.points == task.node.points and saved.version == 1
    event = Event.objects.get(action="score.update", object_key__endswith=f"item:{task.node.code}",
                              object_key__contains=f"unit:{task.unit.code}")
    assert event.actor == users["scorer"] and event.new["points"] is not None


def test_below_full_marks_needs_a_reason(users, cycle, task):
    with pytest.raises(ScoreError) as error:
        save(users["scorer"], cycle, task, "0")
    assert error.value.field == "reason"
    assert Score.objects.get(pk=task.pk).version == 0


def test_a_stale_version_is_a_conflict_that_carries_the_saved_value(users, cycle, task):
    save(users["scorer"], cycle, task, "0", "材料不全")
    with pytest.raises(ScoreError) as error:
        save(users["head"], cycle, task, str(task.node.points), version=0)
    assert error.value.kind == ScoreError.CONFLICT and error.value.current.points == Decimal(0)


def test_two_writers_with_the_same_version_never_both_win(users, cycle, task):
    """The compare-and-set: the second `apply` with the version both read is refused."""
    with acting_as(users["scorer"]):
        apply(users["scorer"], cycle, task, Decimal(0), "甲", 0)
        with pytest.raises(ScoreError) as error:
            apply(users["head"], cycle, task, Decimal(0), "乙", 0)
    assert error.value.kind == ScoreError.CONFLICT
    assert Score.objects.get(pk=task.pk).reason == "甲"


def test_another_departments_scorer_may_not_score_the_item(users, cycle, task):
    with pytest.raises(ScoreError) as error:
        save(users["scorer2"], cycle, task, "0", "x")
    assert error.value.kind == ScoreError.FORBIDDEN and error.value.status == 403


@pytest.mark.parametrize("name", ["office", "leader", "unit"])
def test_roles_that_do_not_score_are_refused(users, cycle, task, name):
    with pytest.raises(ScoreError) as error:
        save(users[name], cycle, task, "0", "x")
    assert error.value.status == 403


def test_an_item_that_does_not_apply_to_the_unit_is_not_found(users, cycle):
    # 1.4.1a applies to 9县(市)6区 only: 偃师市 has a task for its first item, 高新区 none
    assert Score.objects.filter(cycle=cycle, unit__code="yanshi", node__code="1.4.1a.1").exists()
    with pytest.raises(ScoreError) as error, acting_as(users["scorer"]):
        save_score(users["scorer"], cycle, "gaoxin", "1.4.1a.1", Entry("0.5", "", 0))
    assert error.value.kind == ScoreError.NOT_FOUND and error.value.status == 404


def test_a_submitted_department_cannot_change_its_scores(users, cycle, task):
    Submission.objects.filter(department=task.department).update(state=Submission.State.SUBMITTED)
    with pytest.raises(ScoreError) as error:
        save(users["scorer"], cycle, task, "0", "x")
    assert error.value.kind == ScoreError.CLOSED


def test_saving_the_same_value_again_makes_no_new_version(users, cycle, task):
    saved = save(users["scorer"], cycle, task, "0", "材料不全")
    again = save(users["scorer"], cycle, saved, "0", "材料不全", version=saved.version)
    assert again.version == saved.version == 1
    assert Event.objects.filter(action="score.update").count() == 1
