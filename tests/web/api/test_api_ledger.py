"""The 平时考核台账 through the JSON API: record (bad input names every field, nothing stored),
confirm, send back, void, a whole dispute, who reads what, and each task's proposal in the task
list — the same as the grid's — accepted or overridden."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kaohe.accounts.models import ApiToken
from kaohe.cycles.models import Score
from kaohe.ledger import rules
from kaohe.ledger.models import Basis, Entry
from kaohe.ledger.rules import Typed
from kaohe.notify.models import Notification

UNIT = "yanshi"
ITEM = "1.2.1.1"  # 市委组织部's, 2 points
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def api(users):
    """`api(role).post(path, body)` / `.get(path)` with the role's token, under /api/v1/cycles/<id>."""

    class Caller:
        def __init__(self, name: str, cycle):
            self.client, self.cycle = Client(), cycle
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(users[name])[1]}"}

        def url(self, path: str) -> str:
            return f"/api/v1/cycles/{self.cycle.pk}{path}"

        def get(self, path: str, **query):
            return self.client.get(self.url(path), query, **self.headers)

        def post(self, path: str, body: dict | None = None):
            return self.client.post(self.url(path), json.dumps(body or {}), content_type="application/json",
                                    **self.headers)

    return Caller


def entry_body(**changes) -> dict:
    values = {"unit": UNIT, "item": ITEM, "kind": "deduction", "date": "2018-03-12", "points": "0.5",
              "reason": "未按时报送党建工作季度报告", "document": "洛督〔2018〕12号"}
    return {**values, **changes}


