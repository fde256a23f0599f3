"""The department scoring grid: the page, saving one cell through htmx, submit / approve / send back."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.grid import build_department
from kaohe.accounts.models import Role, User
from kaohe.audit.models import Event
from kaohe.cycles.models import Cycle, CycleDepartment, Score, Submission
from kaohe.orgs.models import Department

HTMX = {"HTTP_HX_REQUEST": "true"}


# --- helpers ---------------------------------------------------------------------------------

def page(cycle, query: str = "") -> str:
    return f"/cycles/{cycle.pk}/scoring/{query}"


def cell_url(score: Score) -> str:
    return f"/cycles/{score.cycle_id}/scores/{score.unit.code}/{score.node.code}/"


def step_url(cycle, step: str) -> str:
    return f"/cycles/{cycle.pk}/submission/{step}/"


def tasks(cycle, department: str = "swzzb"):
    return (Score.objects.select_related("node", "unit").filter(cycle=cycle, department__code=department)
            .order_by("node__position", "unit__position"))


@pytest.fixture
def task(cycle) -> Score:
    """The first of 市委组织部's tasks; its item is worth 2 points."""
    score = tasks(cycle).first()
    assert score.node.points == Decimal(2)
    return score


def post(client, score: Score, points: str, reason: str = "", version: int | None = None):
    data = {"points": points, "reason": reason, "version": score.version if version is None else version}
    return client.post(cell_url(score), data, **HTMX)


def fill(cycle, department: str = "swzzb") -> None:
    """Full marks on every task of the department (as if the scorer had typed them all)."""
    for score in tasks(cycle, department):
        score.points = score.node.points
        score.save(update_fields=["points"])


def submission(cycle, department: str = "swzzb") -> Submission:
    return Submission.objects.get(cycle=cycle, department__code=department)


def body(response) -> str:
    return response.content.decode()


# --- who sees the page -----------------------------------------------------------------------

def test_anonymous_users_are_sent_to_log_in_from_the_grid(client_for, cycle):
    response = client_for(None).get(page(cycle))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["scorer", "head"])
def test_a_scorer_or_head_gets_an_editable_grid_of_their_department(client_for, cycle, name):
    response = client_for(name).get(page(cycle))
    text = body(response)
    assert response.status_code == 200
    assert "市委组织部" in text and text.count('<form class="cell') == tasks(cycle).count()
    assert "提交审核" in text and "grid.js" in text and "grid.css" in text


def test_another_departments_scorer_gets_their_own_grid_and_not_ours(client_for, cycle):
    client = client_for("scorer2")
    assert "市委宣传部" in body(client.get(page(cycle)))
    assert client.get(page(cycle, "?department=swzzb")).status_code == 403


def test_a_unit_user_may_not_see_a_grid(client_for, cycle):
    assert client_for("unit").get(page(cycle)).status_code == 403
    assert client_for("unit").get(page(cycle, "?department=swzzb")).status_code == 403


@pytest.mark.parametrize("name", ["office", "leader"])
def test_the_office_and_leaders_choose_a_department_and_see_it_read_only(client_for, cycle, name):
    client = client_for(name)
    chooser = body(client.get(page(cycle)))
    assert "?department=swzzb" in chooser and "市委党史研究室" in chooser
    response = client.get(page(cycle, "?department=swzzb"))
    assert response.status_code == 200
    text = body(response)
    assert "<form class=\"cell" not in text and "只读" in text and "提交审核" not in text
    assert client.get(page(cycle, "?department=nowhere")).status_code == 404


def test_a_cycle_the_user_cannot_see_is_not_found(client_for, cycle):
    assert client_for("scorer").get("/cycles/999999/scoring/").status_code == 404


