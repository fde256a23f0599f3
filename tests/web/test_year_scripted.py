"""A whole assessment year through the API and the command line only — no page — from an empty
database to a published version 2 after an objection: the 2018 county cycle, as a script would
run it (issue 14, "every step scriptable").

The command line sets the installation up (defaults, accounts with their passwords from the
environment, API tokens) and moves the cycle (review, lock, status, publish); everything a person
of a role does goes through the API with that person's token: the office creates and opens the
cycle (naming a department for the items the scheme leaves without one), the unit self-assesses,
each department downloads its scoring sheet, fills it in and uploads it, corrects one score,
submits, its head approves, the office locks every approved department at once, the unit objects,
the department answers, the office confirms and version 2 is published. Afterwards no
notification is left open that asks for work already done.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from kaohe.audit.models import Event
from kaohe.cycles.models import Cycle, Score
from kaohe.notify.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)

CYCLE = "2018年度县(市、区)党建工作综合考核"
DEPARTMENTS = ["swbgs", "swzzb", "swxcb", "sjw", "swdx", "swxunchaban", "swdsyjs", "srcb", "swzfw", "swtzb", "swdjb",
               "lyjfq"]
UNIT = "yanshi"  # 偃师市
DEDUCTED = "1.2.1.1"  # 市委组织部 scores it; 偃师市 loses 0.5 and objects
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # see test_commands.py


def test_the_2018_county_year_from_an_empty_database_to_version_2(capsys, monkeypatch, year_kit):
    kaohe, Api = year_kit.kaohe, year_kit.Api
    call_command("flush", interactive=False, verbosity=0)
    assert not Cycle.objects.exists()

    # -- the installation, on the command line ---------------------------------------------
    kaohe(capsys, "load-defaults")
    monkeypatch.setenv("KAOHE_PASSWORD", "Luoyang-2018-year")
    people = {"office": ["--role", "office"], "leader": ["--role", "leader"], "unit": ["--role", "unit", "--unit", UNIT]}
    for code in DEPARTMENTS:
        people[f"scorer-{code}"] = ["--role", "scorer", "--department", code]
        people[f"head-{code}"] = ["--role", "head", "--department", code]
    api = {}
    for name, args in people.items():
        kaohe(capsys, "user", "create", name, *args)
        api[name] = Api(kaohe(capsys, "token", "create", name).strip())
    office = api["office"]

    # -- the office creates and opens the cycle (API) ----------------------------------------
    today = timezone.localdate()
    created = office.call("post", "cycles", {
        "name": CYCLE, "scheme": "luoyang-2018-county", "step": "0.1",
        "scoring_deadline": str(today + timedelta(days=10)), "review_deadline": str(today + timedelta(days=15)),
        "self_assessment_deadline": str(today + timedelta(days=5)), "objection_deadline": str(today + timedelta(days=30)),
        "item_departments": {"4.2.1": "swzzb", "7.3.1": "swdjb", "7.3.2": "swdjb", "7.3.3": "swdjb"}}, status=201)
    cycle_id = created["id"]
    assert created["next"]["key"] == "open"
    assert created["sections"]["unscored"] == {"items": [], "maxima": [], "assigned": {
        "4.2.1": "swzzb", "7.3.1": "swdjb", "7.3.2": "swdjb", "7.3.3": "swdjb"}}
    opened = office.call("post", f"cycles/{cycle_id}/open")
    assert opened["status"] == "open" and opened["next"]["key"] == "start_review"
    assert len(opened["sections"]["departments"]["departments"]) == 12

    # -- the unit claims every criterion at full points and submits (API) ----------------------
    unit = api["unit"]
    sheet = unit.call("get", f"cycles/{cycle_id}/self-assessment")
    for criterion in sheet["criteria"]:
        unit.call("put", f"cycles/{cycle_id}/self-assessment/claims/{criterion['code']}",
                  {"points": criterion["maximum"], "explanation": "按要求完成", "version": criterion["version"]})
    assert unit.call("post", f"cycles/{cycle_id}/self-assessment/submit")["state"] == "submitted"

    # -- each department scores through its sheet, submits; its head approves (API) -------------
    for code in DEPARTMENTS:
        scorer, head = api[f"scorer-{code}"], api[f"head-{code}"]
        tasks = scorer.call("get", f"cycles/{cycle_id}/tasks")
        data = scorer.call("get", f"cycles/{cycle_id}/sheet").content
        upload = SimpleUploadedFile("评分表.xlsx", year_kit.filled(data), content_type=XLSX)
        applied = scorer.call("post", f"cycles/{cycle_id}/sheet", data={"file": upload})
        assert applied["applied"] == len(tasks)
        if code == "swzzb":
            (task,) = scorer.call("get", f"cycles/{cycle_id}/tasks?unit={UNIT}&item={DEDUCTED}")
            scorer.call("put", f"cycles/{cycle_id}/scores/{UNIT}/{DEDUCTED}",
                        {"points": str(Decimal(task["maximum"]) - Decimal("0.5")), "reason": "党建述职材料不全",
                         "version": task["version"]})
        scorer.call("post", f"cycles/{cycle_id}/submission/submit")
        assert head.call("post", f"cycles/{cycle_id}/submission/approve")["state"] == "approved"
    assert set(Score.objects.filter(cycle_id=cycle_id, points__isnull=True).values_list("pk", flat=True)) == set()

    # -- the office: review, every approved department locked at once, the cycle locked -------
    assert "考核周期已进入审核" in kaohe(capsys, "cycle", "review", str(cycle_id))
    status = office.call("get", f"cycles/{cycle_id}/status")
    assert status["next"]["key"] == "lock_approved"
    locked = office.call("post", f"cycles/{cycle_id}/departments/lock-approved")
    assert sorted(locked["locked"]) == sorted(DEPARTMENTS) and locked["next"]["key"] == "lock"
    assert "考核周期已锁定" in kaohe(capsys, "cycle", "lock", CYCLE)
    status = json.loads(kaohe(capsys, "cycle", "status", str(cycle_id), "--json"))
    assert status["status"] == "locked" and status["next"]["key"] == "publish"

    # -- version 1, with the unscored items scored: 偃师市's maximum is the scheme's 195 ----------
    assert "第1版" in kaohe(capsys, "results", "publish", str(cycle_id))
    version1 = {row["code"]: row for row in office.call("get", f"cycles/{cycle_id}/results?version=1")["units"]}
    assert Decimal(version1[UNIT]["maximum"]) == 195 and Decimal(version1[UNIT]["obtained"]) == Decimal("194.5")
    assert office.call("get", f"cycles/{cycle_id}/status")["next"]["key"] == "objection_window"

    # -- the unit objects, the department answers, the office confirms: version 2 --------------
    scorecard = unit.call("get", f"cycles/{cycle_id}/scorecard")
    assert scorecard["version"] == 1 and scorecard["window_problem"] == ""
    objection = unit.call("post", f"cycles/{cycle_id}/objections",
                          {"items": [DEDUCTED], "reason": "述职材料已于12月报送，附件见佐证材料。"}, status=201)
    assert office.call("get", f"cycles/{cycle_id}/status")["next"]["key"] == "wait_objections"
    maximum = Score.objects.get(cycle_id=cycle_id, unit__code=UNIT, node__code=DEDUCTED).node.points
    api["scorer-swzzb"].call("post", f"cycles/{cycle_id}/objections/{objection['id']}/items/{DEDUCTED}/answer",
                             {"decision": "changed", "points": str(maximum), "reason": "核实材料已报送，恢复满分。"})
    assert office.call("get", f"cycles/{cycle_id}/status")["next"]["key"] == "confirm_objections"
    confirmed = office.call("post", f"cycles/{cycle_id}/objections/{objection['id']}/confirm", {"comment": "同意"})
    assert confirmed["state"] == "closed" and confirmed["result_version"] == 2
    version2 = {row["code"]: row for row in office.call("get", f"cycles/{cycle_id}/results?version=2")["units"]}
    assert Decimal(version2[UNIT]["obtained"]) == 195
    assert api["leader"].call("get", f"cycles/{cycle_id}/status")["sections"]["results"]["versions"][0]["version"] == 2

    # -- what is left: the window stays open until its deadline; no request for work already done
    assert office.call("get", f"cycles/{cycle_id}/status")["next"]["key"] == "objection_window"
    left = list(Notification.objects.filter(done_at__isnull=True).exclude(about="").values_list("user__username",
                                                                                                 "subject"))
    assert left == []
    assert not Notification.objects.filter(done_at__isnull=True, subject__contains="待").exists()
    # every step was taken by the person (or command) it belongs to, on the trail
    actors = dict(Event.objects.filter(cycle_id=cycle_id, action__in=[
        "cycle.create", "cycle.open", "cycle.review", "cycle.locked", "objection.file", "objection.confirm"])
        .values_list("action", "actor_name"))
    assert actors == {"cycle.create": "office", "cycle.open": "office", "cycle.review": "kaohe cycle review",
                      "cycle.locked": "kaohe cycle lock", "objection.file": "unit", "objection.confirm": "office"}
