"""The ledger in pages, as each role uses it on the demo cycle: the scorer records (with a file)
and bad input comes back beside its field with nothing stored, the head confirms or sends back,
the unit is notified and sees its ledger per quarter, disputes, the department answers, the
office closes or voids; every step in the entry's history."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from kaohe.audit.models import Event
from kaohe.claims.models import Evidence
from kaohe.ledger import rules
from kaohe.ledger.models import Dispute, Entry
from kaohe.ledger.rules import Typed
from kaohe.notify.models import Notification
from kaohe.notify.todo import todo_for

UNIT = "yanshi"  # 偃师市, the demo unit user's
ITEM = "1.2.1.1"  # 市委组织部's, 2 points
PDF = b"%PDF-1.4\n%%EOF\n"


def form(**changes) -> dict:
    values = {"unit": UNIT, "item": ITEM, "kind": "deduction", "date": "2018-03-12", "points": "0.5",
              "reason": "未按时报送党建工作季度报告", "document": "洛督〔2018〕12号"}
    return {**values, **changes}


def recorded(users, cycle, **changes) -> Entry:
    return rules.record(users["scorer"], cycle, Typed(**form(**changes)))


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_scorer_records_an_entry_with_a_file_in_the_page(client_for, cycle):
    scorer = client_for("scorer")
    page = scorer.get(f"/cycles/{cycle.pk}/ledger/new/")
    assert page.status_code == 200 and "登记台账" in page.content.decode()
    response = scorer.post(f"/cycles/{cycle.pk}/ledger/new/",
                           {**form(), "file": SimpleUploadedFile("督查通报.pdf", PDF)}, follow=True)
    entry = Entry.objects.get(cycle=cycle)
    assert response.redirect_chain[-1][0] == f"/cycles/{cycle.pk}/ledger/{entry.pk}/"
    shown = text_of(response)
    assert "未按时报送党建工作季度报告" in shown and "洛督〔2018〕12号" in shown and "督查通报.pdf" in shown
    assert "待确认" in shown and "登记" in shown  # its state, and its history
    assert entry.evidence.get().purpose == Evidence.Purpose.LEDGER


def test_bad_input_comes_back_beside_its_field_and_nothing_is_stored(client_for, cycle):
    scorer = client_for("scorer")
    before = (Entry.objects.count(), Event.objects.count())
    response = scorer.post(f"/cycles/{cycle.pk}/ledger/new/", form(points="9", date="2017-05-01", reason=" "))
    assert response.status_code == 422
    html = response.content.decode()
    for field in ("points", "date", "reason"):
        assert f'id="e-{field}"' in html, field
    assert "2018年" in html  # the date's message names the cycle's year
    assert 'value="2017-05-01"' in html  # what the user typed stays
    assert (Entry.objects.count(), Event.objects.count()) == before


def test_the_head_confirms_from_the_list_and_the_unit_is_told_and_sees_it(client_for, users, cycle):
    entry = recorded(users, cycle)
    unit = client_for("unit")
    assert "未按时报送" not in text_of(unit.get(f"/cycles/{cycle.pk}/ledger/"))  # not before it is confirmed
    assert unit.get(f"/cycles/{cycle.pk}/ledger/{entry.pk}/").status_code == 404
    head = client_for("head")
    listing = head.get(f"/cycles/{cycle.pk}/ledger/?state=draft")
    assert f'name="entries" value="{entry.pk}"' in listing.content.decode()
    response = head.post(f"/cycles/{cycle.pk}/ledger/confirm/", {"entries": [entry.pk]}, follow=True)
    assert "已确认1条台账记录" in text_of(response)
    entry.refresh_from_db()
    assert entry.state == Entry.State.CONFIRMED
    told = Notification.objects.get(user=users["unit"])
    assert "台账" in told.subject and "0.5分" in told.body and told.url == f"/cycles/{cycle.pk}/ledger/{entry.pk}/"
    mine = text_of(unit.get(f"/cycles/{cycle.pk}/ledger/"))
    assert "未按时报送党建工作季度报告" in mine and "第1季度" in mine
    assert "未按时报送" not in text_of(unit.get(f"/cycles/{cycle.pk}/ledger/?quarter=2"))
    assert "未按时报送" in text_of(unit.get(f"/cycles/{cycle.pk}/ledger/?quarter=1"))


def test_a_unit_sees_only_its_own_entries_whatever_it_asks(client_for, users, cycle):
    other = recorded(users, cycle, unit="mengjin")
    rules.confirm(users["head"], cycle, [other.pk])
    unit = client_for("unit")
    assert "未按时报送" not in text_of(unit.get(f"/cycles/{cycle.pk}/ledger/?unit=mengjin"))
    assert unit.get(f"/cycles/{cycle.pk}/ledger/{other.pk}/").status_code == 404


def test_sent_back_then_edited_in_the_page(client_for, users, cycle):
    entry = recorded(users, cycle)
    head = client_for("head")
    head.post(f"/cycles/{cycle.pk}/ledger/{entry.pk}/send-back/", {"comment": "请附通报原文"})
    entry.refresh_from_db()
    assert entry.state == Entry.State.RETURNED
    scorer = client_for("scorer")
    edit = scorer.get(f"/cycles/{cycle.pk}/ledger/{entry.pk}/edit/")
    assert "请附通报原文" in text_of(edit)
    scorer.post(f"/cycles/{cycle.pk}/ledger/{entry.pk}/edit/", {**form(points="1"), "version": entry.version})
    entry.refresh_from_db()
    assert (entry.state, entry.points) == (Entry.State.DRAFT, Decimal("1.00"))
    history = text_of(scorer.get(f"/cycles/{cycle.pk}/ledger/{entry.pk}/"))
    assert "退回修改" in history and "请附通报原文" in history and "修改" in history


def test_a_confirmed_entry_is_never_edited_only_voided_by_the_office(client_for, users, cycle):
    entry = recorded(users, cycle)
    rules.confirm(users["head"], cycle, [entry.pk])
    scorer = client_for("scorer")
    scorer.post(f"/cycles/{cycle.pk}/ledger/{entry.pk}/edit/", {**form(points="1"), "version": entry.version + 1})
    entry.refresh_from_db()
    assert entry.points == Decimal("0.50")
    assert client_for("head").post(f"/cycles/{cycle.pk}/ledger/{entry.pk}/void/", {"reason": "重复"}).status_code == 403
    office = client_for("office")
    refused = office.post(f"/cycles/{cycle.pk}/ledger/{entry.pk}/void/", {"reason": ""}, follow=True)
    assert "作废台账记录必须填写理由" in text_of(refused)
    office.post(f"/cycles/{cycle.pk}/ledger/{entry.pk}/void/", {"reason": "与第3号通报重复"})
    entry.refresh_from_db()
    assert entry.state == Entry.State.VOIDED and Entry.objects.filter(pk=entry.pk).exists()
    shown = text_of(client_for("unit").get(f"/cycles/{cycle.pk}/ledger/{entry.pk}/"))
    assert "已作废" in shown and "与第3号通报重复" in shown


def test_a_whole_dispute_in_the_pages(client_for, users, cycle):
    entry = recorded(users, cycle, points="1")
    rules.confirm(users["head"], cycle, [entry.pk])
    unit = client_for("unit")
    page = text_of(unit.get(f"/cycles/{cycle.pk}/ledger/{entry.pk}/"))
    assert "提出异议" in page and "异议期至" in page
    unit.post(f"/cycles/{cycle.pk}/ledger/{entry.pk}/dispute/",
              {"reason": "报告已于3月10日报送", "file": SimpleUploadedFile("回执.pdf", PDF)})
    dispute = Dispute.objects.get(entry=entry)
    assert dispute.evidence.get().purpose == Evidence.Purpose.DISPUTE
    assert any("台账异议" in todo.text for todo in todo_for(users["scorer"]))
    client_for("scorer").post(f"/cycles/{cycle.pk}/ledger/{entry.pk}/answer/",
                              {"decision": "changed", "points": "0.5", "answer": "逾期较短，减半"})
    assert any("待办结" in todo.text for todo in todo_for(users["office"]))
    entry.refresh_from_db()
    assert entry.points == Decimal("1.00")  # the answer takes effect only when the office closes it
    client_for("office").post(f"/cycles/{cycle.pk}/ledger/{entry.pk}/close/", {"comment": "同意"})
    entry.refresh_from_db()
    dispute.refresh_from_db()
    assert (dispute.state, entry.state, entry.points) == (Dispute.State.CLOSED, Entry.State.CONFIRMED, Decimal("0.50"))
    shown = text_of(unit.get(f"/cycles/{cycle.pk}/ledger/{entry.pk}/"))
    for words in ("报告已于3月10日报送", "回执.pdf", "修改分值", "逾期较短，减半", "已办结", "提出异议", "答复异议",
                  "办结异议"):
        assert words in shown, words


def test_the_office_sets_the_dispute_window(client_for, cycle):
    office = client_for("office")
    office.post(f"/cycles/{cycle.pk}/ledger/settings/", {"dispute_days": "10"})
    assert rules.settings_of(cycle).dispute_days == 10
    refused = office.post(f"/cycles/{cycle.pk}/ledger/settings/", {"dispute_days": "365"}, follow=True)
    assert "异议期必须是天数" in text_of(refused) and rules.settings_of(cycle).dispute_days == 10


def test_every_role_finds_the_ledger_from_the_cycle(client_for, cycle):
    for role in ("office", "scorer", "head", "unit", "leader"):
        assert f'href="/cycles/{cycle.pk}/ledger/"' in client_for(role).get(f"/cycles/{cycle.pk}/").content.decode(), role


def test_the_head_is_told_what_waits(users, cycle):
    recorded(users, cycle)
    assert any("1条台账记录待确认" in todo.text for todo in todo_for(users["head"]))
    assert not any("台账" in todo.text for todo in todo_for(users["scorer2"]))
