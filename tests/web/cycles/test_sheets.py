"""Offline Excel scoring sheets: download per role, upload all-or-nothing with cell references,
unchanged cells untouched, conflicts, foreign and tampered sheets, and the API.

The demo's 组织部 (scorer, head) scores items such as 1.2.1.1 (满分 2) for all 18 county units; the
first sheet row (评分!6) is that item, and each unit has two columns from E on.
"""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaohe.accounts.models import ApiToken
from kaohe.audit.models import Event
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.cycles.scoring import Entry, save_score
from kaohe.cycles.sheets import apply_upload, build_sheet
from kaohe.formats.scoring_sheet import MANIFEST, SHEET, read_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_url(cycle: Cycle) -> str:
    return f"/cycles/{cycle.pk}/sheet.xlsx"


def upload_url(cycle: Cycle) -> str:
    return f"/cycles/{cycle.pk}/sheet/upload/"


def download(client, cycle: Cycle) -> bytes:
    response = client.get(download_url(cycle))
    assert response.status_code == 200, response.content[:300]
    return response.content


def fill(data: bytes, values: dict, change=None) -> bytes:
    """What a user does in Excel: open the downloaded file, type into cells, save."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[SHEET]
    for ref, value in values.items():
        ws[ref.split("!")[-1]] = value
    if change is not None:
        change(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, cycle: Cycle, data: bytes, name: str = "评分表.xlsx"):
    return client.post(upload_url(cycle), {"file": SimpleUploadedFile(name, data, content_type=XLSX)})


def cells(data: bytes) -> list:
    """The sheet's (unit, item) pairs in sheet order (row by row), with their cell references."""
    return read_sheet(data).cells


def score_of(cycle: Cycle, pair) -> Score:
    return Score.objects.select_related("node").get(cycle=cycle, unit__code=pair.unit_code,
                                                    node__code=pair.item_code)


def saved(cycle: Cycle) -> int:
    return Event.objects.filter(cycle=cycle, action="score.update").count()


# -- download --------------------------------------------------------------------------------

def test_a_scorer_downloads_a_sheet_of_the_departments_items_and_units(client_for, cycle):
    response = client_for("scorer").get(download_url(cycle))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    uploaded = read_sheet(response.content)
    assert (uploaded.cycle_id, uploaded.department_code) == (cycle.pk, "swzzb")
    tasks = cycle.scores.filter(department__code="swzzb")
    assert len(uploaded.cells) == tasks.count()
    assert set(uploaded.items) == set(tasks.values_list("node__code", flat=True))
    assert set(uploaded.units) == set(tasks.values_list("unit__code", flat=True))
    assert not uploaded.read_only


@pytest.mark.parametrize(("name", "status"), [
    ("scorer", 200), ("head", 200), ("scorer2", 200), ("office", 403), ("unit", 403), ("leader", 403),
])
def test_only_scorers_and_heads_of_a_department_in_the_cycle_download_a_sheet(client_for, cycle, name, status):
    assert client_for(name).get(download_url(cycle)).status_code == status


def test_anonymous_users_are_sent_to_log_in_for_a_sheet(client_for, cycle):
    for url in (download_url(cycle), upload_url(cycle)):
        response = client_for(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_office_downloads_a_read_only_copy_of_any_department(client_for, cycle):
    response = client_for("office").get(download_url(cycle) + "?department=swxcb")
    assert response.status_code == 200
    uploaded = read_sheet(response.content)
    assert uploaded.department_code == "swxcb" and uploaded.read_only
    assert client_for("office").get(download_url(cycle) + "?department=nope").status_code == 404
    assert client_for("leader").get(download_url(cycle) + "?department=swxcb").status_code == 403


def test_a_department_that_has_submitted_downloads_a_read_only_sheet(client_for, cycle):
    Submission.objects.filter(cycle=cycle, department__code="swzzb").update(state=Submission.State.SUBMITTED)
    data = download(client_for("scorer"), cycle)
    assert read_sheet(data).read_only
    ws = openpyxl.load_workbook(io.BytesIO(data))[SHEET]
    assert ws["E6"].protection.locked and "待部门负责人审核" in ws["B2"].value


def test_building_a_sheet_takes_one_query_and_one_for_the_ledgers_proposals(cycle, django_assert_num_queries):
    department = cycle.departments.get(code="swzzb")
    with django_assert_num_queries(2):
        sheet = build_sheet(cycle, department)
    assert len(sheet.values) == cycle.scores.filter(department=department).count()


def test_a_sheet_shows_the_current_scores(client_for, cycle, users):
    first = cells(download(client_for("scorer"), cycle))[0]
    save_score(users["scorer"], cycle, first.unit_code, first.item_code, Entry("1.5", "会议记录不全", 0))
    again = cells(download(client_for("scorer"), cycle))[0]
    assert (again.points, again.reason, again.version) == (Decimal("1.5"), "会议记录不全", 1)


# -- upload: the page ------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "status"), [
    ("scorer", 200), ("head", 200), ("scorer2", 200), ("office", 403), ("unit", 403), ("leader", 403),
])
def test_the_upload_page_is_for_scorers_and_heads_of_a_department_in_the_cycle(client_for, cycle, name, status):
    response = client_for(name).get(upload_url(cycle))
    assert response.status_code == status
    if status == 200:
        assert "上传评分表" in response.content.decode()


