"""The site's error answers in a real browser (Playwright, Debian's Chromium): the 403 page in the
frame with a way back, the phone layout, and an htmx request that is refused or cannot reach the
server shown at the top of the page, in the user's language — never a silent failure.

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import pytest

from kaohe.ops.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_refused_page_and_a_refused_htmx_request_say_why_in_the_users_language(browser_page, live_server,
                                                                                  committed_demo):
    page, base = browser_page, live_server.url
    log_in(page, base, "unit")
    page.goto(f"{base}/audit/")  # the office's page
    assert page.locator("h1").inner_text() == "无权访问"
    assert page.locator("header nav").is_visible()  # the site's frame, with its navigation
    page.click("text=回到首页")
    page.wait_for_url(f"{base}/")

    # an htmx request the server refuses: its message at the top of the page
    page.evaluate("htmx.ajax('GET', '/audit/', {target: 'main', swap: 'beforeend'}).catch(() => null)")
    alert = page.locator("#page-alert")
    alert.wait_for(state="visible")
    assert alert.inner_text().startswith("无权访问：")
    # a request that cannot reach the server
    page.route("**/cycles/**", lambda route: route.abort())
    page.evaluate("htmx.ajax('GET', '/cycles/', {target: 'main', swap: 'beforeend'}).catch(() => null)")
    page.wait_for_function("document.getElementById('page-alert').textContent.includes('网络连接失败')")
    page.unroute("**/cycles/**")

    # the same in English, and the menu offers each language in its own name
    assert page.locator("select[name=language] option").all_inner_texts() == ["简体中文", "English"]
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.evaluate("htmx.ajax('GET', '/audit/', {target: 'main', swap: 'beforeend'}).catch(() => null)")
    page.wait_for_function("document.getElementById('page-alert').textContent.startsWith('Access denied: ')")


def test_the_403_page_on_a_phone(browser_page, live_server, committed_demo):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base, "unit")
    page.goto(f"{base}/audit/")
    assert page.locator("h1").inner_text() == "无权访问"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the phone
    assert page.locator("text=回到首页").is_visible()
