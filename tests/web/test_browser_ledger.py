"""A whole quarter of the 平时考核台账 in a real browser (Playwright driving Debian's Chromium): a
scorer records a deduction and attaches the 督查通报, the head confirms it, the unit (on a phone)
is notified, reads it and disputes it, the department answers, the office closes the dispute, the
scorer accepts the proposal in the grid, and the office reads the quarter's standings and
downloads its 季度通报 (docx).

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import io
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from kaohe.cycles.models import Score
from kaohe.ledger.models import Dispute, Entry
from kaohe.ops.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KAOHE_SCREENSHOTS", tempfile.gettempdir())) / "kaohe-browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_DIR = tmp_path / "evidence"


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_whole_quarter_of_the_ledger(browser_page, live_server, committed_demo, tmp_path):
    cycle = committed_demo
    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    SHOTS.mkdir(parents=True, exist_ok=True)
    notice = tmp_path / "洛督〔2018〕12号.pdf"
    notice.write_bytes(b"%PDF-1.4\n%%EOF\n")

    # The scorer records a deduction with the document it comes from.
    log_in(page, base, "scorer")
    page.goto(f"{base}/cycles/{cycle.pk}/")
    page.click("a.ledger-link")
    page.click("text=登记台账")
    page.select_option("#f-unit", "yanshi")
    page.select_option("#f-item", "1.2.1.1")
    page.fill("#f-date", "2018-03-12")
    page.fill("#f-points", "0.5")
    page.fill("#f-reason", "未按时报送党建工作季度报告")
    page.fill("#f-document", "洛督〔2018〕12号")
    page.set_input_files("#f-file", str(notice))
    page.click("form.ledger-form button[type=submit]")
    page.wait_for_selector("text=已登记，等待部门负责人确认。")
    entry = Entry.objects.get(cycle=cycle)
    assert entry.evidence.get().name == "洛督〔2018〕12号.pdf"

    # The head confirms it from the list.
    log_in(page, base, "head")
    page.click("text=1条台账记录待确认")
    page.check(f"input[name=entries][value='{entry.pk}']")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("text=已确认1条台账记录")

    # The unit, on a phone, is notified, reads the entry and disputes it.
    page.set_viewport_size(PHONE)
    log_in(page, base, "unit")
    page.goto(f"{base}/accounts/notifications/")
    page.click("text=本单位有一条新的台账扣分")
    page.wait_for_selector("h1:has-text('偃师市')")
    assert page.is_visible("a:has-text('洛督〔2018〕12号.pdf')")
    page.fill("#dispute-reason", "报告已于3月10日报送，附回执")
    page.click("section.ledger-dispute button[type=submit]")
    page.wait_for_selector("text=已提出异议，等待考核部门答复。")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.screenshot(path=str(SHOTS / "ledger-unit-dispute-phone.png"), full_page=True)

    # The department answers: it changes the points.
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "scorer")
    page.click("text=1条台账异议待本部门答复")
    page.click(f"a[href='/cycles/{cycle.pk}/ledger/{entry.pk}/'] >> nth=0")
    page.check("input[name=decision][value=changed]")
    page.fill("input[name=points]", "0.3")
    page.fill("#answer", "报送略有延迟，减轻扣分")
    page.click("form.ledger-answer button[type=submit]")
    page.wait_for_selector("text=已答复，等待考核办办结。")

    # The office closes it: the answer takes effect.
    log_in(page, base, "office")
    page.click("text=1条台账异议已答复，待办结")
    page.click(f"a[href='/cycles/{cycle.pk}/ledger/{entry.pk}/'] >> nth=0")
    page.click("button:has-text('办结')")
    page.wait_for_selector("text=异议已办结。")
    entry.refresh_from_db()
    assert (entry.points, entry.dispute.state) == (Decimal("0.30"), Dispute.State.CLOSED)

    # The scorer accepts the proposal in the grid.
    log_in(page, base, "scorer")
    page.goto(f"{base}/cycles/{cycle.pk}/scoring/")
    page.click("button.ledger-accept")
    page.wait_for_selector(".ledger-same")
    score = Score.objects.get(cycle=cycle, unit__code="yanshi", node__code="1.2.1.1")
    assert score.points == Decimal("1.7") and "未按时报送党建工作季度报告" in score.reason

    # The office reads the first quarter's standings and downloads its notice.
    log_in(page, base, "office")
    page.goto(f"{base}/cycles/{cycle.pk}/ledger/standings/?quarter=1")
    row = page.locator("tr[data-unit=yanshi]").first
    assert row.locator("td").nth(0).inner_text() != "" and "-0.3" in row.inner_text()
    page.screenshot(path=str(SHOTS / "ledger-standings.png"), full_page=False)
    page.click("text=填写季度通报")  # the 公文's frame first: its 发文机关 and 发文字号
    assert "生成通报前请填写：发文机关、发文字号" in page.inner_text("main")
    page.fill("#id_issuer", "中共洛阳市委党的建设工作领导小组")
    page.fill("#id_number", "洛党建[2018]7号")
    page.click("button:has-text('保存')")
    assert "季度通报信息已保存" in page.inner_text("main")
    with page.expect_download() as download:
        page.click("text=下载季度通报（Word）")
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "关于2018年第一季度平时考核情况的通报" in text and "扣分0.3分" in text
    assert "洛党建〔2018〕7号" in text and "中共洛阳市委党的建设工作领导小组文件" in text
