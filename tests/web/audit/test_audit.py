"""The audit trail: who changed what, when, from where, old → new and why; append-only; the
office's filterable list and its exports; and replaying the trail reproduces the scores."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from kaohe.audit import export
from kaohe.audit.context import acting_as
from kaohe.audit.models import AppendOnlyError, Event
from kaohe.audit.record import record
from kaohe.audit.replay import EMPTY, differences, replay_scores, stored_scores
from kaohe.audit.words import describe
from kaohe.cycles import lifecycle, review
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.cycles.scoring import Entry, ScoreError, apply, find_score, save_score, validate

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]
PAGES = ["/audit/", "/audit/export.csv", "/audit/export.xlsx"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def tasks(cycle: Cycle, department: str, count: int, unit: str = "yanshi") -> list[Score]:
    """The first `count` of the department's tasks for one unit: each a different item."""
    return list(Score.objects.filter(cycle=cycle, department__code=department, unit__code=unit)
                .select_related("unit", "node").order_by("node__position")[:count])


def save(user, cycle: Cycle, score: Score, points: str, reason: str = "", address: str = "10.0.0.1",
         source: str = "grid") -> Score:
    current = Score.objects.get(pk=score.pk)
    with acting_as(user, address):
        return save_score(user, cycle, score.unit.code, score.node.code,
                          Entry(points, reason, current.version), source=source)


def marked(count: int, marker: str, **fields) -> list[Event]:
    """`count` events whose object key contains `marker`, created oldest first."""
    return [Event.objects.create(action=fields.get("action", "test.event"),
                                 object_type=fields.get("object_type", "test"),
                                 object_key=f"{marker}/{index}", actor_name=fields.get("actor_name", "tester"),
                                 cycle=fields.get("cycle"), old=fields.get("old"), new=fields.get("new"),
                                 reason=fields.get("reason", ""))
            for index in range(count)]


def at(when: dt.datetime):
    """Events created inside this block get `when` as their time."""
    return mock.patch("django.utils.timezone.now", return_value=when)


# --- Who may see it --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("name", ROLES)
def test_only_the_office_may_see_the_trail_and_export_it(client_for, name, url):
    response = client_for(name).get(url)
    response.close()  # an export is a file streamed back; closing the response removes it
    assert response.status_code == (200 if name == "office" else 403)


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_log_in_from_every_audit_page(client_for, url):
    response = client_for(None).get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_audit_pages_only_answer_get_requests(client_for):
    for url in PAGES:
        assert client_for("office").post(url).status_code == 405


# --- The list --------------------------------------------------------------------------------------

def test_the_list_shows_the_newest_event_first_in_words(client_for, users, cycle):
    with acting_as(users["scorer"]):
        record("score.update", "score", f"cycle:{cycle.pk}/unit:mengjin/item:1.2.1.1", cycle=cycle)
        record("score.update", "score", f"cycle:{cycle.pk}/unit:yanshi/item:1.2.1.2", cycle=cycle,
               old={"points": "1.5", "reason": "材料不全", "version": 1},
               new={"points": "2", "reason": "", "version": 2, "source": "grid"}, reason="复核后改正")
    body = client_for("office").get("/audit/").content.decode()
    rows = body.split('<table class="list audit-events">', 1)[1]
    assert rows.index("偃师市") < rows.index("孟津县")  # the newest first
    title = cycle.scheme.nodes.get(code="1.2.1.2").title
    assert f"考核内容 1.2.1.2 {title}" in rows and "组织部评分人" in rows and ">评分<" in rows
    assert "得分：1.5 → 2" in rows and "扣分理由：材料不全 → （空）" in rows and "来源：评分表格" in rows
    assert "版本" not in rows and "score.update" not in rows and "unit:" not in rows  # words, not codes
    assert "复核后改正" in body and cycle.name in body


