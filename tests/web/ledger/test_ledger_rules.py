"""The ledger's rules through its service (kaohe.ledger.rules) on the demo cycle: recording, bad
input refused with the field named and nothing stored, confirm / send back / void, disputes and
their outcomes, notifications, the audit trail, and nothing ever deleted."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kaohe.audit.models import Event
from kaohe.claims.models import Evidence
from kaohe.cycles.models import Cycle, Score
from kaohe.ledger import rules
from kaohe.ledger.models import Dispute, Entry, LedgerSettings
from kaohe.ledger.rules import LedgerError, Typed
from kaohe.notify.models import Notification

UNIT = "yanshi"  # 偃师市, the demo unit user's
ITEM = "1.2.1.1"  # 市委组织部's, 2 points, applies to every county
DISTRICT_ITEM = "3.1.2.2"  # 市委组织部's, applies to the districts and zones only
OTHER_ITEM = "2.1.1.1"  # 市委宣传部's
PDF = b"%PDF-1.4\n%%EOF\n"


def typed(**changes) -> Typed:
    values = {"unit": UNIT, "item": ITEM, "kind": "deduction", "date": "2018-03-12", "points": "0.5",
              "reason": "未按时报送党建工作季度报告", "document": "洛督〔2018〕12号"}
    return Typed(**{**values, **changes})


def confirmed(users, cycle, **changes) -> Entry:
    entry = rules.record(users["scorer"], cycle, typed(**changes))
    return rules.confirm(users["head"], cycle, [entry.pk])[0]


def test_a_scorer_records_an_entry_that_waits_for_the_head(users, cycle):
    entry = rules.record(users["scorer"], cycle, typed(), [("通报.pdf", PDF)])
    assert (entry.state, entry.kind, entry.points, entry.quarter) == ("draft", "deduction", Decimal("0.50"), 1)
    assert entry.task.node.code == ITEM and entry.task.unit.code == UNIT
    assert entry.department.code == users["scorer"].department.code
    assert [e.purpose for e in entry.evidence.all()] == [Evidence.Purpose.LEDGER]
    assert Event.objects.filter(action="ledger.record", object_key=rules.key(entry)).exists()
    assert not entry.counts


@pytest.mark.parametrize(("changes", "field"), [
    ({"item": OTHER_ITEM}, "item"),  # another department's item
    ({"item": "9.9.9.9"}, "item"),  # no such item
    ({"item": ""}, "item"),  # a deduction needs an item
    ({"unit": UNIT, "item": DISTRICT_ITEM}, "unit"),  # the item does not apply to the unit
    ({"unit": "nowhere"}, "unit"),
    ({"points": "2.5"}, "points"),  # beyond the item's maximum (2)
    ({"points": "0.55"}, "points"),  # off the step (0.1)
    ({"points": "0"}, "points"),
    ({"points": "-1"}, "points"),
    ({"points": "abc"}, "points"),
    ({"reason": ""}, "reason"),
    ({"reason": "  \u200b "}, "reason"),  # nothing visible
    ({"reason": "长" * 501}, "reason"),
    ({"document": "号" * 201}, "document"),
    ({"date": "2017-12-31"}, "date"),  # outside the cycle's year
    ({"date": "2019-01-01"}, "date"),
    ({"date": "2018-02-30"}, "date"),
    ({"date": "明天"}, "date"),
    ({"kind": "penalty"}, "kind"),
    ({"kind": "bonus", "item": ITEM}, "item"),  # a bonus is not on an item
    ({"kind": "bonus", "item": "", "points": "5.5"}, "points"),  # beyond the cycle's bonus cap (5)
    ({"kind": "note", "points": "1"}, "points"),  # a note has no points
])
def test_bad_input_is_refused_with_the_field_named_and_nothing_stored(users, cycle, changes, field):
    before = (Entry.objects.count(), Event.objects.count(), Evidence.objects.count())
    with pytest.raises(LedgerError) as refused:
        rules.record(users["scorer"], cycle, typed(**changes), [("通报.pdf", PDF)])
    assert refused.value.kind == LedgerError.INVALID
    assert field in refused.value.fields, refused.value.fields
    assert refused.value.field == next(iter(refused.value.fields))
    assert (Entry.objects.count(), Event.objects.count(), Evidence.objects.count()) == before


def test_every_bad_field_is_named_at_once(users, cycle):
    with pytest.raises(LedgerError) as refused:
        rules.record(users["scorer"], cycle, typed(points="9", reason="", date="2020-01-01"))
    assert set(refused.value.fields) == {"points", "reason", "date"}


def test_a_date_after_today_is_refused(users, cycle, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2018, 6, 1))
    with pytest.raises(LedgerError) as refused:
        rules.record(users["scorer"], cycle, typed(date="2018-06-02"))
    assert refused.value.fields == {"date": "日期不能晚于今天。"}


def test_dates_and_kinds_as_people_write_them(users, cycle):
    entry = rules.record(users["scorer"], cycle, typed(date="２０１８年5月3日", kind="扣分", points="１"))
    assert (entry.date, entry.quarter, entry.points) == (datetime.date(2018, 5, 3), 2, Decimal("1.00"))
    note = rules.record(users["scorer"], cycle, typed(kind="记录", points="", date="2018/11/30"))
    assert (note.kind, note.points, note.quarter) == ("note", None, 4)
    bonus = rules.record(users["scorer"], cycle, typed(kind="加分", item="", points="5"))
    assert (bonus.kind, bonus.task, bonus.points) == ("bonus", None, Decimal("5.00"))


def test_only_the_departments_record(users, cycle):
    for name in ("office", "unit", "leader"):
        with pytest.raises(LedgerError) as refused:
            rules.record(users[name], cycle, typed())
        assert refused.value.kind == LedgerError.FORBIDDEN


def test_nothing_is_recorded_unless_the_cycle_is_open(users, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.REVIEW)
    with pytest.raises(LedgerError) as refused:
        rules.record(users["scorer"], cycle, typed())
    assert refused.value.kind == LedgerError.CLOSED
    assert not Entry.objects.exists()


def test_the_head_confirms_and_the_unit_is_told_at_once(users, cycle):
    entry = rules.record(users["scorer"], cycle, typed())
    with pytest.raises(LedgerError) as refused:
        rules.confirm(users["scorer"], cycle, [entry.pk])
    assert refused.value.kind == LedgerError.FORBIDDEN
    rules.confirm(users["head"], cycle, [entry.pk])
    entry.refresh_from_db()
    assert (entry.state, entry.confirmed_by, entry.counts) == ("confirmed", users["head"], True)
    told = Notification.objects.get(user=users["unit"])
    assert "台账扣分" in told.subject and "未按时报送党建工作季度报告" in told.body and "洛督〔2018〕12号" in told.body
    assert told.url == f"/cycles/{cycle.pk}/ledger/{entry.pk}/"
    with pytest.raises(LedgerError) as refused:  # a confirmed entry is never edited
        rules.edit(users["scorer"], cycle, entry.pk, typed(points="1"), entry.version)
    assert refused.value.kind == LedgerError.CLOSED


def test_sent_back_edited_and_confirmed(users, cycle):
    entry = rules.record(users["scorer"], cycle, typed())
    with pytest.raises(LedgerError):
        rules.send_back(users["head"], cycle, entry.pk, "  ")
    rules.send_back(users["head"], cycle, entry.pk, "请写明文号")
    entry.refresh_from_db()
    assert (entry.state, entry.comment) == ("returned", "请写明文号")
    assert Notification.objects.filter(user=users["scorer"], subject__contains="退回").exists()
    with pytest.raises(LedgerError) as refused:
        rules.edit(users["scorer"], cycle, entry.pk, typed(), entry.version - 1)
    assert refused.value.kind == LedgerError.CONFLICT
    rules.edit(users["scorer"], cycle, entry.pk, typed(document="洛督〔2018〕13号"), entry.version)
    entry.refresh_from_db()
    assert (entry.state, entry.document) == ("draft", "洛督〔2018〕13号")
    rules.confirm(users["head"], cycle, [entry.pk])


def test_another_departments_entries_are_not_found(users, cycle):
    entry = rules.record(users["scorer"], cycle, typed())
    with pytest.raises(LedgerError) as refused:
        rules.edit(users["scorer2"], cycle, entry.pk, typed(), entry.version)
    assert refused.value.kind == LedgerError.NOT_FOUND
    assert not rules.visible_entries(users["scorer2"], cycle).exists()


def test_who_reads_what(users, cycle):
    draft = rules.record(users["scorer"], cycle, typed())
    done = confirmed(users, cycle, points="1")
    assert set(rules.visible_entries(users["office"], cycle)) == {draft, done}
    assert set(rules.visible_entries(users["head"], cycle)) == {draft, done}
    assert set(rules.visible_entries(users["leader"], cycle)) == {done}
    assert set(rules.visible_entries(users["unit"], cycle)) == {done}
    assert not rules.visible_entries(users["scorer2"], cycle).exists()


def test_the_office_voids_with_a_reason_and_nothing_is_deleted(users, cycle):
    entry = confirmed(users, cycle)
    for name in ("scorer", "head", "leader", "unit"):
        with pytest.raises(LedgerError):
            rules.void(users[name], cycle, entry.pk, "重复登记")
    with pytest.raises(LedgerError) as refused:
        rules.void(users["office"], cycle, entry.pk, "")
    assert refused.value.field == "reason"
    rules.void(users["office"], cycle, entry.pk, "重复登记")
    entry.refresh_from_db()
    assert (entry.state, entry.comment, entry.counts) == ("voided", "重复登记", False)
    assert Entry.objects.filter(pk=entry.pk).exists()
    assert [e.action for e in Event.objects.filter(object_key=rules.key(entry)).order_by("pk")] == [
        "ledger.record", "ledger.confirm", "ledger.void"]
    assert Notification.objects.filter(user=users["unit"], subject__contains="作废").exists()


def test_a_dispute_within_the_window_answered_and_closed(users, cycle):
    entry = confirmed(users, cycle, points="1")
    with pytest.raises(LedgerError) as refused:
        rules.dispute(users["scorer"], cycle, entry.pk, "不对")
    assert refused.value.kind == LedgerError.FORBIDDEN
    dispute = rules.dispute(users["unit"], cycle, entry.pk, "报告已于3月10日报送", [("回执.pdf", PDF)])
    assert dispute.evidence.get().purpose == Evidence.Purpose.DISPUTE
    assert Notification.objects.filter(user=users["scorer"], subject__contains="异议").exists()
    with pytest.raises(LedgerError) as refused:
        rules.dispute(users["unit"], cycle, entry.pk, "再提一次")
    assert refused.value.kind == LedgerError.CLOSED
    with pytest.raises(LedgerError):
        rules.answer(users["scorer2"], cycle, entry.pk, "upheld", None, "维持")
    with pytest.raises(LedgerError) as refused:
        rules.answer(users["scorer"], cycle, entry.pk, "changed", "3", "改")
    assert refused.value.field == "points"
    rules.answer(users["scorer"], cycle, entry.pk, "changed", "0.3", "报送晚了两天，减轻扣分")
    entry.refresh_from_db()
    assert entry.points == Decimal("1.00")  # the answer takes effect when the office closes
    with pytest.raises(LedgerError):
        rules.close(users["head"], cycle, entry.pk)
    rules.close(users["office"], cycle, entry.pk, "同意")
    entry.refresh_from_db()
    dispute.refresh_from_db()
    assert (entry.points, entry.state, dispute.state) == (Decimal("0.30"), "confirmed", "closed")
    assert Notification.objects.filter(user=users["unit"], subject__contains="办结").exists()


def test_a_withdrawn_entry_counts_for_nothing_and_an_upheld_one_stays(users, cycle):
    withdrawn, upheld = confirmed(users, cycle), confirmed(users, cycle, date="2018-03-13")
    for entry, decision in ((withdrawn, "withdrawn"), (upheld, "upheld")):
        rules.dispute(users["unit"], cycle, entry.pk, "有误")
        rules.answer(users["head"], cycle, entry.pk, decision, None, "核实")
        rules.close(users["office"], cycle, entry.pk)
        entry.refresh_from_db()
    assert (withdrawn.state, withdrawn.counts) == ("withdrawn", False)
    assert (upheld.state, upheld.counts, upheld.points) == ("confirmed", True, Decimal("0.50"))


def test_the_office_sends_an_answer_back(users, cycle):
    entry = confirmed(users, cycle)
    rules.dispute(users["unit"], cycle, entry.pk, "有误")
    rules.answer(users["scorer"], cycle, entry.pk, "upheld", None, "维持")
    rules.send_back_dispute(users["office"], cycle, entry.pk, "请说明依据")
    dispute = Dispute.objects.get(entry=entry)
    assert (dispute.state, dispute.decision) == ("filed", "")


def test_the_dispute_window_is_the_offices(users, cycle, monkeypatch):
    LedgerSettings.objects.create(cycle=cycle, dispute_days=7)
    entry = confirmed(users, cycle)
    opened = timezone.localdate(entry.confirmed_at)
    monkeypatch.setattr(timezone, "localdate", lambda *args: opened + datetime.timedelta(days=8) if not args
                        else datetime.date.fromordinal(opened.toordinal()))
    with pytest.raises(LedgerError) as refused:
        rules.dispute(users["unit"], cycle, entry.pk, "有误")
    assert refused.value.kind == LedgerError.CLOSED and "异议期已于" in refused.value.message


def test_the_unit_disputes_only_its_own_confirmed_entries(users, cycle):
    draft = rules.record(users["scorer"], cycle, typed())
    other = confirmed(users, cycle, unit="mengjin")
    for entry in (draft, other):
        with pytest.raises(LedgerError) as refused:
            rules.dispute(users["unit"], cycle, entry.pk, "有误")
        assert refused.value.kind == LedgerError.NOT_FOUND


def test_settings_are_the_offices_and_bounded(users, cycle):
    with pytest.raises(LedgerError):
        rules.save_settings(users["head"], cycle, 10)
    for bad in ("-1", "91", "七"):
        with pytest.raises(LedgerError) as refused:
            rules.save_settings(users["office"], cycle, bad)
        assert refused.value.field == "dispute_days"
    assert rules.save_settings(users["office"], cycle, "14").dispute_days == 14


def test_a_scored_task_is_untouched_by_recording(users, cycle):
    score = Score.objects.get(cycle=cycle, unit__code=UNIT, node__code=ITEM)
    confirmed(users, cycle)
    score.refresh_from_db()
    assert (score.points, score.version) == (None, 0)
