"""Web tests share one database set up once per session: the demo (2018 defaults, one account
per role, the county cycle open for scoring). Each test runs in a transaction that is rolled back.

Accounts (see kaohe.ops.demo): office, scorer and head (市委组织部), scorer2 (市委宣传部),
unit (偃师市), leader; `client_for(name)` gives a logged-in test client.
"""

from __future__ import annotations

import pytest
from django.test import Client

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from kaohe.ops.demo import build_demo

    with django_db_blocker.unblock():
        build_demo()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _evidence_in_a_temporary_folder(settings, tmp_path):
    """Evidence files any test uploads (the fuzzers too) go to the test's own folder, never var/."""
    settings.EVIDENCE_DIR = tmp_path / "evidence"


@pytest.fixture
def users(db):
    from kaohe.accounts.models import User

    return {u.username: u for u in User.objects.select_related("department", "unit")}


@pytest.fixture
def client_for(db, users):
    def make(name: str | None) -> Client:
        client = Client()
        if name is not None:
            client.force_login(users[name])
        return client

    return make


@pytest.fixture
def cycle(db):
    from kaohe.cycles.models import Cycle
    from kaohe.ops.demo import DEMO_CYCLE

    return Cycle.objects.get(name=DEMO_CYCLE)


@pytest.fixture
def committed_demo(transactional_db):
    """For transactional tests (browser tests): the demo cycle, committed. pytest-django runs these
    after the others and empties the database after each, so the demo is built again when needed."""
    from kaohe.cycles.models import Cycle
    from kaohe.ops.demo import build_demo

    return Cycle.objects.get(pk=build_demo()["cycle"].pk)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page():
    """A Playwright page in Debian's Chromium. Skipped with a message when Chromium is absent;
    under CI (CI=true) its absence is a failure, not a skip."""
    import os
    import shutil

    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; only while the page lives (a later subprocess, such
    # as `kaohe check --deploy`, must not inherit it)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            browser.close()
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _helpers(name: str):
    """tests/web/<name>.py as a module (the tests are not a package: --import-mode=importlib)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def survey_kit():
    """The survey tests' helpers (tests/web/survey_helpers.py: a survey of the demo cycle with its
    codes, voting through the page), shared by the survey test files."""
    return _helpers("survey_helpers")


@pytest.fixture(scope="session")
def year_kit():
    """The whole-year tests' helpers (tests/web/year_helpers.py: `kaohe …` in the test's process,
    a person's API client with their token, a scoring sheet filled in as in Excel)."""
    return _helpers("year_helpers")


@pytest.fixture
def pdf_tools():
    """PDFs with Chinese text need Debian's fonts-noto-cjk, and the tests read them back with
    poppler's pdftotext: skipped with a message when either is absent, a failure under CI (which
    installs both)."""
    import os
    import shutil

    from kaohe.formats.pdf import FONT_PACKAGE, cjk_font_missing

    if cjk_font_missing() or shutil.which("pdftotext") is None:
        message = f"PDF tests need the Chinese font and pdftotext (apt-get install {FONT_PACKAGE} poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def log_in():
    """For browser tests: log(page, base, username) logs the demo account in and waits for the home page."""
    from kaohe.ops.demo import DEMO_PASSWORD

    def log(page, base: str, username: str) -> None:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")

    return log
