"""The self-assessment page in a real browser (Playwright driving Debian's Chromium): what the unit
sees when a value is refused, when someone else saved the same criterion meanwhile and when the
network fails — the reason beside the field, what was typed still in it, nothing marked saved that
is not — and the live counter. Screenshots go to $KAOHE_SCREENSHOTS/kaohe-browser (else the
temporary folder).

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe.accounts.models import User
from kaohe.claims import rules
from kaohe.claims.models import Claim, SelfAssessment
from kaohe.cycles.models import CycleUnit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KAOHE_SCREENSHOTS", tempfile.gettempdir())) / "kaohe-browser"
PHONE = {"width": 390, "height": 844}
UNIT = "yanshi"


def row(code: str) -> str:
    escaped = code.replace(".", "\\.")
    return f"#c-{escaped}"


def points(code: str) -> str:
    return f"input[name='points:{code}']"


@pytest.fixture
def unit_page(browser_page, live_server, committed_demo, log_in):
    """The unit's self-assessment page, open in the browser, and the unit's criteria."""
    cycle = committed_demo
    page = browser_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server.url, "unit")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/self/{UNIT}/")
    criteria = rules.criteria(cycle, CycleUnit.objects.get(cycle=cycle, code=UNIT))
    return page, cycle, criteria


def below(page, upper: str, lower: str) -> bool:
    """`lower` is shown just under `upper` (within 80 px), overlapping it horizontally: beside it, in place."""
    a, b = page.locator(upper).bounding_box(), page.locator(lower).bounding_box()
    return (a is not None and b is not None and a["y"] + a["height"] <= b["y"] + 1 <= a["y"] + a["height"] + 80
            and b["x"] < a["x"] + a["width"] and a["x"] < b["x"] + b["width"])


def test_a_refused_value_is_shown_beside_its_field_and_nothing_is_saved(unit_page):
    page, _cycle, criteria = unit_page
    small = next(c for c in criteria if c.maximum < 7)
    other = next(c for c in criteria if c.code != small.code)
    page.fill(points(other.code), "１．５")  # full-width, as a Chinese input method types it
    page.fill(points(small.code), "7")
    page.fill(f"{row(small.code)} [data-explanation]", "已开展")
    page.click(".save-bar button[type=submit]")
    error = page.locator(f"{row(small.code)} .row-error")
    error.wait_for()
    assert error.is_visible() and f"0到{small.maximum.normalize():f}分之间" in error.inner_text()
    assert below(page, points(small.code), f"{row(small.code)} .row-error")
    assert page.input_value(points(small.code)) == "7"  # what was typed stays
    assert page.locator(points(small.code)).get_attribute("aria-invalid") == "true"
    # nothing looks saved: both rows say 未保存, the bar says nothing was saved and names the row
    assert "未保存" in page.inner_text(f"{row(small.code)} [data-row-state]")
    assert "未保存" in page.inner_text(f"{row(other.code)} [data-row-state]")
    assert "已保存" not in page.inner_text("#claims")
    bar = page.inner_text(".save-bar")
    assert "全部未保存" in bar and small.code in bar and "2 项未保存" in bar
    page.locator(row(small.code)).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "self-assessment-refused.png"))
    assert not Claim.objects.filter(points__isnull=False).exists()

    page.fill(points(small.code), "1")
    page.click(".save-bar button[type=submit]")
    page.locator(f"{row(small.code)}.saved").wait_for()
    assert "已保存2项" in page.inner_text(".save-bar") and "未保存" not in page.inner_text(".save-bar")
    assert page.input_value(points(other.code)) == "1.5"  # normalised as saved
    assert dict(Claim.objects.values_list("node__code", "points")) == {small.code: Decimal(1), other.code: Decimal("1.5")}


def test_a_conflict_shows_what_is_saved_and_keeps_what_was_typed(unit_page):
    page, cycle, criteria = unit_page
    code = criteria[0].code
    colleague = User.objects.get(username="unit")
    rules.save_claim(colleague, cycle, UNIT, code, "2", "同事已填", 0)  # while this page is open
    page.fill(points(code), "1")
    page.click(".save-bar button[type=submit]")
    error = page.locator(f"{row(code)} .row-error")
    error.wait_for()
    text = error.inner_text()
    assert "已在别处修改" in text and "2 分" in text and "同事已填" in text and "再点“保存”" in text
    assert page.input_value(points(code)) == "1" and "未保存" in page.inner_text(f"{row(code)} [data-row-state]")
    page.locator(row(code)).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "self-assessment-conflict.png"))
    assert Claim.objects.get(node__code=code).points == Decimal(2)

    page.click(".save-bar button[type=submit]")  # knowingly: this one replaces the colleague's
    page.locator(f"{row(code)}.saved").wait_for()
    assert Claim.objects.get(node__code=code).points == Decimal(1)


def test_a_network_failure_keeps_everything_typed_and_says_nothing_was_saved(unit_page):
    page, _cycle, criteria = unit_page
    code = criteria[1].code
    page.route("**/save/", lambda route: route.abort("internetdisconnected"))
    page.fill(points(code), "0")
    page.fill(f"{row(code)} [data-explanation]", "尚未开展")
    page.click(".save-bar button[type=submit]")
    status = page.locator(".save-bar [data-status]")
    status.filter(has_text="网络故障").wait_for()
    assert "未能保存" in status.inner_text() and status.get_attribute("role") == "alert"
    assert page.input_value(points(code)) == "0" and page.input_value(f"{row(code)} [data-explanation]") == "尚未开展"
    assert "未保存" in page.inner_text(f"{row(code)} [data-row-state]") and "1 项未保存" in page.inner_text(".save-bar")
    assert not page.locator(f"{row(code)} [data-points]").evaluate("el => el.readOnly")  # can be corrected and saved again
    page.screenshot(path=str(SHOTS / "self-assessment-network-failure.png"))
    assert not Claim.objects.exists()

    # a server error is said the same way, with its status
    page.unroute("**/save/")
    page.route("**/save/", lambda route: route.fulfill(status=500, body="boom"))
    page.click(".save-bar button[type=submit]")
    status.filter(has_text="500").wait_for()
    assert "服务器出错" in status.inner_text() and not Claim.objects.exists()

    page.unroute("**/save/")
    page.click(".save-bar button[type=submit]")
    page.locator(f"{row(code)}.saved").wait_for()
    assert Claim.objects.get(node__code=code).explanation == "尚未开展"


def test_the_counter_is_live_and_unsaved_rows_block_submitting(unit_page):
    page, _cycle, criteria = unit_page
    total = len(criteria)
    counters = page.locator("[data-filled]")
    assert counters.count() == 2 and {counters.nth(i).inner_text() for i in range(2)} == {"0"}
    page.fill(points(criteria[0].code), "1")
    page.fill(points(criteria[1].code), "1")
    assert {counters.nth(i).inner_text() for i in range(2)} == {"2"}  # before any save
    assert f"已填 2 / {total}" in page.inner_text(".save-bar")
    page.fill(points(criteria[1].code), "")
    assert f"已填 1 / {total}" in page.inner_text(".save-bar")
    assert "1/" in page.inner_text("nav.sections a >> nth=0")  # the dimension's count too

    page.click("#submit button[type=submit]")  # unsaved rows: refused beside the button, nothing asked
    refusal = page.locator("#submit [data-submit-error]")
    assert refusal.is_visible() and "1项修改未保存" in refusal.inner_text()
    assert SelfAssessment.objects.filter(state=SelfAssessment.State.SUBMITTED).count() == 0


def test_on_a_phone_the_page_fits_and_refusals_show_beside_the_field(unit_page):
    page, _cycle, criteria = unit_page
    page.set_viewport_size(PHONE)
    code = criteria[0].code
    page.fill(points(code), "1,5")
    page.click(".save-bar button[type=submit]")
    page.locator(f"{row(code)} .row-error").wait_for()
    assert "逗号" in page.inner_text(f"{row(code)} .row-error")
    assert below(page, points(code), f"{row(code)} .row-error") or below(
        page, f"{row(code)} [data-explanation]", f"{row(code)} .row-error")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.locator(row(code)).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "self-assessment-refused-phone.png"))


def test_in_english_on_a_phone_the_units_home_and_self_assessment_fit(unit_page, live_server):
    """English words are longer than Chinese ones: nothing may push the page sideways."""
    page, cycle, _criteria = unit_page
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.set_viewport_size(PHONE)
    for path, heading in (("/", "To-do list"), (f"/cycles/{cycle.pk}/self/{UNIT}/", "Self-assessment of")):
        page.goto(live_server.url + path)
        assert heading in page.inner_text("h1")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, path
