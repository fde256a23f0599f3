"""The cycle page as the office's cockpit (kaohe.cycles.cockpit): where the cycle stands, its one
next step as the main button and what blocks it, through every stage of the year; locking every
approved department at once; the review page's next step; the office's to-do list; the query
count, constant in the number of units, departments and cycles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaohe.audit.context import acting_as
from kaohe.audit.models import Event
from kaohe.cycles import cockpit, lifecycle, review
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.notify.todo import todo_for
from kaohe.objections.models import Objection
from kaohe.results import service
from kaohe.schemes.models import SchemeRecord

S = Submission.State


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def next_step(page: str) -> str:
    """The next-step card of a page, as HTML."""
    return page.split('class="next-step')[1].split("</section>")[0]


def all_scored(cycle: Cycle) -> None:
    for score in Score.objects.filter(cycle=cycle).select_related("node"):
        Score.objects.filter(pk=score.pk).update(points=score.node.points, version=1)


def lock_everything(users, cycle: Cycle) -> None:
    all_scored(cycle)
    with acting_as(users["office"]):
        lifecycle.start_review(cycle)
        cycle.submissions.update(state=S.APPROVED)
        review.lock_approved(users["office"], cycle)
        lifecycle.lock_cycle(cycle)
    cycle.refresh_from_db()


@pytest.fixture
def draft(users):
    with acting_as(users["office"]):
        return lifecycle.create_cycle(name="2019年度县(市、区)党建工作综合考核",
                                      scheme=SchemeRecord.objects.get(name="luoyang-2018-county"),
                                      unit_codes=["yanshi", "jianxi", "gaoxin"])


# ----------------------------------------------------------------------------- the stages


def test_a_draft_offers_opening_and_says_what_it_will_leave_unscored(client_for, draft):
    page = text(client_for("office").get(f"/cycles/{draft.pk}/"))
    step = next_step(page)
    assert "开始评分" in step and f'action="/cycles/{draft.pk}/open/"' in step and "data-confirm" in step
    assert 'aria-current="step">准备' in page
    unscored = page.split('id="section-unscored"')[1]
    assert "4.2.1" in unscored and "7.3.1" in unscored
    assert "偃师市：满分191.5分，而指标体系可得195分" in unscored
    assert f'href="/cycles/{draft.pk}/unscored/"' in unscored


def test_an_open_cycle_offers_the_review_and_locking_what_heads_approved(client_for, cycle):
    cycle.submissions.filter(department__code__in=["swzzb", "swxcb"]).update(state=S.APPROVED)
    step = next_step(text(client_for("office").get(f"/cycles/{cycle.pk}/")))
    assert "进入审核" in step and f'action="/cycles/{cycle.pk}/start-review/"' in step
    assert "10个考核部门尚未完成评分和部门审核" in step
    assert "锁定已审核通过的2个考核部门" in step and f'action="/cycles/{cycle.pk}/review/lock-approved/"' in step


def test_under_review_the_next_step_locks_every_approved_department_at_once(client_for, cycle):
    office = client_for("office")
    office.post(f"/cycles/{cycle.pk}/start-review/")
    cycle.submissions.exclude(department__code="swzzb").update(state=S.APPROVED)
    step = next_step(text(office.get(f"/cycles/{cycle.pk}/")))
    assert "锁定已审核通过的11个考核部门" in step and "<li>市委组织部：评分中</li>" in step
    done = text(office.post(f"/cycles/{cycle.pk}/review/lock-approved/", follow=True))
    assert "已锁定11个考核部门的评分" in done
    assert cycle.submissions.filter(state=S.LOCKED).count() == 11
    assert Event.objects.filter(cycle=cycle, action="submission.lock").count() == 11
    step = next_step(done)
    assert "等待考核部门完成评分" in step and "<li>市委组织部：评分中</li>" in step and "<button" not in step


def test_locking_with_nothing_approved_says_why_and_changes_nothing(client_for, cycle):
    page = text(client_for("office").post(f"/cycles/{cycle.pk}/review/lock-approved/", follow=True))
    assert "没有待锁定的考核部门" in page
    assert not cycle.submissions.filter(state=S.LOCKED).exists()


def test_when_every_department_is_locked_the_next_step_locks_the_cycle(client_for, cycle):
    office = client_for("office")
    office.post(f"/cycles/{cycle.pk}/start-review/")
    cycle.submissions.update(state=S.LOCKED)
    step = next_step(text(office.get(f"/cycles/{cycle.pk}/")))
    assert "锁定考核周期" in step and f'action="/cycles/{cycle.pk}/lock/"' in step


def test_a_locked_cycle_offers_publishing_then_waits_for_objections(client_for, users, cycle):
    lock_everything(users, cycle)
    office = client_for("office")
    step = next_step(text(office.get(f"/cycles/{cycle.pk}/")))
    assert "发布结果（第1版）" in step and f'action="/results/{cycle.pk}/publish/"' in step
    assert f'href="/results/{cycle.pk}/"' in step  # the computed results, to check before publishing
    service.publish(cycle, users["office"])
    page = text(office.get(f"/cycles/{cycle.pk}/"))
    assert "已完成" in next_step(page) and "本周期的考核已全部完成" in next_step(page)  # no objection window set
    assert 'aria-current="step">完成' in page
    assert "第1版" in page.split('id="section-results"')[1]


def test_objections_are_waited_for_then_confirmed(client_for, users, cycle):
    lock_everything(users, cycle)
    service.publish(cycle, users["office"])
    Cycle.objects.filter(pk=cycle.pk).update(objection_deadline="2999-12-31")
    objection = Objection.objects.create(cycle=cycle, unit=cycle.units.get(code="yanshi"), version=1, reason="有误")
    office = client_for("office")
    step = next_step(text(office.get(f"/cycles/{cycle.pk}/")))
    assert "等待考核部门答复异议" in step and "1条异议待考核部门答复" in step
    Objection.objects.filter(pk=objection.pk).update(state=Objection.State.ANSWERED)
    step = next_step(text(office.get(f"/cycles/{cycle.pk}/")))
    assert "确认考核部门对异议的答复（1条）" in step and f'href="/cycles/{cycle.pk}/objections/"' in step
    Objection.objects.filter(pk=objection.pk).update(state=Objection.State.CLOSED)
    step = next_step(text(office.get(f"/cycles/{cycle.pk}/")))
    assert "异议期" in step and "2999-12-31" in step


def test_a_relocked_cycle_with_changed_scores_offers_the_next_version(users, cycle):
    lock_everything(users, cycle)
    service.publish(cycle, users["office"])
    with acting_as(users["office"]):
        lifecycle.reopen_cycle(cycle, "更正")
    cycle.refresh_from_db()
    assert cockpit.next_step(cycle).key == "lock"
    Score.objects.filter(cycle=cycle, unit__code="yanshi", node__code="1.2.1.1").update(
        points=0, updated_at=Event.objects.latest("id").at)
    with acting_as(users["office"]):
        lifecycle.lock_cycle(cycle)
    cycle.refresh_from_db()
    step = cockpit.next_step(cycle)
    assert step.key == "publish" and "第2版" in step.action.label


# ----------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize("name", ["scorer", "head", "scorer2", "unit"])
def test_departments_and_units_see_their_own_part_not_the_cockpit(client_for, cycle, name):
    page = text(client_for(name).get(f"/cycles/{cycle.pk}/"))
    assert 'class="next-step' not in page and "section-self_assessment" not in page


def test_a_leader_reads_the_cockpit_without_a_button(client_for, cycle):
    page = text(client_for("leader").get(f"/cycles/{cycle.pk}/"))
    step = next_step(page)
    assert "进入审核" in step and "<form" not in step and "<button" not in step
    assert "section-departments" in page and "section-self_assessment" in page


def test_the_review_page_says_what_comes_next(client_for, cycle):
    office = client_for("office")
    office.post(f"/cycles/{cycle.pk}/start-review/")
    cycle.submissions.update(state=S.APPROVED)
    page = text(office.get(f"/cycles/{cycle.pk}/review/"))
    assert "锁定已审核通过的12个考核部门" in next_step(page) and 'name="back" value="review"' in next_step(page)
    done = office.post(f"/cycles/{cycle.pk}/review/lock-approved/", {"back": "review"})
    assert done.url == f"/cycles/{cycle.pk}/review/"
    page = text(office.get(f"/cycles/{cycle.pk}/review/"))
    assert "锁定考核周期" in next_step(page)


# ----------------------------------------------------------------------------- to-do


def test_the_offices_to_do_list_shows_each_cycles_next_step(users, cycle, draft):
    entries = [entry.text for entry in todo_for(users["office"])]
    assert f"{draft.name}：下一步，开始评分：固定被考核单位和考核部门，生成评分任务" in entries
    assert f"{cycle.name}：下一步，进入审核：评分期结束，考核办审核锁定各部门的评分" in entries


def test_a_cycle_waiting_for_others_is_not_the_offices_to_do(users, cycle):
    with acting_as(users["office"]):
        lifecycle.start_review(cycle)
    assert not [entry for entry in todo_for(users["office"]) if cycle.name in entry.text]


# ----------------------------------------------------------------------------- queries


def test_the_cockpit_takes_the_same_queries_however_many_units_and_departments(client_for, users, cycle):
    with acting_as(users["office"]):
        small = lifecycle.create_cycle(name="两个单位", scheme=SchemeRecord.objects.get(name="luoyang-2018-county"),
                                       unit_codes=["gaoxin", "yanshi"])
        lifecycle.open_cycle(small)
    small.departments.exclude(code__in=["swzzb", "swxcb"]).delete()
    office = client_for("office")
    office.get(f"/cycles/{cycle.pk}/")  # the session's first queries
    counts = []
    for one in (cycle, small):
        with CaptureQueriesContext(connection) as queries:
            text(office.get(f"/cycles/{one.pk}/"))
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 25


def test_the_offices_to_do_takes_the_same_queries_however_many_cycles(users, cycle, draft):
    with CaptureQueriesContext(connection) as two:
        todo_for(users["office"])
    with acting_as(users["office"]):
        for n in range(3):
            more = lifecycle.create_cycle(name=f"周期{n}", scheme=SchemeRecord.objects.get(name="luoyang-2018-county"),
                                          unit_codes=["yanshi"])
            lifecycle.open_cycle(more)
    with CaptureQueriesContext(connection) as five:
        todo_for(users["office"])
    assert len(two) == len(five)