def test_a_cycle_the_user_cannot_see_is_not_found(client_for, cycle):
    assert client_for("scorer").get(f"/cycles/{cycle.pk + 1000}/sheet.xlsx").status_code == 404
    assert client_for("scorer").get(f"/cycles/{cycle.pk + 1000}/sheet/upload/").status_code == 404


# -- upload: applying ------------------------------------------------------------------------

def test_a_filled_in_sheet_is_applied_with_an_audit_event_per_change(client_for, cycle):
    client = client_for("scorer")
    data = download(client, cycle)
    a, b, c = cells(data)[:3]
    before = saved(cycle)
    response = upload(client, cycle, fill(data, {a.points_cell: 2, b.points_cell: 1.5, b.reason_cell: "未按时完成",
                                                 c.points_cell: "1.9", c.reason_cell: "记录不全"}))
    body = response.content.decode()
    assert response.status_code == 200 and "已保存 3 处修改" in body
    # and the way back to the grid, where the department checks its scores and submits them
    assert f'<a href="/cycles/{cycle.pk}/scoring/" class="next">回到评分页面核对，全部评完后提交审核</a>' in body
    assert (score_of(cycle, a).points, score_of(cycle, a).version) == (Decimal("2"), 1)
    assert (score_of(cycle, b).points, score_of(cycle, b).reason) == (Decimal("1.5"), "未按时完成")
    assert score_of(cycle, c).points == Decimal("1.9")
    events = Event.objects.filter(cycle=cycle, action="score.update").order_by("id")
    assert saved(cycle) == before + 3
    assert all(e.new["source"] == "sheet" and e.actor.username == "scorer" for e in events.reverse()[:3])


def test_cells_left_unchanged_are_not_touched(client_for, cycle, users):
    client = client_for("scorer")
    save_score(users["scorer"], cycle, *_pair(cycle, 1), Entry("1", "一般", 0))
    data = download(client, cycle)
    a, b = cells(data)[:2]
    versions = dict(Score.objects.filter(cycle=cycle, department__code="swzzb").values_list("pk", "version"))
    before = saved(cycle)
    response = upload(client, cycle, fill(data, {a.points_cell: 2}))
    assert "已保存 1 处修改" in response.content.decode()
    after = dict(Score.objects.filter(cycle=cycle, department__code="swzzb").values_list("pk", "version"))
    changed = {pk for pk in after if after[pk] != versions[pk]}
    assert changed == {score_of(cycle, a).pk}
    assert score_of(cycle, b).version == 1 and score_of(cycle, b).reason == "一般"
    assert saved(cycle) == before + 1


def test_uploading_an_untouched_sheet_saves_nothing(client_for, cycle):
    client = client_for("scorer")
    before = saved(cycle)
    response = upload(client, cycle, download(client, cycle))
    assert "已保存 0 处修改" in response.content.decode() and saved(cycle) == before


def test_one_bad_cell_among_good_ones_saves_nothing_and_names_the_cell(client_for, cycle):
    client = client_for("scorer")
    data = download(client, cycle)
    a, b, c = cells(data)[:3]
    before = saved(cycle)
    response = upload(client, cycle, fill(data, {a.points_cell: 2, b.points_cell: "一分", c.points_cell: 2}))
    body = response.content.decode()
    assert response.status_code == 200 and "没有保存任何内容" in body
    assert b.points_cell in body and "不是数字" in body
    assert score_of(cycle, a).points is None and score_of(cycle, c).points is None
    assert saved(cycle) == before