def test_an_event_reads_as_who_did_what_to_which_object_and_what_changed(users, cycle):
    def words(**fields):
        return describe([Event(**{"actor_name": "kaohe demo", "cycle": cycle, **fields})])[0]

    score = words(action="score.update", object_type="score", object_key=f"cycle:{cycle.pk}/unit:yanshi/item:1.2.1.1",
                  old={"points": "1.5", "reason": "缺", "version": 1},
                  new={"points": "2", "reason": "缺", "version": 2, "source": "sheet"})
    assert (str(score.actor), score.action, score.type) == ("命令行 kaohe demo", "评分", "评分")
    assert score.object_text().startswith("评分：单位 偃师市 · 考核内容 1.2.1.1 ")
    assert score.change_texts() == ["得分：1.5 → 2", "来源：离线评分表"]
    status = words(action="cycle.locked", object_type="cycle", object_key=f"cycle:{cycle.pk}",
                   old={"status": "review"}, new={"status": "locked"})
    assert (status.action, status.object_text(), status.change_texts()) == (
        "锁定考核周期", "考核周期", ["状态：审核中 → 已锁定"])
    answer = words(action="objection.answer", object_type="objection",
                   object_key=f"cycle:{cycle.pk}/unit:yanshi/objection:999/item:1.2.1.1",
                   old={"decision": "", "points": None, "answer": ""},
                   new={"decision": "upheld", "points": None, "answer": "依据充分"})
    assert answer.action == "答复异议" and answer.change_texts() == [
        "答复：待答复 → 维持原评分", "答复理由：（空） → 依据充分"]
    assert [label for label, _name in answer.parts] == ["单位", "异议", "考核内容"]
    with translation.override("en"):  # the object's part is the noun, not the scorecard's "Object" column
        english = words(action="objection.file", object_type="objection",
                        object_key=f"cycle:{cycle.pk}/unit:yanshi/objection:999", new={"version": 1})
        assert (english.action, [label for label, _name in english.parts]) == ("Raise an objection", ["Unit", "Objection"])
    bonus = words(action="results.adjustment.add", object_type="results", object_key=f"cycle:{cycle.pk}/unit:yanshi",
                  new={"unit": "yanshi", "kind": "bonus", "points": "2", "reason": "表彰", "document": "", "cap": ""})
    assert bonus.change_texts()[:3] == ["单位：偃师市", "类型：加分", "分值：2"]
    user = words(action="user.update", object_type="user", object_key="user:scorer", actor_name="系统",
                 old={"department": "swxcb"}, new={"department": "swzzb", "password": "（已修改）"})
    assert str(user.actor) == "系统" and user.object_text() == "用户：组织部评分人 scorer"
    assert user.change_texts() == ["所属考核部门：市委宣传部 → 市委组织部", "密码：已修改"]
    created = words(action="unit.create", object_type="unit", object_key="unit:yanshi", cycle=None,
                    new={"name": "偃师市", "active": True, "id": 3})
    assert created.action == "新增被考核单位" and created.change_texts() == ["名称：偃师市", "启用：是"]
    gone = words(action="unit.delete", object_type="unit", object_key="unit:gone", cycle=None, old={"name": "旧区"})
    assert gone.object_text() == "被考核单位：单位 gone" and gone.change_texts() == ["名称：旧区 → —"]


