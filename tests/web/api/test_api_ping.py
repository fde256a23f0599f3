"""GET /api/v1/ping: {"ok": true} for any authenticated caller (token or session), 401 without."""

from __future__ import annotations

import pytest
from django.test import Client

from kaohe.accounts.models import ApiToken


@pytest.mark.parametrize("name", ["office", "scorer", "head", "unit", "leader"])
def test_ping_answers_any_token(users, name):
    _token, key = ApiToken.issue(users[name])
    response = Client().get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_ping_answers_a_logged_in_browser(client_for):
    assert client_for("scorer").get("/api/v1/ping").json() == {"ok": True}


def test_ping_refuses_no_token_and_a_wrong_one(db):
    assert Client().get("/api/v1/ping").status_code == 401
    assert Client().get("/api/v1/ping", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401


def test_ping_is_in_the_api_description(client_for):
    schema = client_for("office").get("/api/v1/openapi.json").json()
    assert "/api/v1/ping" in schema["paths"] and "get" in schema["paths"]["/api/v1/ping"]