def test_every_bad_cell_is_reported_at_once_with_its_reference(client_for, cycle):
    client = client_for("scorer")
    data = download(client, cycle)
    a, b, c, d = cells(data)[:4]  # item 1.2.1.1, 满分 2, step 0.1
    response = upload(client, cycle, fill(data, {a.points_cell: 3, b.points_cell: 1.25, c.points_cell: 1.5,
                                                 d.points_cell: -1}))
    body = response.content.decode()
    assert f"{a.points_cell}</td>" in body and "0到2分之间" in body  # out of range
    assert f"{b.points_cell}</td>" in body and "最多1位小数" in body  # too many decimals
    assert f"{c.reason_cell}</td>" in body and "必须填写扣分理由" in body  # missing reason
    assert f"{d.points_cell}</td>" in body
    assert all(score_of(cycle, pair).points is None for pair in (a, b, c, d))


def test_checking_an_upload_takes_a_constant_number_of_queries(client_for, cycle, users,
                                                               django_assert_max_num_queries):
    data = download(client_for("scorer"), cycle)
    uploaded = read_sheet(fill(data, {pair.points_cell: "一分" for pair in cells(data)[:40]}))
    with django_assert_max_num_queries(4):
        report = apply_upload(users["scorer"], cycle, uploaded)
    assert len(report.errors) == 40 and report.applied == 0


def test_a_reason_without_points_is_an_error(client_for, cycle):
    client = client_for("scorer")
    data = download(client, cycle)
    a = cells(data)[0]
    body = upload(client, cycle, fill(data, {a.reason_cell: "材料不全"})).content.decode()
    assert a.points_cell in body and "没有填写得分" in body


def test_a_cell_changed_online_after_the_download_is_a_conflict_and_nothing_is_saved(client_for, cycle, users):
    client = client_for("scorer")
    data = download(client, cycle)
    a, b = cells(data)[:2]
    save_score(users["head"], cycle, a.unit_code, a.item_code, Entry("1", "网上已改", 0))
    response = upload(client, cycle, fill(data, {a.points_cell: 2, b.points_cell: 2}))
    body = response.content.decode()
    assert "冲突" in body and a.points_cell in body and "网上已改" in body and "没有保存任何内容" in body
    assert score_of(cycle, a).points == Decimal("1") and score_of(cycle, a).version == 1  # not overwritten
    assert score_of(cycle, b).points is None


def test_a_cell_changed_online_but_left_unchanged_in_the_sheet_is_no_conflict(client_for, cycle, users):
    client = client_for("scorer")
    data = download(client, cycle)
    a, b = cells(data)[:2]
    save_score(users["head"], cycle, a.unit_code, a.item_code, Entry("1", "网上已改", 0))
    body = upload(client, cycle, fill(data, {b.points_cell: 2})).content.decode()
    assert "已保存 1 处修改" in body
    assert score_of(cycle, a).points == Decimal("1") and score_of(cycle, b).points == Decimal("2")


def test_a_sheet_of_another_department_is_refused_naming_both(client_for, cycle):
    other = download(client_for("scorer2"), cycle)
    first = cells(other)[0]
    body = upload(client_for("scorer"), cycle, fill(other, {first.points_cell: 0.5})).content.decode()
    assert "这份评分表属于市委宣传部（编码 swxcb），不是市委组织部（编码 swzzb）的评分表" in body
    assert "没有保存任何内容" in body
    assert score_of(cycle, first).points is None


def manifest_edit(data: bytes, change) -> bytes:
    """The sheet with its hidden manifest's rows edited by hand (openpyxl can open it)."""
    def edit(wb):
        for row in wb[MANIFEST].iter_rows():
            change(row)

    return fill(data, {}, edit)


def test_a_department_code_edited_in_the_manifest_names_both_departments(client_for, cycle):
    """Issue 19: the code made another department's, the name left: the message said
    "属于市委组织部，不是市委组织部的评分表"."""
    data = download(client_for("scorer"), cycle)

    def other_code(row):
        if row[0].value == "department":
            row[1].value = "swxcb"

    body = upload(client_for("scorer"), cycle, manifest_edit(data, other_code)).content.decode()
    assert "部门编码 swxcb 是市委宣传部的，表中的部门名称却是“市委组织部”" in body


def test_a_manifest_edit_that_would_clear_scores_is_refused(client_for, cycle, users):
    """Issue 19: editing the downloaded values in the manifest made blank cells look like cleared
    scores, and the upload cleared them without a word. The manifest must hold what was saved at
    the version it names; otherwise the whole sheet is refused and nothing changes."""
    client = client_for("scorer")
    scored = cells(download(client, cycle))[:3]
    for pair in scored:
        score = score_of(cycle, pair)
        save_score(users["scorer"], cycle.pk, pair.unit_code, pair.item_code,
                   Entry(str(score.node.points), "", score.version))
    keys = {(pair.unit_code, pair.item_code) for pair in scored}
    blank = fill(download(client, cycle), {pair.points_cell: None for pair in scored})

    def claim_other_values(row):
        if row[0].value == "value" and (row[1].value, row[2].value) in keys:
            row[3].value = "0.5"

    body = upload(client, cycle, manifest_edit(blank, claim_other_values)).content.decode()
    assert "评分表的隐藏信息已被改动" in body and "没有保存任何内容" in body
    assert all(score_of(cycle, pair).points == score_of(cycle, pair).node.points for pair in scored)
    # the same blank cells with the manifest as downloaded: a scorer clearing scores on purpose
    body = upload(client, cycle, blank).content.decode()
    assert "已保存 3 处修改" in body
    assert all(score_of(cycle, pair).points is None for pair in scored)