def test_the_grid_shows_items_under_their_headings_and_units_in_cycle_order(client_for, cycle):
    text = body(client_for("scorer").get(page(cycle)))
    first = tasks(cycle).first()
    assert "政治建设" in text and first.node.title in text  # a dimension heading, then an item
    assert 'class="heading h-criterion"' in text and "满分2" in text
    units = cycle.units.order_by("position")
    positions = [text.index(f'<th scope="col" class="unit" data-unit="{u.code}">{u.name}') for u in units]
    assert positions == sorted(positions)
    assert f'id="prog-u-{first.unit.code}" class="prog">0/' in text and 'id="prog-all"' in text


def test_cells_whose_item_does_not_apply_to_the_unit_are_a_dash(client_for, cycle):
    text = body(client_for("scorer").get(page(cycle)))
    units = cycle.units.count()
    items = tasks(cycle).values("node").distinct().count()
    assert text.count('<td class="na"') == units * items - tasks(cycle).count() > 0


def test_titles_and_reasons_are_escaped(client_for, cycle, task):
    task.points, task.reason = Decimal(1), '<script>alert("x")</script>'
    task.save()
    text = body(client_for("scorer").get(page(cycle)))
    assert "<script>alert" not in text and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    response = post(client_for("scorer"), task, "1.5", "<b>bold</b>")
    assert "<b>bold</b>" not in body(response) and "&lt;b&gt;bold&lt;/b&gt;" in body(response)


# --- the page costs the same number of queries for any department ------------------------------

def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_grid_page_takes_as_many_queries_for_a_small_department_as_for_a_big_one(
        client_for, cycle, django_assert_max_num_queries):
    department = Department.objects.get(name="市委党史研究室")
    small = User.objects.create(username="dsyjs", role=Role.SCORER, department=department)
    client = client_for(None)
    client.force_login(small)
    scorer = client_for("scorer")
    big = count_queries(scorer, page(cycle))
    assert tasks(cycle).count() > 1000 and tasks(cycle, department.code).count() < 100
    assert count_queries(client, page(cycle)) == big
    with django_assert_max_num_queries(15):  # 10, the self-assessment claims and evidence, the ledger's proposals (3)
        scorer.get(page(cycle))


def test_the_query_count_does_not_grow_with_units_or_items(client_for, cycle):
    """18 units (the demo), 2,000 units × 3 items, 30 units × 40 items: the same queries."""
    demo = count_queries(client_for("scorer"), page(cycle))
    counts = []
    for units, items in ((2000, 3), (30, 40)):
        big, scorer = build_department(units, items, f"q{units}")
        client = client_for(None)
        client.force_login(scorer)
        counts.append(count_queries(client, page(big)))
        counts.append(count_queries(client, page(big, "?page=3&per_page=7")))
    assert counts == [demo] * 4
def test_read_only_views_take_as_many_queries_for_any_department(client_for, cycle):
    office = client_for("office")
    assert count_queries(office, page(cycle, "?department=swzzb")) == \
        count_queries(office, page(cycle, "?department=swdsyjs"))


# --- a page of units at a time ----------------------------------------------------------------

@pytest.fixture
def wide(client_for):
    """45 units × 4 items (half of each unit's items scored) and a client of its scorer."""
    wide_cycle, scorer = build_department(45, 4, "wide")
    client = client_for(None)
    client.force_login(scorer)
    return wide_cycle, client


def unit_columns(text: str) -> list[str]:
    return re.findall(r'<th scope="col" class="unit[^"]*" data-unit="([^"]+)"', text)


def codes(numbers) -> list[str]:
    return [f"uwide-{n:04d}" for n in numbers]


def test_the_grid_shows_a_page_of_units_with_progress_for_the_whole_department(wide):
    wide_cycle, client = wide
    text = body(client.get(page(wide_cycle)))
    assert unit_columns(text) == codes(range(1, 21))
    assert text.count('<form class="cell') == 20 * 4
    assert "第1–20个单位，共45个" in text and 'href="?page=2" rel="next"' in text and "上一页" not in text
    assert '<span id="prog-all" class="prog">90/180</span>' in text  # all 45 units, not the page
    criterion = Score.objects.filter(cycle=wide_cycle).first().node.parent_id
    assert f'<span id="prog-g-{criterion}" class="prog">90/180</span>' in text
    assert f'<span id="prog-u-{codes([1])[0]}" class="prog">2/4</span>' in text
    assert '<option value="3">第3页 41–45：' in text


