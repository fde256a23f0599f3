"""The office's pages for users, units and departments (kaohe.directory): list, create, change,
deactivate, reset a password, and bulk import from an Excel roster with errors by row, all or
nothing — so daily work needs no Django admin. Master data changes never reach a cycle already
opened. (Every role against every page: test_permission_matrix.py.)"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kaohe.accounts.models import Role, User
from kaohe.audit.context import acting_as
from kaohe.audit.models import Event
from kaohe.cycles import lifecycle
from kaohe.cycles.models import CycleDepartment, CycleUnit
from kaohe.formats.roster import DEPARTMENTS, UNITS, USERS, read_roster, write_template
from kaohe.orgs.models import Department, Unit
from kaohe.schemes.models import SchemeRecord

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text(response) -> str:
    return response.content.decode()


def roster(headers: list[str], *rows: list[object]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, kind: str, data: bytes, name: str = "名册.xlsx"):
    return client.post(f"/directory/import/{kind}/", {"file": SimpleUploadedFile(name, data, content_type=XLSX)})


def logs_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password},
                             REMOTE_ADDR="192.0.2.10")
    return response.status_code == 302 and not response["Location"].startswith("/accounts/login/")


def once(page: str) -> str:
    """The password a page shows once."""
    return page.split('<code class="password" translate="no">')[1].split("</code>")[0]


# ----------------------------------------------------------------------------- users


def test_the_office_lists_and_filters_users(client_for):
    office = client_for("office")
    page = text(office.get("/directory/users/"))
    for name in ("office", "scorer", "head", "scorer2", "unit", "leader"):
        assert f">{name}</a>" in page
    assert "市委组织部" in page and "偃师市" in page
    only = text(office.get("/directory/users/?role=scorer"))
    assert ">scorer</a>" in only and ">scorer2</a>" in only and ">head</a>" not in only
    assert ">unit</a>" in text(office.get("/directory/users/?q=偃师")) or ">unit</a>" in text(office.get("/directory/users/?q=unit"))


def test_creating_a_user_without_a_password_shows_a_generated_one_once(client_for):
    office = client_for("office")
    page = text(office.post("/directory/users/new/", {"username": "zhang", "name": "张三", "role": Role.SCORER,
                                                      "department": Department.objects.get(code="swzzb").pk}))
    password = once(page)
    user = User.objects.get(username="zhang")
    assert user.check_password(password) and password not in user.password
    assert (user.role, user.department.code, user.last_name) == (Role.SCORER, "swzzb", "张三")
    assert Event.objects.filter(action="user.create", object_key="user:zhang").exists()
    assert logs_in("zhang", password)


def test_a_typed_password_is_checked_like_everywhere_else(client_for):
    page = text(client_for("office").post("/directory/users/new/", {"username": "li", "role": Role.LEADER,
                                                                     "password": "12345678901"}))
    assert "errorlist" in page and "只包含数字" in page and not User.objects.filter(username="li").exists()


@pytest.mark.parametrize(("data", "words"), [
    ({"username": "x1", "role": Role.SCORER}, "必须属于一个考核部门"),
    ({"username": "x1", "role": Role.LEADER, "unit": 1}, "只有被考核单位用户属于单位"),
    ({"username": "scorer", "role": Role.LEADER}, "已存在"),
    ({"username": "bad name!", "role": Role.LEADER}, "用户名"),
])
def test_a_refused_user_is_shown_with_its_reason_and_not_created(client_for, data, words):
    before = User.objects.count()
    page = text(client_for("office").post("/directory/users/new/", data))
    assert "errorlist" in page and words in page and User.objects.count() == before


def test_changing_a_users_role_and_department(client_for, users):
    office = client_for("office")
    response = office.post(f"/directory/users/{users['scorer2'].pk}/", {
        "name": "宣传部负责人", "email": "x@example.org", "role": Role.HEAD,
        "department": Department.objects.get(code="swxcb").pk})
    assert response.status_code == 302
    user = User.objects.get(username="scorer2")
    assert (user.role, user.last_name, user.email) == (Role.HEAD, "宣传部负责人", "x@example.org")


def test_resetting_a_password_shows_the_new_one_once_and_the_old_stops_working(client_for, users):
    users["leader"].set_password("Old-pass-2018")
    users["leader"].save()
    page = text(client_for("office").post(f"/directory/users/{users['leader'].pk}/password/", {"password": ""}))
    password = once(page)
    leader = User.objects.get(username="leader")
    assert leader.check_password(password) and not leader.check_password("Old-pass-2018")
    assert "只显示这一次" in page


def test_a_deactivated_user_cannot_log_in_and_the_office_cannot_deactivate_itself(client_for, users):
    office = client_for("office")
    users["scorer"].set_password("Scorer-pass-2018")
    users["scorer"].save()
    office.post(f"/directory/users/{users['scorer'].pk}/active/", {"active": "0"})
    assert not User.objects.get(username="scorer").is_active
    assert not logs_in("scorer", "Scorer-pass-2018")
    page = text(office.post(f"/directory/users/{users['office'].pk}/active/", {"active": "0"}, follow=True))
    assert "不能停用自己的账号" in page and User.objects.get(username="office").is_active
    office.post(f"/directory/users/{users['scorer'].pk}/active/", {"active": "1"})
    assert User.objects.get(username="scorer").is_active


# ----------------------------------------------------------------------------- units, departments


def test_the_office_creates_and_changes_a_unit(client_for):
    office = client_for("office")
    response = office.post("/directory/units/new/", {"code": "swzzb-test", "name": "测试单位", "category": "市直单位",
                                                     "scheme_name": "luoyang-2018-municipal", "position": ""})
    assert response.status_code == 302
    unit = Unit.objects.get(code="swzzb-test")
    assert unit.position > 0 and unit.scheme_name == "luoyang-2018-municipal"
    office.post("/directory/units/swzzb-test/edit/", {"code": "changed", "name": "测试单位二", "category": "市直单位",
                                                      "scheme_name": "", "position": "3"})
    unit.refresh_from_db()
    assert (unit.code, unit.name, unit.position) == ("swzzb-test", "测试单位二", 3)  # the code stays


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"code": "Bad Code"}, "code", "编码只能包含"),
    ({"code": "yanshi"}, "code", "已存在"),
    ({"name": "偃师市"}, "name", "已存在"),
    ({"position": "-1"}, "position", "非负整数"),
    ({"scheme_name": "nope"}, "scheme_name", ""),
])
def test_a_refused_unit_names_the_field(client_for, data, field, words):
    values = {"code": "new-unit", "name": "新单位", "category": "市直单位", "scheme_name": "", "position": "", **data}
    response = client_for("office").post("/directory/units/new/", values)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert words in text(response) and not Unit.objects.filter(name="新单位").exists()


def test_editing_master_data_never_changes_a_cycle_already_opened(client_for, cycle):
    office = client_for("office")
    office.post("/directory/units/yanshi/edit/", {"code": "yanshi", "name": "偃师区", "category": "城市区",
                                                  "scheme_name": "", "position": "1"})
    office.post("/directory/departments/swzzb/edit/", {"code": "swzzb", "name": "中共洛阳市委组织部", "position": "2"})
    office.post("/directory/units/yanshi/active/", {"active": "0"})
    assert Unit.objects.get(code="yanshi").name == "偃师区"
    copy = CycleUnit.objects.get(cycle=cycle, code="yanshi")
    assert (copy.name, copy.category) == ("偃师市", "县(市)")
    assert CycleDepartment.objects.get(cycle=cycle, code="swzzb").name == "市委组织部"
    assert "偃师市" in text(office.get(f"/cycles/{cycle.pk}/"))


def test_a_draft_whose_unit_changed_since_is_not_opened_silently(client_for, users):
    with acting_as(users["office"]):
        draft = lifecycle.create_cycle(name="草稿", scheme=SchemeRecord.objects.get(name="luoyang-2018-county"),
                                       unit_codes=["yanshi", "mengjin"])
    office = client_for("office")
    office.post("/directory/units/mengjin/edit/", {"code": "mengjin", "name": "孟津区", "category": "县(市)",
                                                   "scheme_name": "", "position": "1"})
    office.post("/directory/units/yanshi/active/", {"active": "0"})
    page = text(office.post(f"/cycles/{draft.pk}/open/", follow=True))
    assert "被考核单位在创建考核周期后有变化" in page and "偃师市" in page and "孟津区" in page
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_deactivated_unit_is_not_offered_for_a_new_cycle(client_for):
    office = client_for("office")
    office.post("/directory/units/yanshi/active/", {"active": "0"})
    assert 'value="yanshi"' not in text(office.get("/cycles/new/"))
    assert "已停用" in text(office.get("/directory/units/?q=yanshi"))


# ----------------------------------------------------------------------------- rosters


def test_the_templates_read_back_as_empty_rosters_but_their_example(db):
    for kind in (USERS, UNITS, DEPARTMENTS):
        rows = read_roster(write_template(kind), kind)
        assert len(rows) == 1 and rows[0].number == 2  # the example row


@pytest.mark.parametrize("kind", [USERS, UNITS, DEPARTMENTS])
def test_the_templates_example_row_left_in_imports_nothing(client_for, kind):
    """Left as it was, the example would add 张三 or change 偃师市 and 市委组织部."""
    office = client_for("office")
    office.get("/")  # its log-in time set before the comparison
    before = [list(model.objects.order_by("pk").values()) for model in (User, Unit, Department)]
    response = upload(office, kind.kind, write_template(kind))
    page = text(response)
    assert response.status_code == 422 and "全部1行都未导入" in page
    assert '<td class="num">2</td><td>—</td><td>这一行是模板中的示例，请改写或删除' in page
    assert [list(model.objects.order_by("pk").values()) for model in (User, Unit, Department)] == before


def test_importing_users_creates_them_all_with_passwords_shown_once(client_for):
    data = roster(["用户名", "姓名", "角色", "考核部门", "被考核单位", "电子邮箱"],
                  ["wang", "王五", "评分人", "市委组织部", "", "wang@example.org"],
                  ["zhao", "赵六", "部门负责人", "swxcb", "", ""],
                  [None, None, None, None, None, None],
                  ["mengjin1", "孟津县用户", "单位用户", "", "孟津县", ""],
                  ["boss2", "", "领导", "", "", ""])
    response = upload(client_for("office"), "users", data)
    page = text(response)
    assert response.status_code == 200 and "新增4条" in page
    for username in ("wang", "zhao", "mengjin1", "boss2"):
        password = page.split(f'<td translate="no">{username}</td>')[1].split('<code translate="no">')[1].split("</code>")[0]
        assert User.objects.get(username=username).check_password(password)
    assert User.objects.get(username="zhao").role == Role.HEAD
    assert User.objects.get(username="mengjin1").unit.name == "孟津县"


def test_one_bad_row_imports_nothing_and_every_error_is_named_by_row_and_column(client_for):
    data = roster(["用户名", "姓名", "角色", "考核部门", "被考核单位"],
                  ["ok1", "甲", "评分人", "市委组织部", ""],
                  ["ok2", "乙", "园丁", "", ""],
                  ["scorer", "丙", "领导", "", ""],
                  ["ok3", "丁", "评分人", "市委秘书处", ""],
                  ["ok1", "戊", "领导", "", ""])
    response = upload(client_for("office"), "users", data)
    page = text(response)
    assert response.status_code == 422 and "全部5行都未导入" in page
    errors = page.split('class="import-errors"')[1]
    assert '<td class="num">3</td><td>角色</td><td>不认识的角色“园丁”' in errors
    assert '<td class="num">4</td><td>用户名</td><td>用户名“scorer”已存在' in errors
    assert '<td class="num">5</td><td>考核部门</td><td>没有考核部门“市委秘书处”' in errors
    assert '<td class="num">6</td><td>用户名</td><td>用户名“ok1”已存在' in errors
    assert not User.objects.filter(username__in=["ok1", "ok2", "ok3"]).exists()


def test_importing_units_creates_new_ones_and_updates_by_code(client_for):
    data = roster(["编码", "名称", "类别", "默认指标体系", "排序"],
                  ["yanshi", "偃师市", "县(市)", "luoyang-2018-county", "0"],
                  ["newtown", "新城区", "城市区", "", ""],
                  ["swbgs", "市委办公室（新）", "市直单位", "luoyang-2018-municipal", ""])
    page = text(upload(client_for("office"), "units", data))
    assert "新增1条，更新1条，未变1条" in page
    assert Unit.objects.get(code="swbgs").name == "市委办公室（新）" and Unit.objects.get(code="newtown").position > 0


def test_a_bad_unit_roster_names_its_rows(client_for):
    data = roster(["编码", "名称", "类别"], ["a-1", "甲单位", "县(市)"], ["a-1", "乙单位", "县(市)"],
                  ["B", "丙单位", "乡镇"])
    response = upload(client_for("office"), "units", data)
    page = text(response)
    assert response.status_code == 422
    assert '<td class="num">3</td><td>编码</td><td>编码“a-1”与第2行重复' in page
    assert '<td class="num">4</td><td>编码</td>' in page and '<td class="num">4</td><td>类别</td>' in page
    assert not Unit.objects.filter(code="a-1").exists()


def test_importing_departments(client_for):
    data = roster(["编码", "名称"], ["swzzb", "市委组织部"], ["swnew", "市委新部门"])
    assert "新增1条，更新0条，未变1条" in text(upload(client_for("office"), "departments", data))
    assert Department.objects.get(code="swnew").name == "市委新部门"


@pytest.mark.parametrize(("data", "words"), [
    (b"not a workbook", "不是 xlsx 工作簿"),
    (roster(["用户名", "角色", "星座"], ["a", "领导", "白羊"]), "不认识的列：星座"),
    (roster(["姓名"], ["张三"]), "缺少必填的列：用户名、角色"),
    (roster(["用户名", "用户名", "角色"]), "列重复：用户名"),
    (roster(["用户名", "角色"], ["a" * 151, "领导"]), "最多 150 个字"),
])
def test_a_roster_of_the_wrong_shape_is_refused_in_one_line(client_for, data, words):
    before = User.objects.count()
    response = upload(client_for("office"), "users", data)
    assert response.status_code == 422 and words in text(response) and User.objects.count() == before


def test_a_roster_too_long_is_refused(client_for, monkeypatch):
    monkeypatch.setattr("kaohe.formats.roster.MAX_ROWS", 2)
    data = roster(["用户名", "角色"], ["a1", "领导"], ["a2", "领导"], ["a3", "领导"])
    response = upload(client_for("office"), "users", data)
    assert response.status_code == 422 and "最多 2 行" in text(response)
    assert not User.objects.filter(username="a1").exists()


def test_the_template_downloads_as_an_xlsx(client_for):
    response = client_for("office").get("/directory/template/units.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert [row.values["code"] for row in read_roster(response.content, UNITS)] == ["yanshi"]


def test_the_header_leads_the_office_to_its_own_pages(client_for):
    assert 'href="/directory/users/"' in text(client_for("office").get("/"))
    assert 'href="/directory/users/"' not in text(client_for("leader").get("/"))


def test_names_follow_the_one_text_rule(client_for):
    office = client_for("office")
    office.post("/directory/units/new/", {"code": "clean-1", "name": "新\u202e单位\u200b", "category": "市直单位",
                                          "scheme_name": "", "position": ""})
    assert Unit.objects.get(code="clean-1").name == "新单位"
    page = text(office.post("/directory/users/new/", {"username": "longname", "role": Role.LEADER, "name": "长" * 151}))
    assert "errorlist" in page and "150" in page and not User.objects.filter(username="longname").exists()