def test_record_confirm_and_the_unit_reads_it(api, users, cycle):
    scorer, head, unit = api("scorer", cycle), api("head", cycle), api("unit", cycle)
    created = scorer.post("/ledger", entry_body(points=0.5))
    assert created.status_code == 201, created.content
    entry = created.json()
    assert (entry["state"], entry["points"], entry["item"], entry["quarter"]) == ("draft", "0.5", ITEM, 1)
    assert unit.get("/ledger").json()["count"] == 0
    assert unit.get(f"/ledger/{entry['id']}").status_code == 404
    confirmed = head.post(f"/ledger/{entry['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert Notification.objects.filter(user=users["unit"]).exists()
    mine = unit.get("/ledger", quarter=1).json()
    assert mine["count"] == 1 and mine["entries"][0]["dispute_window_closes"]
    assert unit.get("/ledger", quarter=2).json()["count"] == 0
    assert api("scorer2", cycle).get(f"/ledger/{entry['id']}").status_code == 404
    assert api("leader", cycle).get("/ledger").json()["count"] == 1


def test_record_with_a_file_as_a_form(users, cycle):
    client = Client()
    client.force_login(users["scorer"])
    response = client.post(f"/api/v1/cycles/{cycle.pk}/ledger",
                           {**entry_body(), "file": SimpleUploadedFile("通报.pdf", PDF)})
    assert response.status_code == 201, response.content
    assert [f["name"] for f in response.json()["files"]] == ["通报.pdf"]


def test_bad_input_names_every_field_and_stores_nothing(api, cycle):
    before = Entry.objects.count()
    response = api("scorer", cycle).post("/ledger", entry_body(item="2.1.1.1", points="0.55", date="2017-01-01",
                                                               reason=""))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and set(body["fields"]) == {"item", "date", "reason"}
    assert body["field"] in body["fields"]
    for changes, field in (({"points": "9"}, "points"), ({"unit": "nowhere"}, "unit"), ({"kind": "x"}, "kind"),
                           ({"points": True}, "points"), ({"reason": 5}, "reason")):
        refused = api("scorer", cycle).post("/ledger", entry_body(**changes))
        assert refused.status_code == 422 and refused.json()["field"] == field, (changes, refused.json())
    assert Entry.objects.count() == before


def test_roles_that_may_not_record_or_confirm(api, cycle):
    for role in ("office", "unit", "leader"):
        assert api(role, cycle).post("/ledger", entry_body()).status_code == 403, role
    entry = api("scorer", cycle).post("/ledger", entry_body()).json()
    for role in ("scorer", "office", "unit", "leader"):
        assert api(role, cycle).post(f"/ledger/{entry['id']}/confirm").status_code == 403, role
    assert api("scorer2", cycle).post(f"/ledger/{entry['id']}/confirm").status_code == 403


def test_send_back_void_and_a_whole_dispute(api, users, cycle):
    scorer, head, office, unit = (api(role, cycle) for role in ("scorer", "head", "office", "unit"))
    first = scorer.post("/ledger", entry_body()).json()
    assert head.post(f"/ledger/{first['id']}/send-back", {"comment": ""}).json()["field"] == "comment"
    sent = head.post(f"/ledger/{first['id']}/send-back", {"comment": "请附原文"}).json()
    assert (sent["state"], sent["comment"]) == ("returned", "请附原文")
    assert office.post(f"/ledger/{first['id']}/void", {"reason": "重复"}).json()["state"] == "voided"
    second = scorer.post("/ledger", entry_body(points="1")).json()
    head.post(f"/ledger/{second['id']}/confirm")
    disputed = unit.post(f"/ledger/{second['id']}/dispute", {"reason": "已按时报送"})
    assert disputed.status_code == 200 and disputed.json()["dispute"]["state"] == "filed"
    assert unit.post(f"/ledger/{second['id']}/dispute", {"reason": "再提"}).status_code == 409
    answered = scorer.post(f"/ledger/{second['id']}/answer", {"decision": "withdrawn", "reason": "核实无误"})
    assert answered.json()["dispute"]["decision"] == "withdrawn" and answered.json()["state"] == "confirmed"
    assert unit.post(f"/ledger/{second['id']}/close").status_code == 403
    closed = office.post(f"/ledger/{second['id']}/close", {"comment": "同意"}).json()
    assert (closed["state"], closed["dispute"]["state"]) == ("withdrawn", "closed")
    assert Entry.objects.filter(pk__in=[first["id"], second["id"]]).count() == 2  # nothing deleted


def test_the_task_list_carries_the_same_proposals_as_the_grid(api, client_for, users, cycle):
    """Property: entries on many tasks; the API's task list proposes exactly what the grid shows."""
    chance = random.Random(7)
    scores = list(Score.objects.filter(cycle=cycle, department__code="swzzb").select_related("node", "unit"))
    expected = {}
    for score in chance.sample(scores, 15):
        deductions = [Decimal(chance.randint(1, int(score.node.points * 10))) / 10 for _n in range(chance.randint(1, 4))]
        for points in deductions:
            entry = rules.record(users["scorer"], cycle, Typed(score.unit.code, score.node.code, "deduction",
                                                               "2018-04-01", str(points), "随机", ""))
            rules.confirm(users["head"], cycle, [entry.pk])
        expected[(score.unit.code, score.node.code)] = max(Decimal(0), score.node.points - sum(deductions))
    tasks = api("scorer", cycle).get("/tasks").json()
    from_api = {(t["unit_code"], t["item_code"]): Decimal(t["proposal"]["points"]) for t in tasks if t["proposal"]}
    assert from_api == expected
    response = client_for("scorer").get(f"/cycles/{cycle.pk}/scoring/?per_page=100")
    from_grid = {(c.url.rstrip("/").split("/")[-2], c.label.rsplit(" ", 1)[1]): c.proposal.points
                 for row in response.context["rows"] for c in row.cells if c is not None and c.proposal is not None}
    assert from_grid == from_api
    one = api("office", cycle).get("/tasks", department="swzzb", unit=UNIT, item=ITEM).json()
    assert len(one) == 1 and (one[0]["proposal"] is None) == ((UNIT, ITEM) not in expected)


def test_accept_and_override_through_the_api(api, users, cycle):
    scorer = api("scorer", cycle)
    first = scorer.post("/ledger", entry_body(points="0.5")).json()
    api("head", cycle).post(f"/ledger/{first['id']}/confirm")
    task = Score.objects.get(cycle=cycle, unit__code=UNIT, node__code=ITEM)
    stale = scorer.post("/ledger/accept", {"unit": UNIT, "item": ITEM, "version": task.version + 5})
    assert stale.status_code == 409
    accepted = scorer.post("/ledger/accept", {"unit": UNIT, "item": ITEM, "version": task.version})
    assert accepted.json() == {"tasks": 1, "changed": 1}
    task.refresh_from_db()
    assert task.points == Decimal("1.5") and Basis.objects.get(score=task).entries.get().pk == first["id"]
    assert scorer.post("/ledger/accept", {}).status_code == 422
    assert api("unit", cycle).post("/ledger/accept", {"all": True}).status_code == 403
    refused = scorer.post("/ledger/override", {"unit": UNIT, "item": ITEM, "points": 2, "reason": "",
                                               "version": task.version})
    assert refused.status_code == 422 and refused.json()["field"] == "reason"
    done = scorer.post("/ledger/override", {"unit": UNIT, "item": ITEM, "points": 2, "reason": "经复核按时报送",
                                            "version": task.version})
    assert done.status_code == 200, done.content
    assert (done.json()["points"], done.json()["proposal"]["points"]) == ("2", "1.5")
