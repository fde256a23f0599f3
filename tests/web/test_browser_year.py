"""A whole assessment year in the real server and a real browser (Playwright driving Debian's
Chromium), one browser context per person (issue 14): the office creates a cycle of two units,
names a department for the items the scheme leaves without one, sets the deadlines and opens it from
the cockpit; the unit uploads evidence and submits its self-assessment; two departments score in the
grid (one with a deduction and its reason) and submit, their heads approve; the office follows the
cockpit's one main button: review, every approved department locked with one confirmation, the cycle
locked, version 1 published; the unit objects to the deduction, the department answers and restores
the points, the office confirms and version 2 is published; the unit's scorecard, the leader's
read-only cockpit and the leaders' overview show version 2. Afterwards no notification is left
that asks for work already done. Screenshots of every step are written to
$KAOHE_SCREENSHOTS/kaohe-year (default: the temporary folder).

Not through pages here (each with its own test): the unit's claims per criterion (tests/web/claims)
and the departments that are not the two scoring ones (their tasks filled and their heads'
approval written directly, so that the cycle can be locked).

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from kaohe.accounts.models import User
from kaohe.accounts.users import create_user
from kaohe.claims import rules as claims
from kaohe.core.points import format_points
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.notify.models import Notification
from kaohe.objections.models import Objection
from kaohe.ops.demo import DEMO_PASSWORD
from kaohe.orgs.models import Department
from kaohe.results.models import ResultSnapshot
from kaohe.schemes.models import Node

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KAOHE_SCREENSHOTS", tempfile.gettempdir())) / "kaohe-year"
NAME = "2018年度县(市、区)党建工作综合考核（浏览器）"
UNITS = ["yanshi", "mengjin"]  # 偃师市 (the demo's unit user), 孟津县
SCORING = {"swzzb": ("scorer", "head"), "swxcb": ("scorer2", "head2")}  # 市委组织部, 市委宣传部
DEDUCTED = "1.2.1.1"  # 市委组织部 scores it; 偃师市 loses 0.5 and objects
S = Submission.State


class Year:
    """The people of the year, each in their own browser context, and the screenshots."""

    def __init__(self, browser, base: str):
        self.browser, self.base, self.pages, self.step = browser, base, {}, 0
        self.dialogs: list[str] = []
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    def as_(self, username: str):
        if username not in self.pages:
            context = self.browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(20000)
            page.on("dialog", self._accept)
            page.goto(f"{self.base}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{self.base}/")
            self.pages[username] = page
        return self.pages[username]

    def _accept(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()

    def go(self, username: str, path: str):
        page = self.as_(username)
        page.goto(f"{self.base}{path}")
        return page

    def shot(self, username: str, what: str) -> None:
        self.step += 1
        self.pages[username].screenshot(path=str(SHOTS / f"{self.step:02d}-{username}-{what}.png"), full_page=True)

    def main_button(self, username: str, cycle: Cycle, label: str) -> None:
        """The cockpit's one next step, clicked: its label must start with `label`."""
        page = self.go(username, f"/cycles/{cycle.pk}/")
        button = page.locator(".next-step .next-action .primary")
        assert button.count() == 1, page.inner_text(".next-step")
        assert button.inner_text().startswith(label), button.inner_text()
        button.click()
        page.wait_for_load_state()


def full_points(scores) -> None:
    """Every one of these tasks scored at the item's full points (the database's trigger keeps the totals)."""
    scores.update(points=Subquery(Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]), version=1)


def type_scores(page, tasks: list[Score], deduction: tuple[Score, Decimal, str] | None = None) -> None:
    """A scorer types the tasks' full points in the grid with the keyboard (and one deduction with
    its reason), each Enter saving and moving on."""
    for task in tasks:
        page.focus(f"#p{task.pk}")
        if deduction is not None and task.pk == deduction[0].pk:
            page.keyboard.type(str(deduction[1]))
            page.keyboard.press("Enter")  # below full marks: the reason box comes first
            assert page.evaluate("document.activeElement.id") == f"r{task.pk}"
            page.keyboard.type(deduction[2])
        else:
            page.keyboard.type(str(task.node.points))
        page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('form.cell.dirty').length === 0")