def test_the_last_page_and_pages_past_it_show_the_last_units(wide):
    wide_cycle, client = wide
    last = body(client.get(page(wide_cycle, "?page=3")))
    assert unit_columns(last) == codes(range(41, 46)) and "下一页" not in last
    assert 'href="?page=2" rel="prev"' in last and "第41–45个单位，共45个" in last
    assert unit_columns(body(client.get(page(wide_cycle, "?page=999")))) == codes(range(41, 46))
    assert unit_columns(body(client.get(page(wide_cycle, "?page=abc")))) == codes(range(1, 21))


def test_the_page_size_is_chosen_and_capped(wide):
    wide_cycle, client = wide
    text = body(client.get(page(wide_cycle, "?per_page=10&page=2")))
    assert unit_columns(text) == codes(range(11, 21)) and 'href="?per_page=10&amp;page=3" rel="next"' in text
    assert len(unit_columns(body(client.get(page(wide_cycle, "?per_page=100000"))))) == 45  # capped at 100
    assert len(unit_columns(body(client.get(page(wide_cycle, "?per_page=0"))))) == 1
    assert len(unit_columns(body(client.get(page(wide_cycle, "?per_page=x"))))) == 20


def test_units_are_filtered_by_name_or_code_and_by_what_is_left_to_score(wide):
    wide_cycle, client = wide
    text = body(client.get(page(wide_cycle, "?q=0042")))
    assert unit_columns(text) == codes([42]) and "第1–1个单位，共1个（全部45个）" in text
    assert '<span id="prog-all" class="prog">90/180</span>' in text  # progress stays the department's
    assert unit_columns(body(client.get(page(wide_cycle, "?q=基准单位wide-003")))) == codes(range(30, 40))
    for score in Score.objects.filter(cycle=wide_cycle, unit__code__in=codes(range(1, 44)), points__isnull=True):
        score.points = score.node.points
        score.save(update_fields=["points"])
    text = body(client.get(page(wide_cycle, "?todo=1")))
    assert unit_columns(text) == codes([44, 45]) and "清除筛选" in text
    assert "没有符合条件的单位" in body(client.get(page(wide_cycle, "?q=nothing-like-this")))


def test_a_unit_is_found_on_its_page_and_marked(wide):
    wide_cycle, client = wide
    text = body(client.get(page(wide_cycle, f"?unit={codes([27])[0]}")))
    assert unit_columns(text)[0] == codes([21])[0]
    assert f'class="unit target" data-unit="{codes([27])[0]}"' in text


def test_readers_page_through_a_departments_units(client_for, wide):
    wide_cycle, _client = wide
    department = wide_cycle.departments.get()
    text = body(client_for("office").get(page(wide_cycle, f"?department={department.code}&page=2")))
    assert unit_columns(text) == codes(range(21, 41)) and "<form class=\"cell" not in text
    assert f'href="?department={department.code}&amp;page=3" rel="next"' in text
    assert f'<input type="hidden" name="department" value="{department.code}">' in text


def test_the_demo_grid_fits_one_page(client_for, cycle):
    text = body(client_for("scorer").get(page(cycle)))
    assert len(unit_columns(text)) == cycle.units.count() == 18 and "第1–18个单位，共18个" in text
    assert "下一页" not in text and 'name="page"' not in text


def test_a_save_on_a_later_page_answers_with_the_whole_departments_progress(wide):
    wide_cycle, client = wide
    score = Score.objects.select_related("unit", "node").filter(
        cycle=wide_cycle, unit__code=codes([30])[0], points__isnull=True).first()
    text = body(post(client, score, "2"))
    assert f'<span id="prog-u-{score.unit.code}" class="prog" hx-swap-oob="true">3/4</span>' in text
    assert '<span id="prog-all" class="prog" hx-swap-oob="true">91/180</span>' in text


