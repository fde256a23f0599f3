"""The unit's side through the JSON API: self-assessment, evidence, the unit's scorecard and
objections — every endpoint for every role, the same rules as the pages, and no way for a unit to
read or write another unit's objects (not even by guessing ids)."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaohe.accounts.models import ApiToken, Role, User
from kaohe.audit.context import acting_as
from kaohe.audit.models import Event
from kaohe.claims import rules
from kaohe.claims.models import Claim, Evidence, SelfAssessment
from kaohe.core.points import two_places
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.objections import flow
from kaohe.objections.models import Objection
from kaohe.orgs.models import Unit
from kaohe.results import service
from kaohe.results.models import ResultSnapshot
from kaohe.schemes.models import Node

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader", None]
UNIT = "yanshi"
CRITERION = "1.2.1"  # yanshi's, scored by 市委组织部 (scorer, head); maximum 5
ITEM = "1.2.1.1"  # under it, worth 2 points
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\0" * 2000


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    return settings.EVIDENCE_DIR


@pytest.fixture
def other_unit_user(db, cycle):
    other = CycleUnit.objects.filter(cycle=cycle).exclude(code=UNIT).order_by("position").first()
    user = User(username="unit-other", role=Role.UNIT, unit=Unit.objects.get(code=other.code))
    user.set_password("x")
    user.save()
    client = Client()
    client.force_login(user)
    return client, other


@pytest.fixture
def evidence(cycle, users) -> Evidence:
    with acting_as(users["unit"]):
        return rules.upload_evidence(users["unit"], cycle, UNIT, [("台账.pdf", PDF)], [CRITERION])[0]


def full_marks(cycle: Cycle) -> None:
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))


@pytest.fixture
def published(cycle, users) -> ResultSnapshot:
    """Full marks, the cycle locked, version 1 published, the objection window open until today."""
    full_marks(cycle)
    cycle.status = Cycle.Status.LOCKED
    cycle.objection_deadline = timezone.localdate()
    cycle.save(update_fields=["status", "objection_deadline"])
    with acting_as(users["office"]):
        return service.publish(cycle, users["office"], confirm_incomplete=True)


@pytest.fixture
def objection(cycle, users, published) -> Objection:
    with acting_as(users["unit"]):
        return flow.file(users["unit"], cycle, UNIT, [ITEM], "组织生活会记录已提交")


def url(cycle: Cycle, path: str) -> str:
    return f"/api/v1/cycles/{cycle.pk}/{path}"


def send(client: Client, method: str, path: str, body: dict | str | None = None):
    if method == "get":
        return client.get(path)
    if method == "delete":
        return client.delete(path)
    data = body if isinstance(body, str) else json.dumps(body or {})
    return getattr(client, method)(path, data=data, content_type="application/json")


def files_on_disk(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def claim_url(cycle: Cycle, code: str = CRITERION, unit: str = "") -> str:
    return url(cycle, f"self-assessment/claims/{code}" + (f"?unit={unit}" if unit else ""))


def upload(client: Client, cycle: Cycle, *files: tuple[str, bytes], criteria=(CRITERION,), query: str = ""):
    return client.post(url(cycle, "evidence" + query), {
        "file": [SimpleUploadedFile(name, data) for name, data in files], "criteria": list(criteria)})


def body_of(response) -> bytes:
    """The body. A file response is read to the end, which closes it (the test client's wrapper
    does, without closing the database connection as a second close() would on PostgreSQL)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


# ----------------------------------------------------------------------------- every endpoint × every role


OPEN_CYCLE = {  # (method, path, body) → status per role; the demo cycle open, one file of yanshi's
    ("get", "self-assessment?unit=yanshi", None):
        {"office": 200, "scorer": 200, "head": 200, "scorer2": 200, "unit": 200, "leader": 200},
    ("put", "self-assessment/claims/1.2.1?unit=yanshi", '{"points": "4", "explanation": "", "version": 0}'):
        {"office": 403, "scorer": 403, "head": 403, "scorer2": 403, "unit": 200, "leader": 403},
    ("post", "self-assessment/submit?unit=yanshi", None):  # the unit: not every criterion claimed yet
        {"office": 403, "scorer": 403, "head": 403, "scorer2": 403, "unit": 422, "leader": 403},
    ("post", "self-assessment/reopen?unit=yanshi", '{"reason": "补充"}'):  # the office: not submitted yet
        {"office": 409, "scorer": 403, "head": 403, "scorer2": 403, "unit": 403, "leader": 403},
    ("get", "evidence", None):
        {"office": 200, "scorer": 200, "head": 200, "scorer2": 200, "unit": 200, "leader": 200},
    ("get", "evidence/{eid}/file", None):  # 市委宣传部 scores nothing the file is attached to
        {"office": 200, "scorer": 200, "head": 200, "scorer2": 404, "unit": 200, "leader": 200},
    ("put", "evidence/{eid}/criteria", '{"criteria": ["1.2.1", "1.1.1"]}'):
        {"office": 403, "scorer": 403, "head": 403, "scorer2": 404, "unit": 200, "leader": 403},
    ("delete", "evidence/{eid}", None):
        {"office": 403, "scorer": 403, "head": 403, "scorer2": 404, "unit": 204, "leader": 403},
}