def test_every_event_the_code_records_has_words(db):
    """Each app registers the words of the events it records (kaohe.audit.vocabulary): every
    action named in a record(...) call has a label, and so has every field a record(...) names."""
    import ast
    from pathlib import Path

    import kaohe
    from kaohe.audit import vocabulary

    actions, missing = set(), []
    for path in Path(kaohe.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    actions.add(first.value)
    assert len(actions) > 20  # the extraction itself works
    missing = sorted(a for a in actions if a not in vocabulary.known_actions())
    assert not missing, f"actions recorded without a label (register them in the app's events.py): {missing}"
    # the ones made at run time: f"cycle.{status}", f"submission.{step}", f"{kind}.create" …
    for action in ["cycle.open", "cycle.review", "cycle.locked", "cycle.reopen", "submission.return",
                   "submission.lock", "user.create", "department.delete"]:
        assert action in vocabulary.known_actions(), action


def test_text_in_events_is_escaped_in_the_page(client_for):
    record("test.event", "test", "xss", reason="<script>alert(1)</script>", new={"name": "<b>x</b>"})
    body = client_for("office").get("/audit/").content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body and "<b>x</b>" not in body


def test_the_list_shows_a_hundred_events_to_a_page(client_for):
    marked(250, "paging")
    client = client_for("office")

    def keys(page: str) -> list[int]:
        body = client.get("/audit/", {"object_key": "paging/", "page": page}).content.decode()
        return [int(number) for number in re.findall(r"paging/(\d+)<", body)]

    first, third = keys("1"), keys("3")
    assert first == list(range(249, 149, -1)) and third == list(range(49, -1, -1))
    assert keys("99") == third and keys("abc") == first  # out of range → the last; not a number → the first
    assert "共 250 条" in client.get("/audit/", {"object_key": "paging/"}).content.decode()


def test_page_links_keep_the_filters(client_for):
    marked(150, "links")
    body = client_for("office").get("/audit/", {"object_key": "links/", "action": "test.event"}).content.decode()
    assert "?object_key=links%2F&amp;action=test.event&amp;page=2" in body
    assert "/audit/export.csv?object_key=links%2F&amp;action=test.event" in body
    assert "/audit/export.xlsx?object_key=links%2F&amp;action=test.event" in body


def test_the_list_takes_the_same_number_of_queries_however_many_events_it_shows(
        client_for, cycle, django_assert_max_num_queries):
    from django.db import connection

    client = client_for("office")
    marked(3, "few", cycle=cycle, old={"points": "1"}, new={"points": "2"})
    with CaptureQueriesContext(connection) as few:
        assert client.get("/audit/", {"object_key": "few/"}).status_code == 200
    marked(150, "many", cycle=cycle, old={"points": "1"}, new={"points": "2"})
    with CaptureQueriesContext(connection) as many:
        assert client.get("/audit/", {"object_key": "many/"}).status_code == 200
    assert len(many) == len(few)
    with django_assert_max_num_queries(9):
        client.get("/audit/", {"object_key": "many/", "page": "2"})


@pytest.mark.parametrize("params, shown, hidden", [
    ({"action": "filter.a"}, ["f/a"], ["f/b", "f/c"]),
    ({"object_type": "kind-b"}, ["f/b"], ["f/a", "f/c"]),
    ({"actor": "ALICE"}, ["f/a", "f/c"], ["f/b"]),
    ({"object_key": "F/C"}, ["f/c"], ["f/a", "f/b"]),
    ({"action": "filter.a", "actor": "bob"}, [], ["f/a", "f/b", "f/c"]),
])
def test_each_filter_narrows_the_list(client_for, params, shown, hidden):
    Event.objects.create(action="filter.a", object_type="kind-a", object_key="f/a", actor_name="alice")
    Event.objects.create(action="filter.b", object_type="kind-b", object_key="f/b", actor_name="bob")
    Event.objects.create(action="filter.c", object_type="kind-c", object_key="f/c", actor_name="alice")
    body = client_for("office").get("/audit/", {"object_key": "f/", **params}).content.decode()
    assert all(key in body for key in shown) and not any(key in body for key in hidden)


def test_the_cycle_filter_keeps_only_that_cycles_events(client_for, cycle):
    Event.objects.create(action="filter.cycle", object_type="t", object_key="in-cycle", cycle=cycle)
    Event.objects.create(action="filter.cycle", object_type="t", object_key="no-cycle")
    body = client_for("office").get("/audit/", {"cycle": cycle.pk, "action": "filter.cycle"}).content.decode()
    assert "in-cycle" in body and "no-cycle" not in body


def test_dates_filter_whole_days_in_shanghai_time(client_for):
    utc = dt.UTC
    with at(dt.datetime(2026, 1, 1, 15, 30, tzinfo=utc)):  # 23:30 on 1 January in Shanghai
        Event.objects.create(action="filter.day", object_type="t", object_key="day-one")
    with at(dt.datetime(2026, 1, 1, 16, 30, tzinfo=utc)):  # 00:30 on 2 January
        Event.objects.create(action="filter.day", object_type="t", object_key="day-two-early")
    with at(dt.datetime(2026, 1, 2, 15, 59, tzinfo=utc)):  # 23:59 on 2 January
        Event.objects.create(action="filter.day", object_type="t", object_key="day-two-late")
    with at(dt.datetime(2026, 1, 2, 16, 0, tzinfo=utc)):  # midnight, 3 January
        Event.objects.create(action="filter.day", object_type="t", object_key="day-three")
    client = client_for("office")
    body = client.get("/audit/", {"action": "filter.day", "date_from": "2026-01-02",
                                  "date_to": "2026-01-02"}).content.decode()
    assert "day-two-early" in body and "day-two-late" in body
    assert "day-one" not in body and "day-three" not in body
    body = client.get("/audit/", {"action": "filter.day", "date_from": "2026-01-03"}).content.decode()
    assert "day-three" in body and "day-two" not in body
    body = client.get("/audit/", {"action": "filter.day", "date_to": "2026-01-01"}).content.decode()
    assert "day-one" in body and "day-two" not in body
    assert "2026-01-01 23:30:00" in body  # shown in Shanghai time too


@pytest.mark.parametrize("params", [
    {"cycle": "abc"}, {"cycle": "999999"}, {"action": "no.such.action"}, {"object_type": "nothing"},
    {"date_from": "2026-13-01"}, {"date_to": "yesterday"},
    {"date_from": "2026-02-01", "date_to": "2026-01-01"}, {"object_key": "x" * 201}, {"actor": "y" * 151},
])
def test_invalid_filters_are_form_errors_not_server_errors(client_for, params):
    client = client_for("office")
    response = client.get("/audit/", params)
    body = response.content.decode()
    assert response.status_code == 200 and 'class="errorlist' in body and "筛选条件有误" in body
    for url in PAGES[1:]:
        response = client.get(url, params)
        assert response.status_code == 400 and 'class="errorlist' in response.content.decode()


# --- Exports ---------------------------------------------------------------------------------------

def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


HEADER = ["时间", "操作人", "来源地址", "操作", "对象类型", "对象", "考核周期", "变更", "理由"]


def test_the_csv_export_streams_the_filtered_events_in_words_with_a_bom_and_shanghai_times(client_for, users, cycle):
    key = f"cycle:{cycle.pk}/unit:yanshi/item:1.2.1.1"
    with at(dt.datetime(2026, 3, 1, 2, 3, 4, tzinfo=dt.UTC)), acting_as(users["scorer"], "10.9.8.7"):
        record("score.update", "score", key, cycle=cycle, old={"points": "1.5", "reason": "缺材料", "version": 1},
               new={"points": "2", "reason": "", "version": 2}, reason="复核")
    marked(2, "export-other")
    response = client_for("office").get("/audit/export.csv", {"object_key": key})
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E8%AE%B0%E5%BD%95-" in response["Content-Disposition"]  # 审计记录-
    rows = csv_rows(response)
    title = cycle.scheme.nodes.get(code="1.2.1.1").title
    assert rows == [HEADER, [
        "2026-03-01 10:03:04", "组织部评分人 scorer", "10.9.8.7", "评分", "评分", f"评分：单位 偃师市 · 考核内容 1.2.1.1 {title}",
        cycle.name, "得分：1.5 → 2\n扣分理由：缺材料 → （空）", "复核"]]
    client = client_for("office")
    client.cookies["django_language"] = "en"
    english = csv_rows(client.get("/audit/export.csv", {"object_key": key}))
    assert english[0][:4] == ["Time", "User", "Source address", "Action"] and english[1][3] == "Scoring"
    assert english[1][7] == "Score: 1.5 → 2\nReason for deduction: 缺材料 → (empty)"


def test_the_exports_escape_text_that_a_spreadsheet_would_run_as_a_formula(client_for):
    dangerous = ['=HYPERLINK("http://evil","x")', "+1+2", "-3", "@SUM(A1)", "\t=1", "\r=2"]
    for index, text in enumerate(dangerous):
        Event.objects.create(action="escape.test", object_type="t", object_key=f"escape/{index}",
                             actor_name="=cmd|' /C calc'!A0", reason=text)
    client = client_for("office")
    rows = csv_rows(client.get("/audit/export.csv", {"action": "escape.test"}))[1:]
    assert [row[-1] for row in reversed(rows)] == [
        "'" + t.replace("\r", "\n") for t in dangerous]
    assert all(row[1] == "'=cmd|' /C calc'!A0" for row in rows)

    response = client.get("/audit/export.xlsx", {"action": "escape.test"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    reasons = [row[8] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in reversed(reasons)] == [t.replace("\r", "\n") for t in dangerous]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in reasons)
    assert all(row[1].data_type == "s" and row[1].quotePrefix for row in sheet.iter_rows(min_row=2))


def test_the_xlsx_export_writes_the_filtered_events_with_shanghai_times(client_for, users, cycle):
    with at(dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC)), acting_as(users["office"], "10.1.1.1"):
        record("cycle.review", "cycle", f"cycle:{cycle.pk}", cycle=cycle, old={"status": "open"},
               new={"status": "review"}, reason="进入审核")
    marked(3, "xlsx-other")
    response = client_for("office").get("/audit/export.xlsx", {"action": "cycle.review"})
    assert response.streaming
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E8%AE%B0%E5%BD%95-" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows == [tuple(HEADER), (
        dt.datetime(2026, 3, 2, 2, 0), "考核办管理员 office", "10.1.1.1", "进入审核", "考核周期", "考核周期", cycle.name,
        "状态：评分中 → 审核中", "进入审核")]


