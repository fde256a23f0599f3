"""The database commands under `kaohe`: user, token, load-defaults, cycle list, demo."""

from __future__ import annotations

import io
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


@pytest.fixture
def password(monkeypatch):
    """Sets KAOHE_PASSWORD, the way a script gives the password without a terminal."""
    def give(text: str) -> None:
        monkeypatch.setenv("KAOHE_PASSWORD", text)
    return give


def test_user_create_makes_a_scorer_of_a_department(capsys, db, password):
    password("Zhang-2018-x")
    code, out, _ = run(capsys, "user", "create", "zhang", "--role", "scorer", "--department", "市委组织部",
                       "--name", "张三")
    user = User.objects.get(username="zhang")
    assert code == 0 and "已创建用户 zhang" in out
    assert (user.role, user.department.name, user.last_name) == (Role.SCORER, "市委组织部", "张三")
    assert user.check_password("Zhang-2018-x") and not user.is_staff
    assert Event.objects.filter(action="user.create", object_key="user:zhang").exists()


def test_user_create_accepts_a_unit_code_and_makes_the_office_staff(capsys, db, password):
    password("Luoyang-unit-2018")
    assert run(capsys, "user", "create", "ys", "--role", "unit", "--unit", "yanshi")[0] == 0
    assert User.objects.get(username="ys").unit.name == "偃师市"
    password("Boss-2018-x")
    assert run(capsys, "user", "create", "boss", "--role", "office")[0] == 0
    assert User.objects.get(username="boss").is_staff


@pytest.mark.parametrize(("args", "words"), [
    (["--role", "scorer"], "必须属于一个考核部门"),
    (["--role", "unit", "--department", "市委组织部"], "必须属于一个被考核单位"),
    (["--role", "scorer", "--department", "市委秘书处"], "没有考核部门“市委秘书处”"),
    (["--role", "leader", "--unit", "偃师市"], "只有被考核单位用户属于单位"),
])
def test_user_create_refuses_a_role_without_its_department_or_unit(capsys, db, args, words, password):
    password("X1-2018-xx")
    code, _, err = run(capsys, "user", "create", "x1", *args)
    assert code != 0 and words in err and "Traceback" not in err
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize(("weak", "words"), [("x", "10"), ("12345678901", "只包含数字"), ("password1234", "太常见")])
def test_user_create_refuses_a_weak_password(capsys, db, weak, words, tmp_path):
    (tmp_path / "password").write_text(weak + "\n")
    code, _, err = run(capsys, "user", "create", "newcomer", "--role", "leader", "--password-file", str(tmp_path / "password"))
    assert code != 0 and "密码不符合要求" in err and words in err
    assert not User.objects.filter(username="newcomer").exists()


def test_user_create_refuses_an_existing_username(capsys, db):
    code, _, err = run(capsys, "user", "create", "scorer", "--role", "leader")
    assert code != 0 and "已存在" in err


def test_user_create_without_a_password_source_says_so_in_one_line_and_exits_2(capsys, db, monkeypatch):
    monkeypatch.delenv("KAOHE_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: nothing to type the password into
    code, out, err = run(capsys, "user", "create", "nopass", "--role", "leader")
    assert code == 2
    assert err.strip().count("\n") == 0 and "需要密码" in err and "--password-file" in err and "KAOHE_PASSWORD" in err
    assert "EOFError" not in err and "Traceback" not in err
    assert not User.objects.filter(username="nopass").exists()


def test_user_create_reads_the_first_line_of_a_password_file_or_standard_input(capsys, db, tmp_path, monkeypatch):
    monkeypatch.delenv("KAOHE_PASSWORD", raising=False)
    (tmp_path / "pw").write_text("File-2018-pass\nsecond line ignored\n")
    assert run(capsys, "user", "create", "fromfile", "--role", "leader", "--password-file", str(tmp_path / "pw"))[0] == 0
    assert User.objects.get(username="fromfile").check_password("File-2018-pass")
    monkeypatch.setattr("sys.stdin", io.StringIO("Stdin-2018-pass\n"))
    assert run(capsys, "user", "create", "fromstdin", "--role", "leader", "--password-file", "-")[0] == 0
    assert User.objects.get(username="fromstdin").check_password("Stdin-2018-pass")


@pytest.mark.parametrize(("content", "words"), [(None, "无法读取密码文件"), (b"", "第一行应为密码"),
                                                (b"\xff\xfe\x00bad", "不是 UTF-8")])
def test_an_unreadable_password_file_exits_2_and_creates_nothing(capsys, db, tmp_path, content, words):
    path = tmp_path / "pw"
    if content is not None:
        path.write_bytes(content)
    code, _, err = run(capsys, "user", "create", "badfile", "--role", "leader", "--password-file", str(path))
    assert code == 2 and words in err and not User.objects.filter(username="badfile").exists()


def test_user_set_password_takes_the_password_from_the_environment(capsys, db, password, users):
    password("Another-2019-pass")
    code, out, _ = run(capsys, "user", "set-password", "scorer")
    assert code == 0 and "已设置用户 scorer 的密码" in out
    assert User.objects.get(username="scorer").check_password("Another-2019-pass")
    assert Event.objects.filter(action="user.update", object_key="user:scorer", new__password="（已修改）").exists()
    password("short")
    code, _, err = run(capsys, "user", "set-password", "scorer")
    assert code != 0 and "密码不符合要求" in err


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