# --- saving a cell ---------------------------------------------------------------------------

def test_saving_a_score_bumps_its_version_and_writes_an_audit_event(client_for, cycle, task):
    response = post(client_for("scorer"), task, "1.5", "会议记录不全")
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.points == Decimal("1.5") and task.reason == "会议记录不全" and task.version == 1
    event = Event.objects.filter(action="score.update").first()
    assert event.object_key == f"cycle:{cycle.pk}/unit:{task.unit.code}/item:{task.node.code}"
    assert event.actor.username == "scorer" and event.new["points"] == "1.5" and event.new["source"] == "grid"
    text = body(response)
    assert 'name="version" value="1"' in text and "just-saved" in text and 'value="1.5"' in text


def test_a_saved_score_updates_the_progress_counters_out_of_band(client_for, cycle, task):
    text = body(post(client_for("head"), task, "2"))
    unit_total = tasks(cycle).filter(unit=task.unit).count()
    group_total = tasks(cycle).filter(node__parent_id=task.node.parent_id).count()
    assert f'<span id="prog-u-{task.unit.code}" class="prog" hx-swap-oob="true">1/{unit_total}</span>' in text
    assert f'<span id="prog-g-{task.node.parent_id}" class="prog" hx-swap-oob="true">1/{group_total}</span>' in text
    assert f'<span id="prog-all" class="prog" hx-swap-oob="true">1/{tasks(cycle).count()}</span>' in text


def test_clearing_a_score_is_a_save_too(client_for, cycle, task):
    client = client_for("scorer")
    post(client, task, "2")
    task.refresh_from_db()
    assert post(client, task, "").status_code == 200
    task.refresh_from_db()
    assert task.points is None and task.version == 2


@pytest.mark.parametrize(("points", "reason", "message"), [
    ("2.5", "", "得分必须在0到2分之间"),
    ("-1", "理由", "得分必须在0到2分之间"),
    ("abc", "", "不是数字"),
    ("1.25", "理由", "得分最多1位小数"),
    ("1.5", "", "低于满分时必须填写扣分理由"),
    ("1.5", "   ", "低于满分时必须填写扣分理由"),
])
def test_an_invalid_score_is_shown_in_the_cell_and_nothing_is_saved(client_for, cycle, task, points, reason,
                                                                   message):
    events = Event.objects.count()
    response = post(client_for("scorer"), task, points, reason)
    assert response.status_code == 422
    text = body(response)
    assert message in text and "has-error" in text and f'value="{points}"' in text  # what was typed stays
    assert 'aria-invalid="true"' in text
    task.refresh_from_db()
    assert task.points is None and task.version == 0 and Event.objects.count() == events


def test_a_missing_reason_opens_the_reason_box(client_for, cycle, task):
    text = body(post(client_for("scorer"), task, "1.5"))
    textarea = text[text.index("<textarea"):text.index("</textarea>")]
    assert "hidden" not in textarea and 'aria-invalid="true"' in textarea


def test_an_item_that_does_not_apply_to_the_unit_is_not_found(client_for, cycle):
    applies = set(tasks(cycle).values_list("unit__code", "node__code"))
    item = next(code for code in tasks(cycle).values_list("node__code", flat=True)
                if tasks(cycle).filter(node__code=code).count() < cycle.units.count())
    unit = next(u.code for u in cycle.units.all() if (u.code, item) not in applies)
    response = client_for("scorer").post(f"/cycles/{cycle.pk}/scores/{unit}/{item}/",
                                         {"points": "1", "reason": "x", "version": 0}, **HTMX)
    assert response.status_code == 404 and "不适用" in body(response)