def test_the_exports_query_the_database_a_constant_number_of_times(client_for, django_assert_max_num_queries):
    marked(300, "export-count")
    client = client_for("office")
    for url in PAGES[1:]:
        with django_assert_max_num_queries(8):
            response = client.get(url, {"object_key": "export-count/"})
            b"".join(response.streaming_content)


# --- Append-only -----------------------------------------------------------------------------------

def test_an_event_can_be_neither_saved_again_nor_updated_nor_deleted(db):
    event = record("test.event", "test", "append-only", new={"a": 1})
    event.reason = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.all().update(reason="")
    assert Event.objects.get(pk=event.pk).reason == ""


def test_the_django_admin_offers_no_way_to_change_events(client_for):
    assert not admin.site.is_registered(Event)
    assert client_for("office").get("/admin/audit/event/").status_code == 404


# --- Who, when, from where, old → new, why ----------------------------------------------------------

def latest(action: str) -> Event:
    return Event.objects.filter(action=action).order_by("-id").first()


def endpoint(name: str, *args: object) -> str:
    return reverse(name, args=args)


def grid_save(client, cycle: Cycle, score: Score, points: str, reason: str = "",
              address: str = "10.0.0.1"):
    url = endpoint("cycles:save_score", cycle.pk, score.unit.code, score.node.code)
    version = Score.objects.get(pk=score.pk).version
    return client.post(url, {"points": points, "reason": reason, "version": version}, REMOTE_ADDR=address)


