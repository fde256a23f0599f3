"""Scheme pages: list, tree with findings, import, publish, clone, diff and exports.

The demo database holds both 2018 schemes, published. Uploads are posted as real multipart files;
every refused upload must say what is wrong and store nothing.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.timezone import localdate

from kaohe.audit.context import acting_as
from kaohe.audit.models import Event
from kaohe.core.points import format_points
from kaohe.data import builtin_path
from kaohe.formats.yaml_scheme import loads_yaml
from kaohe.schemes import store
from kaohe.schemes.models import Node, SchemeRecord

MUNICIPAL_YAML = builtin_path("luoyang-2018-municipal").read_text(encoding="utf-8")


def small_yaml(name: str = "small-2019", title: str = "小型测试指标体系", first: str = "6",
               item: str = "贯彻落实") -> str:
    """Ten points over two items; `first` other than 6 makes the points add up wrong (errors)."""
    return f"""kaohe-scheme: 1
name: {name}
title: '{title}'
year: 2019
total: 10
units: [甲县, 乙县]
departments: [市委组织部]
dimensions:
  - title: 政治建设
    points: 10
    indicators:
      - title: 维护权威
        points: 10
        departments: [市委组织部]
        items:
          - title: '{item}'
            points: {first}
          - title: 请示报告
            points: 4