def test_a_unit_moved_in_the_manifest_is_refused(client_for, cycle):
    data = download(client_for("scorer"), cycle)

    def swap_columns(row):
        if row[0].value == "unit" and row[1].value == "E":
            row[1].value, row[2].value = row[2].value, row[1].value

    body = upload(client_for("scorer"), cycle, manifest_edit(data, swap_columns)).content.decode()
    assert "隐藏的评分表信息已损坏" in body and "不在下载时的位置" in body


def test_a_sheet_of_another_cycle_is_refused(client_for, cycle):
    client = client_for("scorer")
    data = download(client, cycle)
    first = cells(data)[0]

    def other_cycle(wb):
        for row in wb[MANIFEST].iter_rows():
            if row[0].value == "cycle":
                row[1].value, row[2].value = str(cycle.pk + 1000), "2017年度考核"

    body = upload(client, cycle, fill(data, {first.points_cell: 2}, other_cycle)).content.decode()
    assert "另一个考核周期" in body and "2017年度考核" in body
    assert score_of(cycle, first).points is None


def test_a_submitted_department_cannot_upload(client_for, cycle):
    client = client_for("scorer")
    data = download(client, cycle)
    first = cells(data)[0]
    Submission.objects.filter(cycle=cycle, department__code="swzzb").update(state=Submission.State.SUBMITTED)
    body = upload(client, cycle, fill(data, {first.points_cell: 2})).content.decode()
    assert "待部门负责人审核" in body and "没有保存任何内容" in body
    assert score_of(cycle, first).points is None


def test_a_locked_cycle_refuses_uploads(client_for, cycle):
    client = client_for("scorer")
    data = download(client, cycle)
    first = cells(data)[0]
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    body = upload(client, cycle, fill(data, {first.points_cell: 2})).content.decode()
    assert "已锁定" in body and score_of(cycle, first).points is None


def test_a_read_only_copy_cannot_be_uploaded(client_for, cycle):
    data = client_for("office").get(download_url(cycle) + "?department=swzzb").content
    first = cells(data)[0]
    body = upload(client_for("scorer"), cycle, fill(data, {first.points_cell: 2})).content.decode()
    assert "只读副本" in body and score_of(cycle, first).points is None


@pytest.mark.parametrize("tamper", ["delete", "move"])
def test_a_sheet_with_rows_deleted_or_moved_is_refused(client_for, cycle, tamper):
    client = client_for("scorer")
    data = download(client, cycle)
    first = cells(data)[0]

    def change(wb):
        ws = wb[SHEET]
        if tamper == "delete":
            ws.delete_rows(7)
        else:
            for column in [1, *range(3, ws.max_column + 1)]:  # B is merged over the criterion's rows
                a, b = ws.cell(row=6, column=column), ws.cell(row=7, column=column)
                a.value, b.value = b.value, a.value

    body = upload(client, cycle, fill(data, {first.points_cell: 2}, change)).content.decode()
    assert "结构被改动" in body and ("第7行" if tamper == "delete" else "第6行") in body
    assert score_of(cycle, first).points is None


@pytest.mark.parametrize(("name", "content", "message"), [
    ("评分表.xls", b"\xd0\xcf\x11\xe0", "只能上传 .xlsx"),
    ("评分表.xlsx", "这不是表格".encode(), "不是 xlsx"),
])
def test_a_file_that_is_not_an_xlsx_sheet_is_refused(client_for, cycle, name, content, message):
    body = upload(client_for("scorer"), cycle, content, name).content.decode()
    assert message in body


def test_a_file_over_the_size_limit_is_refused(client_for, cycle, settings):
    client = client_for("scorer")
    data = download(client, cycle)
    settings.MAX_UPLOAD_BYTES = 1000
    assert "文件过大" in upload(client, cycle, data).content.decode()


