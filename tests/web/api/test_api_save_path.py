"""Saving a score through the API is a few statements (issue 6, benchmark 2), with every rule kept.

`save_score` reads the task and everything its checks need in one query (`load_task`), then the
compare-and-set UPDATE and the audit INSERT; the API asks whether the user may see the cycle only
when a save is refused. These tests pin the statements a save makes and prove that the answers
(success, each refusal and its order) are what they were when every check had its own query.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kaohe.accounts.models import ApiToken
from kaohe.audit.models import Event
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.cycles.scoring import Entry, ScoreError, find_score, load_task, save_score

ITEM = ("yanshi", "1.2.1.1")  # 市委组织部 scores it; worth 2 points
OTHER_DEPARTMENTS_ITEM = ("yanshi", "2.1.1.1")  # 市委宣传部 scores it


def url(cycle_id: int, unit: str = ITEM[0], item: str = ITEM[1]) -> str:
    return f"/api/v1/cycles/{cycle_id}/scores/{unit}/{item}"


def put(client: Client, path: str, body: dict | str, **extra: str):
    return client.put(path, data=body if isinstance(body, str) else json.dumps(body),
                      content_type="application/json", **extra)


@pytest.fixture
def scorer_token(users) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(users['scorer'])[1]}"}


def statement(sql: str) -> str:
    """'SELECT accounts_apitoken', 'UPDATE cycles_score', 'SAVEPOINT' …: the verb and its first table."""
    verb = sql.split(None, 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return verb
    while re.search(r"\([^()]*\)", sql):  # the statement's own table, not a subquery's
        sql = re.sub(r"\([^()]*\)", "", sql)
    table = re.search(r'(?:FROM|UPDATE|INTO)\s+"?(\w+)"?', sql, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else '?'}"


# ----------------------------------------------------------------------------- the statements


def test_a_save_by_token_is_the_token_lookup_then_one_read_one_update_one_insert(cycle, scorer_token):
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = put(client, url(cycle.pk), {"points": "1.5", "reason": "材料不全", "version": 0}, **scorer_token)
    assert response.status_code == 200
    # (the test runs inside a transaction, so the save's own transaction is a savepoint here; in
    # production it is BEGIN … COMMIT). Before: 10 on PostgreSQL, 9 on SQLite (the cycle's
    # visibility, the department, the score, the submission's state each read on their own).
    assert [statement(q["sql"]) for q in queries.captured_queries] == [
        "SELECT accounts_apitoken", "UPDATE accounts_apitoken",  # authentication (as for GET /ping)
        "SAVEPOINT",
        "SELECT cycles_score",  # the task, its cycle, department, user's department, submission state
        "UPDATE cycles_score",  # the compare-and-set on the version
        "INSERT audit_event",
        "RELEASE",
    ]


def test_the_one_read_locks_the_submission_on_postgresql(cycle, users):
    with CaptureQueriesContext(connection) as queries:
        save_score(users["scorer"], cycle, *ITEM, Entry("2", "", 0), source="api")
    (read,) = [q["sql"] for q in queries.captured_queries if statement(q["sql"]) == "SELECT cycles_score"]
    if connection.vendor == "postgresql":
        assert re.search(r"FROM cycles_submission sub WHERE sub.department_id = s.department_id FOR KEY SHARE", read)
    else:
        assert "FOR KEY SHARE" not in read  # SQLite's IMMEDIATE transactions run one at a time


def test_on_postgresql_the_saves_statements_are_prepared_once_per_connection(cycle, scorer_token):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (SQLite caches its own)")
    client = Client()
    for version, points in enumerate(["0.5", "1", "1.5", "2", "0.5", "1"]):  # prepared the fifth time
        response = put(client, url(cycle.pk), {"points": points, "reason": "材料不全", "version": version},
                       **scorer_token)
        assert response.status_code == 200, response.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement(row[0]) for row in cursor.fetchall()]
    assert {"SELECT cycles_score", "UPDATE cycles_score", "INSERT audit_event"} <= set(prepared)


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"server_side_binding": True, "prepare_threshold": 5, "cursors": True}),
    ("?prepare_threshold=1", {"server_side_binding": True, "prepare_threshold": 1, "cursors": True}),
    ("?server_side_binding=false", {"server_side_binding": False, "prepare_threshold": None, "cursors": False}),
])
def test_postgresql_connections_bind_on_the_server_unless_the_url_says_no(tmp_path, query, expected):
    code = ("import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'kaohe.web.settings'; import django; "
            "django.setup(); from django.conf import settings; "
            "database = settings.DATABASES['default']; "
            "print(json.dumps({**database['OPTIONS'], 'cursors': not database['DISABLE_SERVER_SIDE_CURSORS']}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOHE_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**env, "KAOHE_DATA_DIR": str(tmp_path),
                               "DATABASE_URL": f"postgres://kaohe@127.0.0.1:5432/kaohe{query}"})
    assert done.returncode == 0, done.stderr
    options = json.loads(done.stdout)
    assert {key: options.get(key) for key in expected} == expected


def test_a_refused_save_asks_whether_the_cycle_is_visible_a_successful_one_does_not(cycle, scorer_token):
    client = Client()
    with CaptureQueriesContext(connection) as saved:
        assert put(client, url(cycle.pk), {"points": "2", "reason": "", "version": 0}, **scorer_token).status_code == 200
    with CaptureQueriesContext(connection) as refused:
        assert put(client, url(cycle.pk), {"points": "2", "reason": "", "version": 0}, **scorer_token).status_code == 409
    assert not any(statement(q["sql"]) == "SELECT cycles_cycle" for q in saved.captured_queries)
    assert any(statement(q["sql"]) == "SELECT cycles_cycle" for q in refused.captured_queries)


# ----------------------------------------------------------------------------- the answers


def test_the_saved_task_in_the_answer_is_the_task_as_listed(client_for, cycle, scorer_token):
    client = Client()
    saved = put(client, url(cycle.pk), {"points": "1.5", "reason": "材料不全", "version": 0}, **scorer_token).json()
    (listed,) = client.get(f"/api/v1/cycles/{cycle.pk}/tasks?unit={ITEM[0]}&item={ITEM[1]}", **scorer_token).json()
    assert saved == listed
    assert (saved["unit_name"], saved["item_code"], saved["maximum"], saved["department"]) == ("偃师市", "1.2.1.1",
                                                                                              "2", "swzzb")
    assert saved["item_title"] and saved["criterion_code"] == "1.2.1"


def test_a_conflict_answers_the_saved_value_as_read_with_the_task(client_for, cycle, scorer_token):
    # the conflict's `current` is the one read's row: its time and decimal as the ORM gives them
    head = client_for("head")
    assert put(head, url(cycle.pk), {"points": "1.5", "reason": "负责人意见", "version": 0}).status_code == 200
    client = Client()
    stale = put(client, url(cycle.pk), {"points": "1", "reason": "评分人意见", "version": 0}, **scorer_token)
    (listed,) = client.get(f"/api/v1/cycles/{cycle.pk}/tasks?unit={ITEM[0]}&item={ITEM[1]}", **scorer_token).json()
    assert stale.status_code == 409
    current = stale.json()["current"]
    assert current == {key: listed[key] for key in ("points", "reason", "version", "updated_by", "updated_at")}
    assert current["updated_at"] and current["points"] == "1.5" and current["updated_by"] == "组织部负责人"


def test_a_decimal_read_back_compares_exactly_so_an_unchanged_save_makes_no_version(client_for, cycle):
    # 0.3 is the classic float trap: if the read gave a float, 0.3 != Decimal("0.30") and the
    # second save would make a new version and an audit event.
    client = client_for("scorer")
    assert put(client, url(cycle.pk), {"points": "0.3", "reason": "扣分", "version": 0}).json()["version"] == 1
    again = put(client, url(cycle.pk), {"points": "0.30", "reason": "扣分", "version": 1})
    assert again.status_code == 200 and again.json()["version"] == 1 and again.json()["points"] == "0.3"
    assert Event.objects.filter(action="score.update", cycle=cycle).count() == 1


def test_the_audit_event_has_the_old_values_read_with_the_task(client_for, cycle, users):
    client = client_for("scorer")
    put(client, url(cycle.pk), {"points": "1.5", "reason": "材料不全", "version": 0})
    put(client, url(cycle.pk), {"points": "1.8", "reason": "补交材料", "version": 1})
    event = Event.objects.filter(action="score.update", cycle=cycle).first()  # the newest
    assert event.old == {"points": "1.5", "reason": "材料不全", "version": 1}
    assert event.new == {"points": "1.8", "reason": "补交材料", "version": 2, "source": "api"}
    assert event.actor == users["scorer"] and event.cycle_id == cycle.pk


def test_a_cycle_the_scorer_may_not_see_is_404_before_the_body_is_looked_at(cycle, scorer_token):
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.DRAFT)  # a draft: only the office sees it
    client = Client()
    for body in ["not json", {"points": "2", "reason": "", "version": 0}, {"points": "9", "version": 0}]:
        response = put(client, url(cycle.pk), body, **scorer_token)
        assert response.status_code == 404 and response.json()["code"] == "not_found", body
    assert put(client, url(999999), "not json", **scorer_token).status_code == 404
    assert Score.objects.get(cycle=cycle, unit__code=ITEM[0], node__code=ITEM[1]).version == 0


def test_in_a_visible_cycle_the_refusals_come_in_their_order(client_for, cycle):
    client = client_for("scorer")
    # invalid JSON before the task is looked at
    assert put(client, url(cycle.pk, "nowhere", "9.9"), "not json").status_code == 422
    # not applicable before another department's item, before the closed submission, before the points
    Submission.objects.filter(cycle=cycle, department__code="swzzb").update(state=Submission.State.SUBMITTED)
    assert put(client, url(cycle.pk, "nowhere", "1.2.1.1"), {"points": "x", "version": 5}).json()["code"] == "not_found"
    other = put(client, url(cycle.pk, *OTHER_DEPARTMENTS_ITEM), {"points": "x", "version": 5})
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    closed = put(client, url(cycle.pk), {"points": "x", "version": 5})
    assert closed.status_code == 409 and closed.json()["code"] == "closed"
    Submission.objects.filter(cycle=cycle, department__code="swzzb").update(state=Submission.State.DRAFT)
    # invalid points before a stale version
    invalid = put(client, url(cycle.pk), {"points": "x", "reason": "", "version": 5})
    assert invalid.status_code == 422 and invalid.json()["field"] == "points"
    stale = put(client, url(cycle.pk), {"points": "2", "reason": "", "version": 5})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert stale.json()["current"]["version"] == 0


def test_a_cycle_under_review_still_takes_saves_and_a_locked_one_refuses_them(client_for, cycle):
    client = client_for("scorer")
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.REVIEW)
    assert put(client, url(cycle.pk), {"points": "2", "reason": "", "version": 0}).status_code == 200
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    locked = put(client, url(cycle.pk), {"points": "1", "reason": "扣分", "version": 1})
    assert locked.status_code == 409 and locked.json()["code"] == "closed" and "已锁定" in locked.json()["message"]


# ----------------------------------------------------------------------------- the one read


def test_load_task_reads_the_task_and_the_facts_the_checks_need(cycle, users):
    score, facts = load_task(users["scorer"], cycle.pk, *ITEM)
    stored = Score.objects.select_related("unit", "node", "department").get(
        cycle=cycle, unit__code=ITEM[0], node__code=ITEM[1])
    assert (score.pk, score.version, score.points, score.reason) == (stored.pk, 0, None, "")
    assert (score.unit.code, score.unit.name, score.node.code, score.node.points, score.node.parent_id,
            score.department.code) == (stored.unit.code, stored.unit.name, stored.node.code, Decimal("2.00"),
                                       stored.node.parent_id, "swzzb")
    assert (facts.status, facts.step, facts.state, facts.owned) == ("open", cycle.step, "draft", True)
    assert facts.cycle.pk == cycle.pk and facts.cycle.name == cycle.name  # other fields load when read
    assert load_task(users["scorer2"], cycle.pk, *ITEM)[1].owned is False  # another department
    assert load_task(users["office"], cycle.pk, *ITEM)[1].owned is False  # not a scoring role
    assert load_task(None, cycle, *ITEM)[1].owned is False
    with pytest.raises(ScoreError) as refused:
        find_score(cycle, "chanhe", "3.1.1.1")  # the item does not apply to 瀍河区
    assert refused.value.kind == ScoreError.NOT_FOUND