PUBLISHED = {  # results published, the window open, one objection of yanshi's to 1.2.1.1 (市委组织部)
    ("get", "scorecard", None):
        {"office": 403, "scorer": 403, "head": 403, "scorer2": 403, "unit": 200, "leader": 403},
    ("get", "objections", None):
        {"office": 200, "scorer": 200, "head": 200, "scorer2": 200, "unit": 200, "leader": 200},
    ("get", "objections/{oid}", None):
        {"office": 200, "scorer": 200, "head": 200, "scorer2": 404, "unit": 200, "leader": 200},
    ("post", "objections", '{"items": ["1.2.1.2"], "reason": "已整改"}'):
        {"office": 403, "scorer": 403, "head": 403, "scorer2": 403, "unit": 201, "leader": 403},
    ("post", "objections/{oid}/items/1.2.1.1/answer", '{"decision": "upheld", "reason": "记录不全"}'):
        {"office": 403, "scorer": 200, "head": 200, "scorer2": 404, "unit": 403, "leader": 403},
    ("post", "objections/{oid}/confirm", '{"comment": ""}'):  # the office: not answered yet
        {"office": 409, "scorer": 403, "head": 403, "scorer2": 403, "unit": 403, "leader": 403},
    ("post", "objections/{oid}/send-back", '{"comment": "请复核"}'):
        {"office": 409, "scorer": 403, "head": 403, "scorer2": 403, "unit": 403, "leader": 403},
}


def _cases(table: dict) -> list:
    return [pytest.param(key, name, statuses.get(name, 401), id=f"{key[0]} {key[1].split('?')[0]} {name}")
            for key, statuses in table.items() for name in ROLES]


@pytest.mark.parametrize(("endpoint", "name", "status"), _cases(OPEN_CYCLE))
def test_open_cycle_endpoints_for_every_role(client_for, cycle, evidence, endpoint, name, status):
    method, path, body = endpoint
    response = send(client_for(name), method, url(cycle, path.format(eid=evidence.pk)), body)
    content = body_of(response)
    assert response.status_code == status, content[:300]
    if path.endswith("/file") and status == 200:
        assert content == PDF
    if status >= 400 and name is not None:
        assert response.json()["message"]  # a sentence saying what, never a traceback


@pytest.mark.parametrize(("endpoint", "name", "status"), _cases(PUBLISHED))
def test_published_endpoints_for_every_role(client_for, cycle, objection, endpoint, name, status):
    method, path, body = endpoint
    response = send(client_for(name), method, url(cycle, path.format(oid=objection.pk)), body)
    assert response.status_code == status, body_of(response)[:300]
    if status >= 400 and name is not None:
        assert response.json()["message"]


def test_evidence_upload_for_every_role(client_for, cycle):
    for name in ROLES:
        response = upload(client_for(name), cycle, ("台账.pdf", PDF), query="?unit=yanshi")
        assert response.status_code == (201 if name == "unit" else 401 if name is None else 403), name
    assert list(Evidence.objects.values_list("unit__code", "uploaded_by__username")) == [(UNIT, "unit")]


@pytest.mark.parametrize(("name", "expected"), [
    ("office", True), ("leader", True), ("unit", True), ("scorer", True), ("head", True), ("scorer2", False)])
def test_the_evidence_list_is_what_readable_evidence_allows(client_for, cycle, evidence, name, expected):
    listed = client_for(name).get(url(cycle, "evidence")).json()
    assert [e["id"] for e in listed] == ([evidence.pk] if expected else [])
    shown = client_for(name).get(url(cycle, "self-assessment?unit=yanshi")).json()
    row = next(c for c in shown["criteria"] if c["code"] == CRITERION)
    assert row["evidence"] == ([evidence.pk] if expected else [])


def test_readers_other_than_units_must_name_the_unit(client_for, cycle):
    response = client_for("office").get(url(cycle, "self-assessment"))
    assert response.status_code == 422 and response.json()["field"] == "unit"
    response = client_for("office").get(url(cycle, "self-assessment?unit=nowhere"))
    assert response.status_code == 404 and "nowhere" in response.json()["message"]


def test_the_self_assessment_as_the_unit_reads_it(client_for, cycle, users):
    cycle.self_assessment_deadline = datetime.date(2030, 1, 31)
    cycle.save(update_fields=["self_assessment_deadline"])
    rules.save_claim(users["unit"], cycle, UNIT, CRITERION, "4.5", "每月开展", 0)
    body = client_for("unit").get(url(cycle, "self-assessment")).json()
    unit = CycleUnit.objects.get(cycle=cycle, code=UNIT)
    expected = rules.criteria(cycle, unit)
    assert [c["code"] for c in body["criteria"]] == [c.code for c in expected]
    assert [Decimal(c["maximum"]) for c in body["criteria"]] == [c.maximum for c in expected]
    assert all(isinstance(c["maximum"], str) for c in body["criteria"])
    row = next(c for c in body["criteria"] if c["code"] == CRITERION)
    assert (row["points"], row["explanation"], row["version"], row["departments"]) == ("4.5", "每月开展", 1, ["市委组织部"])
    assert (body["unit"], body["state"], body["deadline"], body["window_problem"], body["editable"]) == (
        UNIT, "draft", "2030-01-31", "", True)
    office = client_for("office").get(url(cycle, "self-assessment?unit=yanshi")).json()
    assert office["editable"] is False and office["criteria"] == body["criteria"]


