"""The review flow of kaohe.cycles.review: scorer → head → office, with returns and re-opening."""

from __future__ import annotations

import pytest

from kaohe.audit.context import acting_as
from kaohe.audit.models import Event
from kaohe.cycles import review
from kaohe.cycles.models import Score, Submission
from kaohe.cycles.review import ReviewError

S = Submission.State


@pytest.fixture
def submission(cycle):
    return cycle.submissions.select_related("department").get(department__code="swzzb")


@pytest.fixture
def all_scored(submission):
    for score in Score.objects.filter(department=submission.department).select_related("node"):
        Score.objects.filter(pk=score.pk).update(points=score.node.points, version=1)


def test_a_department_with_unscored_items_cannot_submit(users, submission):
    with pytest.raises(ReviewError, match="项未评分") as error:
        review.submit(users["scorer"], submission)
    assert error.value.status == 422


def test_the_whole_way_up_and_back(users, submission, all_scored):
    with acting_as(users["scorer"]):
        assert review.submit(users["scorer"], submission).state == S.SUBMITTED
    with acting_as(users["head"]):
        with pytest.raises(ReviewError, match="退回意见"):
            review.send_back(users["head"], submission, " ")
        assert review.send_back(users["head"], submission, "第3项理由不清").state == S.DRAFT
        review.submit(users["head"], submission)
        assert review.approve(users["head"], submission).state == S.APPROVED
    with acting_as(users["office"]):
        assert review.return_to_department(users["office"], submission, "请复核").state == S.DRAFT
    with acting_as(users["scorer"]):
        review.submit(users["scorer"], submission)
    with acting_as(users["head"]):
        review.approve(users["head"], submission)
    with acting_as(users["office"]):
        assert review.lock(users["office"], submission).state == S.LOCKED
        with pytest.raises(ReviewError, match="理由"):
            review.reopen(users["office"], submission, "")
        assert review.reopen(users["office"], submission, "数据更正").state == S.DRAFT
    actions = list(Event.objects.filter(action__startswith="submission.").order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["submission.submit", "submission.send_back", "submission.submit", "submission.approve",
                       "submission.return", "submission.submit", "submission.approve", "submission.lock",
                       "submission.reopen"]
    assert Event.objects.get(action="submission.reopen").reason == "数据更正"


@pytest.mark.parametrize(("name", "step"), [("scorer", "approve"), ("scorer2", "submit"), ("head", "lock"),
                                            ("leader", "submit"), ("unit", "submit"), ("office", "approve")])
def test_each_step_belongs_to_one_role(users, submission, all_scored, name, step):
    if step in ("approve", "lock"):
        Submission.objects.filter(pk=submission.pk).update(
            state=S.SUBMITTED if step == "approve" else S.APPROVED)
    with pytest.raises(ReviewError) as error:
        getattr(review, step)(users[name], submission)
    assert error.value.status == 403
