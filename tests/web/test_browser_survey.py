"""The 民主测评 in a real browser (Playwright driving Debian's Chromium): a rater scans the slip's QR
link on a 390 px phone, votes and sees the thanks page — the code never stays in the address bar;
a mistyped code is caught by its check symbol before it is sent; the same in English; then the
office ends the survey, reads and publishes the results on a desktop and a leader reads them on a
phone. Screenshots go to $KAOHE_SCREENSHOTS/kaohe-browser (default: the temporary folder).

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from kaohe.core.survey import format_code
from kaohe.survey.models import Ballot, Code, CodeAttempt, PublishedSurvey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KAOHE_SCREENSHOTS", tempfile.gettempdir())) / "kaohe-browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


def vote_on_phone(page, base: str, code: str, choices: list[int], shot: str) -> None:
    page.goto(f"{base}/vote/#{format_code(code)}")  # what the phone's camera opens
    page.wait_for_selector("#ballot-form")
    assert "#" not in page.url and code not in page.url and page.url.endswith("/vote/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # no sideways scrolling
    page.click("#ballot-form button[type=submit]")  # nothing chosen: stopped on the page
    assert page.locator("#ballot-hint").inner_text().strip() != ""
    assert page.locator(".vote-target.missing").count() == 3
    page.screenshot(path=str(SHOTS / f"{shot}-missing.png"))
    for target, choice in zip(page.query_selector_all("fieldset.vote-target"), choices, strict=True):
        target.query_selector_all(".vote-options label")[choice].click()
    page.screenshot(path=str(SHOTS / f"{shot}-ballot.png"), full_page=True)
    page.click("#ballot-form button[type=submit]")
    page.wait_for_selector(".vote-done")
    page.screenshot(path=str(SHOTS / f"{shot}-done.png"))


def test_a_rater_votes_on_a_phone_and_the_office_publishes(browser_page, live_server, committed_demo, survey_kit,
                                                           log_in):
    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    SHOTS.mkdir(parents=True, exist_ok=True)
    survey = survey_kit.make_survey(committed_demo, min_group_size=1)
    first, second = survey_kit.fresh_codes(survey, "市级领导")[:2]

    page.set_viewport_size(PHONE)
    vote_on_phone(page, base, first, [0, 1, 4], "survey-vote-phone-zh")  # 好, 较好, 弃权
    assert "选票已提交" in page.inner_text("main")
    assert Ballot.objects.get().answers == {"yanshi": [0], "mengjin": [1]}
    assert Code.objects.get(code=first).used

    # A typo is caught on the page: nothing is sent, nothing is counted against the address.
    page.goto(f"{base}/vote/")
    page.fill("#code", format_code(second)[:-1] + ("Z" if second[-1] != "Z" else "Y"))
    page.click("#code-form button[type=submit]")
    assert "测评码有误" in page.inner_text("#code-hint")
    assert page.url.endswith("/vote/") and CodeAttempt.objects.count() == 0
    page.screenshot(path=str(SHOTS / "survey-code-typo-phone-zh.png"))
    # The used code again: the one message for every unusable code.
    page.fill("#code", format_code(first))
    page.click("#code-form button[type=submit]")
    page.wait_for_selector(".vote-error")
    assert "无法使用" in page.inner_text(".vote-error")

    # In English.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    vote_on_phone(page, base, second, [3, 0, 2], "survey-vote-phone-en")
    assert "Your ballot" in page.inner_text("main")
    assert Ballot.objects.count() == 2
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])

    # The office, on a desktop: the survey's page, end it, read and publish the results.
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "office")
    page.goto(f"{base}/surveys/{survey.pk}/")
    assert "已投票：2 / 14 个测评码" in page.inner_text(".survey-progress")
    page.screenshot(path=str(SHOTS / "survey-office-desktop.png"), full_page=True)
    page.click("button:has-text('立即结束测评')")
    page.wait_for_selector("ul.messages li:has-text('测评已结束')")
    page.goto(f"{base}/surveys/{survey.pk}/results/")
    # 偃师市: 好 (100) and 差 (40) from 市级领导, the only group that voted: its weight is all there is
    assert page.inner_text("tr[data-target='yanshi'] .score").startswith("70.00")
    page.screenshot(path=str(SHOTS / "survey-results-desktop.png"), full_page=True)
    page.goto(f"{base}/surveys/{survey.pk}/")
    page.click("button:has-text('发布测评结果')")
    page.wait_for_url(f"{base}/surveys/{survey.pk}/results/")
    assert PublishedSurvey.objects.filter(survey=survey).exists()
    page.click("header form button.link")

    # A leader reads the published results on a phone.
    page.set_viewport_size(PHONE)
    log_in(page, base, "leader")
    page.goto(f"{base}/surveys/{survey.pk}/results/")
    assert "不可更改" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "survey-results-leader-phone.png"), full_page=True)