def queries(client: Client, path: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return len(captured), response


def test_reading_the_self_assessment_takes_a_constant_number_of_queries(client_for, cycle, users):
    client = client_for("unit")
    unit = CycleUnit.objects.get(cycle=cycle, code=UNIT)
    codes = [c.code for c in rules.criteria(cycle, unit)]

    def claim_and_upload(indexes: range) -> None:
        with acting_as(users["unit"]):
            for index in indexes:
                rules.save_claim(users["unit"], cycle, UNIT, codes[index], "0", "", 0)
                rules.upload_evidence(users["unit"], cycle, UNIT, [(f"{index}.pdf", PDF + bytes([index]))], codes[:3])

    claim_and_upload(range(1))
    client.get(url(cycle, "self-assessment"))  # the sheet row exists from now on
    before, _response = queries(client, url(cycle, "self-assessment"))
    claim_and_upload(range(1, 20))
    after, response = queries(client, url(cycle, "self-assessment"))
    # session, user, unit, cycle, the unit's row, sheet, claims, evidence and its criteria, 2 for the criteria
    assert before == after <= 11
    assert sum(1 for c in response.json()["criteria"] if c["points"] == "0") == 20
    assert len(response.json()["criteria"][0]["evidence"]) == 20


def test_the_scorecard_and_objections_take_a_constant_number_of_queries(client_for, cycle, users, objection):
    client = client_for("unit")
    card, _response = queries(client, url(cycle, "scorecard"))
    assert card <= 12  # 10, the 平时考核台账 entries the scores rest on, and the unit's claims beside the points
    listed, _response = queries(client, url(cycle, "objections"))
    with acting_as(users["unit"]):
        flow.file(users["unit"], cycle, UNIT, ["1.2.1.2", "1.2.2.1"], "另两项", [("a.pdf", PDF), ("b.pdf", PDF + b"b")])
    again, response = queries(client, url(cycle, "objections"))
    assert listed == again <= 8 and len(response.json()) == 2
    assert [len(o["items"]) for o in response.json()] == [2, 1]


# ----------------------------------------------------------------------------- another unit sees nothing of yanshi's


def test_another_unit_can_neither_read_nor_write_yanshis_self_assessment(client_for, cycle, other_unit_user):
    client, other = other_unit_user
    assert client.get(url(cycle, "self-assessment?unit=yanshi")).status_code == 404
    assert client.get(url(cycle, "self-assessment")).json()["unit"] == other.code
    response = send(client, "put", claim_url(cycle, unit=UNIT), {"points": "1", "explanation": "", "version": 0})
    assert response.status_code == 404
    assert client.post(url(cycle, "self-assessment/submit?unit=yanshi")).status_code == 404
    assert upload(client, cycle, ("台账.pdf", PDF), query="?unit=yanshi").status_code == 404
    assert not Claim.objects.filter(unit__code=UNIT).exists() and not Evidence.objects.exists()


def test_another_unit_cannot_reach_yanshis_evidence_by_any_id(client_for, cycle, evidence, other_unit_user,
                                                              evidence_dir):
    client, _other = other_unit_user
    assert client.get(url(cycle, "evidence")).json() == []
    assert client.get(url(cycle, "evidence?unit=yanshi")).status_code == 404
    for guess in range(evidence.pk - 3, evidence.pk + 4):
        response = client.get(url(cycle, f"evidence/{guess}/file"))
        assert response.status_code == 404 and response.json()["code"] == "not_found", guess
        assert send(client, "put", url(cycle, f"evidence/{guess}/criteria"), {"criteria": []}).status_code == 404
        assert client.delete(url(cycle, f"evidence/{guess}")).status_code == 404
    assert Evidence.objects.get().nodes.count() == 1 and len(files_on_disk(evidence_dir)) == 1


def test_another_unit_sees_only_its_own_scorecard_and_objections(client_for, cycle, objection, other_unit_user):
    client, other = other_unit_user
    card = client.get(url(cycle, "scorecard?unit=yanshi")).json()
    assert (card["unit"], card["summary"]["code"]) == (other.code, other.code)
    assert ITEM not in card["pending"]
    yanshi_items = set(Score.objects.filter(cycle=cycle, unit__code=UNIT).values_list("pk", flat=True))
    other_items = set(Score.objects.filter(cycle=cycle, unit=other).values_list("pk", flat=True))
    assert yanshi_items.isdisjoint(other_items) and card["items"] == len(other_items)
    assert client.get(url(cycle, "objections")).json() == []
    for guess in range(objection.pk - 2, objection.pk + 3):
        assert client.get(url(cycle, f"objections/{guess}")).status_code == 404
        response = send(client, "post", url(cycle, f"objections/{guess}/items/{ITEM}/answer"),
                        {"decision": "upheld", "reason": "x"})
        assert response.status_code == 404
    response = send(client, "post", url(cycle, "objections"), {"items": [ITEM], "reason": "本单位的异议"})
    assert response.status_code == 201 and response.json()["unit"] == other.code  # its own item, never yanshi's
    assert sorted(Objection.objects.values_list("unit__code", flat=True)) == sorted([UNIT, other.code])
    yanshi = next(o for o in client_for("office").get(url(cycle, "objections")).json() if o["unit"] == UNIT)
    assert yanshi["id"] == objection.pk and yanshi["items"][0]["old_points"] == "2"


# ----------------------------------------------------------------------------- claims


@pytest.mark.parametrize(("raw", "field", "words"), [
    ('{"points": "5.5", "explanation": "", "version": 0}', "points", "之间"),  # above the maximum of 5
    ('{"points": "-1", "explanation": "", "version": 0}', "points", "之间"),
    ('{"points": "4.55", "explanation": "", "version": 0}', "points", "小数"),  # more places than the step
    ('{"points": 1.00000000000000000001, "explanation": "", "version": 0}', "points", "小数"),  # a float would say 1
    ('{"points": 1e400, "explanation": "", "version": 0}', "points", "之间"),  # a float would be infinity
    ('{"points": "1e30", "explanation": "", "version": 0}', "points", "之间"),
    ('{"points": NaN, "explanation": "", "version": 0}', "points", "不是数字"),
    ('{"points": true, "explanation": "", "version": 0}', "points", "数字"),
    ('{"points": ["1"], "explanation": "", "version": 0}', "points", "数字"),
    ('{"explanation": "", "version": 0}', "points", "points"),
    ('{"points": "1", "explanation": 7, "version": 0}', "explanation", "文字"),
    ('{"points": "1", "explanation": "' + "说" * 501 + '", "version": 0}', "explanation", "500"),
    ('{"points": "1", "explanation": ""}', "version", "version"),
    ('{"points": "1", "explanation": "", "version": "0"}', "version", "version"),
])
def test_bad_claims_are_refused_with_where_and_what(client_for, cycle, raw, field, words):
    response = send(client_for("unit"), "put", claim_url(cycle), raw)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field and words in response.json()["message"]
    assert not Claim.objects.filter(points__isnull=False).exists()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_refused(client_for, cycle, raw):
    response = send(client_for("unit"), "put", claim_url(cycle), raw)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_json_numbers_reach_the_rules_as_decimal_never_float(client_for, cycle, monkeypatch):
    seen = []
    original = rules.save_claim

    def spy(user, cycle, unit_code, code, points, explanation, version):
        seen.append(points)
        return original(user, cycle, unit_code, code, points, explanation, version)

    monkeypatch.setattr(rules, "save_claim", spy)
    client = client_for("unit")
    response = send(client, "put", claim_url(cycle), '{"points": 0.3, "explanation": "", "version": 0}')
    assert response.status_code == 200 and response.json()["points"] == "0.3"
    send(client, "put", claim_url(cycle), '{"points": 4, "explanation": "", "version": 1}')
    send(client, "put", claim_url(cycle), '{"points": "2.5", "explanation": "", "version": 2}')
    send(client, "put", claim_url(cycle), '{"points": null, "explanation": "", "version": 3}')
    assert seen == [Decimal("0.3"), Decimal(4), "2.5", None]
    assert all(not isinstance(p, float) for p in seen)
    assert Claim.objects.get(unit__code=UNIT).points is None
    assert [e.new["points"] for e in Event.objects.filter(action="claim.update").order_by("pk")] == ["0.3", "4", "2.5", None]


def test_a_stale_version_is_a_409_with_the_saved_claim(client_for, cycle):
    client = client_for("unit")
    response = send(client, "put", claim_url(cycle), {"points": "4", "explanation": "第一次", "version": 0})
    assert response.status_code == 200 and response.json()["version"] == 1
    response = send(client, "put", claim_url(cycle), {"points": "3", "explanation": "过期", "version": 0})
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    current = response.json()["current"]
    assert (current["points"], current["explanation"], current["version"]) == ("4", "第一次", 1)
    assert Claim.objects.get(unit__code=UNIT).points == Decimal(4)


def test_several_claims_are_saved_at_once_or_none(client_for, cycle):
    """POST …/self-assessment/claims: the page's one save, for scripts."""
    client, other = client_for("unit"), "1.2.2"
    saves = url(cycle, "self-assessment/claims")
    refused = send(client, "post", saves, {"claims": [
        {"code": CRITERION, "points": "１．５", "explanation": "甲", "version": 0},
        {"code": other, "points": "99", "explanation": "", "version": 0},
        {"code": "9.9.9", "points": "1", "explanation": "", "version": 0}]})
    body = refused.json()
    assert refused.status_code == 422 and set(body["items"]) == {other, "9.9.9"}
    assert "之间" in body["items"][other] and "不适用" in body["items"]["9.9.9"]
    assert not Claim.objects.exists()  # the valid row was not saved either
    saved = send(client, "post", saves, {"claims": [
        {"code": CRITERION, "points": "１．５", "explanation": "甲", "version": 0},
        {"code": other, "points": 2, "explanation": "", "version": 0}]})
    assert saved.status_code == 200
    assert [(c["code"], c["points"], c["version"]) for c in saved.json()] == [(CRITERION, "1.5", 1), (other, "2", 1)]
    stale = send(client, "post", saves, {"claims": [{"code": CRITERION, "points": "1", "explanation": "", "version": 0}]})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict" and CRITERION in stale.json()["items"]


@pytest.mark.parametrize("body", [
    {}, {"claims": []}, {"claims": "1.2.1"}, {"claims": [{"points": "1", "version": 0}]},
    {"claims": [{"code": CRITERION, "points": "1"}]}, {"claims": [{"code": CRITERION, "points": 1.5, "version": True}]},
    {"claims": [{"code": CRITERION, "points": "1", "version": 0}, {"code": CRITERION, "points": "2", "version": 0}]},
    {"claims": [{"code": CRITERION, "points": "1", "version": 0}] * 1001},
])
def test_badly_shaped_claims_are_refused(client_for, cycle, body):
    response = send(client_for("unit"), "post", url(cycle, "self-assessment/claims"), body)
    assert response.status_code == 422 and response.json()["field"] == "claims"
    assert not Claim.objects.exists()


def test_a_criterion_that_does_not_apply_is_404(client_for, cycle):
    response = send(client_for("unit"), "put", claim_url(cycle, "9.9.9"), {"points": "1", "version": 0})
    assert response.status_code == 404 and "9.9.9" in response.json()["message"]


def test_after_the_deadline_claims_are_closed(client_for, cycle):
    cycle.self_assessment_deadline = timezone.localdate() - datetime.timedelta(days=1)
    cycle.save(update_fields=["self_assessment_deadline"])
    response = send(client_for("unit"), "put", claim_url(cycle), {"points": "1", "explanation": "", "version": 0})
    assert response.status_code == 409 and response.json()["code"] == "closed" and "截止" in response.json()["message"]
    assert client_for("unit").get(url(cycle, "self-assessment")).json()["editable"] is False


def test_submit_then_read_only_until_the_office_reopens(client_for, cycle, users):
    unit = client_for("unit")
    response = unit.post(url(cycle, "self-assessment/submit"))
    assert response.status_code == 422 and "未填写自评得分" in response.json()["message"]
    for criterion in rules.criteria(cycle, CycleUnit.objects.get(cycle=cycle, code=UNIT)):
        rules.save_claim(users["unit"], cycle, UNIT, criterion.code, criterion.maximum, "", 0)
    response = unit.post(url(cycle, "self-assessment/submit"))
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    assert response.json()["submitted_at"]
    response = send(unit, "put", claim_url(cycle), {"points": "0", "explanation": "改", "version": 1})
    assert response.status_code == 409 and response.json()["code"] == "closed"
    assert upload(unit, cycle, ("台账.pdf", PDF)).status_code == 409

    office = client_for("office")
    response = send(office, "post", url(cycle, "self-assessment/reopen?unit=yanshi"), {"reason": " "})
    assert response.status_code == 422 and response.json()["field"] == "reason"
    response = send(office, "post", url(cycle, "self-assessment/reopen"), {"reason": "请补充"})
    assert response.status_code == 422 and response.json()["field"] == "unit"
    response = send(office, "post", url(cycle, "self-assessment/reopen?unit=yanshi"), {"reason": "请补充"})
    assert response.status_code == 200 and response.json()["state"] == "draft"
    assert response.json()["reopen_reason"] == "请补充"
    response = send(unit, "put", claim_url(cycle), {"points": "0", "explanation": "改", "version": 1})
    assert response.status_code == 200 and response.json()["points"] == "0"
    assert SelfAssessment.objects.get(unit__code=UNIT).state == SelfAssessment.State.DRAFT


def test_a_units_bearer_token_works_without_naming_the_unit(client_for, cycle, users):
    key = ApiToken.issue(users["unit"])[1]
    client = Client()
    response = client.put(claim_url(cycle), data=json.dumps({"points": "4", "explanation": "", "version": 0}),
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    event = Event.objects.get(action="claim.update")
    assert event.actor == users["unit"] and event.object_key.endswith(f"unit:{UNIT}/criterion:{CRITERION}")


# ----------------------------------------------------------------------------- evidence


def test_upload_list_download_recriteria_delete(client_for, cycle, evidence_dir, django_capture_on_commit_callbacks):
    client = client_for("unit")
    response = upload(client, cycle, ("../../台账 2018.pdf", PDF), ("C:\\Users\\王\\通知.pdf", PDF + b"x"))
    assert response.status_code == 201, response.content
    created = response.json()
    assert [e["name"] for e in created] == ["台账 2018.pdf", "通知.pdf"]  # path parts gone
    first = created[0]
    assert (first["size"], first["mime"], first["sha256"], first["purpose"], first["criteria"], first["unit"]) == (
        len(PDF), "application/pdf", hashlib.sha256(PDF).hexdigest(), "self", [CRITERION], UNIT)
    assert Evidence.objects.count() == 2 and len(files_on_disk(evidence_dir)) == 2

    download = client.get(url(cycle, f"evidence/{first['id']}/file"))
    assert download.status_code == 200 and body_of(download) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;") and "2018.pdf" in download["Content-Disposition"]
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["Cache-Control"] == "private, no-store"

    response = send(client, "put", url(cycle, f"evidence/{first['id']}/criteria"), {"criteria": ["1.1.1", CRITERION]})
    assert response.status_code == 200 and response.json()["criteria"] == ["1.1.1", CRITERION]
    response = send(client, "put", url(cycle, f"evidence/{first['id']}/criteria"), {"criteria": ["9.9.9"]})
    assert response.status_code == 422 and response.json()["field"] == "criteria"
    response = send(client, "put", url(cycle, f"evidence/{first['id']}/criteria"), {"criteria": "1.1.1"})
    assert response.status_code == 422 and response.json()["field"] == "criteria"

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(url(cycle, f"evidence/{first['id']}")).status_code == 204
    assert [e["id"] for e in client.get(url(cycle, "evidence")).json()] == [created[1]["id"]]
    assert len(files_on_disk(evidence_dir)) == 1
    assert client.get(url(cycle, f"evidence/{first['id']}/file")).status_code == 404
    actions = list(Event.objects.filter(action__startswith="evidence.").order_by("pk").values_list("action", flat=True))
    assert actions == ["evidence.upload", "evidence.upload", "evidence.criteria", "evidence.delete"]


@pytest.mark.parametrize(("files", "words"), [
    ([("通知.pdf", EXE)], "不是允许的类型"),  # an executable renamed .pdf
    ([("总结.pdf", PDF), ("通知.pdf", EXE)], "通知.pdf"),  # one bad file: none is kept
    ([("图片.png", PDF)], "与扩展名 .png 不符"),
    ([("空.pdf", b"")], "空文件"),
])
def test_refused_files_store_nothing(client_for, cycle, evidence_dir, files, words):
    response = upload(client_for("unit"), cycle, *files)
    assert response.status_code == 422 and response.json()["field"] == "file"
    assert words in response.json()["message"]
    assert not Evidence.objects.exists() and files_on_disk(evidence_dir) == []
    assert not Event.objects.filter(action="evidence.upload").exists()


def test_an_oversized_file_is_413_and_refused_before_it_is_read(client_for, cycle, evidence_dir, monkeypatch):
    cycle.evidence_max_mb = 1
    cycle.save(update_fields=["evidence_max_mb"])

    def never(*args, **kwargs):
        raise AssertionError("the upload was read although it is over the limit")

    data = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("大文件.pdf", PDF + b"0" * (1024 * 1024))})
    monkeypatch.setattr(InMemoryUploadedFile, "read", never)
    response = client_for("unit").generic("POST", url(cycle, "evidence"), data, content_type=MULTIPART_CONTENT)
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "too_large" and "大文件.pdf" in response.json()["message"]
    assert not Evidence.objects.exists() and files_on_disk(evidence_dir) == []


