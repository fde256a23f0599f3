"""Notifications in their reader's language: the subject and body are stored as marked templates
with their values (kaohe.core.messages.Text), shown in English to a user reading English and in
Chinese to one reading Chinese (the notifications page and the home page's unread list); older rows
of plain text show as they are; the e-mail is in the site's language, whoever acted; the stored
size is bounded."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from kaohe.audit.context import acting_as
from kaohe.core.messages import Text, gettext_noop
from kaohe.cycles import review
from kaohe.cycles.models import Cycle, Score
from kaohe.ledger.models import Dispute, Entry
from kaohe.ledger.rules import describe
from kaohe.notify.models import BODY_LENGTH, Notification
from kaohe.notify.send import label_of, notify
from kaohe.results import service

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@pytest.fixture(autouse=True)
def _chinese_afterwards():
    yield
    translation.deactivate()


def reading(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def table(html: str) -> str:
    return html.split('<table class="list notifications">', 1)[1].split("</table>", 1)[0]


def subjects(html: str) -> list[str]:
    """The subjects on the notifications page, as shown (tags taken out)."""
    html = table(html)
    found = re.findall(r'<button type="submit" class="link">(.*?)</button>', html, re.S)
    return [re.sub(r"<[^>]+>", "", s).strip() for s in found]


def bodies(html: str) -> list[str]:
    html = table(html)
    return [re.sub(r"<br>", "\n", b).strip() for b in re.findall(r'<div class="muted">(.*?)</div>', html, re.S)]


@pytest.fixture
def published(cycle, users):
    """The demo cycle, named in Latin letters (data), locked and published: its unit is told."""
    Cycle.objects.filter(pk=cycle.pk).update(name="County 2018", status=Cycle.Status.LOCKED)
    cycle.refresh_from_db()
    with acting_as(users["office"]):
        service.publish(cycle, users["office"], confirm_incomplete=True)
    return cycle


def test_a_notification_made_in_chinese_shows_in_english_to_a_reader_of_english(client_for, published):
    row = Notification.objects.get(user__username="unit")
    assert row.subject == "County 2018：结果已发布"  # stored in Chinese …
    html = reading(client_for("unit"), "en").get("/accounts/notifications/").content.decode()
    assert subjects(html) == ["County 2018: results published"]  # … shown in English
    assert not CJK.search(subjects(html)[0])
    assert bodies(html) == ["County 2018: the results have been published; your unit&#x27;s scorecard can now be "
                            "viewed (version 1)."]
    # the home page's list of the latest unread ones too
    home = reading(client_for("unit"), "en").get("/").content.decode()
    assert "County 2018: results published" in home and "结果已发布" not in home


def test_the_same_notification_shows_in_chinese_to_a_reader_of_chinese(client_for, published):
    html = client_for("unit").get("/accounts/notifications/").content.decode()
    assert subjects(html) == ["County 2018：结果已发布"]
    assert bodies(html) == ["County 2018：结果已发布，可查看本单位成绩单（第1版）。"]
    assert "County 2018：结果已发布" in client_for("unit").get("/").content.decode()


def test_a_review_step_with_a_comment_reads_in_english(client_for, cycle, users):
    submission = cycle.submissions.select_related("department", "cycle").get(department__code="swzzb")
    Score.objects.filter(department=submission.department).update(points=Decimal(1), version=1)
    with acting_as(users["scorer"]):
        review.submit(users["scorer"], submission)
    with acting_as(users["head"]), translation.override("en"):  # the head reads English: nothing changes
        review.send_back(users["head"], submission, "第3项理由不清")
    row = Notification.objects.filter(user__username="scorer").get()
    assert "被部门负责人退回" in row.subject and "意见：第3项理由不清" in row.body  # stored in Chinese
    html = reading(client_for("scorer"), "en").get("/accounts/notifications/").content.decode()
    [subject], [body] = subjects(html), bodies(html)
    assert subject == f"{cycle.name}: the scores of 市委组织部 were returned by the department head"  # names are data
    assert "Comment: 第3项理由不清" in body and "By: " in body, body  # the reason is data, as typed
    assert "意见" not in body and "操作人" not in body


def test_a_model_choice_in_a_message_follows_the_reader():
    entry = Entry(kind=Entry.Kind.DEDUCTION, points=Decimal("0.5"), reason="材料不全", date=date(2026, 3, 2))
    line = describe(entry)
    assert str(line) == "2026-03-02 扣分0.5分：材料不全"
    with translation.override("en"):
        english = line.render(translation.gettext)
    assert "材料不全" in english and "扣分" not in english and "0.5" in english, english
    with translation.override("en"):
        assert str(label_of(Dispute.Decision.UPHELD)) == "维持"  # the label is kept in Chinese, whoever makes it
        assert label_of(Dispute.Decision.UPHELD).render(translation.gettext) != "维持"


def test_older_rows_of_plain_text_still_show_as_they_are(client_for, users):
    Notification.objects.create(user=users["unit"], subject="旧的通知", body="旧的内容\n第二行")
    notify([users["unit"]], "一个普通字符串", "内容")  # a plain string: kept as text only
    for language in ("en", "zh-hans"):
        html = reading(client_for("unit"), language).get("/accounts/notifications/").content.decode()
        assert subjects(html) == ["一个普通字符串", "旧的通知"]
        assert bodies(html) == ["内容", "旧的内容\n第二行"]


def test_a_row_whose_stored_message_cannot_be_read_shows_its_text(client_for, users):
    Notification.objects.create(user=users["unit"], subject="原文", subject_message={"template": "%(x)s"},
                                body="内容", body_message={"template": "%(a)d", "params": {"a": "x"}})
    html = reading(client_for("unit"), "en").get("/accounts/notifications/").content.decode()
    assert subjects(html) == ["原文"] and bodies(html) == ["内容"]


def test_the_mail_is_in_the_sites_language_whoever_acted(users, django_capture_on_commit_callbacks, mailoutbox):
    users["unit"].email = "unit@example.org"
    users["unit"].save()
    subject = Text.of(gettext_noop("%(cycle)s：结果已发布"), cycle="County 2018")
    body = Text.of(gettext_noop("还剩%(days)d天"), days=3)
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        notify([users["unit"]], subject, body, "/x/")
    [mail] = mailoutbox
    assert mail.subject == "[考核] County 2018：结果已发布"
    assert mail.body.startswith("还剩3天\n\n")


def test_the_stored_size_is_bounded(users):
    long_reason = "长" * (BODY_LENGTH + 10)
    notify([users["unit"]], Text.of(gettext_noop("%(cycle)s：结果已发布"), cycle="名" * 300),
           Text.of(gettext_noop("考核办退回了本单位的自评，理由：%(reason)s"), reason=long_reason))
    row = Notification.objects.get(user=users["unit"])
    assert len(row.subject) == 200 and len(row.body) == BODY_LENGTH
    assert row.subject_message is None and row.body_message is None  # too long to keep whole: the text only
    # invisible characters do not reach the stored text
    notify([users["office"]], Text.of(gettext_noop("%(cycle)s：结果已发布"), cycle="A\u202eB\u200b"),
           Text.of(gettext_noop("意见：%(comment)s"), comment="x\u202ey"))
    row = Notification.objects.get(user=users["office"])
    assert row.subject == "AB：结果已发布" and row.body == "意见：xy"