def test_an_item_another_department_owns_is_forbidden_and_its_score_not_shown(client_for, cycle, task):
    task.points, task.reason = Decimal("1.5"), "组织部的理由"
    task.save()
    response = post(client_for("scorer2"), task, "2", version=0)
    assert response.status_code == 403
    assert "不由您所在的考核部门评分" in body(response) and "组织部的理由" not in body(response)
    task.refresh_from_db()
    assert task.points == Decimal("1.5")


@pytest.mark.parametrize("name", ["office", "leader", "unit"])
def test_only_scorers_and_heads_save_scores(client_for, cycle, task, name):
    assert post(client_for(name), task, "2").status_code == 403
    task.refresh_from_db()
    assert task.version == 0


def test_anonymous_saves_are_refused(client_for, cycle, task):
    anonymous = client_for(None)
    assert post(anonymous, task, "2").status_code == 401  # htmx: keep the page, say why
    response = anonymous.post(cell_url(task), {"points": "2", "version": 0})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_saving_needs_a_post_with_a_version(client_for, cycle, task):
    client = client_for("scorer")
    assert client.get(cell_url(task)).status_code == 405
    response = client.post(cell_url(task), {"points": "2"}, **HTMX)
    assert response.status_code == 400 and "版本号" in body(response)


def test_a_stale_version_is_a_conflict_that_shows_both_values(client_for, cycle, task):
    assert post(client_for("head"), task, "1", "材料缺失").status_code == 200
    events = Event.objects.count()
    response = post(client_for("scorer"), task, "1.5", "会议少一次", version=0)
    assert response.status_code == 409
    text = body(response)
    assert "您输入：1.5（会议少一次）" in text and "已保存：1（材料缺失）（组织部负责人，" in text
    assert "用我的覆盖" in text and "采用已保存的" in text and "has-conflict" in text
    assert 'name="version" value="1"' in text  # overwriting re-submits with the current version
    assert 'data-saved-points="1"' in text and 'value="1.5"' in text
    task.refresh_from_db()
    assert task.points == Decimal(1) and task.version == 1 and Event.objects.count() == events


def test_overwriting_after_a_conflict_saves_with_the_current_version(client_for, cycle, task):
    post(client_for("head"), task, "1", "材料缺失")
    assert post(client_for("scorer"), task, "1.5", "会议少一次", version=0).status_code == 409
    assert post(client_for("scorer"), task, "1.5", "会议少一次", version=1).status_code == 200
    task.refresh_from_db()
    assert task.points == Decimal("1.5") and task.version == 2


def test_the_same_save_sent_twice_is_not_a_conflict(client_for, cycle, task):
    client = client_for("scorer")
    post(client, task, "2", version=0)
    response = post(client, task, "2", version=0)
    assert response.status_code == 200 and "has-conflict" not in body(response)
    task.refresh_from_db()
    assert task.version == 1


# --- submit, approve, send back --------------------------------------------------------------

@pytest.mark.parametrize("step", ["submit", "approve", "send-back"])
def test_submission_steps_need_a_log_in_and_a_post(client_for, cycle, step):
    response = client_for(None).post(step_url(cycle, step))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client_for("head").get(step_url(cycle, step)).status_code == 405


@pytest.mark.parametrize("step", ["submit", "approve", "send-back"])
@pytest.mark.parametrize("name", ["office", "leader", "unit"])
def test_users_without_a_department_cannot_move_a_submission(client_for, cycle, step, name):
    assert client_for(name).post(step_url(cycle, step), {"comment": "x"}).status_code == 403
    assert submission(cycle).state == Submission.State.DRAFT


@pytest.mark.parametrize("step", ["approve", "send-back"])
def test_a_scorer_cannot_approve_or_send_back(client_for, cycle, step):
    fill(cycle)
    submission_ = submission(cycle)
    submission_.state = Submission.State.SUBMITTED
    submission_.save()
    assert client_for("scorer").post(step_url(cycle, step), {"comment": "x"}).status_code == 403
    assert submission(cycle).state == Submission.State.SUBMITTED


