"""Authentication hardening: log-in throttling (django-axes), the client's address behind the
proxy, password rules, session expiry, secret-key rotation, and the production settings that
`kaohe check --deploy` checks (run in a subprocess with production environment variables)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from kaohe.cli.main import main
from kaohe.ops.demo import DEMO_PASSWORD

KAOHE = str(Path(sys.executable).with_name("kaohe"))
LOCKED = "登录已暂时锁定"


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


def log_in(client: Client, username: str, password: str, address: str = "10.0.0.1", **headers):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=address, **headers)


def fail(client: Client, times: int, username: str = "scorer", address: str = "10.0.0.1", **headers) -> list:
    return [log_in(client, username, "wrong-password", address, **headers).status_code for _ in range(times)]


# --- log-in throttling -------------------------------------------------------------------------


def test_five_failures_lock_the_username_at_that_address_with_a_clear_page(db):
    client = Client()
    assert fail(client, 4) == [200, 200, 200, 200]  # the form again, with its error
    response = log_in(client, "scorer", "wrong-password")
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKED in body and "15 分钟后再试" in body and "5 次" in body and "Traceback" not in body
    # Now even the right password is refused, and no session is made.
    response = log_in(client, "scorer", DEMO_PASSWORD)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The Django admin's log-in goes through the same lock.
    response = client.post("/admin/login/", {"username": "scorer", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429


def test_the_lock_is_per_username_and_address(db):
    fail(Client(), 5)
    assert log_in(Client(), "scorer", DEMO_PASSWORD, address="10.0.0.2").status_code == 302  # another address
    assert log_in(Client(), "head", DEMO_PASSWORD, address="10.0.0.1").status_code == 302  # another user


def test_a_successful_log_in_resets_the_count(db):
    client = Client()
    fail(client, 4)
    assert log_in(client, "scorer", DEMO_PASSWORD).status_code == 302
    assert fail(Client(), 4) == [200, 200, 200, 200]  # four more failures: not locked yet
    assert log_in(Client(), "scorer", DEMO_PASSWORD).status_code == 302


def test_the_lock_ends_after_fifteen_minutes(db):
    fail(Client(), 5)
    assert log_in(Client(), "scorer", DEMO_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert log_in(Client(), "scorer", DEMO_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(Client(), "scorer", DEMO_PASSWORD).status_code == 302


def test_axes_reset_unlocks_everyone(db, capsys):
    fail(Client(), 5)
    assert main(["axes_reset"]) == 0
    capsys.readouterr()
    assert log_in(Client(), "scorer", DEMO_PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_lock_follows_the_clients_address(db, settings):
    settings.KAOHE_TRUSTED_PROXIES = ["127.0.0.1"]
    fail(Client(), 5, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    proxied = {"address": "127.0.0.1"}
    assert log_in(Client(), "scorer", DEMO_PASSWORD, **proxied, HTTP_X_REAL_IP="203.0.113.5").status_code == 429
    assert log_in(Client(), "scorer", DEMO_PASSWORD, **proxied, HTTP_X_REAL_IP="203.0.113.6").status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_a_client_cannot_choose_its_address_without_the_proxy(db, settings):
    settings.KAOHE_TRUSTED_PROXIES = ["127.0.0.1"]
    fail(Client(), 5, address="198.51.100.7", HTTP_X_REAL_IP="203.0.113.9")
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"
    response = log_in(Client(), "scorer", DEMO_PASSWORD, address="198.51.100.7", HTTP_X_REAL_IP="203.0.113.10")
    assert response.status_code == 429


# --- passwords, sessions, keys -----------------------------------------------------------------


def test_passwords_need_ten_characters_and_must_not_be_common(db, users):
    with pytest.raises(ValidationError):
        validate_password("Ab1-x9q-z")  # nine characters
    with pytest.raises(ValidationError):
        validate_password("1234567890")
    validate_password("Kq7-mze-2018")
    client = Client()
    client.force_login(users["leader"])
    response = client.post("/accounts/password/", {"old_password": DEMO_PASSWORD, "new_password1": "Ab1-x9q-z",
                                                   "new_password2": "Ab1-x9q-z"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_a_session_lasts_eight_hours_and_ends_with_the_browser(db):
    client = Client()
    assert log_in(client, "scorer", DEMO_PASSWORD).status_code == 302
    cookie = client.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    session = Session.objects.get(session_key=cookie.value)
    assert timedelta(hours=7, minutes=59) < session.expire_date - timezone.now() <= timedelta(hours=8)
    assert client.get("/").status_code == 200
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_rotated_secret_key_keeps_sessions_that_come_back_while_the_old_key_is_a_fallback(db, users, settings):
    old, new = settings.SECRET_KEY, secrets.token_urlsafe(50)
    active, away = Client(), Client()
    active.force_login(users["scorer"])
    away.force_login(users["head"])
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new, [old]
    assert active.get("/").status_code == 200  # accepted by the fallback, and moved to the new key
    settings.SECRET_KEY_FALLBACKS = []
    assert active.get("/").status_code == 200
    response = away.get("/")  # signed with a key no longer trusted: log in again
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_https_mode_redirects_and_sends_the_security_headers(db, users, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/accounts/login/"
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["Referrer-Policy"] == "same-origin" and response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- settings from the environment (subprocesses) ----------------------------------------------

PRODUCTION = {
    "KAOHE_SECRET_KEY": secrets.token_urlsafe(50),
    "KAOHE_HTTPS": "true",
    "KAOHE_ALLOWED_HOSTS": "kaohe.example.cn",
    "KAOHE_CSRF_TRUSTED_ORIGINS": "https://kaohe.example.cn",
}
SHOWN = ["DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
         "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE", "AXES_FAILURE_LIMIT",
         "SECRET_KEY_FALLBACKS", "KAOHE_TRUSTED_PROXIES"]


def kaohe_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOHE_") and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return {**env, "KAOHE_DATA_DIR": str(tmp_path), **values}


def settings_under(tmp_path: Path, **values: str) -> subprocess.CompletedProcess:
    code = ("import json; from django.conf import settings; "
            f"print(json.dumps({{name: getattr(settings, name) for name in {SHOWN!r}}}, default=str))")
    return subprocess.run([sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = "
                           "'kaohe.web.settings'; django.setup(); " + code],
                          env=kaohe_env(tmp_path, **values), capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    done = subprocess.run([KAOHE, "check", "--deploy", "--fail-level", "WARNING"],
                          env=kaohe_env(tmp_path, **PRODUCTION), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_the_development_defaults_fail_check_deploy(tmp_path):
    done = subprocess.run([KAOHE, "check", "--deploy", "--fail-level", "WARNING"],
                          env=kaohe_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    for warning in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert warning in done.stderr + done.stdout, warning


def test_production_settings_come_from_the_environment(tmp_path):
    done = settings_under(tmp_path, **PRODUCTION, KAOHE_SESSION_HOURS="2", KAOHE_LOGIN_FAILURE_LIMIT="3",
                          KAOHE_SECRET_KEY_FALLBACKS="old-key-1, old-key-2", KAOHE_TRUSTED_PROXIES="127.0.0.1")
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout)
    assert values == {"DEBUG": False, "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True,
                      "CSRF_COOKIE_SECURE": True, "SECURE_HSTS_SECONDS": 31536000,
                      "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"], "SESSION_COOKIE_AGE": 7200,
                      "SESSION_EXPIRE_AT_BROWSER_CLOSE": True, "AXES_FAILURE_LIMIT": 3,
                      "SECRET_KEY_FALLBACKS": ["old-key-1", "old-key-2"], "KAOHE_TRUSTED_PROXIES": ["127.0.0.1"]}


def test_the_development_defaults_serve_plain_http(tmp_path):
    """`make run` serves http://127.0.0.1:8000: nothing may redirect it to https."""
    done = settings_under(tmp_path)
    values = json.loads(done.stdout)
    assert (values["SECURE_SSL_REDIRECT"], values["SESSION_COOKIE_SECURE"], values["SECURE_HSTS_SECONDS"],
            values["SECURE_PROXY_SSL_HEADER"]) == (False, False, 0, None)
    assert (values["SESSION_COOKIE_AGE"], values["AXES_FAILURE_LIMIT"]) == (8 * 3600, 5)


