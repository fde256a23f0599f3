"""The official documents' pages (issue 15) in a real browser (Playwright driving Debian's Chromium),
on a desktop and a 390 px phone, in Chinese and in English: the office fills in the notice and
downloads it (its title broken between words), downloads the default Word template, uploads a
changed one and has a broken one refused with its reason; the unit downloads its scorecard PDF.
Screenshots go to $KAOHE_SCREENSHOTS/kaohe-browser (else the temporary folder) for a person to look at.

Skipped with a message when Chromium is absent; required under CI (see tests/web/conftest.py).
"""

from __future__ import annotations

import io
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from django.db.models import OuterRef, Subquery
from pypdf import PdfReader

from kaohe.accounts.models import User
from kaohe.audit.context import acting_as
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.formats.results_report.notice import notice_template
from kaohe.results import service
from kaohe.results.models import DocumentTemplate
from kaohe.schemes.models import Node

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KAOHE_SCREENSHOTS", tempfile.gettempdir())) / "kaohe-browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
SCREENS = (("zh-hans", "desktop", DESKTOP), ("en", "phone", PHONE), ("zh-hans", "phone", PHONE),
           ("en", "desktop", DESKTOP))


def publish(cycle: Cycle) -> None:
    """Every item scored (unit n loses n items), locked and published as version 1."""
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))
    for position, unit in enumerate(CycleUnit.objects.filter(cycle=cycle).order_by("position")):
        items = Score.objects.filter(cycle=cycle, unit=unit).order_by("node__position").values_list("pk", flat=True)
        Score.objects.filter(pk__in=list(items[:position])).update(points=Decimal(0))
    office = User.objects.get(username="office")
    with acting_as(office):
        Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
        cycle.refresh_from_db()
        service.publish(cycle, office, confirm_incomplete=True)