def test_an_upload_without_files_or_with_an_unknown_criterion_is_refused(client_for, cycle, evidence_dir):
    response = client_for("unit").post(url(cycle, "evidence"), {"criteria": [CRITERION]})
    assert response.status_code == 422 and response.json()["field"] == "file"
    response = upload(client_for("unit"), cycle, ("台账.pdf", PDF), criteria=["9.9.9"])
    assert response.status_code == 422 and response.json()["field"] == "criteria"
    assert not Evidence.objects.exists() and files_on_disk(evidence_dir) == []


def test_the_count_limit_holds(client_for, cycle):
    cycle.evidence_max_files = 1
    cycle.save(update_fields=["evidence_max_files"])
    response = upload(client_for("unit"), cycle, ("一.pdf", PDF), ("二.pdf", PDF + b"2"))
    assert response.status_code == 422 and "上限" in response.json()["message"]
    assert not Evidence.objects.exists()


def test_a_lost_file_is_a_clear_404(client_for, cycle, evidence, evidence_dir):
    for path in files_on_disk(evidence_dir):
        path.unlink()
    response = client_for("office").get(url(cycle, f"evidence/{evidence.pk}/file"))
    assert response.status_code == 404 and "已丢失" in response.json()["message"]


# ----------------------------------------------------------------------------- scorecard and objections


