"""Notifications that end when their work is done (kaohe.notify.send.settle): a notification that
asks for work carries what it is about; the event that does the work ends it for everyone it went
to — done, and no longer unread — whoever does it (pages, the API, a bulk action)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kaohe.audit.context import acting_as
from kaohe.claims import rules as claims
from kaohe.claims.models import SelfAssessment
from kaohe.cycles import review
from kaohe.cycles.models import Cycle, CycleUnit, Score, Submission
from kaohe.notify.deadlines import send_reminders
from kaohe.notify.models import Notification
from kaohe.notify.send import notify, settle

S = Submission.State


def open_ones(name: str) -> list[Notification]:
    return list(Notification.objects.filter(user__username=name, done_at__isnull=True))


def unread(name: str) -> list[str]:
    return list(Notification.objects.filter(user__username=name, read_at__isnull=True).values_list("subject", flat=True))


@pytest.fixture
def submission(cycle):
    submission = cycle.submissions.select_related("department", "cycle").get(department__code="swzzb")
    for score in Score.objects.filter(department=submission.department).select_related("node"):
        Score.objects.filter(pk=score.pk).update(points=score.node.points, version=1)
    return submission


def test_settle_ends_every_open_notification_about_the_thing_for_everyone(users):
    notify([users["scorer"], users["head"]], "请处理A", "", "/a/", about="thing:a")
    notify([users["scorer"]], "请处理B", "", "/b/", about="thing:b")
    notify([users["scorer"]], "仅告知", "", "/c/")
    Notification.objects.filter(user__username="head").update(read_at=timezone.now() - timedelta(days=1))
    read_before = Notification.objects.get(user__username="head").read_at
    assert settle("thing:a") == 2
    assert sorted(unread("scorer")) == ["仅告知", "请处理B"]
    done = Notification.objects.get(user__username="head", about="thing:a")
    assert done.done_at is not None and done.read_at == read_before  # a read one keeps when it was read
    assert settle("thing:a") == 0 and settle("") == 0  # nothing left to end; no key, nothing ended


def test_the_whole_review_way_leaves_no_request_open(users, submission):
    """submit → the head; approve → the office; lock → (informs only). Each step ends the one before."""
    with acting_as(users["scorer"]):
        review.submit(users["scorer"], submission)
    assert [n.subject for n in open_ones("head")] == ["2018年度县(市、区)党建工作综合考核：市委组织部的评分已提交，待您审核"]
    with acting_as(users["head"]):
        review.approve(users["head"], submission)
    assert open_ones("head") == [] and unread("head") == []
    assert "待考核办审核锁定" in open_ones("office")[0].subject
    with acting_as(users["office"]):
        review.lock(users["office"], submission)
    assert open_ones("office") == [] and unread("office") == []
    informed = Notification.objects.get(user__username="scorer", subject__contains="已审核锁定")
    assert informed.about == "" and informed.read_at is None  # informs: stays until read


def test_a_department_sent_back_is_asked_again_until_it_submits(users, submission):
    with acting_as(users["scorer"]):
        review.submit(users["scorer"], submission)
    with acting_as(users["head"]):
        review.send_back(users["head"], submission, "第3项理由不清")
    asked = open_ones("scorer")
    assert [n.subject for n in asked] == ["2018年度县(市、区)党建工作综合考核：市委组织部的评分被部门负责人退回"]
    with acting_as(users["scorer"]):
        review.submit(users["scorer"], submission)
    assert open_ones("scorer") == []


def test_locking_every_approved_department_at_once_ends_every_request_to_lock(users, cycle):
    cycle.submissions.update(state=S.SUBMITTED)
    with acting_as(users["head"]):
        review.approve(users["head"], cycle.submissions.select_related("department", "cycle").get(department__code="swzzb"))
    cycle.submissions.exclude(department__code="swzzb").update(state=S.APPROVED)
    with acting_as(users["office"]):
        locked = review.lock_approved(users["office"], cycle)
    assert len(locked) == cycle.submissions.count()
    assert open_ones("office") == [] and unread("office") == []
    assert not Notification.objects.filter(subject__contains="待考核办审核锁定", done_at__isnull=True).exists()


def test_a_scoring_reminder_ends_when_the_department_submits(users, cycle, submission):
    Score.objects.filter(department=submission.department).update(points=None)
    Cycle.objects.filter(pk=cycle.pk).update(scoring_deadline=date.today() + timedelta(days=1))
    send_reminders(date.today())
    assert any("评分截止临近" in n.subject for n in open_ones("scorer"))
    for score in Score.objects.filter(department=submission.department).select_related("node"):
        Score.objects.filter(pk=score.pk).update(points=score.node.points)
    with acting_as(users["scorer"]):
        review.submit(users["scorer"], submission)
    assert not [n for n in open_ones("scorer") if "评分截止临近" in n.subject]


def test_a_self_assessment_sent_back_is_asked_again_until_the_unit_submits(users, cycle):
    unit = CycleUnit.objects.get(cycle=cycle, code="yanshi")
    sheet = claims.assessment(cycle, unit)
    SelfAssessment.objects.filter(pk=sheet.pk).update(state=SelfAssessment.State.SUBMITTED)
    with acting_as(users["office"]):
        claims.reopen(users["office"], cycle, "yanshi", "请补充佐证材料")
    assert [n.subject for n in open_ones("unit")] == ["2018年度县(市、区)党建工作综合考核：本单位自评已被退回"]
    for criterion in claims.criteria(cycle, unit):
        with acting_as(users["unit"]):
            claims.save_claim(users["unit"], cycle, "yanshi", criterion.code, criterion.maximum, "", 0)
    with acting_as(users["unit"]):
        claims.submit(users["unit"], cycle, "yanshi")
    assert open_ones("unit") == []


def test_the_notifications_page_marks_what_is_done(client_for, users):
    notify([users["office"]], "待考核办审核锁定：测试", "", "/x/", about="thing:x")
    settle("thing:x")
    page = client_for("office").get("/accounts/notifications/").content.decode()
    row = page.split("待考核办审核锁定：测试")[1].split("</tr>")[0]
    assert "已办结" in row and "未读" not in row