def api_save(key: str, cycle: Cycle, score: Score, points: str | None, reason: str = "",
             address: str = "10.0.0.2"):
    url = f"/api/v1/cycles/{cycle.pk}/scores/{score.unit.code}/{score.node.code}"
    version = Score.objects.get(pk=score.pk).version
    return Client().put(url, data=json.dumps({"points": points, "reason": reason, "version": version}),
                        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
                        REMOTE_ADDR=address)


def sheet_upload(client, cycle: Cycle, values: dict[Score, tuple[str | None, str | None]],
                 address: str = "10.0.0.3"):
    """Download the department's sheet, type `values` into it as a user would, upload it."""
    from kaohe.formats import scoring_sheet as sheets

    data = client.get(endpoint("cycles:sheet_download", cycle.pk)).content
    where = {(c.unit_code, c.item_code): c for c in sheets.read_sheet(data).cells}
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[sheets.SHEET]
    for score, (points, reason) in values.items():
        cell = where[(score.unit.code, score.node.code)]
        sheet[cell.points_cell.split("!")[-1]] = points
        sheet[cell.reason_cell.split("!")[-1]] = reason
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("评分表.xlsx", out.getvalue(), content_type=export.XLSX_TYPE)
    return client.post(endpoint("cycles:sheet_upload", cycle.pk), {"file": upload}, REMOTE_ADDR=address)


def test_a_score_saved_in_the_grid_records_who_when_where_old_new_and_reason(client_for, users, cycle):
    score = tasks(cycle, "swzzb", 1)[0]
    scorer, head = client_for("scorer"), client_for("head")
    before = timezone.now()
    assert grid_save(scorer, cycle, score, "1.5", "材料不全", address="10.1.2.3").status_code == 200
    assert grid_save(head, cycle, score, "1.2", "复核扣分", address="10.1.2.4").status_code == 200
    first, second = Event.objects.filter(action="score.update", cycle=cycle).order_by("-id")[:2][::-1]
    assert before <= first.at <= second.at <= timezone.now()
    assert (first.actor, first.address, second.actor, second.address) == (
        users["scorer"], "10.1.2.3", users["head"], "10.1.2.4")
    assert second.object_key == f"cycle:{cycle.pk}/unit:{score.unit.code}/item:{score.node.code}"
    assert first.old == {"points": None, "reason": "", "version": 0}
    assert second.old == {"points": "1.5", "reason": "材料不全", "version": 1}
    assert second.new == {"points": "1.2", "reason": "复核扣分", "version": 2, "source": "grid"}


