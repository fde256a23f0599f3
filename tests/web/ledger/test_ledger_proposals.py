"""From ledger to score on the demo cycle: each task's proposal (maximum − Σ confirmed deductions,
floored at 0, the entries as its reason) in the grid, at the grid's query count whatever the
number of entries; accepting per cell, per unit and all; overriding with a reason; a task whose
ledger changed after it was scored is marked, never silently."""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaohe.core import ledger as core
from kaohe.cycles.models import Score
from kaohe.ledger import proposals, rules
from kaohe.ledger.models import Basis, Entry
from kaohe.ledger.rules import Typed
from kaohe.notify.todo import todo_for

UNIT = "yanshi"
ITEM = "1.2.1.1"  # 市委组织部's, 2 points
HTMX = {"HTTP_HX_REQUEST": "true"}


def grid(cycle) -> str:
    return f"/cycles/{cycle.pk}/scoring/?per_page=100"


def task(cycle, unit: str = UNIT, item: str = ITEM) -> Score:
    return Score.objects.select_related("node", "unit").get(cycle=cycle, unit__code=unit, node__code=item)


def confirmed(users, cycle, unit: str = UNIT, item: str = ITEM, points: str = "0.5", reason: str = "未按时报送",
              day: str = "2018-03-12") -> Entry:
    entry = rules.record(users["scorer"], cycle, Typed(unit, item, "deduction", day, points, reason, "洛督〔2018〕12号"))
    return rules.confirm(users["head"], cycle, [entry.pk])[0]


def grid_cells(client, cycle) -> dict[tuple[str, str], object]:
    """Every cell the grid shows (all units on one page), by (unit code, item code)."""
    response = client.get(grid(cycle))
    assert response.status_code == 200
    cells = {}
    for row in response.context["rows"]:
        for cell in row.cells:
            if cell is not None:
                unit, item = cell.label.rsplit(" ", 1)
                cells[(cell.url.rstrip("/").split("/")[-2], item)] = cell
    return cells


def test_a_task_shows_its_confirmed_entries_and_proposal_in_the_grid(client_for, users, cycle):
    confirmed(users, cycle, points="0.5", reason="季度报告逾期")
    confirmed(users, cycle, points="0.3", reason="会议未按期召开", day="2018-05-02")
    rules.record(users["scorer"], cycle, Typed(UNIT, ITEM, "deduction", "2018-06-01", "1", "待确认的一条", ""))
    scorer = client_for("scorer")
    cell = grid_cells(scorer, cycle)[(UNIT, ITEM)]
    assert cell.proposal.points == Decimal("1.20") and len(cell.proposal.entries) == 2
    html = scorer.get(grid(cycle)).content.decode()
    assert "建议得分 <b>1.2</b>" in html and "季度报告逾期" in html and "会议未按期召开" in html
    assert "待确认的一条" not in html
    assert "平时考核台账：1项评分与台账建议不一致或尚未评分" in html