def test_a_head_may_upload_the_departments_sheet(client_for, cycle):
    client = client_for("head")
    data = download(client, cycle)
    first = cells(data)[0]
    assert "已保存 1 处修改" in upload(client, cycle, fill(data, {first.points_cell: 2})).content.decode()


def test_users_without_a_department_cannot_post_a_sheet(client_for, cycle):
    data = download(client_for("scorer"), cycle)
    for name in ("office", "unit", "leader"):
        assert upload(client_for(name), cycle, data).status_code == 403


# -- API -------------------------------------------------------------------------------------

def bearer(users, name: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(users[name])[1]}"}


def test_the_api_downloads_and_uploads_a_sheet_with_a_bearer_token(client, cycle, users):
    auth = bearer(users, "scorer")
    response = client.get(f"/api/v1/cycles/{cycle.pk}/sheet", **auth)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    first = cells(response.content)[0]
    data = fill(response.content, {first.points_cell: 1.5, first.reason_cell: "未完成"})
    response = client.post(f"/api/v1/cycles/{cycle.pk}/sheet",
                           {"file": SimpleUploadedFile("s.xlsx", data, content_type=XLSX)}, **auth)
    assert response.status_code == 200 and response.json() == {"applied": 1, "unchanged": len(cells(data)) - 1}
    assert score_of(cycle, first).points == Decimal("1.5")
    event = Event.objects.filter(cycle=cycle, action="score.update").first()
    assert event.actor.username == "scorer" and event.new["source"] == "sheet"


def test_the_api_refuses_a_bad_sheet_with_cell_errors_and_conflicts(client, cycle, users):
    auth = bearer(users, "scorer")
    data = client.get(f"/api/v1/cycles/{cycle.pk}/sheet", **auth).content
    a, b = cells(data)[:2]
    save_score(users["head"], cycle, b.unit_code, b.item_code, Entry("2", "", 0))
    bad = fill(data, {a.points_cell: "一分", b.points_cell: 1, b.reason_cell: "理由"})
    response = client.post(f"/api/v1/cycles/{cycle.pk}/sheet",
                           {"file": SimpleUploadedFile("s.xlsx", bad, content_type=XLSX)}, **auth)
    assert response.status_code == 422
    body = response.json()
    assert [e["cell"] for e in body["errors"]] == [a.points_cell]
    assert [c["cell"] for c in body["conflicts"]] == [b.points_cell]
    assert body["conflicts"][0]["current"] == "2分" and body["conflicts"][0]["current_version"] == 1
    assert score_of(cycle, b).points == Decimal("2")


def test_the_api_refuses_a_file_that_is_not_a_sheet(client, cycle, users):
    response = client.post(f"/api/v1/cycles/{cycle.pk}/sheet",
                           {"file": SimpleUploadedFile("s.xlsx", b"hello", content_type=XLSX)},
                           **bearer(users, "scorer"))
    assert response.status_code == 422 and "不是 xlsx" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("name", "status"), [("office", 403), ("unit", 403), ("leader", 403), ("scorer2", 200)])
def test_the_api_sheet_is_for_users_with_a_department_in_the_cycle(client, cycle, users, name, status):
    response = client.get(f"/api/v1/cycles/{cycle.pk}/sheet", **bearer(users, name))
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "forbidden"
        post = client.post(f"/api/v1/cycles/{cycle.pk}/sheet",
                           {"file": SimpleUploadedFile("s.xlsx", b"x", content_type=XLSX)}, **bearer(users, name))
        assert post.status_code == 403


def test_the_api_answers_not_found_for_a_cycle_the_user_cannot_see_and_401_without_a_token(client, cycle, users):
    response = client.get(f"/api/v1/cycles/{cycle.pk + 1000}/sheet", **bearer(users, "scorer"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    draft = Cycle.objects.filter(pk=cycle.pk)
    draft.update(status=Cycle.Status.DRAFT)
    assert client.get(f"/api/v1/cycles/{cycle.pk}/sheet", **bearer(users, "scorer")).status_code == 404
    assert client.get(f"/api/v1/cycles/{cycle.pk}/sheet").status_code == 401


def test_the_api_works_with_the_browser_session(client_for, cycle):
    response = client_for("scorer").get(f"/api/v1/cycles/{cycle.pk}/sheet")
    assert response.status_code == 200 and response["Content-Type"] == XLSX


def _pair(cycle: Cycle, index: int) -> tuple[str, str]:
    """(unit code, item code) of the sheet's `index`-th pair (row by row, unit by unit)."""
    score = (Score.objects.filter(cycle=cycle, department__code="swzzb").select_related("unit", "node")
             .order_by("node__position", "unit__position"))[index]
    return score.unit.code, score.node.code