def test_a_score_saved_through_the_service_records_who_when_where_old_new_and_reason(users, cycle):
    score = tasks(cycle, "swzzb", 1)[0]
    before = timezone.now()
    save(users["scorer"], cycle, score, "1.5", "材料不全", address="10.1.2.3")
    save(users["head"], cycle, score, "1.2", "复核扣分", address="10.1.2.4")
    event = latest("score.update")
    assert before <= event.at <= timezone.now()
    assert (event.actor, event.actor_name, event.address) == (users["head"], "head", "10.1.2.4")
    assert event.object_key == f"cycle:{cycle.pk}/unit:{score.unit.code}/item:{score.node.code}"
    assert event.cycle == cycle and event.object_type == "score"
    assert event.old == {"points": "1.5", "reason": "材料不全", "version": 1}
    assert event.new == {"points": "1.2", "reason": "复核扣分", "version": 2, "source": "grid"}


def test_a_refused_score_change_leaves_no_event(users, cycle):
    score = tasks(cycle, "swzzb", 1)[0]
    count = Event.objects.count()
    with pytest.raises(ScoreError):
        save(users["scorer2"], cycle, score, "1")  # another department's item
    with pytest.raises(ScoreError):
        save(users["scorer"], cycle, score, "1")  # below full marks without a reason
    assert Event.objects.count() == count


def test_review_steps_record_the_transition_and_the_comment(users, cycle):
    submission = cycle.submissions.get(department__code="swzzb")
    Score.objects.filter(department=submission.department).update(points=0)  # every item scored
    with acting_as(users["scorer"], "10.2.0.1"):
        review.submit(users["scorer"], submission)
    event = latest("submission.submit")
    assert (event.actor_name, event.address, event.old, event.new) == (
        "scorer", "10.2.0.1", {"state": "draft"}, {"state": "submitted"})
    assert event.object_key == f"cycle:{cycle.pk}/department:swzzb" and event.cycle == cycle
    with acting_as(users["head"], "10.2.0.2"):
        review.send_back(users["head"], submission, "第3项理由不充分")
    event = latest("submission.send_back")
    assert (event.actor_name, event.address, event.old, event.new, event.reason) == (
        "head", "10.2.0.2", {"state": "submitted"}, {"state": "draft"}, "第3项理由不充分")


def test_cycle_state_changes_record_old_and_new_status_and_the_reason(users, cycle):
    start = Event.objects.order_by("-id").values_list("id", flat=True).first()
    with acting_as(users["office"], "10.3.0.1"):
        lifecycle.start_review(cycle)
        Submission.objects.filter(cycle=cycle).update(state=Submission.State.LOCKED)
        lifecycle.lock_cycle(cycle)
        lifecycle.reopen_cycle(cycle, "更正一项计分错误")
    events = list(Event.objects.filter(object_key=f"cycle:{cycle.pk}", id__gt=start).order_by("id"))
    assert [(e.old, e.new, e.reason) for e in events] == [
        ({"status": "open"}, {"status": "review"}, ""),
        ({"status": "review"}, {"status": "locked"}, ""),
        ({"status": "locked"}, {"status": "review"}, "更正一项计分错误")]
    assert all((e.actor_name, e.address, e.cycle) == ("office", "10.3.0.1", cycle) for e in events)


def test_publishing_a_scheme_records_who_and_the_status_change(users, cycle):
    from kaohe.schemes.store import clone, publish

    with acting_as(users["office"], "10.4.0.1"):
        draft = clone(cycle.scheme, name="audit-test-2019", year=2019)
        publish(draft, acknowledge_warnings=True)
    event = latest("scheme.publish")
    assert (event.actor_name, event.address, event.object_key) == ("office", "10.4.0.1", "scheme:audit-test-2019")
    assert event.old == {"status": "draft"} and event.new["status"] == "published"
    assert latest("scheme.clone").old == {"from": cycle.scheme.name}


