"""The cycle's life through the API (kaohe.api.lifecycle): create from a published scheme, open,
start the review, lock every approved department, lock, re-open with a reason, the status; every
refusal with its status and the field at fault, nothing changed. (Every role against every
operation: test_permission_matrix.py.)"""

from __future__ import annotations

import pytest

from kaohe.audit.models import Event
from kaohe.cycles.models import Cycle, Submission

S = Submission.State
COUNTY = "luoyang-2018-county"


def post(client, path: str, body: object = None):
    return client.post(f"/api/v1/{path}", body if body is not None else {}, content_type="application/json")


def test_the_office_creates_a_draft_with_deadlines_and_its_default_units(client_for):
    response = post(client_for("office"), "cycles", {
        "name": "2019年度考核", "scheme": COUNTY, "step": "0.5", "scoring_deadline": "2020-01-15",
        "review_deadline": "2020-01-31", "self_assessment_deadline": "2020-01-10", "objection_deadline": "2020-02-15"})
    assert response.status_code == 201
    body = response.json()
    cycle = Cycle.objects.get(pk=body["id"])
    assert (cycle.status, str(cycle.step), str(cycle.objection_deadline)) == ("draft", "0.50", "2020-02-15")
    assert len(cycle.unit_codes) == 18 and body["next"]["key"] == "open"
    assert body["next"]["action"] == {"label": "开始评分", "url": f"/cycles/{cycle.pk}/open/", "method": "POST"}
    assert Event.objects.get(action="cycle.create", cycle=cycle).actor.username == "office"


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"name": "2018年度县(市、区)党建工作综合考核"}, "name", "已有名为"),
    ({"name": " "}, "name", "请填写"),
    ({"name": "x" * 121}, "name", "最多120个字"),
    ({"scheme": "nope"}, "scheme", "没有名为"),
    ({"units": ["nope"]}, "units", "未知的单位编码"),
    ({"units": ["swbgs"]}, "units", "不在指标体系"),
    ({"units": []}, "units", "至少选择一个"),
    ({"step": "0"}, "step", "评分步长"),
    ({"step": "0.125"}, "step", "评分步长"),
    ({"scoring_deadline": "2020-01-15", "review_deadline": "2020-01-14"}, "review_deadline", "不能早于"),
])
def test_a_refused_creation_names_the_field_and_creates_nothing(client_for, body, field, words):
    before = Cycle.objects.count()
    response = post(client_for("office"), "cycles", {"name": "新周期", "scheme": COUNTY, **body})
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field and words in response.json()["message"]
    assert Cycle.objects.count() == before


def test_a_body_that_is_not_a_cycle_is_422(client_for):
    assert post(client_for("office"), "cycles", {"name": "x"}).status_code == 422  # no scheme
    assert client_for("office").post("/api/v1/cycles", "{", content_type="application/json").status_code in (400, 422)


def test_the_life_of_a_cycle_step_by_step(client_for):
    office = client_for("office")
    cycle_id = post(office, "cycles", {"name": "一步一步", "scheme": COUNTY, "units": ["yanshi", "gaoxin"]}).json()["id"]
    assert post(office, f"cycles/{cycle_id}/lock").status_code == 409  # not under review
    opened = post(office, f"cycles/{cycle_id}/open")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert post(office, f"cycles/{cycle_id}/open").json()["code"] == "conflict"  # twice
    assert post(office, f"cycles/{cycle_id}/start-review").json()["next"]["key"] == "wait_departments"
    nothing = post(office, f"cycles/{cycle_id}/departments/lock-approved")
    assert nothing.status_code == 409 and "没有待锁定的考核部门" in nothing.json()["message"]
    cycle = Cycle.objects.get(pk=cycle_id)
    cycle.submissions.update(state=S.APPROVED)
    cycle.submissions.filter(department__code="swzzb").update(state=S.DRAFT)
    refused = post(office, f"cycles/{cycle_id}/lock")
    assert refused.status_code == 409 and "市委组织部" in refused.json()["message"]
    locked = post(office, f"cycles/{cycle_id}/departments/lock-approved").json()
    assert "swzzb" not in locked["locked"] and len(locked["locked"]) == cycle.submissions.count() - 1
    assert locked["next"]["key"] == "wait_departments" and locked["next"]["blockers"] == ["市委组织部：评分中"]
    cycle.submissions.update(state=S.LOCKED)
    assert post(office, f"cycles/{cycle_id}/lock").json()["status"] == "locked"
    no_reason = post(office, f"cycles/{cycle_id}/reopen", {"reason": "  "})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    assert post(office, f"cycles/{cycle_id}/reopen", {"reason": "x" * 1001}).json()["field"] == "reason"
    reopened = post(office, f"cycles/{cycle_id}/reopen", {"reason": "分值录入有误"})
    assert reopened.json()["status"] == "review"
    assert Event.objects.filter(cycle_id=cycle_id, action="cycle.reopen").get().reason == "分值录入有误"


def test_the_status_says_where_the_cycle_stands_for_office_and_leaders(client_for, cycle):
    for name in ("office", "leader"):
        body = client_for(name).get(f"/api/v1/cycles/{cycle.pk}/status").json()
        assert body["status"] == "open" and body["next"]["key"] == "start_review"
        assert [s["state"] for s in body["stages"]] == ["done", "current", "later", "later", "later", "later"]
        assert set(body["sections"]) >= {"departments", "self_assessment", "objections", "unscored"}
        assert body["sections"]["self_assessment"]["units"] == 18


def test_a_cycle_the_user_cannot_see_is_404_before_anything_else(client_for, cycle):
    draft_id = post(client_for("office"), "cycles", {"name": "草稿", "scheme": COUNTY, "units": ["yanshi"]}).json()["id"]
    for name in ("leader", "scorer", "unit"):
        assert post(client_for(name), f"cycles/{draft_id}/open").status_code == 404
        assert client_for(name).get(f"/api/v1/cycles/{draft_id}/status").status_code == 404
    assert post(client_for("office"), "cycles/999999/open").status_code == 404