def look(page, language: str, size: dict, base: str, url: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page.set_viewport_size(size)
    page.goto(f"{base}{url}")


def no_sideways_scrolling(page, size: dict) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1


def downloaded(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def log_out(page) -> None:
    page.click("header form button.link")
    page.wait_for_url("**/accounts/login/")


def test_the_notice_the_templates_and_the_scorecard_as_office_and_unit(browser_page, live_server, committed_demo,
                                                                       log_in, tmp_path):
    cycle = committed_demo
    publish(cycle)
    page, base = browser_page, live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, base, "office")

    # The notice's form: what is missing said first, the title's help, then filled in and saved.
    notice = f"/results/{cycle.pk}/v/1/notice/"
    for language, name, size in SCREENS:
        look(page, language, size, base, notice)
        page.screenshot(path=str(SHOTS / f"notice-form-{name}-{language}.png"), full_page=True)
        assert no_sideways_scrolling(page, size), (language, name)
        warning = page.locator(".missing-fields").inner_text()
        assert ("发文机关、发文字号" if language == "zh-hans" else "issuing authority") in warning.lower()
        assert page.locator(".downloads a[href$='notice.pdf']").count() == 0  # not before they are filled in
        help_text = page.locator("#id_title ~ .muted")
        assert "“|”" in help_text.inner_text()
        title_box, help_box = page.locator("#id_title").bounding_box(), help_text.bounding_box()
        assert help_box["y"] >= title_box["y"] + title_box["height"]  # the help under the field
        assert title_box["width"] >= min(size["width"] - 60, 600)  # wide enough to read a title
    look(page, "zh-hans", DESKTOP, base, notice)
    assert page.input_value("#id_title") == "关于2018年度县(市、区)党建工作综合考核结果的通报"
    page.fill("#id_issuer", "中共洛阳市委党的建设工作领导小组")
    page.fill("#id_number", "洛党建[2019]1号")
    page.fill("#id_title", "关于2018年度县(市、区)党建工作综合考核|结果的通报")
    page.click(".notice-form button[type=submit]")
    page.wait_for_selector(".downloads a[href$='notice.pdf']")
    assert page.locator(".missing-fields").count() == 0
    page.screenshot(path=str(SHOTS / "notice-form-saved-desktop-zh-hans.png"), full_page=True)
    document = docx.Document(io.BytesIO(downloaded(page, page.locator(".downloads a[href$='notice.docx']"))))
    assert any(p.text == "关于2018年度县(市、区)党建工作综合考核\n结果的通报" for p in document.paragraphs)
    pdf = PdfReader(io.BytesIO(downloaded(page, page.locator(".downloads a[href$='notice.pdf']"))))
    lines = [line.replace(" ", "") for line in pdf.pages[0].extract_text().split("\n")]
    start = lines.index("关于2018年度县(市、区)党建工作综合考核")
    assert lines[start + 1] == "结果的通报"

    # The templates: the default downloaded, a changed one taken, a broken one refused with the reason.
    templates = f"/results/{cycle.pk}/templates/"
    for language, name, size in SCREENS:
        look(page, language, size, base, templates)
        page.screenshot(path=str(SHOTS / f"templates-{name}-{language}.png"), full_page=name == "phone")
        assert no_sideways_scrolling(page, size), (language, name)
        heading = page.locator("section.template-kind[data-kind=notice] h2").inner_text()
        assert heading == ("考核结果通报" if language == "zh-hans" else "Results notice")
    look(page, "zh-hans", DESKTOP, base, templates)
    default = downloaded(page, page.locator("section[data-kind=notice] a[href$='default.docx']"))
    assert default == notice_template()
    changed = docx.Document(io.BytesIO(default))
    changed.add_paragraph("特此通报。")
    path = tmp_path / "我们的通报模板.docx"
    changed.save(str(path))
    page.select_option("#id_kind", "notice")
    page.select_option("#id_scope", "cycle")
    page.set_input_files("#id_file", str(path))
    page.click(".template-upload button[type=submit]")
    page.wait_for_selector("ul.messages li:has-text('模板已上传')")
    assert "我们的通报模板.docx" in page.locator("section[data-kind=notice]").inner_text()
    assert DocumentTemplate.objects.filter(cycle=cycle, kind="notice").count() == 1
    broken = docx.Document(io.BytesIO(default))
    broken.add_paragraph("{{ unknown_placeholder }}")
    path = tmp_path / "坏模板.docx"
    broken.save(str(path))
    for language, name, size in (("zh-hans", "desktop", DESKTOP), ("en", "phone", PHONE)):
        look(page, language, size, base, templates)
        page.select_option("#id_kind", "notice")
        page.set_input_files("#id_file", str(path))
        page.click(".template-upload button[type=submit]")
        page.wait_for_selector(".template-upload .errorlist")
        reason = page.locator(".template-upload .errorlist").inner_text()
        page.screenshot(path=str(SHOTS / f"templates-refused-{name}-{language}.png"), full_page=name == "phone")
        assert reason.startswith("模板未采用：模板中有未知的占位符：unknown_placeholder" if language == "zh-hans"
                                 else "Template not used: The template has unknown placeholders: unknown_placeholder")
        assert no_sideways_scrolling(page, size), (language, name)
    assert DocumentTemplate.objects.filter(cycle=cycle, kind="notice").count() == 1  # the changed one stays
    log_out(page)

    # The unit: its scorecard page and the PDF it downloads from there, nobody else's figures in it.
    log_in(page, base, "unit")
    for language, name, size in SCREENS:
        look(page, language, size, base, f"/cycles/{cycle.pk}/scorecard/")
        page.screenshot(path=str(SHOTS / f"unit-scorecard-{name}-{language}.png"), full_page=False)
        assert no_sideways_scrolling(page, size), (language, name)
        link = page.locator("a[href*='scorecard.pdf']").first
        assert link.is_visible()
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(downloaded(page, link))).pages)
        assert "偃师市 考核得分表" in text and "孟津县" not in text