def test_submitting_with_scores_missing_is_refused(client_for, cycle, task):
    client = client_for("scorer")
    post(client, task, "2")
    response = client.post(step_url(cycle, "submit"), follow=True)
    missing = tasks(cycle).count() - 1
    assert f"还有{missing}项未评分，全部评分后才能提交。" in body(response)
    assert submission(cycle).state == Submission.State.DRAFT


def test_the_scorer_submits_and_the_head_approves(client_for, cycle):
    fill(cycle)
    response = client_for("scorer").post(step_url(cycle, "submit"))
    assert response.status_code == 302 and response["Location"] == page(cycle)
    assert submission(cycle).state == Submission.State.SUBMITTED
    head = client_for("head")
    text = body(head.get(page(cycle)))
    assert "待部门负责人审核" in text and "审核通过" in text and "退回修改" in text
    assert '<form class="cell' not in text  # read-only while the head reviews
    assert "已审核通过" in body(head.post(step_url(cycle, "approve"), follow=True))
    assert submission(cycle).state == Submission.State.APPROVED
    assert Event.objects.filter(action__in=["submission.submit", "submission.approve"]).count() == 2


def test_the_head_sends_back_with_a_comment_the_scorer_then_sees(client_for, cycle):
    fill(cycle)
    client_for("scorer").post(step_url(cycle, "submit"))
    head = client_for("head")
    refused = body(head.post(step_url(cycle, "send-back"), {"comment": "  "}, follow=True))
    assert "请填写退回意见" in refused and submission(cycle).state == Submission.State.SUBMITTED
    head.post(step_url(cycle, "send-back"), {"comment": "偃师市第3项理由太笼统"})
    assert submission(cycle).state == Submission.State.DRAFT
    text = body(client_for("scorer").get(page(cycle)))
    assert "最近意见：偃师市第3项理由太笼统" in text and '<form class="cell' in text


def test_after_submitting_the_grid_is_read_only_and_saves_are_refused(client_for, cycle, task):
    fill(cycle)
    client = client_for("scorer")
    client.post(step_url(cycle, "submit"))
    task.refresh_from_db()
    text = body(client.get(page(cycle)))
    assert '<form class="cell' not in text and "提交审核" not in text
    response = post(client, task, "1.5", "晚了")
    assert response.status_code == 409 and "不能修改" in body(response) and "未保存：1.5" in body(response)
    task.refresh_from_db()
    assert task.points == Decimal(2)


def test_submitting_twice_is_refused_with_a_message(client_for, cycle):
    fill(cycle)
    client = client_for("scorer")
    client.post(step_url(cycle, "submit"))
    assert "不能执行此操作" in body(client.post(step_url(cycle, "submit"), follow=True))


def test_a_cycle_that_is_not_open_shows_a_read_only_grid(client_for, cycle, task):
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    text = body(client_for("scorer").get(page(cycle)))
    assert '<form class="cell' not in text and "已锁定" in text
    assert post(client_for("scorer"), task, "2").status_code == 409


def test_a_department_without_tasks_in_the_cycle_gets_no_grid(client_for, cycle):
    CycleDepartment.objects.filter(cycle=cycle, code="swzzb").update(code="renamed")
    assert client_for("scorer").get(page(cycle)).status_code == 404


def test_the_grid_links_to_the_departments_excel_sheet(client_for, cycle):
    page = client_for("scorer").get(f"/cycles/{cycle.pk}/scoring/").content.decode()
    assert f'href="/cycles/{cycle.pk}/sheet.xlsx"' in page and f'href="/cycles/{cycle.pk}/sheet/upload/"' in page
    office = client_for("office").get(f"/cycles/{cycle.pk}/scoring/?department=swzzb").content.decode()
    assert f'href="/cycles/{cycle.pk}/sheet.xlsx?department=swzzb"' in office
    leader = client_for("leader").get(f"/cycles/{cycle.pk}/scoring/?department=swzzb").content.decode()
    assert "sheet.xlsx" not in leader
