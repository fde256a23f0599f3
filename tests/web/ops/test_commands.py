"""The database commands under `kaohe`: user, token, load-defaults, cycle list, demo."""

from __future__ import annotations

import json

import pytest

from kaohe.accounts.models import ApiToken, Role, User, hash_token
from kaohe.audit.models import Event
from kaohe.cli.main import main


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """Django's command runner closes every connection when a command ends; inside a test that
    would close the test's transaction (PostgreSQL refuses the next query)."""
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_user_create_makes_a_scorer_of_a_department(capsys, db):
    code, out, _ = run(capsys, "user", "create", "zhang", "--role", "scorer", "--department", "市委组织部",
                       "--password", "Zhang-2018-x", "--name", "张三")
    user = User.objects.get(username="zhang")
    assert code == 0 and "已创建用户 zhang" in out
    assert (user.role, user.department.name, user.last_name) == (Role.SCORER, "市委组织部", "张三")
    assert user.check_password("Zhang-2018-x") and not user.is_staff
    assert Event.objects.filter(action="user.create", object_key="user:zhang").exists()


def test_user_create_accepts_a_unit_code_and_makes_the_office_staff(capsys, db):
    assert run(capsys, "user", "create", "ys", "--role", "unit", "--unit", "yanshi", "--password", "Luoyang-unit-2018")[0] == 0
    assert User.objects.get(username="ys").unit.name == "偃师市"
    assert run(capsys, "user", "create", "boss", "--role", "office", "--password", "Boss-2018-x")[0] == 0
    assert User.objects.get(username="boss").is_staff


@pytest.mark.parametrize(("args", "words"), [
    (["--role", "scorer"], "必须属于一个考核部门"),
    (["--role", "unit", "--department", "市委组织部"], "必须属于一个被考核单位"),
    (["--role", "scorer", "--department", "市委秘书处"], "没有考核部门“市委秘书处”"),
    (["--role", "leader", "--unit", "偃师市"], "只有被考核单位用户属于单位"),
])
def test_user_create_refuses_a_role_without_its_department_or_unit(capsys, db, args, words):
    code, _, err = run(capsys, "user", "create", "x1", *args, "--password", "X1-2018-xx")
    assert code != 0 and words in err and "Traceback" not in err
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize(("password", "words"), [("x", "10"), ("12345678901", "只包含数字"), ("password1234", "太常见")])
def test_user_create_refuses_a_weak_password(capsys, db, password, words):
    code, _, err = run(capsys, "user", "create", "newcomer", "--role", "leader", "--password", password)
    assert code != 0 and "密码不符合要求" in err and words in err
    assert not User.objects.filter(username="newcomer").exists()


def test_user_create_refuses_an_existing_username(capsys, db):
    code, _, err = run(capsys, "user", "create", "scorer", "--role", "leader", "--password", "x")
    assert code != 0 and "已存在" in err


def test_token_create_prints_a_key_that_authenticates_once_stored_hashed(capsys, client, db):
    code, out, _ = run(capsys, "token", "create", "scorer")
    key = out.strip()
    assert code == 0 and key.startswith("kh_")
    token = ApiToken.objects.get(user__username="scorer")
    assert token.key_hash == hash_token(key) and key not in token.key_hash
    response = client.get("/api/v1/cycles", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_token_create_for_an_unknown_user_fails_cleanly(capsys, db):
    code, _, err = run(capsys, "token", "create", "nobody")
    assert code != 0 and "没有用户“nobody”" in err


def test_load_defaults_is_idempotent(capsys, db):
    code, out, _ = run(capsys, "load-defaults")
    assert code == 0 and "新增考核部门 0 个、单位 0 个、指标体系 0 个" in out  # the demo loaded them already


def test_cycle_list_json_gives_progress(capsys, db, cycle):
    code, out, _ = run(capsys, "cycle", "list", "--json")
    rows = json.loads(out)
    assert code == 0
    assert rows == [{"id": cycle.pk, "name": cycle.name, "scheme": "luoyang-2018-county", "status": "open",
                     "scoring_deadline": "2019-01-15", "tasks": cycle.scores.count(), "scored": 0}]


def test_cycle_list_prints_one_line_per_cycle(capsys, db, cycle):
    code, out, _ = run(capsys, "cycle", "list")
    assert code == 0 and out.splitlines() == [
        f"{cycle.pk}\t{cycle.name}\t评分中\tluoyang-2018-county\t已评 0/{cycle.scores.count()}"]


def test_demo_can_run_again_and_prints_the_log_ins(capsys, db):
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "密码均为 kaohe-demo" in out and "scorer2" in out