def test_the_grid_takes_as_many_queries_with_entries_as_without(client_for, users, cycle):
    scorer = client_for("scorer")
    scorer.get(grid(cycle))  # warm up the caches
    with CaptureQueriesContext(connection) as without:
        scorer.get(grid(cycle))
    scored = list(Score.objects.filter(cycle=cycle, department__code="swzzb").select_related("node", "unit")[:60])
    for index, score in enumerate(scored):
        for n in range(3):
            entry = rules.record(users["scorer"], cycle, Typed(score.unit.code, score.node.code, "deduction",
                                                               f"2018-0{1 + n}-1{index % 9}", "0.1", f"第{n}条", ""))
            rules.confirm(users["head"], cycle, [entry.pk])
    score = scored[0]
    score.points, score.updated_at = Decimal(1), timezone.now()
    score.save(update_fields=["points", "updated_at"])
    confirmed(users, cycle, score.unit.code, score.node.code, points="0.2")  # and a changed task
    with CaptureQueriesContext(connection) as with_entries:
        response = scorer.get(grid(cycle))
    assert response.content.decode().count('class="ledger-proposal"') >= 60
    assert len(with_entries) == len(without)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_proposal_is_the_maximum_less_the_confirmed_deductions_for_every_task(client_for, users, cycle, seed):
    """Property: entries of every kind and state on many tasks; every cell of the grid proposes
    max(0, maximum − Σ confirmed deductions), and a task without counted entries proposes nothing."""
    chance = random.Random(seed)
    scores = list(Score.objects.filter(cycle=cycle, department__code="swzzb").select_related("node", "unit"))
    chosen = chance.sample(scores, 40)
    department = chosen[0].department
    now = timezone.now()
    made = []
    for score in chosen:
        for _n in range(chance.randint(1, 6)):
            kind = chance.choice([core.DEDUCTION] * 4 + [core.NOTE])
            state = chance.choice([core.CONFIRMED] * 3 + [core.DRAFT, core.RETURNED, core.VOIDED, core.WITHDRAWN])
            points = None if kind == core.NOTE else Decimal(chance.randint(1, int(score.node.points * 10))) / 10
            day = date(2018, chance.randint(1, 12), chance.randint(1, 28))
            made.append(Entry(cycle=cycle, unit=score.unit, department=department, task=score, kind=kind, date=day,
                              quarter=core.quarter_of(day), points=points, reason="随机", state=state,
                              confirmed_at=now if state != core.DRAFT else None,
                              counted_changed_at=now if state in (core.CONFIRMED, core.VOIDED, core.WITHDRAWN)
                              else None))
    Entry.objects.bulk_create(made)
    expected = {}
    for score in chosen:
        counted = [e for e in made if e.task is score and e.state == core.CONFIRMED]
        if counted:
            deducted = sum((e.points for e in counted if e.kind == core.DEDUCTION), Decimal(0))
            expected[(score.unit.code, score.node.code)] = max(Decimal(0), score.node.points - deducted)
    cells = grid_cells(client_for("scorer"), cycle)
    proposed = {key: cell.proposal.points for key, cell in cells.items() if cell.proposal is not None}
    assert proposed == expected
    assert any(points == 0 for points in expected.values()) or seed != 1  # the floor is reached


def test_accepting_one_cell_from_the_grid_saves_the_proposal_and_its_entries(client_for, users, cycle):
    first = confirmed(users, cycle, points="0.5", reason="季度报告逾期")
    second = confirmed(users, cycle, points="0.3", reason="会议未按期召开")
    score = task(cycle)
    scorer = client_for("scorer")
    response = scorer.post(f"/cycles/{cycle.pk}/ledger/accept/?task={score.pk}", {"version": score.version}, **HTMX)
    assert response.status_code == 200
    assert 'value="1.2"' in response.content.decode() and "与建议一致" in response.content.decode()
    score.refresh_from_db()
    assert score.points == Decimal("1.2")
    assert "季度报告逾期" in score.reason and "会议未按期召开" in score.reason and "洛督〔2018〕12号" in score.reason
    basis = Basis.objects.get(score=score)
    assert basis.kind == Basis.Kind.ACCEPTED and set(basis.entries.all()) == {first, second}
    stale = scorer.post(f"/cycles/{cycle.pk}/ledger/accept/?task={score.pk}", {"version": score.version - 1}, **HTMX)
    assert stale.status_code == 409


def test_accepting_a_units_and_all_proposals(client_for, users, cycle):
    confirmed(users, cycle, UNIT, ITEM, "0.5")
    confirmed(users, cycle, "mengjin", ITEM, "2.0")
    scorer = client_for("scorer")
    scorer.post(f"/cycles/{cycle.pk}/ledger/accept/", {"unit": UNIT})
    assert (task(cycle).points, task(cycle, "mengjin").points) == (Decimal("1.5"), None)
    response = scorer.post(f"/cycles/{cycle.pk}/ledger/accept/", {"all": "1"}, follow=True)
    assert task(cycle, "mengjin").points == Decimal(0)  # floored at 0
    assert "已采纳" in response.content.decode()
    listing = client_for("scorer").get(f"/cycles/{cycle.pk}/ledger/proposals/").content.decode()
    assert listing.count("已按建议") == 2