def test_the_scorecard_before_publication_is_404_with_a_reason(client_for, cycle):
    response = client_for("unit").get(url(cycle, "scorecard"))
    assert response.status_code == 404 and "尚未发布" in response.json()["message"]


def test_the_scorecard_shows_the_published_figures_and_items(client_for, cycle, published):
    card = client_for("unit").get(url(cycle, "scorecard")).json()
    row = next(r for r in published.results if r["code"] == UNIT)
    assert (card["version"], card["latest_version"], card["versions"]) == (1, 1, [1])
    assert card["summary"]["final"] == two_places(row["final"]) and card["summary"]["rank"] == row["rank"]
    assert card["items"] == Score.objects.filter(cycle=cycle, unit__code=UNIT).count()
    item = next(r for r in card["rows"] if r["code"] == ITEM)
    assert (item["kind"], item["points"], item["maximum"], item["department"]) == ("item", "2", "2", "市委组织部")
    assert card["window_problem"] == "" and card["objection_deadline"] == timezone.localdate().isoformat()
    assert client_for("unit").get(url(cycle, "scorecard?version=9")).status_code == 404


def test_a_reopened_cycle_shows_figures_but_no_items(client_for, cycle, published):
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.REVIEW)
    card = client_for("unit").get(url(cycle, "scorecard")).json()
    assert card["rows"] == [] and card["items"] == 0 and card["summary"]["code"] == UNIT
    assert "重新开放" in card["window_problem"]
    response = send(client_for("unit"), "post", url(cycle, "objections"), {"items": [ITEM], "reason": "x"})
    assert response.status_code == 409 and response.json()["code"] == "closed"