"""


def municipal_copy(name: str = "municipal-copy-2019") -> str:
    return MUNICIPAL_YAML.replace("name: luoyang-2018-municipal", f"name: {name}", 1)


def upload(client, filename: str, content: str | bytes, *, replace: bool = False):
    data = content.encode("utf-8") if isinstance(content, str) else content
    form = {"file": SimpleUploadedFile(filename, data)}
    if replace:
        form["replace"] = "on"
    return client.post("/schemes/import/", form)


def imported(client, filename: str, content: str | bytes) -> SchemeRecord:
    response = upload(client, filename, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    return SchemeRecord.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def county(db):
    return SchemeRecord.objects.get(name="luoyang-2018-county")


@pytest.fixture
def municipal(db):
    return SchemeRecord.objects.get(name="luoyang-2018-municipal")


@pytest.fixture
def office(client_for):
    return client_for("office")


# -- who may do what ---------------------------------------------------------------------------

READERS = {"office": 200, "leader": 200, "scorer": 200, "head": 200, "scorer2": 200, "unit": 403, None: 302}
READ_PAGES = ["/schemes/", "/schemes/{a}/", "/schemes/diff/?a={a}&b={b}", "/schemes/{a}/export.yaml",
              "/schemes/{a}/export.xlsx"]
# office-only: (method, url, what the office gets when it sends nothing useful)
OFFICE_PAGES = [("get", "/schemes/import/", 200), ("post", "/schemes/import/", 200),
                ("post", "/schemes/{a}/publish/", 302), ("post", "/schemes/{a}/clone/", 400)]


@pytest.mark.parametrize("role", list(READERS))
@pytest.mark.parametrize("url", READ_PAGES)
def test_reading_scheme_pages_is_for_the_office_leaders_scorers_and_heads(client_for, county, municipal,
                                                                          role, url):
    response = client_for(role).get(url.format(a=county.pk, b=municipal.pk))
    assert response.status_code == READERS[role]
    if role is None:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", list(READERS))
@pytest.mark.parametrize(("method", "url", "office_status"), OFFICE_PAGES)
def test_importing_publishing_and_cloning_is_for_the_office_only(client_for, county, role, method, url,
                                                                 office_status):
    count = SchemeRecord.objects.count()
    response = getattr(client_for(role), method)(url.format(a=county.pk))
    expected = {"office": office_status, None: 302}.get(role, 403)
    assert response.status_code == expected
    if role is None:
        assert response["Location"].startswith("/accounts/login/")
    assert SchemeRecord.objects.count() == count
    assert SchemeRecord.objects.get(pk=county.pk).is_published


def test_state_changes_refuse_get_requests(office, county):
    assert office.get(f"/schemes/{county.pk}/publish/").status_code == 405
    assert office.get(f"/schemes/{county.pk}/clone/").status_code == 405


def test_an_unknown_scheme_is_not_found(office):
    assert office.get("/schemes/999999/").status_code == 404
    assert office.get("/schemes/999999/export.yaml").status_code == 404


def test_the_list_links_every_scheme_and_only_the_office_sees_the_import_button(client_for, county):
    page = body(client_for("office").get("/schemes/"))
    assert f'href="/schemes/{county.pk}/"' in page and 'href="/schemes/import/"' in page
    leader_page = body(client_for("leader").get("/schemes/"))
    assert f'href="/schemes/{county.pk}/"' in leader_page and 'href="/schemes/import/"' not in leader_page


# -- the detail page ---------------------------------------------------------------------------

def test_the_detail_page_shows_the_tree_with_codes_points_departments_and_notes(client_for, county):
    page = body(client_for("leader").get(f"/schemes/{county.pk}/"))
    scheme = county.core()
    first = scheme.dimensions[0]
    assert f"{first.code} {first.title}（{format_points(first.points)}分）" in page
    noted = next(node for node in scheme.walk() if node.note)
    assert f'id="node-{noted.code}"' in page and noted.note in page
    assert "市委办公室" in page
    assert page.count('<details class="dimension" open') == len(scheme.dimensions)


def test_the_detail_page_lists_the_checkers_findings_by_node(client_for, county):
    page = body(client_for("scorer").get(f"/schemes/{county.pk}/"))
    assert 'id="findings-3.1"' in page and 'href="#findings-3.1"' in page
    assert "points-mismatch" in page and "源文件问题，未修复" in page
    assert f"{county.warnings} 个警告" in page
    # read-only users get no publish or clone forms
    assert "/publish/" not in page and "/clone/" not in page


@pytest.mark.parametrize("name", ["small", "county"])
def test_the_detail_page_needs_the_same_few_queries_however_big_the_scheme(office, county, name,
                                                                          django_assert_max_num_queries):
    record = county if name == "county" else imported(office, "small.yaml", small_yaml())
    with django_assert_max_num_queries(5) as captured:
        assert office.get(f"/schemes/{record.pk}/").status_code == 200
    queries = len(captured.captured_queries)
    assert queries == 4  # session, user, the scheme (with its creator and publisher), the other schemes


# -- importing ---------------------------------------------------------------------------------

def test_importing_a_valid_yaml_creates_a_draft_and_shows_its_findings(office):
    count = SchemeRecord.objects.count()
    response = upload(office, "municipal-copy.yaml", municipal_copy())
    assert response.status_code == 302
    record = SchemeRecord.objects.get(name="municipal-copy-2019")
    assert response["Location"] == f"/schemes/{record.pk}/"
    assert SchemeRecord.objects.count() == count + 1
    assert (record.status, record.errors, record.warnings) == ("draft", 0, 2)
    assert record.nodes.count() == sum(1 for _ in record.core().walk())
    assert Event.objects.filter(action="scheme.import", object_key="scheme:municipal-copy-2019").exists()
    page = body(office.get(response["Location"]))
    assert "已导入草稿" in page and "0个错误，2个警告" in page
    assert "points-mismatch" in page and "unit-total" in page
    assert "我已阅读并确认以上2个警告" in page


def test_a_small_hand_written_yaml_without_problems_passes_the_check(office):
    record = imported(office, "small.yaml", small_yaml())
    assert (record.errors, record.warnings, record.total) == (0, 0, Decimal(10))
    page = body(office.get(f"/schemes/{record.pk}/"))
    assert "通过：没有发现问题" in page and "贯彻落实" in page


def test_importing_a_scheme_with_errors_shows_them_and_publishing_is_refused(office):
    record = imported(office, "broken.yaml", small_yaml(name="broken-2019", first="5"))
    assert record.errors == 2
    page = body(office.get(f"/schemes/{record.pk}/"))
    assert 'id="findings-1.1"' in page
    assert "下级分值合计9分，与标注的10分不符" in page and "unit-total" in page
    assert "有2个错误，修正后才能发布" in page and "我已阅读并确认" not in page
    response = office.post(f"/schemes/{record.pk}/publish/", {"acknowledge": "on"}, follow=True)
    assert "该指标体系有2个错误，修正后才能发布" in body(response)
    record.refresh_from_db()
    assert not record.is_published


def test_publishing_with_warnings_requires_the_acknowledgement(office):
    record = imported(office, "copy.yaml", municipal_copy())
    response = office.post(f"/schemes/{record.pk}/publish/", follow=True)
    assert "请先确认2个警告，再发布" in body(response)
    record.refresh_from_db()
    assert not record.is_published
    response = office.post(f"/schemes/{record.pk}/publish/", {"acknowledge": "on"}, follow=True)
    record.refresh_from_db()
    assert record.is_published and record.warnings_acknowledged
    assert Event.objects.filter(action="scheme.publish", object_key=f"scheme:{record.name}").count() == 1
    page = body(response)
    assert "已发布" in page and "我已阅读并确认" not in page
    again = office.post(f"/schemes/{record.pk}/publish/", {"acknowledge": "on"}, follow=True)
    assert "该指标体系已经发布" in body(again)


def test_a_scheme_without_warnings_is_published_without_acknowledgement(office):
    record = imported(office, "small.yaml", small_yaml())
    office.post(f"/schemes/{record.pk}/publish/")
    record.refresh_from_db()
    assert record.is_published and not record.warnings_acknowledged


def test_a_published_scheme_cannot_be_replaced(office, municipal):
    count, document = SchemeRecord.objects.count(), municipal.document
    changed = MUNICIPAL_YAML.replace("title: 洛阳市市直单位", "title: 改过的洛阳市市直单位", 1)
    response = upload(office, "municipal.yaml", changed, replace=True)
    assert response.status_code == 200
    page = body(response)
    assert "已有名为“luoyang-2018-municipal”的已发布指标体系，已发布的指标体系不能替换" in page
    assert "请修改文件中的 name" in page
    municipal.refresh_from_db()
    assert SchemeRecord.objects.count() == count and municipal.document == document


def test_a_draft_with_the_same_name_is_replaced_only_when_asked(office):
    record = imported(office, "small.yaml", small_yaml())
    count = SchemeRecord.objects.count()
    second = small_yaml(item="新的考核内容")
    response = upload(office, "small.yaml", second)
    assert response.status_code == 200
    assert "已有名为“small-2019”的草稿" in body(response) and "替换同名草稿" in body(response)
    assert "新的考核内容" not in SchemeRecord.objects.get(pk=record.pk).document
    response = upload(office, "small.yaml", second, replace=True)
    assert response.status_code == 302 and response["Location"] == f"/schemes/{record.pk}/"
    assert SchemeRecord.objects.count() == count
    assert "新的考核内容" in SchemeRecord.objects.get(pk=record.pk).document
    assert Node.objects.filter(scheme=record, title="新的考核内容").count() == 1
    assert Event.objects.filter(action="scheme.replace", object_key="scheme:small-2019").exists()


def _zip_that_is_not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


BAD_UPLOADS = [
    # (file name, content, what the page must say)
    ("empty.yaml", b"", "上传的文件是空的"),
    ("blank.yaml", b"  \n\n", "文件“blank.yaml”是空的"),
    ("picture.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "扩展名是 .yaml，但内容不是 YAML 文本"),
    ("table.xlsx", "序号,一级指标\n1,政治建设\n".encode(), "扩展名是 .xlsx，但内容不是 Excel 工作簿"),
    ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "旧版 Excel 97-2003"),
    ("scheme.txt", b"kaohe-scheme: 1\n", "不支持的文件类型“.txt”"),
    ("scheme", b"kaohe-scheme: 1\n", "不支持的文件类型“无扩展名”"),
    ("list.yaml", "- 政治建设\n- 思想建设\n", "指标体系文件应为键值映射"),
    ("other.yaml", "name: x\nyear: 2019\n", "不是 Kaohe 指标体系文件：缺少“kaohe-scheme: 1”"),
    ("syntax.yaml", "kaohe-scheme: 1\nname: [unclosed\n", "YAML 语法错误"),
    ("no-total.yaml", "kaohe-scheme: 1\nname: x\nyear: 2019\n", "指标体系缺少“total”"),
    ("float.yaml", small_yaml(first="6.125"), "分值最多两位小数"),
    ("deep.yaml", "kaohe-scheme: 1\nunits: " + "[" * 100_000 + "]" * 100_000 + "\n", "嵌套超过40层"),
    ("alias.yaml", "kaohe-scheme: 1\nunits: &u [a]\ndepartments: *u\n", "不能使用 YAML 别名"),
    ("huge-points.yaml", small_yaml(first="9999996").replace("total: 10", "total: 10000000"), "总分10000000太大"),
]


@pytest.mark.parametrize(("filename", "content", "message"), BAD_UPLOADS, ids=[u[0] for u in BAD_UPLOADS])
def test_a_bad_upload_says_what_is_wrong_and_stores_nothing(office, filename, content, message):
    count, events = SchemeRecord.objects.count(), Event.objects.count()
    response = upload(office, filename, content)
    assert response.status_code == 200
    page = body(response)
    assert message in page
    assert "Traceback" not in page and "/tmp/" not in page
    assert SchemeRecord.objects.count() == count and Event.objects.count() == events


def test_a_yaml_error_names_the_uploaded_file_and_line(office):
    page = body(upload(office, "mine.yaml", "kaohe-scheme: 1\nname: x\nyear: twenty\ntotal: 1\n"))
    assert "mine.yaml 第3行：年度应为整数" in page


def test_a_zip_that_is_not_a_workbook_is_refused(office):
    count = SchemeRecord.objects.count()
    page = body(upload(office, "archive.xlsx", _zip_that_is_not_a_workbook()))
    assert "archive.xlsx：是 zip 压缩包，但不是 xlsx 工作簿" in page
    assert SchemeRecord.objects.count() == count


def test_a_file_larger_than_the_limit_is_refused(office, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    count = SchemeRecord.objects.count()
    page = body(upload(office, "copy.yaml", municipal_copy()))
    assert "文件太大" in page and "上限为1000" in page
    assert SchemeRecord.objects.count() == count


def test_a_reader_failure_shows_a_message_instead_of_a_traceback(office, monkeypatch):
    def broken(path):
        raise RuntimeError("bug in a reader")

    monkeypatch.setattr("kaohe.schemes.importing.read_path", broken)
    count = SchemeRecord.objects.count()
    response = upload(office, "small.yaml", small_yaml())
    assert response.status_code == 200 and "无法读取“small.yaml”" in body(response)
    assert "bug in a reader" not in body(response) and SchemeRecord.objects.count() == count


def test_no_file_at_all_is_refused(office):
    page = body(office.post("/schemes/import/", {}))
    assert "请选择要上传的文件" in page


# -- xlsx --------------------------------------------------------------------------------------

def _workbook(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    for ref in merges:  # a title row spans the table: that is how a second table is told apart
        wb.active.merge_cells(ref)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HEADER = ["序号", "一级指标", "二级指标", "三级指标", "考核内容", "考核单位", "备注"]


def test_importing_an_official_xlsx_table_creates_a_draft_with_the_readers_findings(office):
    data = _workbook([["考核指标体系"], HEADER, ["一", "甲(2分)", "乙(2分)", "丙(2分)", "1. 丁(2分)。", "市委组织部", None]])
    record = imported(office, "考核 表格.xlsx", data)
    assert record.name == "考核-表格" and record.status == "draft"
    page = body(office.get(f"/schemes/{record.pk}/"))
    assert "读取文件时发现" in page and "xlsx-no-year" in page and "没有年度" in page  # the code and its label
    assert "/tmp/" not in page  # never the temporary file's path


def test_an_xlsx_exported_here_can_be_imported_again_under_a_new_name(office, municipal):
    from kaohe.formats import xlsx_scheme as xlsx
    scheme = municipal.core()
    scheme.name, scheme.year = "municipal-2019", 2019
    record = imported(office, "municipal-2019.xlsx", xlsx.xlsx_bytes(scheme))
    assert (record.name, record.year, record.total, record.warnings) == ("municipal-2019", 2019, Decimal(100), 2)


def test_an_xlsx_with_a_published_name_asks_for_another_file_name(office, municipal):
    from kaohe.formats import xlsx_scheme as xlsx
    count = SchemeRecord.objects.count()
    page = body(upload(office, "municipal.xlsx", xlsx.xlsx_bytes(municipal.core())))
    assert "已发布的指标体系不能替换。请修改文件名" in page
    assert SchemeRecord.objects.count() == count


def test_an_xlsx_with_several_tables_is_refused(office):
    count = SchemeRecord.objects.count()
    data = _workbook([
        ["县区指标体系(2019年度)"], HEADER, [1, "甲(2分)", "乙(2分)", "丙(2分)", "1. 丁(2分)。", "市委办公室", None],
        ["市直单位指标体系(2019年度)"], HEADER, [1, "子(1分)", "丑(1分)", "寅(1分)", "卯(1分)。", "市委组织部", None],
    ], merges=("A1:G1", "A4:G4"))
    page = body(upload(office, "two.xlsx", data))
    assert "“two.xlsx”含2个指标体系（two、two-2）" in page and "一次只导入一个指标体系" in page
    assert SchemeRecord.objects.count() == count


# -- clone -------------------------------------------------------------------------------------

def test_cloning_makes_a_draft_for_the_new_year(office, county):
    response = office.post(f"/schemes/{county.pk}/clone/", {"name": "luoyang-2019-county", "year": "2019"})
    copy = SchemeRecord.objects.get(name="luoyang-2019-county")
    assert response.status_code == 302 and response["Location"] == f"/schemes/{copy.pk}/"
    assert (copy.status, copy.year, copy.core().year, copy.total) == ("draft", 2019, 2019, county.total)
    assert copy.title == county.title.replace("2018年度", "2019年度")
    assert copy.nodes.count() == county.nodes.count()
    assert Event.objects.filter(action="scheme.clone", object_key="scheme:luoyang-2019-county").exists()
    assert "已复制为2019年度的草稿" in body(office.get(response["Location"]))


def test_the_clone_form_suggests_next_years_name(office, county):
    page = body(office.get(f"/schemes/{county.pk}/"))
    assert 'value="luoyang-2019-county"' in page and 'value="2019"' in page


@pytest.mark.parametrize(("name", "year", "message"), [
    ("luoyang-2018-municipal", "2019", "已有名为“luoyang-2018-municipal”的指标体系"),
    ("Bad Name", "2019", "名称只能包含小写字母、数字和连字符"),
    ("ok-name", "19", "2000"),
])
def test_cloning_refuses_a_taken_or_malformed_name_or_year(office, county, name, year, message):
    count = SchemeRecord.objects.count()
    response = office.post(f"/schemes/{county.pk}/clone/", {"name": name, "year": year})
    assert response.status_code == 400 and message in body(response)
    assert SchemeRecord.objects.count() == count


# -- diff --------------------------------------------------------------------------------------

def test_the_diff_page_lists_a_changed_point_value(client_for, municipal):
    scheme = municipal.core()
    leaf = next(scheme.leaves())
    old = leaf.points
    leaf.points = old + 1
    scheme.name = "municipal-changed"
    with acting_as(name="test"):
        changed, _ = store.save_scheme(scheme)
    page = body(client_for("leader").get(f"/schemes/diff/?a={municipal.pk}&b={changed.pk}"))
    assert '<span class="badge">分值</span>' in page
    assert f"<code>{leaf.code}</code>" in page
    assert f'<td class="old">{format_points(old)}</td><td class="arrow">→</td><td class="new">{format_points(old + 1)}</td>' in page


def test_the_diff_page_without_choices_shows_only_the_form(client_for, county):
    page = body(client_for("head").get("/schemes/diff/"))
    assert 'name="a"' in page and 'name="b"' in page and "处变化" not in page


def test_the_diff_of_a_scheme_with_itself_is_empty(client_for, county):
    page = body(client_for("head").get(f"/schemes/diff/?a={county.pk}&b={county.pk}"))
    assert "两个指标体系没有差异" in page


def test_the_diff_page_refuses_unknown_choices(client_for, county):
    response = client_for("leader").get(f"/schemes/diff/?a={county.pk}&b=999999")
    assert response.status_code == 200 and "errorlist" in body(response) and "处变化" not in body(response)


# -- exports -----------------------------------------------------------------------------------

def test_the_yaml_export_is_the_stored_document(client_for, county):
    response = client_for("leader").get(f"/schemes/{county.pk}/export.yaml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert downloaded_name(response) == f"{county.title}-{localdate():%Y%m%d}.yaml"
    assert response.content.decode("utf-8") == county.document
    assert loads_yaml(response.content.decode("utf-8")).total == county.total


def test_the_xlsx_export_is_the_official_table(client_for, county):
    from kaohe.formats import xlsx_scheme as xlsx
    response = client_for("scorer").get(f"/schemes/{county.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert downloaded_name(response) == f"{county.title}-指标体系表-{localdate():%Y%m%d}.xlsx"
    assert response.content.startswith(b"PK\x03\x04")
    scheme = xlsx.read_xlsx_bytes(response.content, "luoyang-2018-county.xlsx").schemes[0]
    assert (scheme.name, scheme.total, scheme.counts()) == (county.name, county.total, county.core().counts())


def test_an_export_file_name_with_unusual_characters_is_encoded(office):
    record = imported(office, "odd.yaml", small_yaml(name="考核 2019"))
    record.title = '考核 2019/"第一季度"'
    record.save(update_fields=["title"])
    response = office.get(f"/schemes/{record.pk}/export.yaml")
    day = f"{localdate():%Y%m%d}"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"2019_-{day}.yaml\"; "
        f"filename*=UTF-8''%E8%80%83%E6%A0%B8%202019_%E7%AC%AC%E4%B8%80%E5%AD%A3%E5%BA%A6-{day}.yaml")


# -- escaping ----------------------------------------------------------------------------------

def test_titles_with_script_tags_are_escaped_everywhere(office, county):
    evil = "<script>alert(1)</script>"
    record = imported(office, "evil.yaml", small_yaml(name="evil-2019", title=evil, item=evil))
    for url in ("/schemes/", f"/schemes/{record.pk}/", f"/schemes/diff/?a={county.pk}&b={record.pk}"):
        page = body(office.get(url))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
        assert "<script>alert(1)" not in page, url


def downloaded_name(response) -> str:
    """The file name a browser saves: RFC 6266's filename*, decoded."""
    from urllib.parse import unquote

    return unquote(response["Content-Disposition"].split("filename*=UTF-8''")[1])