def test_overriding_a_proposal_needs_a_reason_and_keeps_it(client_for, users, cycle):
    entry = confirmed(users, cycle, points="0.5")
    score = task(cycle)
    scorer = client_for("scorer")
    url = f"/cycles/{cycle.pk}/ledger/tasks/{score.pk}/override/"
    refused = scorer.post(url, {"points": "2", "reason": "", "version": score.version}, follow=True)
    assert "必须填写理由" in refused.content.decode()
    score.refresh_from_db()
    assert score.points is None
    scorer.post(url, {"points": "2", "reason": "经复核报告按时送达", "version": score.version})
    score.refresh_from_db()
    basis = Basis.objects.get(score=score)
    assert (score.points, score.reason, basis.kind) == (Decimal(2), "经复核报告按时送达", Basis.Kind.OVERRIDDEN)
    assert list(basis.entries.all()) == [entry]
    page = client_for("scorer").get(f"/cycles/{cycle.pk}/ledger/tasks/{score.pk}/").content.decode()
    assert "未采纳台账建议" in page and "经复核报告按时送达" in page


def test_an_entry_confirmed_after_scoring_marks_the_task_changed(client_for, users, cycle):
    confirmed(users, cycle, points="0.5")
    score = task(cycle)
    scorer = client_for("scorer")
    scorer.post(f"/cycles/{cycle.pk}/ledger/accept/?task={score.pk}", {"version": score.version}, **HTMX)
    assert not any("有变化" in todo.text for todo in todo_for(users["scorer"]))
    confirmed(users, cycle, points="0.3", reason="新发现")
    score.refresh_from_db()
    assert score.points == Decimal("1.5")  # the score itself is not changed behind the department's back
    cell = grid_cells(scorer, cycle)[(UNIT, ITEM)]
    assert cell.proposal.changed and cell.proposal.points == Decimal("1.20")
    html = scorer.get(grid(cycle)).content.decode()
    assert "评分后台账有变化" in html and "其中1项在评分后台账有变化" in html
    assert any("1项评分后台账有变化" in todo.text for todo in todo_for(users["scorer"]))
    assert proposals.changed_tasks(cycle, score.department_id).count() == 1
    scorer.post(f"/cycles/{cycle.pk}/ledger/accept/?task={score.pk}", {"version": score.version}, **HTMX)
    assert proposals.changed_tasks(cycle, score.department_id).count() == 0


def test_a_voided_entry_marks_the_task_changed_and_no_longer_counts(client_for, users, cycle):
    entry = confirmed(users, cycle, points="0.5")
    score = task(cycle)
    client_for("scorer").post(f"/cycles/{cycle.pk}/ledger/accept/?task={score.pk}", {"version": score.version}, **HTMX)
    rules.void(users["office"], cycle, entry.pk, "重复登记")
    cell = grid_cells(client_for("scorer"), cycle)[(UNIT, ITEM)]
    assert cell.proposal.changed and cell.proposal.points == Decimal(2) and cell.proposal.entries == ()


def test_the_office_and_leaders_read_the_proposals_without_deciding(client_for, users, cycle):
    confirmed(users, cycle)
    for role in ("office", "leader"):
        page = client_for(role).get(f"/cycles/{cycle.pk}/ledger/proposals/?department=swzzb").content.decode()
        assert "1.5" in page and "全部采纳建议" not in page and not re.search(r'name="task"', page), role


def test_a_scorecard_lists_the_entries_a_score_was_decided_on(client_for, users, cycle):
    entry = confirmed(users, cycle, points="0.5", reason="季度报告逾期")
    confirmed(users, cycle, points="0.2", reason="之后才确认的一条")  # confirmed, but not what the score rests on
    score = task(cycle)
    Entry.objects.filter(reason="之后才确认的一条").update(state=core.DRAFT)  # as if not yet confirmed when accepted
    client_for("scorer").post(f"/cycles/{cycle.pk}/ledger/accept/?task={score.pk}", {"version": score.version}, **HTMX)
    Entry.objects.filter(reason="之后才确认的一条").update(state=core.CONFIRMED)
    assert list(Basis.objects.get(score=score).entries.all()) == [entry]
    page = client_for("office").get(f"/results/{cycle.pk}/scorecard/{UNIT}/").content.decode()
    row = re.search(r'<tr class="item[^"]*" data-item="1\.2\.1\.1">.*?</tr>', page, re.S).group(0)
    assert "所依据的台账记录" in row and "季度报告逾期" in row and "洛督〔2018〕12号" in row
    assert "之后才确认的一条" not in row