def test_objections_end_to_end(client_for, cycle, published, evidence_dir):
    unit, scorer, office = client_for("unit"), client_for("scorer"), client_for("office")
    v1 = next(r for r in published.results if r["code"] == UNIT)

    response = unit.post(url(cycle, "objections"), {"items": [ITEM], "reason": "会议记录已补交",
                                                     "file": [SimpleUploadedFile("记录.pdf", PDF)]})
    assert response.status_code == 201, response.content
    filed = response.json()
    assert (filed["state"], filed["version"], filed["reason"]) == ("filed", 1, "会议记录已补交")
    assert [(i["code"], i["old_points"], i["decision"]) for i in filed["items"]] == [(ITEM, "2", "")]
    assert len(filed["evidence"]) == 1
    proof = Evidence.objects.get(pk=filed["evidence"][0])
    assert proof.purpose == Evidence.Purpose.OBJECTION
    assert body_of(scorer.get(url(cycle, f"evidence/{proof.pk}/file"))) == PDF  # the department reads it
    assert unit.get(url(cycle, "scorecard")).json()["pending"] == [ITEM]
    again = send(unit, "post", url(cycle, "objections"), {"items": [ITEM], "reason": "再次"})
    assert again.status_code == 422 and "未办结" in again.json()["message"]

    answer_url = url(cycle, f"objections/{filed['id']}/items/{ITEM}/answer")
    response = send(scorer, "post", answer_url, {"decision": "changed", "points": "2", "reason": "同分"})
    assert response.status_code == 422 and response.json()["field"] == "points"
    response = send(scorer, "post", answer_url, '{"decision": "changed", "points": 1.50000000000000000001, "reason": "x"}')
    assert response.status_code == 422 and response.json()["field"] == "points"
    response = send(scorer, "post", answer_url, {"decision": "maybe", "reason": "x"})
    assert response.status_code == 422 and response.json()["field"] == "decision"
    response = send(scorer, "post", answer_url, {"decision": "changed", "points": 1.5, "reason": "记录补齐，酌情扣分"})
    assert response.status_code == 200 and response.json()["state"] == "answered"
    assert response.json()["items"][0]["new_points"] == "1.5"

    response = send(office, "post", url(cycle, f"objections/{filed['id']}/confirm"), {"comment": "同意"})
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["result_version"]) == ("closed", 2)
    assert Score.objects.get(cycle=cycle, unit__code=UNIT, node__code=ITEM).points == Decimal("1.5")

    results = office.get(url(cycle, "results?version=2")).json()
    assert results["version"] == 2
    v2 = next(r for r in results["units"] if r["code"] == UNIT)
    assert Decimal(v2["obtained"]) == Decimal(v1["obtained"]) - Decimal("0.5")
    assert office.get(url(cycle, "results?version=1")).json()["units"] == published.results  # kept as it was

    card = unit.get(url(cycle, "scorecard")).json()
    assert (card["version"], card["versions"], card["pending"]) == (2, [2, 1], [])
    item = next(r for r in card["rows"] if r["code"] == ITEM)
    assert (item["points"], item["deducted"], item["lost"], item["reason"]) == ("1.5", True, "0.5", "记录补齐，酌情扣分")
    assert card["summary"]["obtained"] == v2["obtained"]
    older = unit.get(url(cycle, "scorecard?version=1")).json()
    assert older["summary"]["obtained"] == v1["obtained"] and older["rows"] == []
    assert unit.get(url(cycle, f"objections/{filed['id']}")).json()["result_version"] == 2


