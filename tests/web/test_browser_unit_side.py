"""The units' side in a real browser (Playwright driving Debian's Chromium), on a phone-sized screen
for the unit: it fills its self-assessment and uploads a file; a scorer sees both in the grid;
after publication the unit files an objection, which the department answers and the office
confirms — and the unit's scorecard shows the republished version.

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from kaohe.accounts.models import User
from kaohe.claims.models import Claim, Evidence
from kaohe.cycles.models import Cycle, Score
from kaohe.objections.models import Objection
from kaohe.results import service
from kaohe.results.models import ResultSnapshot
from kaohe.schemes.models import Node

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KAOHE_SCREENSHOTS", tempfile.gettempdir())) / "kaohe-browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_DIR = tmp_path / "evidence"


def log_out(page) -> None:
    page.click("header form button.link")
    page.wait_for_url("**/accounts/login/")


def test_self_assessment_evidence_objection_and_answer(browser_page, live_server, committed_demo, tmp_path,
                                                     log_in):
    cycle = committed_demo
    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    SHOTS.mkdir(parents=True, exist_ok=True)
    task = (Score.objects.filter(cycle=cycle, unit__code="yanshi", department__code="swzzb")
            .select_related("node").order_by("node__position").first())
    criterion = task.node.criterion_code or task.node.code
    escaped = criterion.replace(".", "\\.")
    anchor = f"#c-{escaped}"

    # The unit, on a phone: claims points for the criterion, explains, uploads a file for it.
    page.set_viewport_size(PHONE)
    log_in(page, base, "unit")
    page.goto(f"{base}/cycles/{cycle.pk}/self/")
    page.fill(f"{anchor} [data-points]", "１")  # full-width, as a Chinese input method types it
    page.fill(f"{anchor} [data-explanation]", "已召开专题会议并形成纪要")
    page.click(".save-bar button[type=submit]")
    page.wait_for_selector(f"{anchor}.saved")
    pdf = tmp_path / "会议纪要.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.click("#upload > summary")
    page.set_input_files("input[type=file][name=file]", str(pdf))
    page.click("summary:has-text('对应指标')")
    page.check(f"input[name=criteria][value='{criterion}']")
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("ul.messages li:has-text('已上传')")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # no sideways scrolling
    page.screenshot(path=str(SHOTS / "unit-self-assessment-phone.png"), full_page=False)
    claim = Claim.objects.get(unit__code="yanshi", node__code=criterion)
    assert claim.points == Decimal("1") and claim.explanation == "已召开专题会议并形成纪要"
    evidence = Evidence.objects.get()
    assert list(evidence.nodes.values_list("code", flat=True)) == [criterion]
    log_out(page)

    # The scorer sees the claim, the explanation and the file beside the unit in the grid.
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "scorer")
    page.goto(f"{base}/cycles/{cycle.pk}/scoring/")
    claim_cell = page.locator(f"tr.claims[data-criterion='{criterion}'] td[data-unit='yanshi']")
    assert "1" in claim_cell.inner_text()
    assert "会议纪要.pdf" in claim_cell.inner_html()
    assert "已召开专题会议并形成纪要" in claim_cell.inner_html()
    page.screenshot(path=str(SHOTS / "grid-with-claims.png"), full_page=False)
    log_out(page)

    # Results are published (every task at full marks but one, deducted with a reason, the cycle
    # locked), objections open today.
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))
    Score.objects.filter(pk=task.pk).update(points=task.node.points - 1, reason="会议记录不全，扣1分")
    second = (Score.objects.filter(cycle=cycle, unit__code="yanshi", department__code="swzzb")
              .exclude(pk=task.pk).select_related("node").order_by("node__position").first())
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED, objection_deadline=timezone.localdate())
    cycle.refresh_from_db()
    service.publish(cycle, User.objects.get(username="office"))

    # The unit objects to two items on its scorecard, on the phone, each with its own reason; the
    # scorecard shows its claim beside the points awarded.
    page.set_viewport_size(PHONE)
    log_in(page, base, "unit")
    page.goto(f"{base}/cycles/{cycle.pk}/scorecard/")
    assert "自评 1" in page.inner_text("main")
    for score, reason in ((task, "该项工作已完成，见会议纪要"), (second, "该项也已落实")):
        page.check(f"input[name=items][value='{score.node.code}']")
        page.fill(f"textarea[name='reason:{score.node.code}']", reason)
    page.click(".object-bar button[type=submit]")
    page.wait_for_selector("ul.messages li:has-text('异议已提出')")
    page.screenshot(path=str(SHOTS / "unit-objection-phone.png"), full_page=False)
    objection = Objection.objects.get()
    assert dict(objection.items.values_list("score__node__code", "reason")) == {
        task.node.code: "该项工作已完成，见会议纪要", second.node.code: "该项也已落实"}
    log_out(page)

    # The department sees, beside each item, the original reason for the deduction, the unit's reason,
    # its claim and its file; it changes the one and upholds the other; the office confirms: version 2.
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "scorer")
    page.click(f"a:has-text('{cycle.name}：偃师市的异议')")
    item = page.locator(f"#i-{task.node.code.replace('.', chr(92) + '.')}")
    text = item.inner_text()
    for shown in ("会议记录不全，扣1分", "该项工作已完成，见会议纪要", "已召开专题会议并形成纪要", "会议纪要.pdf"):
        assert shown in text, shown
    page.screenshot(path=str(SHOTS / "department-answers-objection.png"), full_page=True)
    new_points = task.node.points - Decimal("0.5")
    item.locator("input[name=decision][value=changed]").check()
    item.locator("input[name=points]").fill(str(new_points))
    item.locator("textarea[name=answer]").fill("核实后扣0.5分")
    item.locator("form.answer button[type=submit]").click()
    page.wait_for_selector("ul.messages li:has-text('已答复')")
    other = page.locator(f"#i-{second.node.code.replace('.', chr(92) + '.')}")
    assert "该项也已落实" in other.inner_text()
    other.locator("input[name=decision][value=upheld]").check()
    other.locator("textarea[name=answer]").fill("依据充分")
    other.locator("form.answer button[type=submit]").click()
    page.wait_for_selector("ul.messages li:has-text('已答复')")
    log_out(page)
    log_in(page, base, "office")
    page.goto(f"{base}/cycles/{cycle.pk}/objections/{objection.pk}/")
    page.click("button:has-text('确认并办结')")
    page.wait_for_selector("ul.messages li:has-text('第2版')")
    log_out(page)
    assert ResultSnapshot.objects.filter(cycle=cycle).count() == 2
    task.refresh_from_db()
    assert task.points == new_points

    page.set_viewport_size(PHONE)
    log_in(page, base, "unit")
    page.goto(f"{base}/cycles/{cycle.pk}/scorecard/")
    body = page.inner_text("main")
    assert "第2版" in body and "核实后扣0.5分" in body and "与第1版不同之处已标出" in body
    changed = page.locator("tr.item.changed")
    assert changed.count() == 1 and task.node.code in changed.inner_text()
    changed.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "unit-scorecard-v2-phone.png"), full_page=False)
