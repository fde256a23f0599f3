"""A whole assessment year in the real server and a real browser (Playwright driving Debian's
Chromium), one browser context per person (issue 14): the office creates a cycle of two units,
names a department for the items the scheme leaves without one, sets the deadlines and opens it from
the cockpit; the unit uploads evidence, claims every criterion on its self-assessment page with one
保存 and submits; 市委组织部's scorer pastes the full points from Excel into the grid and types one
deduction with its reason, 市委宣传部's scorer downloads the Excel sheet, fills it in and uploads it;
both submit and their heads approve in the grid; every other department scores through the API with
its own people's tokens (its sheet downloaded, filled in and uploaded, submitted, approved). The
office follows the cockpit's one main button: review, every approved department locked with one
confirmation, the cycle locked, version 1 published; the unit objects to the deduction, the
department answers and restores the points, the office confirms and version 2 is published; the
unit's scorecard, the leader's read-only cockpit and the leaders' overview show version 2.
Afterwards no notification is left that asks for work already done. Screenshots of every step are
written to $KAOHE_SCREENSHOTS/kaohe-year (default: the temporary folder).

Nothing a person does in the year is written to the database directly: the accounts and API tokens
are set up beforehand on the command line (`kaohe user create`, `kaohe token create`), as the
administrator does before a year starts; everything else goes through a page or the API. The
database is only read, to check what the pages did.

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kaohe.claims.models import Claim
from kaohe.core.points import format_points
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.notify.models import Notification
from kaohe.objections.models import Objection
from kaohe.ops.demo import DEMO_PASSWORD
from kaohe.results.models import ResultSnapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KAOHE_SCREENSHOTS", tempfile.gettempdir())) / "kaohe-year"
NAME = "2018年度县(市、区)党建工作综合考核（浏览器）"
UNITS = ["yanshi", "mengjin"]  # 偃师市 (the demo's unit user), 孟津县
GRID, SHEET = "swzzb", "swxcb"  # 市委组织部 scores in the grid, 市委宣传部 through the Excel sheet
SCORING = {GRID: ("scorer", "head"), SHEET: ("scorer2", "head2")}
DEDUCTED = "1.2.1.1"  # 市委组织部 scores it; 偃师市 loses 0.5 and objects
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
S = Submission.State


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # `kaohe …` runs in this process


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


def claim_everything(page, explanation: str) -> int:
    """The unit types every criterion's full points (the maximum shown beside the field) and an
    explanation on its self-assessment page; returns how many criteria it filled in."""
    rows = page.locator("article.claim[data-code]")
    for index in range(rows.count()):
        row = rows.nth(index)
        row.locator("[data-points]").fill(row.locator(".of").inner_text().strip().lstrip("/").strip())
        row.locator("[data-explanation]").fill(explanation)
    return rows.count()


def paste_full_points(page) -> tuple[int, int]:
    """A scorer copies the 满分 column from Excel once per unit and pastes it into the grid's first
    cell (Ctrl+V: grid.js spreads it down and across and saves cell by cell); returns how many
    values were pasted and how many landed on cells that do not apply (—)."""
    rows = page.locator("table.grid tbody tr.item")
    units = page.locator("table.grid thead th.unit").count()
    maxima = [text.removeprefix("满分") for text in rows.locator(".item-head .max").all_inner_texts()]
    cells = rows.locator("td").evaluate_all("(tds) => tds.map((td) => td.querySelector('form.cell') !== null)")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("(text) => navigator.clipboard.writeText(text)", "\n".join("\t".join([m] * units) for m in maxima))
    page.locator("table.grid tbody tr.item").first.locator("td").first.locator("input[name=points]").focus()
    page.keyboard.press("Control+V")
    page.wait_for_function("document.querySelectorAll('form.cell.dirty').length === 0"
                           " && !document.getElementById('grid-status').textContent.trim()", timeout=120000)
    return cells.count(True), cells.count(False)


def type_deduction(page, task: Score, points: Decimal, reason: str) -> None:
    """A scorer types a score below full marks over a cell's points with the keyboard: Enter opens
    the reason box, the reason, Enter saves."""
    page.focus(f"#p{task.pk}")
    page.keyboard.press("Control+A")
    page.keyboard.type(str(points))
    page.keyboard.press("Enter")  # below full marks: the reason box comes first
    assert page.evaluate("document.activeElement.id") == f"r{task.pk}"
    page.keyboard.type(reason)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('form.cell.dirty').length === 0")


def submit_and_approve(year: Year, cycle: Cycle, scorer: str, head: str, code: str, tasks: int) -> None:
    """The scorer, in the grid, sees every task scored and submits; the head approves there."""
    page = year.pages[scorer]
    assert page.inner_text("#prog-all") == f"{tasks}/{tasks}"
    year.shot(scorer, f"{code}-scored")
    page.click("text=提交审核")
    page.wait_for_load_state()
    assert "已提交部门负责人审核" in page.inner_text("main")
    page = year.go(head, f"/cycles/{cycle.pk}/scoring/")
    page.click("text=审核通过")
    page.wait_for_load_state()
    assert "已审核通过，报送考核办" in page.inner_text("main")
    assert Submission.objects.get(cycle=cycle, department__code=code).state == S.APPROVED


def test_a_whole_year_in_the_browser_one_person_each(browser_page, live_server, committed_demo, year_kit, capsys,
                                                     monkeypatch):
    year = Year(browser_page.context.browser, live_server.url)
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
    codes = sorted(cycle.departments.values_list("code", flat=True))  # those with tasks for these two units
    departments = len(codes)
    assert f"{departments}个考核部门尚未完成评分" in year.pages["office"].inner_text(".next-step")
    year.shot("office", "opened")

    # -- before the year, on the command line: the accounts the demo lacks and the API tokens -------
    monkeypatch.setenv("KAOHE_PASSWORD", DEMO_PASSWORD)
    kaohe = year_kit.kaohe
    kaohe(capsys, "user", "create", "head2", "--role", "head", "--department", SHEET)
    api = {}
    for code in (c for c in codes if c not in SCORING):
        for role in ("scorer", "head"):
            kaohe(capsys, "user", "create", f"{role}-{code}", "--role", role, "--department", code)
            api[role, code] = year_kit.Api(kaohe(capsys, "token", "create", f"{role}-{code}").strip())

    # -- the unit: evidence, every criterion claimed with one 保存, submitted on its page ---------
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
    criteria = claim_everything(page, "按要求完成")
    bar = page.locator(".save-bar")
    assert f"已填 {criteria} / {criteria}" in bar.inner_text()  # the counter follows the typing
    assert bar.locator("[data-unsaved]").inner_text() == f"{criteria} 项未保存"
    bar.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('.save-bar [data-status]').textContent.includes('已保存')")
    assert f"已保存{criteria}项" in bar.locator("[data-status]").inner_text()
    assert page.locator("[data-row-state]", has_text="已保存").count() == criteria
    assert Claim.objects.filter(cycle=cycle, unit__code="yanshi", points__isnull=False).count() == criteria
    year.shot("unit", "self-assessment-saved")
    page.click("text=提交自评")
    page.wait_for_load_state()
    assert "已提交" in page.inner_text("main")
    year.shot("unit", "self-assessment-submitted")

    # -- 市委组织部: the full points pasted from Excel into the grid, one deduction typed ------------
    tasks = {code: Score.objects.filter(cycle=cycle, department__code=code).count() for code in codes}
    deducted = Score.objects.select_related("node", "unit").get(cycle=cycle, unit__code="yanshi",
                                                                node__code=DEDUCTED)
    page = year.go("scorer", f"/cycles/{cycle.pk}/scoring/")
    pasted, ignored = paste_full_points(page)
    assert pasted == tasks[GRID]
    note = page.inner_text("#grid-note")
    assert note == (f"已粘贴{pasted}个分数；{ignored}个落在不适用（—）的格子或表格以外，已忽略。" if ignored
                    else f"已粘贴{pasted}个分数。")
    type_deduction(page, deducted, deducted.node.points - Decimal("0.5"), "党建述职材料不全")
    cell = page.locator(f"#p{deducted.pk}").locator("xpath=ancestor::td[1]")
    assert "党建述职材料不全" in cell.inner_html()
    submit_and_approve(year, cycle, "scorer", "head", GRID, tasks[GRID])
    year.shot("head", "swzzb-approved")
    deducted.refresh_from_db()
    assert deducted.points == deducted.node.points - Decimal("0.5") and deducted.reason == "党建述职材料不全"

    # -- 市委宣传部: the Excel sheet downloaded, filled in, uploaded ------------------------------------
    page = year.go("scorer2", f"/cycles/{cycle.pk}/scoring/")
    with page.expect_download() as download:
        page.click("text=下载Excel评分表")
    sheet = SHOTS / "宣传部评分表.xlsx"
    sheet.write_bytes(year_kit.filled(Path(download.value.path()).read_bytes()))
    page.click("text=上传Excel评分表")
    page.wait_for_load_state()
    page.set_input_files("#sheet-file", str(sheet))
    page.click("text=上传并检查")
    page.wait_for_load_state()
    assert f"已保存 {tasks[SHEET]} 处修改。" in page.inner_text("ul.messages")
    year.shot("scorer2", "swxcb-sheet-uploaded")
    page.click("text=回到评分页面核对")  # the page says where to go next
    page.wait_for_load_state()
    submit_and_approve(year, cycle, "scorer2", "head2", SHEET, tasks[SHEET])

    # -- every other department: its sheet through the API, submitted, approved (own tokens) -------
    for code in (c for c in codes if c not in SCORING):
        scorer, head = api["scorer", code], api["head", code]
        data = scorer.call("get", f"cycles/{cycle.pk}/sheet").content
        upload = SimpleUploadedFile("评分表.xlsx", year_kit.filled(data), content_type=XLSX)
        assert scorer.call("post", f"cycles/{cycle.pk}/sheet", data={"file": upload})["applied"] == tasks[code]
        assert scorer.call("post", f"cycles/{cycle.pk}/submission/submit")["state"] == "submitted"
        assert head.call("post", f"cycles/{cycle.pk}/submission/approve")["state"] == "approved"
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
