"""Schemathesis against the API: every operation of /api/v1/openapi.json, called in-process through
the WSGI application with an office, a scorer and a unit user's bearer token, never answers 5xx.

Cases are generated from the schema both fitting it (positive) and not (negative: wrong types,
missing fields, odd strings), with the path's cycle either the demo's open cycle (to reach the
rules behind the permission checks) or any number. Examples per (operation, role) come from
KAOHE_API_FUZZ_EXAMPLES (default 5 so the suite stays quick; `make hardening` runs 1,000). The
test runs in the usual rolled-back transaction: whatever the fuzzer saves is gone afterwards.

The WSGI handler would close the test's database connection after each request
(`close_old_connections` on request_started/finished); like Django's test client, the fixture
below disconnects it while the test runs.
"""

from __future__ import annotations

import json
import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from kaohe.accounts.models import ApiToken
from kaohe.api.urls import api

EXAMPLES = int(os.environ.get("KAOHE_API_FUZZ_EXAMPLES", "5"))
RANDOM = os.environ.get("KAOHE_FUZZ_RANDOM") == "1"
ROLES = ["office", "scorer", "unit"]
SCHEMA_URL = "/api/v1/openapi.json"


def operations() -> list[str]:
    return [f"{method.upper()} {path}" for path, ops in api.get_openapi_schema()["paths"].items() for method in ops]


@pytest.fixture
def wsgi_app(db):
    from kaohe.web.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def schema(wsgi_app):
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app)


def _operation(schema, key: str):
    method, path = key.split(" ", 1)
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == method and operation.path == path:
            return operation
    raise AssertionError(f"{key} is not in {SCHEMA_URL}")


def fuzz(operation, token: str, cycle_id: int, examples: int = EXAMPLES) -> None:
    """Positive and negative cases of `operation`, with the demo cycle or any cycle id; every
    response is checked: no 5xx."""
    headers = {"Authorization": f"Bearer {token}"}
    names = {parameter.name for parameter in operation.path_parameters}
    fixed = {"cycle_id": cycle_id} if "cycle_id" in names else {}
    strategies = [operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=path)
                  for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
                  for path in ({}, fixed)]

    @settings(max_examples=examples, deadline=None, derandomize=not RANDOM, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(strategies))
    def run(case) -> None:
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error])

    run()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", operations())
def test_no_server_error(key, role, schema, users, cycle):
    fuzz(_operation(schema, key), ApiToken.issue(users[role])[1], cycle.pk)


def test_a_server_error_fails_the_fuzz_test(schema, users, cycle, monkeypatch):
    """The harness itself: an operation that answers 500 is reported, not passed over."""
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("kaohe.api.cycles.visible_cycles", broken)
    with pytest.raises(BaseExceptionGroup) as caught:
        fuzz(_operation(schema, "GET /api/v1/cycles"), ApiToken.issue(users["office"])[1], cycle.pk, examples=3)
    assert caught.value.subgroup(lambda error: type(error).__name__ == "ServerError") is not None


@pytest.mark.parametrize("points", ["1e400", "-1e400", "1e-400", 10**40, "9" * 60])
def test_found_by_fuzzing_huge_points_are_invalid_not_a_crash(client_for, cycle, users, points):
    """Points such as 1e400 made Decimal.quantize fail in scoring.parse_score (a 500 from the
    API, the grid and the sheet upload); now they are refused like any other out-of-range value."""
    from kaohe.cycles.models import Score

    score = Score.objects.get(cycle=cycle, unit__code="yanshi", node__code="1.2.1.1")
    response = client_for(None).put(
        f"/api/v1/cycles/{cycle.pk}/scores/yanshi/1.2.1.1",
        json.dumps({"points": points, "reason": "x", "version": score.version}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(users['scorer'])[1]}")
    assert response.status_code == 422 and response.json()["field"] == "points"
    grid = client_for("scorer").post(f"/cycles/{cycle.pk}/scores/yanshi/1.2.1.1/",
                                     {"points": str(points), "reason": "x", "version": score.version},
                                     HTTP_HX_REQUEST="true")
    assert grid.status_code == 422


# --- issue 19: what the generated cases never held ------------------------------------------------
# The run above did not find these 500s, for three reasons: schemathesis builds bodies from the
# documented schema, a level or two deep, never 100,000 levels of "["; it generates text that
# UTF-8 can encode (its default codec), so never a lone surrogate such as "\ud800"; and it draws
# integers for unbounded path parameters from hypothesis, which almost never reaches 2^64 in a
# handful of cases. So every operation also gets these inputs explicitly, with every role.

HOSTILE_BODIES = {
    "nested 100,000 deep": "[" * 100_000,
    "nested objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "a lone surrogate in every text": json.dumps({
        "points": "1", "reason": "a\ud800b", "explanation": "a\ud800b", "comment": "a\ud800b", "version": 0,
        "items": ["\ud800"], "criteria": ["\udfff"], "decision": "upheld", "\ud800": 1}),
    "control and bidirectional characters": json.dumps({
        "points": "1", "reason": "a\x00\x01\u202e\u200bb", "explanation": "\x7f\u2066x", "comment": "\x00",
        "version": 0, "items": ["1.2.1.1\x00"], "criteria": ["\x00"], "decision": "upheld\x00"}),
    "ten megabytes of reason": json.dumps({"points": "1", "reason": "理" * 300_000, "version": 0}),
    "not UTF-8": b'{"reason": "\xff\xfe"}',
}
PATH_VALUES = {"unit_code": "yanshi", "item_code": "1.2.1.1", "code": "1.2.1"}


def _url(path: str, cycle_id: int, huge: bool = False) -> str:
    """The operation's path with the demo cycle, id 1 for other ids (or 2^64 for every id), and a
    code of the demo for other parameters."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name.endswith("_id"):
            return str(2**64) if huge else (str(cycle_id) if name == "cycle_id" else "1")
        return PATH_VALUES.get(name, "x")

    return re.sub(r"\{(\w+)\}", value, path)


@pytest.mark.parametrize("key", operations())
def test_hostile_bodies_and_ids_are_refused_never_a_server_error(key, client, users, cycle):
    method, path = key.split(" ", 1)
    seen = []
    for role in ROLES:
        auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(users[role])[1]}"}
        sender = getattr(client, method.lower())
        # a GET carries no body, so it is sent once per role rather than once per hostile body
        bodies = {"no body": None} if method == "GET" else HOSTILE_BODIES
        for name, body in bodies.items():
            if body is None:
                response = sender(_url(path, cycle.pk), **auth)
            else:
                response = sender(_url(path, cycle.pk), body, content_type="application/json", **auth)
            assert response.status_code < 500, (role, name, response.status_code, response.content[:300])
            seen.append(response.status_code)
        huge = sender(_url(path, cycle.pk, huge=True), **auth) if method == "GET" else \
            sender(_url(path, cycle.pk, huge=True), "{}", content_type="application/json", **auth)
        if "_id}" in path:
            assert huge.status_code == 404, (role, huge.status_code, huge.content[:300])
    assert seen