def test_the_office_sends_answers_back(client_for, cycle, objection):
    answer_url = url(cycle, f"objections/{objection.pk}/items/{ITEM}/answer")
    assert send(client_for("head"), "post", answer_url, {"decision": "upheld", "reason": "材料不足"}).status_code == 200
    back_url = url(cycle, f"objections/{objection.pk}/send-back")
    response = send(client_for("office"), "post", back_url, {"comment": ""})
    assert response.status_code == 422 and response.json()["field"] == "comment"
    response = send(client_for("office"), "post", back_url, {"comment": "请说明依据"})
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["office_comment"]) == ("filed", "请说明依据")
    assert response.json()["items"][0]["decision"] == ""
    response = send(client_for("office"), "post", url(cycle, f"objections/{objection.pk}/confirm"))
    assert response.status_code == 409 and response.json()["code"] == "closed"  # not answered again yet


def test_upheld_answers_close_without_a_new_version(client_for, cycle, objection):
    answer_url = url(cycle, f"objections/{objection.pk}/items/{ITEM}/answer")
    send(client_for("scorer"), "post", answer_url, {"decision": "upheld", "reason": "材料不足"})
    response = client_for("office").post(url(cycle, f"objections/{objection.pk}/confirm"),
                                         content_type="application/json")  # an empty body: no comment
    assert response.status_code == 200 and response.json()["result_version"] is None
    assert ResultSnapshot.objects.filter(cycle=cycle).count() == 1


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"objection_deadline": datetime.date(2000, 1, 1)}, 409, "截止"),
    ({"objection_deadline": None}, 409, "未设置异议期"),
])
def test_objections_outside_the_window_are_closed(client_for, cycle, published, change, status, words):
    Cycle.objects.filter(pk=cycle.pk).update(**change)
    response = send(client_for("unit"), "post", url(cycle, "objections"), {"items": [ITEM], "reason": "x"})
    assert response.status_code == status and words in response.json()["message"]
    assert not Objection.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"items": [], "reason": "x"}, "items"),
    ({"items": [ITEM], "reason": "  "}, "items"),  # every item needs a reason: the refusal is the item's
    ({"items": ["3.1.1.1x"], "reason": "x"}, "items"),
    ({"items": ITEM, "reason": "x"}, "items"),
    ({"items": [ITEM], "reason": 5}, "reason"),
])
def test_bad_objections_are_refused(client_for, cycle, published, body, field):
    response = send(client_for("unit"), "post", url(cycle, "objections"), body)
    assert response.status_code == 422 and response.json()["field"] == field
    assert not Objection.objects.exists()


@pytest.mark.parametrize("items", [
    [{"code": ITEM}], [{"code": ITEM, "reason": 5}], [{"code": 5, "reason": "x"}], [{"code": ITEM, "why": "x"}], [[ITEM]],
])
def test_badly_shaped_items_are_refused(client_for, cycle, published, items):
    response = send(client_for("unit"), "post", url(cycle, "objections"), {"items": items})
    assert response.status_code == 422 and response.json()["field"] == "items"
    assert not Objection.objects.exists()


