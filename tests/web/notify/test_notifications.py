"""Notifications: a row for every user concerned, an e-mail after commit for those who want one,
the notifications page, the review and results hooks, and `kaohe notify-deadlines`."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaohe.accounts.models import User
from kaohe.audit.context import acting_as
from kaohe.cycles import review
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.notify.deadlines import send_reminders
from kaohe.notify.models import Notification
from kaohe.notify.send import department_users, notify, office_users, unit_users
from kaohe.results import service

S = Submission.State


@pytest.fixture
def mailed(users):
    """Every demo account with an e-mail address: name@example.org."""
    for name, user in users.items():
        user.email = f"{name}@example.org"
        user.save()
    return users


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what would run on commit (the tests' transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def recipients(outbox) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


def rows(name: str) -> list[Notification]:
    return list(Notification.objects.filter(user__username=name))


# ----------------------------------------------------------------------------- notify()


def test_notify_stores_a_row_and_mails_after_commit(mailed, commits, mailoutbox, settings):
    settings.KAOHE_BASE_URL = "https://kaohe.example.gov.cn"
    with commits():
        with transaction.atomic():
            notify([mailed["scorer"], mailed["head"], mailed["scorer"]], "评分被退回", "请复核第3项", "/cycles/1/scoring/")
            assert mailoutbox == []  # not before the commit
    assert recipients(mailoutbox) == ["head@example.org", "scorer@example.org"]
    message = mailoutbox[0]
    assert message.subject == "[考核] 评分被退回"
    assert message.body == "请复核第3项\n\nhttps://kaohe.example.gov.cn/cycles/1/scoring/"
    row = rows("scorer")
    assert len(row) == 1 and row[0].subject == "评分被退回" and row[0].url == "/cycles/1/scoring/"
    assert row[0].emailed and row[0].read_at is None


def test_switched_off_and_addressless_users_get_the_row_but_no_mail(mailed, commits, mailoutbox):
    mailed["head"].email_notifications = False
    mailed["head"].save()
    mailed["scorer"].email = ""
    mailed["scorer"].save()
    with commits():
        notify([mailed["scorer"], mailed["head"], mailed["office"]], "主题", "内容")
    assert recipients(mailoutbox) == ["office@example.org"]
    assert [r.emailed for r in rows("head")] == [False] and [r.emailed for r in rows("scorer")] == [False]


def test_inactive_users_are_not_notified(mailed, commits, mailoutbox):
    mailed["leader"].is_active = False
    mailed["leader"].save()
    with commits():
        notify([mailed["leader"]], "主题", "内容")
    assert mailoutbox == [] and rows("leader") == []


def test_a_subject_is_one_line(mailed, commits, mailoutbox):
    with commits():
        notify([mailed["office"]], "第一行\n第二行", "内容")
    assert mailoutbox[0].subject == "[考核] 第一行 第二行"


def test_a_failing_mail_server_is_logged_and_never_breaks_the_action(mailed, commits, mailoutbox, monkeypatch,
                                                                      caplog):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connection refused")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with commits():
        notify([mailed["office"]], "主题", "内容")
    assert mailoutbox == []
    assert [r.emailed for r in rows("office")] == [False]
    assert "could not e-mail office@example.org" in caplog.text


def test_the_recipient_helpers(users, cycle):
    department = cycle.departments.get(code="swzzb")
    assert {u.username for u in department_users(department)} == {"scorer", "head"}
    assert {u.username for u in department_users("swzzb", roles=("head",))} == {"head"}
    assert {u.username for u in department_users(users["scorer"].department)} == {"scorer", "head"}
    assert [u.username for u in unit_users(users["unit"].unit.code)] == ["unit"]
    assert [u.username for u in unit_users(cycle.units.values_list("code", flat=True))] == ["unit"]
    assert [u.username for u in office_users()] == ["office"]


# ----------------------------------------------------------------------------- the review hooks


@pytest.fixture
def submission(cycle):
    return cycle.submissions.select_related("department", "cycle").get(department__code="swzzb")


@pytest.fixture
def all_scored(submission):
    Score.objects.filter(department=submission.department).update(points=Decimal(1), version=1)


def step(outbox, commits, user, action, *args):
    """Take one review step as `user`; the addresses mailed, and the mails."""
    outbox.clear()
    with commits(), acting_as(user):
        getattr(review, action)(user, *args)
    return recipients(outbox), list(outbox)


def test_each_review_step_mails_the_people_concerned(mailed, commits, mailoutbox, submission, all_scored):
    scorer, head, office = mailed["scorer"], mailed["head"], mailed["office"]
    sent, mails = step(mailoutbox, commits, scorer, "submit", submission)
    assert sent == ["head@example.org"]
    assert "市委组织部的评分已提交，待您审核" in mails[0].subject and f"/cycles/{submission.cycle_id}/scoring/" in mails[0].body
    sent, mails = step(mailoutbox, commits, head, "send_back", submission, "第3项理由不清")
    assert sent == ["scorer@example.org"]  # the department's scorers and heads, not the head who acted
    assert "被部门负责人退回" in mails[0].subject and "第3项理由不清" in mails[0].body
    step(mailoutbox, commits, scorer, "submit", submission)
    sent, mails = step(mailoutbox, commits, head, "approve", submission)
    assert sent == ["office@example.org"] and f"/cycles/{submission.cycle_id}/review/" in mails[0].body
    sent, mails = step(mailoutbox, commits, office, "return_to_department", submission, "请复核")
    assert sent == ["head@example.org", "scorer@example.org"]
    assert "被考核办退回" in mails[0].subject and "请复核" in mails[0].body
    step(mailoutbox, commits, scorer, "submit", submission)
    step(mailoutbox, commits, head, "approve", submission)
    sent, mails = step(mailoutbox, commits, office, "lock", submission)
    assert sent == ["head@example.org", "scorer@example.org"] and "已审核锁定" in mails[0].subject
    sent, mails = step(mailoutbox, commits, office, "reopen", submission, "数据更正")
    assert sent == ["head@example.org", "scorer@example.org"] and "数据更正" in mails[0].body
    # nobody outside the department (scorer2 of 市委宣传部, unit, leader) heard of any of it
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"scorer", "head", "office"}
    assert len(rows("head")) == 6 and len(rows("scorer")) == 4 and len(rows("office")) == 2


def test_a_refused_step_notifies_nobody(mailed, commits, mailoutbox, submission):
    with commits(), pytest.raises(review.ReviewError):
        review.submit(mailed["scorer"], submission)  # items are unscored
    assert mailoutbox == [] and not Notification.objects.exists()


def test_a_rolled_back_action_sends_nothing_and_keeps_no_row(mailed, commits, mailoutbox, submission, all_scored):
    with commits():
        with pytest.raises(RuntimeError), transaction.atomic():
            review.submit(mailed["scorer"], submission)
            assert rows("head")  # stored inside the action's transaction…
            raise RuntimeError("a later step of the same action fails")
    assert mailoutbox == [] and not Notification.objects.exists()  # …and rolled back with it
    assert Submission.objects.get(pk=submission.pk).state == S.DRAFT


def test_submitting_in_the_browser_mails_the_head(mailed, commits, mailoutbox, client_for, submission, all_scored):
    with commits():
        response = client_for("scorer").post(f"/cycles/{submission.cycle_id}/submission/submit/")
    assert response.status_code in (200, 302)
    assert recipients(mailoutbox) == ["head@example.org"]


def test_publishing_results_mails_the_units_users(mailed, commits, mailoutbox, cycle):
    cycle.status = Cycle.Status.LOCKED
    cycle.save(update_fields=["status"])
    with commits(), acting_as(mailed["office"]):
        service.publish(cycle, mailed["office"], confirm_incomplete=True)
    assert recipients(mailoutbox) == ["unit@example.org"]
    assert "结果已发布，可查看本单位成绩单" in mailoutbox[0].body
    assert [r.subject for r in rows("unit")] == [f"{cycle.name}：结果已发布"]


# ----------------------------------------------------------------------------- the page


def test_anonymous_users_are_sent_to_log_in(client_for):
    response = client_for(None).get("/accounts/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["office", "scorer", "head", "scorer2", "unit", "leader"])
def test_every_role_sees_only_their_own_notifications(client_for, users, name):
    for other in users.values():
        notify([other], f"给{other.username}的通知", "内容")
    body = client_for(name).get("/accounts/notifications/").content.decode()
    assert f"给{name}的通知" in body
    assert [u for u in users if f"给{u}的通知" in body] == [name]


def test_unread_notifications_are_highlighted_and_counted_in_the_header(client_for, users):
    notify([users["scorer"]], "旧通知", "")
    Notification.objects.filter(user=users["scorer"]).update(read_at=timezone.now())
    notify([users["scorer"]], "新通知一", "")
    notify([users["scorer"]], "新通知二", "")
    body = client_for("scorer").get("/accounts/notifications/").content.decode()
    assert body.index("新通知二") < body.index("新通知一") < body.index("旧通知")  # newest first
    assert body.count('class="unread"') == 2
    assert 'title="未读通知">2</span>' in body
    assert 'title="未读通知">2</span>' in client_for("scorer").get("/cycles/").content.decode()


def test_the_page_is_paginated(client_for, users):
    for number in range(25):
        notify([users["leader"]], f"通知{number:02d}", "")
    client = client_for("leader")
    first, second = client.get("/accounts/notifications/").content.decode(), \
        client.get("/accounts/notifications/?page=2").content.decode()
    assert "通知24" in first and "通知05" in first and "通知04" not in first
    assert "通知04" in second and "通知00" in second and "通知24" not in second


def test_marking_all_read_marks_only_ones_own(client_for, users):
    notify([users["scorer"], users["head"]], "通知", "")
    response = client_for("scorer").post("/accounts/notifications/", {"action": "read_all"}, follow=True)
    assert "已将1条通知标为已读" in response.content.decode()
    assert all(r.read_at for r in rows("scorer")) and not any(r.read_at for r in rows("head"))


def test_opening_a_notification_marks_it_read_and_follows_its_link(client_for, users):
    notify([users["scorer"]], "通知", "", "/cycles/")
    row = rows("scorer")[0]
    response = client_for("scorer").post("/accounts/notifications/", {"action": "open", "id": row.pk})
    assert response.status_code == 302 and response["Location"] == "/cycles/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_nobody_can_open_or_mark_anothers_notification(client_for, users):
    notify([users["head"]], "负责人的通知", "", "/cycles/")
    row = rows("head")[0]
    for name in ["scorer", "office", "unit", "leader"]:
        response = client_for(name).post("/accounts/notifications/", {"action": "open", "id": row.pk})
        assert response.status_code == 404
        assert "负责人的通知" not in client_for(name).get("/accounts/notifications/").content.decode()
    row.refresh_from_db()
    assert row.read_at is None


def test_a_link_elsewhere_is_not_followed(client_for, users):
    notify([users["scorer"]], "通知", "", "https://evil.example.com/")
    response = client_for("scorer").post("/accounts/notifications/", {"action": "open", "id": rows("scorer")[0].pk})
    assert response["Location"] == "/accounts/notifications/"


def test_a_user_sets_their_address_and_switches_mail_off(client_for, users):
    client = client_for("unit")
    response = client.post("/accounts/notifications/", {"action": "settings", "email": "yanshi@example.org"},
                           follow=True)  # an unticked box: off
    assert "通知设置已保存" in response.content.decode()
    unit = User.objects.get(username="unit")
    assert unit.email == "yanshi@example.org" and unit.email_notifications is False
    client.post("/accounts/notifications/", {"action": "settings", "email": "yanshi@example.org",
                                             "email_notifications": "on"})
    assert User.objects.get(username="unit").email_notifications is True


def test_a_bad_address_is_refused_with_a_message(client_for):
    response = client_for("unit").post("/accounts/notifications/", {"action": "settings", "email": "不是邮箱"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert User.objects.get(username="unit").email == ""


def test_an_unknown_action_is_a_bad_request(client_for):
    assert client_for("unit").post("/accounts/notifications/", {"action": "drop"}).status_code == 400


def test_posts_need_the_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["scorer"])
    assert client.post("/accounts/notifications/", {"action": "read_all"}).status_code == 403


# ----------------------------------------------------------------------------- the home page


def test_the_home_page_lists_the_latest_unread_notifications(client_for, users):
    for number in range(7):
        notify([users["unit"]], f"通知{number}", "")
    body = client_for("unit").get("/").content.decode()
    assert "未读通知（7）" in body and "/accounts/notifications/" in body
    assert all(f"通知{n}" in body for n in range(2, 7)) and "通知1<" not in body


@pytest.mark.parametrize("days, shown", [(0, True), (3, True), (4, False), (-1, False)])
def test_scorers_and_heads_see_the_scoring_deadline_near(client_for, cycle, days, shown):
    cycle.scoring_deadline = timezone.localdate() + timedelta(days=days)
    cycle.save(update_fields=["scoring_deadline"])
    for name in ["scorer", "head"]:
        body = client_for(name).get("/").content.decode()
        assert ("评分截止日期临近" in body) is shown
    assert "评分截止日期临近" not in client_for("office").get("/").content.decode()


def test_no_deadline_entry_once_everything_is_scored(client_for, cycle, submission, all_scored):
    cycle.scoring_deadline = timezone.localdate()
    cycle.save(update_fields=["scoring_deadline"])
    assert "评分截止日期临近" not in client_for("scorer").get("/").content.decode()


def test_the_unread_count_costs_no_query_and_the_home_page_a_fixed_number(client_for, users):
    def queries(path: str) -> int:
        client = client_for("scorer")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    before = {path: queries(path) for path in ["/cycles/", "/"]}
    notify([users["scorer"]], "一条", "")
    one = {path: queries(path) for path in ["/cycles/", "/"]}
    for number in range(30):
        notify([users["scorer"]], f"通知{number}", "")
    many = {path: queries(path) for path in ["/cycles/", "/"]}
    assert before["/cycles/"] == one["/cycles/"] == many["/cycles/"]  # the header's count comes with the user
    assert one["/"] == many["/"] == before["/"] + 1  # the latest unread, only when there are some


# ----------------------------------------------------------------------------- kaohe notify-deadlines


@pytest.fixture
def command(monkeypatch, capsys, commits):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)

    def run(*args: str) -> str:
        with commits():
            call_command("notify_deadlines", *args)
        return capsys.readouterr().out

    return run


@pytest.fixture
def deadline_tomorrow(cycle):
    cycle.scoring_deadline = timezone.localdate() + timedelta(days=1)
    cycle.save(update_fields=["scoring_deadline"])
    return cycle


def test_the_command_reminds_the_scorers_of_unfinished_departments(mailed, mailoutbox, command, deadline_tomorrow):
    out = command()
    # the demo's two scorers; heads, the office and the others are not reminded
    assert recipients(mailoutbox) == ["scorer2@example.org", "scorer@example.org"]
    missing = Score.objects.filter(department__code="swzzb", points__isnull=True).count()
    mail = next(m for m in mailoutbox if m.to == ["scorer@example.org"])
    assert f"还有{missing}项未评分" in mail.body and "还剩1天" in mail.body
    assert mail.subject.startswith("[考核] 评分截止临近：")
    assert "→ scorer" in out and "人次" in out


def test_the_same_reminder_is_not_sent_twice_the_same_day(mailed, mailoutbox, command, deadline_tomorrow):
    command()
    sent = len(mailoutbox)
    out = command("--days", "3")
    assert len(mailoutbox) == sent and "已发送0条截止提醒" in out
    assert Notification.objects.filter(user__username="scorer").count() == 1


def test_yesterdays_reminder_does_not_stop_todays(mailed, deadline_tomorrow):
    today = timezone.localdate()
    first = send_reminders(today)
    assert first
    Notification.objects.update(created_at=timezone.now() - timedelta(days=1))
    assert [users for _, users in send_reminders(today)] == [users for _, users in first]


def test_a_dry_run_sends_nothing(mailed, mailoutbox, command, deadline_tomorrow):
    out = command("--dry-run")
    assert mailoutbox == [] and not Notification.objects.exists()
    assert "试运行" in out and "→ scorer" in out


@pytest.mark.parametrize("days, option", [(4, "3"), (-1, "3"), (2, "1")])
def test_deadlines_far_or_past_are_not_reminded(mailed, mailoutbox, command, cycle, days, option):
    cycle.scoring_deadline = timezone.localdate() + timedelta(days=days)
    cycle.save(update_fields=["scoring_deadline"])
    assert "已发送0条" in command("--days", option)
    assert mailoutbox == []


def test_a_department_with_everything_scored_is_not_reminded(mailed, mailoutbox, command, deadline_tomorrow,
                                                            all_scored):
    command()
    assert recipients(mailoutbox) == ["scorer2@example.org"]


def test_a_negative_number_of_days_is_refused(command):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不能为负数"):
        command("--days", "-1")
