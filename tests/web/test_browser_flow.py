"""The whole flow in a real browser (Playwright driving Debian's Chromium): a scorer logs in,
scores with the keyboard and submits; the head approves; the office locks; the audit trail shows it.

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from kaohe.audit.models import Event
from kaohe.cycles.models import Score, Submission
from kaohe.ops.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KAOHE_SCREENSHOTS", tempfile.gettempdir())) / "kaohe-browser"


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def log_out(page) -> None:
    page.click("header form button.link")
    page.wait_for_url("**/accounts/login/")


def test_a_department_scores_submits_and_is_approved_and_locked(browser_page, live_server, committed_demo):
    cycle = committed_demo
    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm prompts
    SHOTS.mkdir(parents=True, exist_ok=True)

    department = cycle.departments.get(code="swzzb")
    tasks = list(Score.objects.filter(department=department).select_related("node", "unit")
                 .order_by("node__position", "unit__position"))
    typed = [t for t in tasks if t.unit.code == "yanshi"][:3]  # what the scorer types by hand
    for task in tasks:
        if task not in typed:
            Score.objects.filter(pk=task.pk).update(points=task.node.points, version=1)

    # The scorer types the last three scores of 偃师市 with the keyboard only.
    log_in(page, base, "scorer")
    page.goto(f"{base}/cycles/{cycle.pk}/scoring/")
    first, second, third = typed
    page.focus(f"#p{first.pk}")
    page.keyboard.type(str(first.node.points))
    page.keyboard.press("Enter")  # saves, moves down to the next item of the same unit
    assert page.evaluate("document.activeElement.id") == f"p{second.pk}"
    page.keyboard.type(str(second.node.points))
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == f"p{third.pk}"
    page.keyboard.type("0")
    page.keyboard.press("Enter")  # below full marks: the reason box comes first
    assert page.evaluate("document.activeElement.id") == f"r{third.pk}"
    page.keyboard.type("未提供会议记录")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('form.cell.dirty').length === 0")
    page.wait_for_function(f"document.querySelector('#p{third.pk}').closest('form').dataset.savedPoints === '0'")
    page.screenshot(path=str(SHOTS / "1-scored.png"))
    saved = {s.pk: s for s in Score.objects.filter(pk__in=[t.pk for t in typed])}
    assert saved[first.pk].points == first.node.points and saved[first.pk].version == 1
    assert saved[third.pk].points == 0 and saved[third.pk].reason == "未提供会议记录"

    page.click("text=提交审核")
    page.wait_for_load_state()
    assert Submission.objects.get(department=department).state == Submission.State.SUBMITTED
    log_out(page)

    log_in(page, base, "head")
    page.goto(f"{base}/cycles/{cycle.pk}/scoring/")
    page.click("text=审核通过")
    page.wait_for_load_state()
    assert Submission.objects.get(department=department).state == Submission.State.APPROVED
    log_out(page)

    log_in(page, base, "office")
    page.goto(f"{base}/cycles/{cycle.pk}/review/")
    page.click(f"form[action$='/review/{department.code}/lock/'] button")
    page.wait_for_load_state()
    assert Submission.objects.get(department=department).state == Submission.State.LOCKED

    page.goto(f"{base}/audit/?cycle={cycle.pk}")
    page.screenshot(path=str(SHOTS / "2-audit.png"), full_page=True)
    trail = page.inner_text("main")
    for action in ("评分", "提交评分", "部门负责人审核通过", "考核办锁定"):  # in words, not codes
        assert f"\n{action}\t" in trail or f"\t{action}\t" in trail, action
    assert "score.update" not in trail and "submission." not in trail
    assert "未提供会议记录" in trail
    assert Event.objects.filter(action="score.update", actor__username="scorer").count() == 3
