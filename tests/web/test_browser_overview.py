"""The leaders' overview in a real browser (Playwright driving Debian's Chromium), as a leader, on a
wall screen (1920×1080) and a phone (390×844), in Chinese and in English: while scoring runs, live
progress per department said to be unpublished; once published, the charts are drawn, the
essentials (key figures, rankings, grades, year over year) fit the wall screen without scrolling,
nothing is wider than the phone, and there is no form; the results dashboard fits both screens. Screenshots go to $KAOHE_SCREENSHOTS/
kaohe-browser/overview-*.png (look at them).

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from benchmarks.year import lock_and_publish, previous_year, score_spread
from kaohe.accounts.models import User
from kaohe.cycles.models import CycleDepartment, Score, Submission
from kaohe.ops.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KAOHE_SCREENSHOTS", tempfile.gettempdir())) / "kaohe-browser"
ESSENTIALS = ("#panel-figures", "#panel-ranking", "#panel-grades", "#panel-year")


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_the_overview_on_a_wall_screen_and_a_phone_in_both_languages(browser_page, live_server, committed_demo):
    cycle = committed_demo
    office = User.objects.get(username="office")
    previous_year(cycle, office, seed=7)
    page, base = browser_page, live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, base, "leader")

    # while scoring runs: live progress per department, said to be unpublished. Scored as the year
    # goes: one department locked, one approved, one submitted, one halfway, two not started
    score_spread(cycle, seed=3)
    departments = list(CycleDepartment.objects.filter(cycle=cycle).order_by("position", "code"))
    Score.objects.filter(cycle=cycle, department__in=departments[2:4]).update(points=None)
    Score.objects.filter(cycle=cycle, department=departments[1], unit__position__gte=9).update(points=None)
    states = (Submission.State.LOCKED, Submission.State.DRAFT, Submission.State.DRAFT, Submission.State.DRAFT,
              Submission.State.APPROVED, Submission.State.SUBMITTED)
    for department, state in zip(departments[:len(states)], states, strict=True):
        Submission.objects.update_or_create(cycle=cycle, department=department, defaults={"state": state})
    for language, name, width, height in (("zh-hans", "wall", 1920, 1080), ("en", "phone", 390, 844)):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/")
        page.wait_for_function("document.querySelectorAll('#chart-progress canvas').length == 1")
        page.screenshot(path=str(SHOTS / f"overview-progress-{name}-{language}.png"), full_page=name == "phone")
        progress = page.inner_text("#panel-progress")
        assert ("实时数据，未发布" if language == "zh-hans" else "Live figures, not published") in progress
        assert "1/12" in progress  # departments locked
        assert page.locator("#panel-ranking").count() == 0  # no results before they are published
        assert page.locator("main form, main input, main select, main textarea, main button").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1

    score_spread(cycle, seed=3)
    lock_and_publish(cycle, office)
    below = []  # essentials that do not fit the wall screen: asserted after every screenshot is taken

    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        for name, width, height in (("wall", 1920, 1080), ("phone", 390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/")
            page.wait_for_function("document.querySelectorAll('.panel .chart canvas').length >= 5")
            page.screenshot(path=str(SHOTS / f"overview-{name}-{language}.png"), full_page=name == "phone")
            assert page.locator("main form, main input, main select, main textarea, main button").count() == 0
            assert page.locator("#chart-change canvas").count() == 1  # year over year is drawn
            if name == "wall":
                for selector in ESSENTIALS:
                    box = page.locator(selector).bounding_box()
                    if box is None or box["y"] + box["height"] > height + 1:
                        below.append((language, selector, box))
                assert page.evaluate("document.documentElement.scrollWidth") <= width
            else:
                assert page.evaluate("document.documentElement.scrollWidth") <= width + 1  # nothing wider than the phone
        text = page.inner_text("main")
        if language == "en":
            assert "Key figures" in text and "Published version 1" in text and "Against the previous year" in text
        else:
            assert "关键数据" in text and "已发布第1版" in text and "与上年比较" in text
    assert not below, below

    # the results dashboard ("更多图表") as a leader: its charts drawn, nothing wider than the screen
    for language, name, width, height in (("zh-hans", "wall", 1920, 1080), ("en", "phone", 390, 844)):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/results/{cycle.pk}/dashboard/")
        page.wait_for_function("document.querySelectorAll('.dashboard-grid .chart canvas').length >= 3")
        page.screenshot(path=str(SHOTS / f"overview-dashboard-{name}-{language}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (language, name)
