"""The ledger's section of the office's cockpit (the cycle page): entries waiting for the head's
confirmation per department, open disputes and those open longer than the window, the quarter's
counts, links to the ledger and the standings; the leaders read it without a button; the API's
status carries it; its queries do not grow with the units, departments and entries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaohe.core import ledger as core
from kaohe.cycles.models import Score
from kaohe.ledger import rules, standings
from kaohe.ledger.models import Dispute, Entry
from kaohe.ledger.rules import Typed

UNIT = "yanshi"
ITEM = "1.2.1.1"  # 市委组织部's, 2 points


def record(users, cycle, unit: str = UNIT, item: str = ITEM, points: str = "0.5", day: str = "2018-03-12",
           reason: str = "未按时报送") -> Entry:
    return rules.record(users["scorer"], cycle, Typed(unit, item, "deduction", day, points, reason, ""))


def section(page: str) -> str:
    found = re.search(r'<section class="cockpit-section section-ledger".*?</section>', page, re.S)
    assert found is not None, "no ledger section"
    return re.sub(r"\s+", " ", found.group(0))


def page_of(client, cycle) -> str:
    response = client.get(f"/cycles/{cycle.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_office_sees_what_waits_in_the_ledger(client_for, users, cycle):
    quarter = standings.default_quarter(cycle)
    day = f"{cycle.scheme.year}-{3 * quarter - 1:02d}-10"
    first, second = record(users, cycle, day=day), record(users, cycle, unit="xinan", points="0.3", day=day)
    record(users, cycle, unit="mengjin", day=day)  # a third draft
    rules.confirm(users["head"], cycle, [first.pk, second.pk])
    returned = record(users, cycle, unit="luoning", day=day)
    rules.send_back(users["head"], cycle, returned.pk, "依据不足")
    rules.dispute(users["unit"], cycle, first.pk, "报告已按时报送")
    Dispute.objects.filter(entry=first).update(filed_at=timezone.now() - timedelta(days=8))  # past the 7 days
    shown = section(page_of(client_for("office"), cycle))
    assert "<h2>平时考核台账</h2>" in shown
    assert (f"第{quarter}季度：登记4条，已确认扣分2条共0.8分、加分0条共0分、记录0条" in shown)
    assert "待部门答复1条" in shown and "待考核办办结0条" in shown and "1条已超过7天" in shown
    row = re.search(r"<tr><td>市委组织部</td>.*?</tr>", shown).group(0)
    assert f'href="/cycles/{cycle.pk}/ledger/?state=draft&amp;department=swzzb">1</a>' in row
    assert f'href="/cycles/{cycle.pk}/ledger/?state=returned&amp;department=swzzb">1</a>' in row
    assert f'href="/cycles/{cycle.pk}/ledger/standings/?quarter={quarter}"' in shown
    assert f'href="/cycles/{cycle.pk}/ledger/?dispute=filed"' in shown


def test_a_quiet_ledger_says_so(client_for, cycle):
    shown = section(page_of(client_for("office"), cycle))
    assert "没有待确认的台账记录。" in shown and "待部门答复0条" in shown and "已超过" not in shown


def test_the_leader_reads_the_section_without_a_button(client_for, users, cycle):
    record(users, cycle)
    shown = section(page_of(client_for("leader"), cycle))
    assert "<td>市委组织部</td>" in shown and "<form" not in shown and "<button" not in shown


@pytest.mark.parametrize("name", ["scorer", "head", "unit"])
def test_departments_and_units_do_not_see_it(client_for, cycle, name):
    assert "section-ledger" not in page_of(client_for(name), cycle)


def test_the_status_api_carries_the_section(client, users, cycle):
    from kaohe.accounts.models import ApiToken

    record(users, cycle)
    token = ApiToken.issue(users["leader"])[1]
    status = client.get(f"/api/v1/cycles/{cycle.pk}/status", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    ledger = status["sections"]["ledger"]
    assert ledger["waiting"] == [{"department": "swzzb", "name": "市委组织部", "drafts": 1, "returned": 0}]
    assert ledger["disputes"] == {"filed": 0, "answered": 0, "overdue": 0, "window_days": 7}


def test_the_section_takes_the_same_queries_with_many_entries(client_for, users, cycle):
    office = client_for("office")
    page_of(office, cycle)  # the session's first queries
    with CaptureQueriesContext(connection) as without:
        page_of(office, cycle)
    tasks = list(Score.objects.filter(cycle=cycle).select_related("department", "unit")[:400])
    now = timezone.now()
    Entry.objects.bulk_create(Entry(cycle=cycle, unit=t.unit, department=t.department, task=t, kind=core.DEDUCTION,
                                    date=now.date().replace(year=cycle.scheme.year), quarter=1, points=1,
                                    reason="多", state=state)
                              for t in tasks for state in (core.DRAFT, core.RETURNED, core.CONFIRMED))
    with CaptureQueriesContext(connection) as with_entries:
        shown = section(page_of(office, cycle))
    assert shown.count("<tr><td>") >= 3
    assert len(with_entries) == len(without)