@pytest.mark.parametrize(("values", "words"), [
    ({"KAOHE_HTTPS": "true"}, "KAOHE_SECRET_KEY must be set in production"),
    ({"KAOHE_ALLOW_DEV_SECRET": "false"}, "KAOHE_SECRET_KEY must be set in production"),
    ({"KAOHE_SESSION_HOURS": "eight"}, "KAOHE_SESSION_HOURS must be a whole number"),
    ({"KAOHE_LOGIN_FAILURE_LIMIT": "0"}, "KAOHE_LOGIN_FAILURE_LIMIT must be at least 1"),
])
def test_missing_secrets_and_bad_values_are_refused_with_a_clear_message(tmp_path, values, words):
    done = subprocess.run([KAOHE, "check"], env=kaohe_env(tmp_path, **values), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0 and words in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("values", "error"), [
    ({"KAOHE_HTTPS": "false", "KAOHE_SECRET_KEY": "kaohe-development-only-secret-key-do-not-use-in-production"},
     "kaohe.E001"),
    ({"KAOHE_SECRET_KEY": "short-key"}, "kaohe.E002"),
    ({"KAOHE_SECRET_KEY": "a" * 60}, "kaohe.E002"),
    ({"KAOHE_DEBUG": "true"}, "kaohe.E003"),
])
def test_check_deploy_refuses_the_development_key_a_weak_key_and_debug(tmp_path, values, error):
    """Errors, not warnings: `kaohe check --deploy` fails without --fail-level (issue 19: the published
    development key passed it)."""
    done = subprocess.run([KAOHE, "check", "--deploy"], env=kaohe_env(tmp_path, **{**PRODUCTION, **values}),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and error in done.stdout + done.stderr, done.stdout + done.stderr


def test_https_refuses_to_start_with_the_development_key(tmp_path):
    done = subprocess.run([KAOHE, "check"], env=kaohe_env(
        tmp_path, **{**PRODUCTION, "KAOHE_SECRET_KEY": "kaohe-development-only-secret-key-do-not-use-in-production"}),
        capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "a key of your own" in done.stderr and "Traceback" not in done.stderr
