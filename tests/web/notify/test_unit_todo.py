"""What waits for whom on the units' side: the home page's to-do entries, the e-mails of the
objection steps, and the self-assessment deadline reminder of `kaohe notify-deadlines`."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from kaohe.cycles.models import Cycle, Score
from kaohe.notify.deadlines import send_reminders
from kaohe.objections import flow
from kaohe.results import service
from kaohe.schemes.models import Node

UNIT = "yanshi"


@pytest.fixture(autouse=True)
def addresses(users):
    for user in users.values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


def home(client_for, name) -> str:
    """The to-do list of the user's home page (not the notifications under it)."""
    html = client_for(name).get("/").content.decode()
    start = html.find('<ul class="todo">')
    return html[start:html.index("</ul>", start)] if start >= 0 else ""


def publish(cycle, users) -> None:
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))
    cycle.status, cycle.objection_deadline = Cycle.Status.LOCKED, timezone.localdate()
    cycle.save(update_fields=["status", "objection_deadline"])
    service.publish(cycle, users["office"])


def test_the_unit_is_asked_for_its_self_assessment_urgently_near_the_deadline(client_for, cycle):
    assert "本单位自评待填写提交（已填0项）" in home(client_for, "unit")
    assert "自评截止日期临近" not in home(client_for, "unit")
    cycle.self_assessment_deadline = timezone.localdate() + datetime.timedelta(days=2)
    cycle.save(update_fields=["self_assessment_deadline"])
    assert "自评截止日期临近" in home(client_for, "unit")
    assert "本单位自评" not in home(client_for, "scorer")


def test_the_units_home_gives_its_own_deadlines(client_for, cycle):
    today = timezone.localdate()
    cycle.self_assessment_deadline = today + datetime.timedelta(days=20)
    cycle.objection_deadline = today + datetime.timedelta(days=40)
    cycle.save(update_fields=["self_assessment_deadline", "objection_deadline"])
    todo = home(client_for, "unit")
    assert f"{cycle.self_assessment_deadline.isoformat()}截止（还剩20天）" in todo  # far off: said, not urgent
    html = client_for("unit").get("/").content.decode()
    table = html[html.index('<table class="list">'):]
    table = table[:table.index("</table>")]
    assert "自评截止" in table and "异议截止" in table and "评分截止" not in table
    assert cycle.self_assessment_deadline.isoformat() in table and cycle.objection_deadline.isoformat() in table
    other = client_for("scorer").get("/").content.decode()
    assert "评分截止" in other and "自评截止" not in other


def test_published_results_and_the_objection_window_reach_the_unit(client_for, cycle, users,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publish(cycle, users)
    assert [m.to for m in mail.outbox if "结果已发布" in m.subject] == [["unit@example.org"]]
    assert f"/cycles/{cycle.pk}/scorecard/" in mail.outbox[-1].body
    page = home(client_for, "unit")
    assert "考核结果已发布（第1版）" in page and "如有异议，请于" in page


def test_each_objection_step_tells_the_next_person(client_for, cycle, users,
                                                   django_capture_on_commit_callbacks):
    publish(cycle, users)
    score = Score.objects.filter(cycle=cycle, unit__code=UNIT, department__code="swzzb").select_related("node").first()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        objection = flow.file(users["unit"], cycle, UNIT, [score.node.code], "有误")
    assert sorted(to for m in mail.outbox for to in m.to) == ["head@example.org", "scorer@example.org"]
    assert "偃师市的异议有1项待本部门答复" in home(client_for, "scorer")
    assert "待本部门答复" not in home(client_for, "scorer2")

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        flow.answer(users["scorer"], cycle, objection.pk, score.node.code, "upheld", None, "依据充分")
    assert [m.to for m in mail.outbox] == [["office@example.org"]]
    assert "下一步，确认考核部门对异议的答复（1条）" in home(client_for, "office")  # the cycle's next step
    assert "待本部门答复" not in home(client_for, "scorer")

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        flow.confirm(users["office"], cycle, objection.pk)
    assert [m.to for m in mail.outbox] == [["unit@example.org"]] and "异议已办结" in mail.outbox[0].subject
    assert "待确认" not in home(client_for, "office")


def test_the_self_assessment_deadline_reminder_goes_once_a_day(cycle, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    cycle.self_assessment_deadline = today + datetime.timedelta(days=1)
    cycle.save(update_fields=["self_assessment_deadline"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_reminders(today)
    ours = [(r.subject, [u.username for u in users]) for r, users in sent if "自评" in r.subject]
    assert ours == [(f"{cycle.name}：本单位自评将于{cycle.self_assessment_deadline.isoformat()}截止", ["unit"])]
    assert not [r for r, _users in send_reminders(today) if "自评" in r.subject]