def test_each_item_has_its_own_reason_and_one_reason_still_serves_all(client_for, cycle, published):
    """The form of before (item codes and one reason) still works; items may bring their own reasons,
    and a shared reason fills in for those without."""
    old = send(client_for("unit"), "post", url(cycle, "objections"), {"items": [ITEM, "1.2.1.2"], "reason": "同一理由"})
    assert old.status_code == 201
    assert [(i["code"], i["reason"]) for i in old.json()["items"]] == [(ITEM, "同一理由"), ("1.2.1.2", "同一理由")]
    new = send(client_for("unit"), "post", url(cycle, "objections"), {
        "items": [{"code": "1.2.1.3", "reason": "记录齐全"}, "1.2.2.1"], "reason": "共同理由"})
    assert new.status_code == 201
    assert [(i["code"], i["reason"]) for i in new.json()["items"]] == [("1.2.1.3", "记录齐全"), ("1.2.2.1", "共同理由")]
    assert new.json()["reason"] == "共同理由"


def test_refused_items_are_each_named_with_their_reason(client_for, cycle, published, objection):
    response = send(client_for("unit"), "post", url(cycle, "objections"), {
        "items": [{"code": ITEM, "reason": "再次"}, {"code": "1.2.1.2", "reason": ""}, {"code": "9.9.9", "reason": "x"}]})
    body = response.json()
    assert response.status_code == 422 and body["field"] == "items" and set(body["items"]) == {ITEM, "1.2.1.2", "9.9.9"}
    assert "未办结" in body["items"][ITEM] and "异议理由" in body["items"]["1.2.1.2"]
    assert "不适用" in body["items"]["9.9.9"]
    assert Objection.objects.count() == 1


def test_an_objection_carries_the_original_reason_and_the_units_side(client_for, cycle, users, published):
    Score.objects.filter(cycle=cycle, unit__code=UNIT, node__code=ITEM).update(points=Decimal("1.5"), reason="记录不全")
    with acting_as(users["unit"]):
        Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
        cycle.refresh_from_db()
        rules.save_claim(users["unit"], cycle, UNIT, CRITERION, "5", "全部完成", 0)
        file_id = rules.upload_evidence(users["unit"], cycle, UNIT, [("纪要.pdf", PDF)], [CRITERION])[0].pk
        Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
        cycle.refresh_from_db()
        filed = flow.file(users["unit"], cycle, UNIT, [(ITEM, "记录已补齐")])
    body = client_for("scorer").get(url(cycle, f"objections/{filed.pk}")).json()
    item = body["items"][0]
    assert (item["reason"], item["old_points"], item["old_reason"]) == ("记录已补齐", "1.5", "记录不全")
    assert item["unit_side"] == {"criterion": CRITERION, "criterion_title": item["unit_side"]["criterion_title"],
                                 "maximum": "5", "claimed": "5", "explanation": "全部完成", "evidence": [file_id]}
    download = client_for("scorer").get(url(cycle, f"evidence/{file_id}/file"))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF  # (read to the end: closed)
    listed = client_for("scorer").get(url(cycle, "objections")).json()
    assert listed[0]["items"][0]["unit_side"] is None and listed[0]["items"][0]["old_reason"] == "记录不全"


def test_an_objections_refused_file_stores_nothing(client_for, cycle, published, evidence_dir):
    response = client_for("unit").post(url(cycle, "objections"), {
        "items": [ITEM], "reason": "见附件", "file": [SimpleUploadedFile("通知.pdf", EXE)]})
    assert response.status_code == 422 and "不是允许的类型" in response.json()["message"]
    assert not Objection.objects.exists() and not Evidence.objects.exists() and files_on_disk(evidence_dir) == []


# ----------------------------------------------------------------------------- the schema


ENDPOINTS = {
    ("get", "/self-assessment"): (404, 422),
    ("put", "/self-assessment/claims/{code}"): (403, 404, 409, 422),
    ("post", "/self-assessment/claims"): (403, 404, 409, 422),
    ("post", "/self-assessment/submit"): (403, 404, 409, 422),
    ("post", "/self-assessment/reopen"): (403, 404, 409, 422),
    ("get", "/evidence"): (404, 422),
    ("post", "/evidence"): (403, 404, 409, 413, 422),
    ("get", "/evidence/{evidence_id}/file"): (404,),
    ("put", "/evidence/{evidence_id}/criteria"): (403, 404, 409, 422),
    ("delete", "/evidence/{evidence_id}"): (403, 404, 409, 422),
    ("get", "/scorecard"): (403, 404),
    ("get", "/objections"): (404,),
    ("get", "/objections/{objection_id}"): (404,),
    ("post", "/objections"): (403, 404, 409, 413, 422),
    ("post", "/objections/{objection_id}/items/{code}/answer"): (403, 404, 409, 422),
    ("post", "/objections/{objection_id}/confirm"): (403, 404, 409, 422),
    ("post", "/objections/{objection_id}/send-back"): (403, 404, 409, 422),
}


def test_every_endpoint_is_in_the_openapi_schema_with_its_errors(client_for):
    schema = client_for(None).get("/api/v1/openapi.json").json()
    for (method, path), statuses in ENDPOINTS.items():
        operation = schema["paths"][f"/api/v1/cycles/{{cycle_id}}{path}"][method]
        for status in statuses:
            content = operation["responses"][str(status)]["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/ClaimErrorOut"}, (method, path, status)
        if method in ("put", "post") and not path.endswith(("/submit",)):
            assert operation["requestBody"]["content"], (method, path)
    upload_body = schema["paths"]["/api/v1/cycles/{cycle_id}/evidence"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
