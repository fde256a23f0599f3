"""The results' documents (issue 15) through the pages, the API and the command line: the notice per
published version (details, defaults, refusal without 发文字号 / 发文机关), the office's Word
templates (used, or refused with the old one kept), PDFs read back (every unit and figure, page
counts, fonts embedded), downloads named in Chinese with RFC 6266 and times in Beijing time, and
every role's access to every new page and operation.

The demo's county cycle is scored here (a spread of finals), given one adjustment of each kind,
locked and published as version 1.
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote

import docx
import pytest
from django.db.models import OuterRef, Subquery
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from kaohe.accounts.models import ApiToken
from kaohe.audit.context import acting_as
from kaohe.cli.main import main
from kaohe.core.points import two_places
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.formats.results_report.notice import notice_template
from kaohe.results import documents, service
from kaohe.results.models import DocumentTemplate, NoticeDetails, ResultSnapshot
from kaohe.schemes.models import Node

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]
READERS = {"office", "leader"}
ISSUER = "中共洛阳市委党的建设工作领导小组"


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


@pytest.fixture
def published(cycle, users) -> ResultSnapshot:
    """The demo cycle scored with a spread, an adjustment of each kind, locked, published (v1)."""
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))
    for position, unit in enumerate(CycleUnit.objects.filter(cycle=cycle).order_by("position")):
        items = Score.objects.filter(cycle=cycle, unit=unit).order_by("node__position").values_list("pk", flat=True)
        Score.objects.filter(pk__in=list(items[:position])).update(points=Decimal(0))
    office = users["office"]
    with acting_as(office):
        service.add_adjustment(cycle, office, "yanshi", "bonus", Decimal(2), "全国党建工作先进单位", "洛党建〔2018〕12号")
        service.add_adjustment(cycle, office, "mengjin", "penalty", Decimal("1.5"), "通报批评", "洛党建〔2018〕9号")
        service.add_adjustment(cycle, office, "xinan", "grade_cap", None, "发生重大责任事故", "", "较好")
        service.add_adjustment(cycle, office, "yiyang", "veto", None, "违反换届纪律", "洛纪〔2018〕3号")
        Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
        cycle.refresh_from_db()
        return service.publish(cycle, office, confirm_incomplete=True)


def filled(snapshot: ResultSnapshot, **values) -> ResultSnapshot:
    documents.save_notice(snapshot, None, {"issuer": ISSUER, "number": "洛党建[2019]1号", "copies": "省委组织部",
                                           **values})
    return snapshot


def saved_name(response) -> str:
    """The file name a browser saves (RFC 6266 filename*), decoded."""
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"") and "; filename*=UTF-8''" in disposition
    return unquote(disposition.split("filename*=UTF-8''")[1])


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def embedded_fonts(content: bytes) -> set[str]:
    """The fonts a PDF uses, each checked to be embedded (a FontFile in its descriptor)."""
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            names.add(str(font["/BaseFont"]))
    return names


# --- the notice -----------------------------------------------------------------------------------


def test_the_notice_form_starts_with_the_cycles_defaults(client_for, published):
    page = client_for("office").get(f"/results/{published.cycle_id}/v/1/notice/").content.decode()
    assert f"关于{published.cycle.name}结果的通报" in page
    assert "洛党建〔2018〕4号" in page  # the scheme's own document, in the opening
    assert "生成通报前请填写：发文机关、发文字号。" in page
    day = timezone.localtime(published.published_at).date()
    assert f'value="{day:%Y-%m-%d}"' in page  # the publication day in Beijing time


def test_without_number_or_issuer_the_notice_is_a_request_to_fill_them_in(client_for, published, tokens):
    office = client_for("office").get(f"/results/{published.cycle_id}/v/1/notice.docx", follow=True)
    assert office.redirect_chain[-1][0] == f"/results/{published.cycle_id}/v/1/notice/"
    assert "请先填写通报的发文机关、发文字号，再生成通报。" in office.content.decode()
    leader = client_for("leader").get(f"/results/{published.cycle_id}/v/1/notice.pdf")
    assert leader.status_code == 409 and "发文字号" in leader.content.decode()
    api = Client().get(f"/api/v1/cycles/{published.cycle_id}/results/1/notice.docx", **tokens["office"])
    assert api.status_code == 422 and "发文机关、发文字号" in api.json()["message"]
    documents.save_notice(published, None, {"issuer": ISSUER})
    again = client_for("leader").get(f"/results/{published.cycle_id}/v/1/notice.docx")
    assert again.status_code == 409 and "发文字号" in again.content.decode() and "发文机关" not in again.content.decode()


def test_the_office_fills_in_the_notice_and_downloads_it(client_for, published):
    client = client_for("office")
    url = f"/results/{published.cycle_id}/v/1/notice/"
    form = {"issuer": ISSUER, "number": "洛党建(2019)1号", "title": "关于2018年度考核结果的通报",
            "recipients": "各县（市）区党（工）委", "copies": "省委组织部", "printer": "", "day": "2019-01-20",
            "opening": "第一段。\n第二段。", "closing": "望再接再厉。"}
    assert client.post(url, form).status_code == 302
    details = NoticeDetails.objects.get(snapshot=published)
    assert (details.number, str(details.day)) == ("洛党建(2019)1号", "2019-01-20")
    response = client.get(f"/results/{published.cycle_id}/v/1/notice.docx")
    assert response.status_code == 200
    assert saved_name(response) == f"{published.cycle.name}-考核结果通报-第1版-{published_day(published)}.docx"
    document = docx.Document(io.BytesIO(response.content))
    texts = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    assert texts[:5] == [f"{ISSUER}文件", "洛党建〔2019〕1号", "关于2018年度考核结果的通报", "各县（市）区党（工）委：", "第一段。"]
    assert texts[-4:] == [ISSUER, "2019年1月20日", "抄送：省委组织部。", f"{ISSUER}办公室\t2019年1月20日印发"]
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    for row in published.results:
        assert row["name"] in cells and two_places(row["final"]) in cells and row["grade"] in cells
    assert "偃师市：加2分。理由：全国党建工作先进单位（依据：洛党建〔2018〕12号）。" in texts
    assert "孟津县：扣1.5分。理由：通报批评（依据：洛党建〔2018〕9号）。" in texts
    assert "新安县：不得评为好等次。理由：发生重大责任事故。" in texts
    assert "宜阳县：一票否决，评为差等次。理由：违反换届纪律（依据：洛纪〔2018〕3号）。" in texts


def test_a_too_long_or_invalid_detail_is_refused_and_nothing_saved(client_for, published):
    client = client_for("office")
    response = client.post(f"/results/{published.cycle_id}/v/1/notice/", {
        "issuer": "机" * 61, "number": "1号", "day": "2019-02-30", "title": "t", "recipients": "r"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "成文日期应为" in page
    assert not NoticeDetails.objects.filter(snapshot=published).exists()


def published_day(snapshot: ResultSnapshot) -> str:
    return f"{timezone.localtime(snapshot.published_at):%Y%m%d}"


def test_the_notice_pdf_holds_every_unit_and_figure_with_fonts_embedded(client_for, published, pdf_tools):
    filled(published)
    response = client_for("leader").get(f"/results/{published.cycle_id}/v/1/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert saved_name(response) == f"{published.cycle.name}-考核结果通报-第1版-{published_day(published)}.pdf"
    text = pdf_text(response.content).replace("\n", "").replace(" ", "")
    assert f"{ISSUER}文件" in text and "洛党建〔2019〕1号" in text
    for row in published.results:
        assert row["name"] in text and two_places(row["final"]) in text
    assert "全国党建工作先进单位" in text and "违反换届纪律" in text and "抄送：省委组织部。" in text
    assert embedded_fonts(response.content)  # every font embedded (asserted inside)


@pytest.mark.parametrize(("title", "lines"), [
    (None, ["关于2018年度县(市、区)", "党建工作综合考核结果的通报"]),  # the default, from the demo's cycle
    ("关于表彰2018年度全市基层党建工作先进集体和优秀共产党员的决定",
     ["关于表彰2018年度全市基层党建工作", "先进集体和优秀共产党员的决定"]),
    ("关于2018年度县(市、区)党建工作综合考核|结果的通报", ["关于2018年度县(市、区)党建工作综合考核", "结果的通报"]),
])
def test_the_notice_title_breaks_between_words_the_same_in_word_and_pdf(client_for, published, pdf_tools, title, lines):
    filled(published, **({"title": title} if title else {}))
    client = client_for("office")
    document = docx.Document(io.BytesIO(client.get(f"/results/{published.cycle_id}/v/1/notice.docx").content))
    heading = next(p for p in document.paragraphs if p.text.replace("\n", "") == "".join(lines))
    assert heading.text.split("\n") == lines  # a line break (w:br) where the rule puts it, nowhere else
    text = pdf_text(client.get(f"/results/{published.cycle_id}/v/1/notice.pdf").content)
    shown = [line.replace(" ", "") for line in text.split("\n")]
    start = shown.index(lines[0])
    assert shown[start:start + len(lines)] == lines


# --- templates ------------------------------------------------------------------------------------


def _edited_template(marker: str, extra: str = "") -> bytes:
    """The default notice template with a sentence added, as an office edits it in Word."""
    document = docx.Document(io.BytesIO(notice_template()))
    document.add_paragraph(f"{marker}{extra}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(client, data: bytes, *, scope="cycle", kind="notice", name="通报模板.docx", cycle_id: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/results/{cycle_id}/templates/", {"kind": kind, "scope": scope,
                                                           "file": SimpleUploadedFile(name, data)})


def test_a_template_the_office_uploads_is_used(client_for, published):
    filled(published)
    client = client_for("office")
    response = upload(client, _edited_template("本通报由考核办按本单位模板印制。"), cycle_id=published.cycle_id)
    assert response.status_code == 302, response.content.decode()[-3000:]
    texts = [p.text for p in docx.Document(io.BytesIO(
        client.get(f"/results/{published.cycle_id}/v/1/notice.docx").content)).paragraphs]
    assert "本通报由考核办按本单位模板印制。" in texts


@pytest.mark.parametrize(("data", "reason"), [
    (lambda: _edited_template("{{ no_such_placeholder }}"), "未知的占位符：no_such_placeholder"),
    (lambda: _edited_template("{% for x in groups %}"), "模板语法错误"),
    (lambda: _edited_template("{{ ''.__class__.__mro__ }}"), "不允许的操作"),
    (lambda: b"not a word document at all", "不是 Word 文档（.docx）"),
    (lambda: b"PK\x03\x04" + b"\0" * 100, "文件已损坏"),
    (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "另存为 .docx"),
    (lambda: b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024 + 1), "模板不能超过 5 MB"),
    (lambda: _macro_document(), "含有宏"),
])
def test_a_template_that_does_not_render_is_refused_and_the_old_one_stays(client_for, published, data, reason):
    filled(published)
    client = client_for("office")
    assert upload(client, _edited_template("旧模板的一句话。"), cycle_id=published.cycle_id).status_code == 302
    response = upload(client, data(), cycle_id=published.cycle_id)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert DocumentTemplate.objects.filter(cycle=published.cycle).count() == 1
    texts = [p.text for p in docx.Document(io.BytesIO(
        client.get(f"/results/{published.cycle_id}/v/1/notice.docx").content)).paragraphs]
    assert "旧模板的一句话。" in texts


def _macro_document() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(notice_template()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/vbaProject.bin", b"macro")
    return out.getvalue()


def test_templates_page_documents_the_placeholders_and_resets(client_for, published):
    client = client_for("office")
    page = client.get(f"/results/{published.cycle_id}/templates/").content.decode()
    for name in ("number", "recipients", "groups", "adjustments", "summary", "rows"):
        assert f"<code translate=\"no\">{name}</code>" in page
    default = client.get(f"/results/{published.cycle_id}/templates/notice/default.docx")
    assert saved_name(default) == "考核结果通报-默认模板.docx"
    assert docx.Document(io.BytesIO(default.content)).paragraphs  # a Word document
    upload(client, _edited_template("全系统模板。"), scope="installation", cycle_id=published.cycle_id)
    assert documents.template_in_use("notice", published.cycle).cycle is None
    client.post(f"/results/{published.cycle_id}/templates/reset/", {"kind": "notice", "scope": "installation"})
    assert documents.template_in_use("notice", published.cycle) is None


def test_the_scorecard_template_is_used_for_the_word_scorecard(client_for, published):
    client = client_for("office")
    document = docx.Document(io.BytesIO(documents.TEMPLATES["scorecard"][0]()))
    document.add_paragraph("单位盖章：{{ unit }}")
    out = io.BytesIO()
    document.save(out)
    assert upload(client, out.getvalue(), kind="scorecard", cycle_id=published.cycle_id).status_code == 302
    response = client.get(f"/results/{published.cycle_id}/scorecard/yanshi/file.docx")
    texts = [p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs]
    assert "单位盖章：偃师市" in texts


# --- PDFs -----------------------------------------------------------------------------------------


def test_the_all_units_scorecard_pdf_has_a_page_per_unit_at_least(client_for, published, pdf_tools):
    response = client_for("office").get(f"/results/{published.cycle_id}/export/scorecards/")
    content = b"".join(response.streaming_content)
    units = list(CycleUnit.objects.filter(cycle=published.cycle).order_by("position"))
    reader = PdfReader(io.BytesIO(content))
    # each unit's figures and the items that lost points (unit n of the fixture lost points on n - 1
    # items): a page or two a unit, where every item of a unit is a dozen pages
    assert len(units) <= len(reader.pages) <= 2 * len(units)
    starts = [page.extract_text().split("\n")[0] for page in reader.pages]
    assert [s for s in starts if s.endswith("考核得分表")] == [f"{u.name} 考核得分表" for u in units]  # each on new pages
    text = "".join(page.extract_text() for page in reader.pages)
    for row in published.results:
        assert two_places(row["final"]) in text
    flat = text.replace("\n", "")
    assert flat.count("扣分项目") == len(units) and "扣分0项。" in flat and f"扣分{len(units) - 1}项（见下表）" in flat
    assert embedded_fonts(content)
    assert saved_name(response).startswith(f"{published.cycle.name}-各单位考核得分表-未发布-")


def test_ranking_and_scheme_table_pdfs(client_for, published, pdf_tools):
    client = client_for("office")
    ranking = client.get(f"/results/{published.cycle_id}/v/1/ranking.pdf")
    text = pdf_text(ranking.content)
    for row in published.results:
        assert row["name"] in text and two_places(row["final"]) in text
    scheme = client.get(f"/schemes/{published.cycle.scheme_id}/export.pdf")
    assert scheme.status_code == 200 and saved_name(scheme).endswith(f"-指标体系表-{timezone.localdate():%Y%m%d}.pdf")
    scheme_text = pdf_text(scheme.content)
    assert "政治建设" in scheme_text and "考核内容" in scheme_text and embedded_fonts(scheme.content)


def test_the_unit_downloads_its_own_scorecard_from_its_page(client_for, published, pdf_tools):
    client = client_for("unit")
    page = client.get(f"/cycles/{published.cycle_id}/scorecard/").content.decode()
    assert f"/cycles/{published.cycle_id}/scorecard.pdf?version=1" in page
    response = client.get(f"/cycles/{published.cycle_id}/scorecard.pdf?version=1")
    assert saved_name(response) == f"{published.cycle.name}-偃师市考核得分表-第1版-{published_day(published)}.pdf"
    text = pdf_text(response.content)
    row = next(r for r in published.results if r["code"] == "yanshi")
    assert "偃师市" in text and two_places(row["final"]) in text and "全国党建工作先进单位" in text
    assert "孟津县" not in text  # nobody else's figures
    assert client.get(f"/cycles/{published.cycle_id}/scorecard.pdf?version=99").status_code == 404


# --- downloads: names and times -------------------------------------------------------------------


def test_times_inside_the_files_are_beijing_time(client_for, published):
    stamp = timezone.localtime(published.published_at)
    assert stamp.utcoffset() == timedelta(hours=8)
    ranking = client_for("office").get(f"/results/{published.cycle_id}/v/1/ranking.xlsx")
    assert saved_name(ranking) == f"{published.cycle.name}-排名-第1版-{published_day(published)}.xlsx"
    workbook = load_workbook(io.BytesIO(ranking.content))
    rules = {row[0]: row[1] for row in workbook["说明"].iter_rows(min_row=3, values_only=True)}
    assert rules["发布版本/时间"] == f"第1版，{stamp:%Y-%m-%d %H:%M}"
    assert workbook.active.title == "县(市)"  # opens on the first ranking, not on the rules


@pytest.mark.parametrize(("url", "name"), [
    ("/results/{c}/export/ranking/", "{n}-排名-未发布-{today}.xlsx"),
    ("/results/{c}/export/detail/", "{n}-得分明细-未发布-{today}.xlsx"),
    ("/results/{c}/v/1/ranking.xlsx", "{n}-排名-第1版-{day}.xlsx"),
    ("/results/{c}/scorecard/yanshi/file.docx", "{n}-偃师市考核得分表-未发布-{today}.docx"),
    ("/audit/export.csv", "审计记录-"),
])
def test_every_download_is_named_in_chinese_with_rfc_6266(client_for, published, url, name):
    response = client_for("office").get(url.format(c=published.cycle_id))
    expected = name.format(n=published.cycle.name, today=f"{timezone.localdate():%Y%m%d}", day=published_day(published))
    assert saved_name(response).startswith(expected)


# --- the API and the command line -----------------------------------------------------------------


@pytest.fixture
def tokens(users):
    made = {}
    for name in ROLES:
        _token, secret = ApiToken.issue(users[name], "test")
        made[name] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    return made


def test_the_api_fills_in_and_downloads_the_notice(published, tokens):
    api = Client()
    base = f"/api/v1/cycles/{published.cycle_id}/results/1"
    got = api.get(f"{base}/notice", **tokens["leader"]).json()
    assert got["missing"] == ["发文机关", "发文字号"] and got["saved"] is False
    refused = api.put(f"{base}/notice", json.dumps({"number": "1号", "day": "2019-02-30"}),
                      content_type="application/json", **tokens["office"])
    assert refused.status_code == 422 and "成文日期" in refused.json()["message"]
    assert api.put(f"{base}/notice", json.dumps({"issuer": ISSUER}), content_type="application/json",
                   **tokens["leader"]).status_code == 403
    saved = api.put(f"{base}/notice", json.dumps({"issuer": ISSUER, "number": "洛党建〔2019〕2号", "day": "2019-01-21"}),
                    content_type="application/json", **tokens["office"])
    assert saved.status_code == 200 and saved.json()["missing"] == []
    notice = api.get(f"{base}/notice.docx", **tokens["leader"])
    assert notice.status_code == 200
    assert saved_name(notice) == f"{published.cycle.name}-考核结果通报-第1版-{published_day(published)}.docx"
    assert "洛党建〔2019〕2号" in [p.text for p in docx.Document(io.BytesIO(notice.content)).paragraphs]
    assert api.get(f"{base}/nothing.txt", **tokens["office"]).status_code == 404


def test_the_command_line_fills_in_and_exports(capsys, published, tmp_path):
    cycle = str(published.cycle_id)
    assert main(["results", "export", cycle, "--docx", str(tmp_path / "n.docx")]) != 0
    assert "发文机关、发文字号" in capsys.readouterr().err
    assert main(["results", "notice", cycle, "--issuer", ISSUER, "--number", "洛党建〔2019〕3号", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["missing"] == []
    assert main(["results", "export", cycle, "--docx", str(tmp_path / "n.docx")]) == 0
    assert "洛党建〔2019〕3号" in [p.text for p in docx.Document(tmp_path / "n.docx").paragraphs]
    assert main(["results", "export", cycle, "--version", "1", "--xlsx", str(tmp_path / "r.xlsx")]) == 0
    assert load_workbook(tmp_path / "r.xlsx").active.title == "县(市)"
    assert main(["results", "template", cycle, "--kind", "notice", "--default", str(tmp_path / "t.docx")]) == 0
    (tmp_path / "bad.docx").write_bytes(_edited_template("{{ nope }}"))
    assert main(["results", "template", cycle, "--kind", "notice", "--upload", str(tmp_path / "bad.docx")]) != 0
    assert "未知的占位符：nope" in capsys.readouterr().err


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*ROLES, None])
def test_every_role_on_every_new_page(client_for, published, name):
    filled(published)
    client = client_for(name)
    c = published.cycle_id
    readers = ["/results/{c}/v/1/notice.docx", "/results/{c}/v/1/ranking.xlsx", "/results/{c}/export/ranking/",
               "/results/{c}/export/detail/", "/results/{c}/scorecard/yanshi/file.docx"]
    office = ["/results/{c}/v/1/notice/", "/results/{c}/templates/", "/results/{c}/templates/notice/default.docx"]
    for url in readers:
        status = client.get(url.format(c=c)).status_code
        assert status == (200 if name in READERS else 302 if name is None else 403), (url, status)
    for url in office:
        status = client.get(url.format(c=c)).status_code
        assert status == (200 if name == "office" else 302 if name is None else 403), (url, status)
    for url, data in ((f"/results/{c}/v/1/notice/", {"issuer": "x", "day": "2019-01-20"}),
                      (f"/results/{c}/templates/reset/", {"kind": "notice", "scope": "cycle"})):
        status = client.post(url, data).status_code
        assert status == (302 if name in ("office", None) else 403), (url, status)
    own = client.get(f"/cycles/{c}/scorecard.pdf").status_code
    assert own == (200 if name == "unit" else 302 if name is None else 404) or (name == "unit" and own == 503)


@pytest.mark.parametrize("name", ROLES)
def test_every_role_on_every_new_api_operation(published, tokens, name):
    api = Client()
    c = published.cycle_id
    reads = api.get(f"/api/v1/cycles/{c}/results/1/notice", **tokens[name]).status_code
    assert reads == (200 if name in READERS else 403)
    ranking = api.get(f"/api/v1/cycles/{c}/results/1/ranking.xlsx", **tokens[name]).status_code
    assert ranking == (200 if name in READERS else 403)
    put = api.put(f"/api/v1/cycles/{c}/results/1/notice", "{}", content_type="application/json", **tokens[name])
    assert put.status_code == (200 if name == "office" else 403)
    own = api.get(f"/api/v1/cycles/{c}/scorecard.pdf", **tokens[name]).status_code
    assert own in ((200, 503) if name == "unit" else (404,))


# --- PNGs to look at ------------------------------------------------------------------------------


def test_render_the_notice_a_scorecard_and_the_ranking_to_png(client_for, published, pdf_tools, tmp_path_factory):
    """Writes PNGs of the notice (Word via LibreOffice when installed, and the PDF), a scorecard and
    the ranking to var/documents-png/ (or $KAOHE_PNG_DIR) for a person to look at."""
    import os
    import shutil
    from pathlib import Path

    folder = Path(os.environ.get("KAOHE_PNG_DIR") or Path(__file__).resolve().parents[3] / "var" / "documents-png")
    folder.mkdir(parents=True, exist_ok=True)
    filled(published)
    client = client_for("office")
    pdfs = {"notice-pdf": client.get(f"/results/{published.cycle_id}/v/1/notice.pdf").content,
            "scorecard": client.get(f"/results/{published.cycle_id}/scorecard/yanshi/file.pdf").content,
            "ranking": client.get(f"/results/{published.cycle_id}/v/1/ranking.pdf").content}
    work = tmp_path_factory.mktemp("png")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        (work / "notice.docx").write_bytes(client.get(f"/results/{published.cycle_id}/v/1/notice.docx").content)
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{work}/lo", "--convert-to", "pdf",
                        "--outdir", str(work), str(work / "notice.docx")], check=True, capture_output=True, timeout=180)
        pdfs["notice-docx"] = (work / "notice.pdf").read_bytes()
    for name, content in pdfs.items():
        assert content.startswith(b"%PDF"), name
        (work / f"{name}.pdf").write_bytes(content)
        for old in folder.glob(f"{name}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "60", "-l", "3", "-png", str(work / f"{name}.pdf"), str(folder / name)],
                       check=True, timeout=120)
        assert list(folder.glob(f"{name}-*.png")), name