def test_a_whole_year_in_the_browser_one_person_each(browser_page, live_server, committed_demo):
    year = Year(browser_page.context.browser, live_server.url)
    create_user(username="head2", role="head", password=DEMO_PASSWORD, department=Department.objects.get(code="swxcb"))
    today = timezone.localdate()

    # -- the office: a draft of two units, the unscored items given a department, the deadlines ---
    page = year.go("office", "/cycles/new/")
    page.fill("#id_name", NAME)
    page.locator("input[name=units]").evaluate_all(
        f"(boxes) => boxes.forEach(b => {{ b.checked = {UNITS!r}.includes(b.value); }})")
    page.fill("#id_scoring_deadline", str(today + timedelta(days=10)))
    page.fill("#id_review_deadline", str(today + timedelta(days=15)))
    page.click("form.cycle-form button[type=submit]")
    page.wait_for_load_state()
    cycle = Cycle.objects.get(name=NAME)
    assert cycle.status == Cycle.Status.DRAFT and sorted(cycle.unit_codes) == sorted(UNITS)
    unscored = page.inner_text("#section-unscored")
    assert "4项考核内容没有考核部门" in unscored and "满分191.5分，而指标体系可得195分" in unscored
    year.shot("office", "draft-cockpit")

    page = year.go("office", f"/cycles/{cycle.pk}/unscored/")
    page.select_option("select[aria-label='4.2.1的考核部门']", "swzzb")
    for code in ("7.3.1", "7.3.2", "7.3.3"):
        page.select_option(f"select[aria-label='{code}的考核部门']", "swdjb")
    page.click("form.unscored-form button[type=submit]")
    page.wait_for_load_state()
    year.shot("office", "unscored-assigned")
    page = year.go("office", f"/cycles/{cycle.pk}/unit-side/")
    page.fill("#id_self_assessment_deadline", str(today + timedelta(days=5)))
    page.fill("#id_objection_deadline", str(today + timedelta(days=30)))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    cycle.refresh_from_db()
    assert cycle.objection_deadline == today + timedelta(days=30)

    year.main_button("office", cycle, "开始评分")
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN
    assert Score.objects.filter(cycle=cycle, node__code="4.2.1").count() == len(UNITS)  # the assigned item has tasks
    departments = cycle.departments.count()  # those with tasks for these two units
    assert f"{departments}个考核部门尚未完成评分" in year.pages["office"].inner_text(".next-step")
    year.shot("office", "opened")

    # -- the unit: its claims (through the rules, see above), evidence, submitted on its page -----
    for criterion in claims.criteria(cycle, cycle.units.get(code="yanshi")):
        claims.save_claim(User.objects.get(username="unit"), cycle, "yanshi", criterion.code, criterion.maximum, "按要求完成", 0)
    page = year.go("unit", f"/cycles/{cycle.pk}/self/yanshi/")
    evidence = SHOTS / "述职报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.click("details#upload > summary")  # the upload form is folded since the unit's pages were rebuilt
    page.set_input_files("input[name=file][required]", str(evidence))
    page.click("text=对应指标（可多选）")
    page.check("input[name=criteria][value='1.2.1']")
    page.click("form[action$='/evidence/'] button[type=submit]")
    page.wait_for_load_state()
    assert "述职报告.pdf" in page.inner_text("main")
    page.click("text=提交自评")
    page.wait_for_load_state()
    assert "已提交" in page.inner_text("main")
    year.shot("unit", "self-assessment-submitted")

    # -- two departments score in the grid and submit; their heads approve ------------------------
    deducted = Score.objects.select_related("node", "unit").get(cycle=cycle, unit__code="yanshi",
                                                                node__code=DEDUCTED)
    for code, (scorer, head) in SCORING.items():
        tasks = list(Score.objects.filter(cycle=cycle, department__code=code).select_related("node", "unit")
                     .order_by("node__position", "unit__position"))
        typed = [t for t in tasks if t.unit.code == "yanshi"][:3]
        if code == "swzzb":
            typed = [t for t in typed if t.pk != deducted.pk][:2] + [deducted]
        full_points(Score.objects.filter(pk__in=[t.pk for t in tasks if t not in typed]))
        page = year.go(scorer, f"/cycles/{cycle.pk}/scoring/")
        type_scores(page, typed, (deducted, deducted.node.points - Decimal("0.5"), "党建述职材料不全")
                    if code == "swzzb" else None)
        year.shot(scorer, f"{code}-scored")
        page.click("text=提交审核")
        page.wait_for_load_state()
        page = year.go(head, f"/cycles/{cycle.pk}/scoring/")
        page.click("text=审核通过")
        page.wait_for_load_state()
        assert Submission.objects.get(cycle=cycle, department__code=code).state == S.APPROVED
    year.shot("head", "swzzb-approved")
    deducted.refresh_from_db()
    assert deducted.points == deducted.node.points - Decimal("0.5") and deducted.reason == "党建述职材料不全"
    others = Score.objects.filter(cycle=cycle).exclude(department__code__in=SCORING)
    full_points(others)
    Submission.objects.filter(cycle=cycle).exclude(department__code__in=SCORING).update(state=S.APPROVED)
    assert not Score.objects.filter(cycle=cycle, points__isnull=True).exists()

    # -- the office follows the cockpit: review, lock all approved at once, lock, publish ---------
    year.main_button("office", cycle, "进入审核")
    year.shot("office", "review")
    before = len(year.dialogs)
    year.main_button("office", cycle, f"锁定已审核通过的{departments}个考核部门")
    assert len(year.dialogs) == before + 1  # one confirmation for them all
    assert set(Submission.objects.filter(cycle=cycle).values_list("state", flat=True)) == {S.LOCKED}
    page = year.go("office", f"/cycles/{cycle.pk}/review/")
    assert "锁定考核周期" in page.inner_text(".next-step")  # the review page says what comes next
    year.shot("office", "all-locked-review-page")
    year.main_button("office", cycle, "锁定考核周期")
    year.shot("office", "cycle-locked")
    year.main_button("office", cycle, "发布结果（第1版）")
    assert ResultSnapshot.objects.filter(cycle=cycle).count() == 1
    page = year.go("office", f"/cycles/{cycle.pk}/")
    assert "异议期" in page.inner_text(".next-step")
    year.shot("office", "published-v1")

    # -- the unit objects to the deduction; the department answers; the office confirms ----------
    page = year.go("unit", f"/cycles/{cycle.pk}/scorecard/")
    assert "第1版" in page.inner_text("main")
    page.check(f"input[name=items][value='{DEDUCTED}']")
    page.locator(f"textarea[name='reason:{DEDUCTED}'], textarea[name=reason]").first.fill(
        "述职材料已于12月报送，附件见佐证材料。")
    page.click("form[action$='/objections/new/'] button[type=submit]")
    page.wait_for_load_state()
    objection = Objection.objects.get(cycle=cycle)
    year.shot("unit", "objection-filed")

    page = year.go("scorer", f"/cycles/{cycle.pk}/objections/{objection.pk}/")
    answering = page.inner_text("main")
    assert "述职材料已于12月报送" in answering  # the unit's reason
    assert "党建述职材料不全" in answering  # beside the department's original reason for the deduction
    page.check("input[name=decision][value=changed]")
    page.fill("input[name=points]", str(deducted.node.points))
    page.fill("[name=answer]", "核实材料已报送，恢复满分。")
    page.click("form[action$='/answer/'] button[type=submit]")
    page.wait_for_load_state()
    year.shot("scorer", "objection-answered")

    page = year.go("office", "/")
    assert f"{NAME}：下一步，确认考核部门对异议的答复" in page.inner_text("ul.todo")  # the office's to-do
    year.shot("office", "todo-confirm-objection")
    year.main_button("office", cycle, "处理异议")
    page = year.go("office", f"/cycles/{cycle.pk}/objections/{objection.pk}/")
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    objection.refresh_from_db()
    assert objection.state == Objection.State.CLOSED and objection.result_version == 2
    year.shot("office", "objection-confirmed")

    # -- version 2, as the unit and the leader see it -------------------------------------------
    page = year.go("unit", f"/cycles/{cycle.pk}/scorecard/")
    assert "第2版" in page.inner_text("main")
    changed = page.locator("tr", has=page.locator(".badge.warning", has_text="已改"))
    assert changed.count() == 1 and DEDUCTED in changed.inner_text()  # the change against version 1, marked
    assert changed.locator("del.was").inner_text().strip() == format_points(deducted.points)  # version 1's
    year.shot("unit", "scorecard-v2")
    page = year.go("leader", f"/cycles/{cycle.pk}/")
    assert "第2版" in page.inner_text("#section-results")
    assert page.locator(".next-step button, .next-step .button").count() == 0  # read-only
    year.shot("leader", "cockpit-v2")
    page = year.go("leader", f"/overview/?cycle={cycle.pk}")  # the leaders' overview: version 2's figures
    page.wait_for_load_state("networkidle")  # the charts drawn
    year.shot("leader", "overview-v2")
    shown = page.inner_text("main")
    assert "已发布第2版" in shown and "参评单位\n2" in shown
    assert "最低分\n100.00" in shown  # 偃师市's 0.5 points restored: both units at full marks

    # -- nothing left asks for work already done ------------------------------------------------
    assert list(Notification.objects.filter(done_at__isnull=True).exclude(about="")
                .values_list("user__username", "subject")) == []
    page = year.go("head", "/accounts/notifications/")
    assert "已办结" in page.inner_text("main")
    year.shot("head", "notifications")
    page = year.go("office", "/")
    assert NAME not in page.inner_text("ul.todo")  # the objection period runs: nothing for the office to do
    year.shot("office", "todo-after")