def test_a_unit_edit_in_the_admin_records_the_address_and_the_changed_fields(client_for):
    from kaohe.orgs.models import Unit

    unit = Unit.objects.get(code="yanshi")
    response = client_for("office").post(f"/admin/orgs/unit/{unit.pk}/change/", {
        "code": unit.code, "name": "偃师区", "category": unit.category, "party_organisation": unit.party_organisation,
        "scheme_name": unit.scheme_name, "active": "on", "position": unit.position,
    }, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302, response.content.decode()[:2000]
    event = latest("unit.update")
    assert (event.actor_name, event.address, event.object_key) == ("office", "10.1.2.3", "unit:yanshi")
    assert (event.old, event.new) == ({"name": "偃师市"}, {"name": "偃师区"})


def test_creating_a_user_is_recorded_without_the_password(users):
    from kaohe.accounts.models import Role, User

    with acting_as(users["office"], "10.5.0.1"):
        user = User(username="newleader", role=Role.LEADER, last_name="新领导")
        user.set_password("Secret-pass-123")
        user.save()
    event = latest("user.create")
    assert (event.actor_name, event.address, event.object_key) == ("office", "10.5.0.1", "user:newleader")
    assert event.new["username"] == "newleader" and event.new["role"] == "leader"
    assert "password" not in event.new and user.password not in json.dumps(event.new)


def test_a_password_change_on_the_page_records_the_address_and_never_the_hash(client_for, users):
    from kaohe.accounts.models import User

    response = client_for("leader").post("/accounts/password/", {
        "old_password": "kaohe-demo", "new_password1": "Abc-12345-x", "new_password2": "Abc-12345-x",
    }, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    event = latest("user.update")
    assert (event.actor, event.actor_name, event.address) == (users["leader"], "leader", "10.1.2.3")
    assert event.new == {"password": "（已修改）"}
    hashed = User.objects.get(username="leader").password
    assert hashed not in json.dumps([event.old, event.new]) and "password" not in (event.old or {})


# --- Replay ------------------------------------------------------------------------------------------

def assert_replay_matches(cycle: Cycle) -> None:
    replayed, stored = replay_scores(cycle), stored_scores(cycle)
    assert set(replayed) <= set(stored)
    for task, row in stored.items():
        assert replayed.get(task, EMPTY) == row, task
    assert differences(cycle) == []


def test_replaying_the_trail_from_empty_gives_exactly_the_stored_scores(users, cycle):
    mine, theirs = tasks(cycle, "swzzb", 4), tasks(cycle, "swxcb", 2)
    elsewhere = tasks(cycle, "swzzb", 1, unit="mengjin")[0]  # the same item for another unit
    scorer, head, scorer2 = users["scorer"], users["head"], users["scorer2"]
    full = [str(score.node.points) for score in mine]
    save(scorer, cycle, mine[0], full[0])
    save(scorer, cycle, mine[1], "0.5", "缺少会议记录")
    save(head, cycle, mine[1], "0.7", "补交了部分记录")  # an overwrite by another user
    save(scorer, cycle, mine[2], "1", "未按时报送")
    save(scorer, cycle, mine[2], "", "")  # cleared again: no points, no reason, a new version
    save(scorer2, cycle, theirs[0], "0", "未开展")
    save(scorer2, cycle, theirs[1], str(theirs[1].node.points), source="api")
    save(head, cycle, mine[0], "0.1", "重新核定")
    save(scorer, cycle, mine[0], full[0])  # back to full marks
    save(scorer, cycle, mine[3], "0.3", "  理由前后有空格  ")
    save(head, cycle, elsewhere, "1.9", "另一单位")
    # The sheet upload's path: validate everything, then apply in one transaction.
    with transaction.atomic(), acting_as(scorer, "10.6.0.1"):
        rows = [(find_score(cycle, s.unit.code, s.node.code), points, reason)
                for s, points, reason in [(mine[3], "0.4", "表格导入"), (mine[2], "0.2", "表格导入")]]
        for score, points, reason in rows:
            value, why = validate(score, cycle.step, Entry(points, reason, score.version))
            apply(scorer, cycle, score, value, why, score.version, source="sheet")

    replayed = replay_scores(cycle)
    unit, item = mine[0].unit.code, mine[0].node.code
    assert replayed[(unit, item)] == (Decimal(full[0]).quantize(Decimal("0.01")), "", 3)
    assert replayed[(mine[2].unit.code, mine[2].node.code)] == (Decimal("0.20"), "表格导入", 3)
    assert replayed[(mine[3].unit.code, mine[3].node.code)] == (Decimal("0.40"), "表格导入", 2)
    assert replayed[(elsewhere.unit.code, elsewhere.node.code)] == (Decimal("1.90"), "另一单位", 1)
    assert len(replayed) == 7
    assert_replay_matches(cycle)


def test_replay_reproduces_scores_saved_in_the_grid_through_the_api_and_by_sheet_upload(
        client_for, users, cycle):
    from kaohe.accounts.models import ApiToken

    mine, theirs = tasks(cycle, "swzzb", 5), tasks(cycle, "swxcb", 3)
    scorer, head = client_for("scorer"), client_for("head")
    assert grid_save(scorer, cycle, mine[0], "1.5", "材料不全").status_code == 200
    assert grid_save(head, cycle, mine[0], "1.8", "复核").status_code == 200
    assert grid_save(scorer, cycle, mine[1], "0.5", "未报送").status_code == 200
    assert grid_save(scorer, cycle, mine[1], "", "").status_code == 200  # cleared in the grid
    assert grid_save(scorer, cycle, mine[2], "1").status_code == 200
    key = ApiToken.issue(users["scorer2"])[1]
    assert api_save(key, cycle, theirs[0], "0.5", "缺少台账").status_code == 200
    assert api_save(key, cycle, theirs[1], None).status_code == 200  # nothing to clear: no event
    assert api_save(key, cycle, theirs[2], "1").status_code == 200
    assert api_save(key, cycle, theirs[2], None).status_code == 200  # cleared through the API
    response = sheet_upload(head, cycle, {
        mine[0]: ("2", None),  # overwrites the grid's points and clears the reason
        mine[2]: (None, None),  # clears what the grid saved
        mine[3]: ("0.6", "表格中填写"),
        mine[4]: ("1", None),
    })
    assert response.status_code == 200 and "已保存 4 处修改" in response.content.decode()

    events = Event.objects.filter(cycle=cycle, action="score.update")
    assert sorted({e.new["source"] for e in events}) == ["api", "grid", "sheet"]
    assert {e.address for e in events} == {"10.0.0.1", "10.0.0.2", "10.0.0.3"}
    replayed = replay_scores(cycle)
    assert replayed[(mine[0].unit.code, mine[0].node.code)] == (Decimal("2.00"), "", 3)
    assert replayed[(mine[1].unit.code, mine[1].node.code)] == (None, "", 2)
    assert replayed[(mine[2].unit.code, mine[2].node.code)] == (None, "", 2)
    assert (theirs[1].unit.code, theirs[1].node.code) not in replayed
    assert_replay_matches(cycle)


def test_a_score_cleared_to_empty_replays_as_unscored(users, cycle):
    score = tasks(cycle, "swzzb", 1)[0]
    save(users["scorer"], cycle, score, "1", "扣一分")
    save(users["scorer"], cycle, score, "")
    assert replay_scores(cycle)[(score.unit.code, score.node.code)] == (None, "", 2)
    assert_replay_matches(cycle)


def test_a_score_changed_behind_the_trails_back_is_found(users, cycle):
    score = tasks(cycle, "swzzb", 1)[0]
    save(users["scorer"], cycle, score, "1", "扣一分")
    assert differences(cycle) == []
    Score.objects.filter(pk=score.pk).update(points=Decimal("1.8"))
    found = differences(cycle)
    task = (score.unit.code, score.node.code)
    assert [(d.kind, d.task, d.replayed, d.stored) for d in found] == [
        ("score", task, (Decimal("1.00"), "扣一分", 1), (Decimal("1.80"), "扣一分", 1))]
    assert "审计记录重放为" in str(found[0])


def test_an_unrecorded_change_is_still_found_after_a_recorded_one_overwrites_it(users, cycle):
    score = tasks(cycle, "swzzb", 1)[0]
    save(users["scorer"], cycle, score, "1", "扣一分")
    Score.objects.filter(pk=score.pk).update(points=Decimal("1.8"))
    save(users["scorer"], cycle, score, "1.5", "复核")  # the trail now agrees with the table again …
    assert replay_scores(cycle)[(score.unit.code, score.node.code)] == stored_scores(cycle)[
        (score.unit.code, score.node.code)]
    found = differences(cycle)  # … but the event's "old" shows what nobody recorded
    assert [(d.kind, d.replayed[0], d.stored[0]) for d in found] == [("chain", Decimal("1.00"), Decimal("1.80"))]


def test_a_task_scored_without_any_event_is_found(cycle):
    score = tasks(cycle, "swxcb", 1)[0]
    Score.objects.filter(pk=score.pk).update(points=Decimal("0"), reason="无记录", version=1)
    found = differences(cycle)
    assert [(d.kind, d.replayed, d.stored) for d in found] == [("score", EMPTY, (Decimal("0.00"), "无记录", 1))]


def test_on_postgresql_the_database_itself_refuses_to_change_an_event(db):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    if connection.vendor != "postgresql":
        pytest.skip("the database trigger exists on PostgreSQL only (the PostgreSQL pass runs this)")
    event = record("test.event", "test", "trigger", new={"a": 1})
    for sql in ("UPDATE audit_event SET reason = 'x' WHERE id = %s", "DELETE FROM audit_event WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
