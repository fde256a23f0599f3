"""The unit's published scorecard (kaohe.objections.scorecard), on its page and through the API: the
points the unit claimed against the points awarded on each criterion, and version 2 marked where it
differs from version 1 — the items whose points changed (with the points before) and the figures —
whether an objection changed them or a re-opened review did; version 1 itself is unmarked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from kaohe.audit.context import acting_as
from kaohe.claims import rules
from kaohe.core.points import two_places
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.cycles.scoring import Entry, save_score
from kaohe.objections import flow
from kaohe.objections.models import Objection
from kaohe.results import service
from kaohe.results.models import ResultSnapshot
from kaohe.schemes.models import Node

UNIT = "yanshi"
CRITERION, ITEM = "1.2.1", "1.2.1.1"  # 市委组织部's; 1.2.1 is worth 5 for 偃师市, 1.2.1.1 is worth 2


@pytest.fixture
def published(cycle, users):
    """偃师市 claimed 5 for 1.2.1; every task at full marks but 1.2.1.1 (1.5), version 1 published."""
    with acting_as(users["unit"]):
        rules.save_claim(users["unit"], cycle, UNIT, CRITERION, "5", "全部完成", 0)
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))
    Score.objects.filter(cycle=cycle, unit__code=UNIT, node__code=ITEM).update(points=Decimal("1.5"), reason="记录不全")
    cycle.status, cycle.objection_deadline = Cycle.Status.LOCKED, timezone.localdate()
    cycle.save(update_fields=["status", "objection_deadline"])
    with acting_as(users["office"]):
        service.publish(cycle, users["office"])
    return cycle


def version_2_by_objection(cycle, users) -> None:
    """偃师市 objects to 1.2.1.1; 市委组织部 restores it to 2; the office confirms: version 2."""
    with acting_as(users["unit"]):
        objection = flow.file(users["unit"], cycle, UNIT, [(ITEM, "记录是完整的")])
    with acting_as(users["scorer"]):
        flow.answer(users["scorer"], cycle, objection.pk, ITEM, "changed", "2", "核实无误")
    with acting_as(users["office"]):
        flow.confirm(users["office"], cycle, objection.pk)


def item_row(html: str, code: str) -> str:
    start = html.rindex("<tr", 0, html.index(f'id="i-{code}"'))
    return html[start:html.index("</tr>", start)]


def heading_row(html: str, code: str) -> str:
    start = html.index(f"<tr class=\"heading level-criterion\"><td colspan=\"6\">{code} ")
    return html[start:html.index("</tr>", start)]


def test_the_claim_stands_beside_the_points_awarded(client_for, published):
    html = client_for("unit").get(f"/cycles/{published.pk}/scorecard/").content.decode()
    row = heading_row(html, CRITERION)
    assert "4.5 / 5" in row and "自评 5" in row and "多于得分 0.5" in row
    body = client_for("unit").get(f"/api/v1/cycles/{published.pk}/scorecard").json()
    heading = next(r for r in body["rows"] if r["code"] == CRITERION)
    assert (heading["claimed"], heading["claim_gap"], heading["claim_explanation"]) == ("5", "0.5", "全部完成")
    assert all(r.get("claimed") is None for r in body["rows"] if r["code"] != CRITERION)


def test_version_2_marks_what_an_objection_changed(client_for, published, users):
    before = next(r for r in ResultSnapshot.objects.get(version=1).results if r["code"] == UNIT)
    version_2_by_objection(published, users)
    after = next(r for r in ResultSnapshot.objects.get(version=2).results if r["code"] == UNIT)
    html = client_for("unit").get(f"/cycles/{published.pk}/scorecard/").content.decode()
    row = item_row(html, ITEM)
    assert "changed" in row and '<del class="was"' in row and "1.5</del>" in row and "已改" in row and "2 / 2" in row
    assert html.count('class="item changed') + html.count('class="item deducted changed') == 1  # only it
    assert "与第1版不同之处已标出" in html and "只看与第1版不同的项（1项）" in html
    assert f"<del class=\"was\">{two_places(before['final'])}</del>" in html  # the final before, struck
    assert two_places(after["final"]) in html
    assert f">{before['obtained']}</del>" in html
    # version 1 is shown as it was, unmarked
    old = client_for("unit").get(f"/cycles/{published.pk}/scorecard/?version=1").content.decode()
    assert '<del class="was"' not in old and "不同之处" not in old

    body = client_for("unit").get(f"/api/v1/cycles/{published.pk}/scorecard").json()
    assert body["previous_version"] == 1
    assert body["changed_from_previous"]["final"] == two_places(before["final"])
    changed = [r for r in body["rows"] if r.get("changed")]
    assert [(r["code"], r["previous"], r["points"]) for r in changed] == [(ITEM, "1.5", "2")]


def test_version_2_marks_what_a_reopened_review_changed(client_for, published, users):
    """Not only objections: the office re-opens, the department corrects a score, version 2 follows."""
    department = Submission.objects.get(department__cycle=published, department__code="swzzb")
    Cycle.objects.filter(pk=published.pk).update(status=Cycle.Status.REVIEW)
    Submission.objects.filter(pk=department.pk).update(state=Submission.State.DRAFT)
    score = Score.objects.get(cycle=published, unit__code=UNIT, node__code="1.2.1.2")
    with acting_as(users["scorer"]):
        save_score(users["scorer"], published.pk, UNIT, "1.2.1.2", Entry("1", "复核后扣1分", score.version))
    Cycle.objects.filter(pk=published.pk).update(status=Cycle.Status.LOCKED)
    published.refresh_from_db()
    with acting_as(users["office"]):
        service.publish(published, users["office"])
    html = client_for("unit").get(f"/cycles/{published.pk}/scorecard/").content.decode()
    assert "1</del>" not in item_row(html, ITEM)  # 1.2.1.1 did not change between the versions
    row = item_row(html, "1.2.1.2")
    assert "changed" in row and "2</del>" in row and "1 / 2" in row


def test_an_objection_that_changes_nothing_marks_nothing(client_for, published, users):
    with acting_as(users["unit"]):
        objection = flow.file(users["unit"], published, UNIT, [(ITEM, "有误")])
    with acting_as(users["scorer"]):
        flow.answer(users["scorer"], published, objection.pk, ITEM, "upheld", None, "维持")
    with acting_as(users["office"]):
        flow.confirm(users["office"], published, objection.pk)
    assert Objection.objects.get().result_version is None
    html = client_for("unit").get(f"/cycles/{published.pk}/scorecard/").content.decode()
    assert '<del class="was"' not in html


def test_the_scorecard_takes_a_constant_number_of_queries(client_for, published, users,
                                                          django_assert_max_num_queries):
    version_2_by_objection(published, users)
    client = client_for("unit")
    with django_assert_max_num_queries(16):
        response = client.get(f"/cycles/{published.pk}/scorecard/")
    assert response.status_code == 200
