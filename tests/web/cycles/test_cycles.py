"""The cycle pages: list, create, detail with transitions and history, and the office's review.

The demo's county cycle is open for scoring; other cycles are made here with the municipal scheme.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaohe.audit.context import acting_as
from kaohe.audit.models import Event
from kaohe.cycles import lifecycle
from kaohe.cycles.models import Cycle, CycleUnit, Score, Submission
from kaohe.orgs.models import Unit
from kaohe.schemes.models import SchemeRecord

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]
NOT_OFFICE = [name for name in ROLES if name != "office"]
S = Submission.State
MUNICIPAL = "luoyang-2018-municipal"
COUNTY = "luoyang-2018-county"

# Every page and action: (method, path with {pk} and {code}).
PAGES = [("get", "/cycles/"), ("get", "/cycles/{pk}/")]
OFFICE_PAGES = [("get", "/cycles/new/"), ("post", "/cycles/new/"), ("get", "/cycles/{pk}/review/")]
OFFICE_ACTIONS = [
    ("post", "/cycles/{pk}/open/"), ("post", "/cycles/{pk}/start-review/"), ("post", "/cycles/{pk}/lock/"),
    ("post", "/cycles/{pk}/reopen/"), ("post", "/cycles/{pk}/review/{code}/lock/"),
    ("post", "/cycles/{pk}/review/{code}/return/"), ("post", "/cycles/{pk}/review/{code}/reopen/"),
]


@pytest.fixture
def municipal(db):
    return SchemeRecord.objects.get(name=MUNICIPAL)


@pytest.fixture
def municipal_codes(db):
    return list(Unit.objects.filter(scheme_name=MUNICIPAL).values_list("code", flat=True))


@pytest.fixture
def draft(users, municipal, municipal_codes):
    with acting_as(users["office"]):
        return lifecycle.create_cycle(name="2018年度市直单位党建工作考核", scheme=municipal,
                                      unit_codes=municipal_codes, scoring_deadline=date(2019, 1, 15),
                                      review_deadline=date(2019, 1, 31), created_by=users["office"])


@pytest.fixture
def opened(users, draft):
    with acting_as(users["office"]):
        lifecycle.open_cycle(draft)
    draft.refresh_from_db()
    return draft


def form_data(**overrides) -> dict:
    data = {"name": "2018年度市直单位党建工作考核", "scheme": SchemeRecord.objects.get(name=MUNICIPAL).pk,
            "units": list(Unit.objects.filter(scheme_name=MUNICIPAL).values_list("code", flat=True)),
            "step": "0.1", "scoring_deadline": "2019-01-15", "review_deadline": "2019-01-31"}
    data.update(overrides)
    return data


def page(client, method: str, url: str):
    return getattr(client, method)(url)


def body(response) -> str:
    return response.content.decode()


# --- access ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "url"), PAGES + OFFICE_PAGES + OFFICE_ACTIONS)
def test_anonymous_users_are_sent_to_log_in_from_every_cycle_url(client_for, cycle, method, url):
    response = page(client_for(None), method, url.format(pk=cycle.pk, code="swzzb"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ROLES)
def test_every_role_sees_the_list_and_the_open_county_cycle(client_for, cycle, name):
    client = client_for(name)
    assert cycle.name in body(client.get("/cycles/"))
    assert client.get(f"/cycles/{cycle.pk}/").status_code == 200


@pytest.mark.parametrize("name", ROLES)
def test_a_draft_cycle_is_seen_by_the_office_only(client_for, draft, name):
    client = client_for(name)
    expected = 200 if name == "office" else 404
    assert client.get(f"/cycles/{draft.pk}/").status_code == expected
    assert (draft.name in body(client.get("/cycles/"))) == (name == "office")


def test_a_unit_user_does_not_see_a_cycle_its_unit_is_not_in(client_for, opened):
    assert client_for("unit").get(f"/cycles/{opened.pk}/").status_code == 404
    assert client_for("leader").get(f"/cycles/{opened.pk}/").status_code == 200


@pytest.mark.parametrize("name", NOT_OFFICE)
@pytest.mark.parametrize(("method", "url"), OFFICE_PAGES + OFFICE_ACTIONS)
def test_only_the_office_may_create_review_or_move_a_cycle(client_for, cycle, name, method, url):
    Submission.objects.filter(cycle=cycle, department__code="swzzb").update(state=S.APPROVED)
    cycles = Cycle.objects.count()
    response = page(client_for(name), method, url.format(pk=cycle.pk, code="swzzb"))
    assert response.status_code == 403
    assert Cycle.objects.count() == cycles
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN
    assert cycle.submissions.get(department__code="swzzb").state == S.APPROVED


@pytest.mark.parametrize(("method", "url"), OFFICE_ACTIONS)
def test_actions_accept_only_post(client_for, cycle, method, url):
    assert client_for("office").get(url.format(pk=cycle.pk, code="swzzb")).status_code == 405


def test_an_action_on_an_unknown_department_is_not_found(client_for, cycle):
    assert client_for("office").post(f"/cycles/{cycle.pk}/review/nobody/lock/").status_code == 404


# --- list --------------------------------------------------------------------------------------

def test_the_list_shows_status_scheme_deadlines_and_progress(client_for, cycle):
    scored = list(cycle.scores.filter(department__code="swzzb").select_related("node")[:3])
    for score in scored:
        Score.objects.filter(pk=score.pk).update(points=score.node.points)
    total = cycle.scores.count()
    for name in ["office", "scorer", "unit"]:
        text = body(client_for(name).get("/cycles/"))
        assert f"3/{total}" in text, name
        assert "评分中" in text and cycle.scheme.title in text and "2019-01-15" in text and "2019-01-31" in text


def test_the_list_counts_progress_in_one_query_however_many_cycles(client_for, users, cycle, municipal,
                                                                   municipal_codes):
    client = client_for("office")
    with CaptureQueriesContext(connection) as one:
        client.get("/cycles/")
    with acting_as(users["office"]):
        second = lifecycle.create_cycle(name="第二个", scheme=municipal, unit_codes=municipal_codes)
        lifecycle.open_cycle(second)
        lifecycle.create_cycle(name="第三个", scheme=municipal, unit_codes=municipal_codes)
    with CaptureQueriesContext(connection) as three:
        text = body(client.get("/cycles/"))
    assert "第二个" in text and "第三个" in text
    assert len(three) == len(one)


def test_only_the_office_is_offered_a_new_cycle(client_for):
    assert "/cycles/new/" in body(client_for("office").get("/cycles/"))
    assert "/cycles/new/" not in body(client_for("leader").get("/cycles/"))


# --- create ------------------------------------------------------------------------------------

def test_the_form_preselects_the_default_units_of_the_chosen_scheme(client_for, municipal, municipal_codes):
    client = client_for("office")
    form = client.get(f"/cycles/new/?scheme={municipal.pk}").context["form"]
    assert form["scheme"].value() == municipal.pk
    assert sorted(form["units"].value()) == sorted(municipal_codes)
    county = client.get("/cycles/new/").context["form"]
    assert sorted(county["units"].value()) == sorted(Unit.objects.filter(scheme_name=COUNTY)
                                                     .values_list("code", flat=True))
    assert str(county["step"].value()) == "0.1"


def test_the_office_creates_a_draft_cycle_with_the_municipal_scheme_and_its_units(client_for, users,
                                                                                  municipal, municipal_codes):
    response = client_for("office").post("/cycles/new/", form_data(step="0.5"))
    cycle = Cycle.objects.get(name="2018年度市直单位党建工作考核")
    assert response.status_code == 302 and response["Location"] == f"/cycles/{cycle.pk}/"
    assert cycle.status == Cycle.Status.DRAFT and cycle.scheme == municipal
    assert cycle.unit_codes == sorted(municipal_codes) and cycle.step == Decimal("0.5")
    assert (cycle.scoring_deadline, cycle.review_deadline) == (date(2019, 1, 15), date(2019, 1, 31))
    assert cycle.created_by == users["office"] and not cycle.scores.exists()
    event = Event.objects.get(action="cycle.create", cycle=cycle)
    assert event.actor == users["office"]
    text = body(client_for("office").get(response["Location"]))
    assert "草稿" in text and "市委办公室" in text and "开始评分" in text


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"units": []}, "units", "请至少选择一个被考核单位"),
    ({"units": ["swbgs", "yanshi"]}, "units", "不在指标体系"),
    ({"step": "0"}, "step", "评分步长必须大于0"),
    ({"step": "-0.5"}, "step", "评分步长必须大于0"),
    ({"step": "0.125"}, "step", ""),
    ({"step": "1.5"}, "step", ""),
    ({"review_deadline": "2019-01-14"}, "review_deadline", "审核截止日期不能早于评分截止日期"),
    ({"name": "2018年度县(市、区)党建工作综合考核"}, "name", "已有名为"),
    ({"scheme": 999999}, "scheme", "请选择一个已发布的指标体系"),
    ({"scoring_deadline": ""}, "scoring_deadline", ""),
])
def test_an_invalid_form_shows_the_error_and_creates_nothing(client_for, overrides, field, words):
    before = Cycle.objects.count()
    response = client_for("office").post("/cycles/new/", form_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert words in body(response) and "errorlist" in body(response)
    assert Cycle.objects.count() == before


def test_an_invalid_form_keeps_what_was_typed(client_for, municipal_codes):
    response = client_for("office").post("/cycles/new/", form_data(step="0", units=municipal_codes[:2]))
    text = body(response)
    assert 'value="2019-01-15"' in text and 'value="2019-01-31"' in text
    assert sorted(response.context["form"]["units"].value()) == sorted(municipal_codes[:2])


def test_a_valid_review_deadline_may_equal_the_scoring_deadline(client_for):
    response = client_for("office").post("/cycles/new/", form_data(review_deadline="2019-01-15"))
    assert response.status_code == 302


# --- opening -----------------------------------------------------------------------------------

def test_opening_generates_one_task_per_unit_and_item_that_applies(client_for, draft, municipal):
    response = client_for("office").post(f"/cycles/{draft.pk}/open/", follow=True)
    draft.refresh_from_db()
    assert draft.status == Cycle.Status.OPEN
    names = set(Unit.objects.filter(code__in=draft.unit_codes).values_list("name", flat=True))
    expected = {(name, leaf.code, leaf.owner) for leaf in municipal.nodes.filter(is_leaf=True) if leaf.owner
                for name in leaf.units if name in names}
    tasks = list(draft.scores.values_list("unit__name", "node__code", "department__name"))
    assert len(tasks) == len(set(tasks)) and set(tasks) == expected
    assert f"生成评分任务{len(expected)}项" in body(response)
    owners = {owner for _, _, owner in expected}
    assert sorted(draft.submissions.values_list("department__name", flat=True)) == sorted(owners)
    assert set(draft.submissions.values_list("state", flat=True)) == {S.DRAFT}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: SQLite keeps no statistics")
def test_opening_a_cycle_gives_postgresql_statistics_that_know_its_tasks(users, draft):
    # autovacuum would not analyze a table that grew by less than a tenth; the planner must still
    # know the new cycle's tasks, or it takes them for a share of the table and scans all of it
    with acting_as(users["office"]):
        made = lifecycle.open_cycle(draft)
    with connection.cursor() as cursor:
        cursor.execute("SELECT most_common_vals::text::bigint[] FROM pg_stats "
                       "WHERE tablename = 'cycles_score' AND attname = 'cycle_id'")
        (common,) = cursor.fetchone()
    assert made > 0 and draft.pk in common


def test_an_item_for_the_9_counties_and_6_districts_only_gets_no_task_for_the_high_tech_zone(cycle):
    leaves = cycle.scheme.nodes.filter(is_leaf=True, note__contains="适用于9县(市)6区")
    assert leaves.exists()
    for leaf in leaves:
        assert "高新区" not in leaf.units
        units = set(cycle.scores.filter(node=leaf).values_list("unit__name", flat=True))
        assert "高新区" not in units and "偃师市" in units and len(units) == 15


def test_opening_a_cycle_twice_is_refused_with_a_message(client_for, cycle):
    tasks = cycle.scores.count()
    response = client_for("office").post(f"/cycles/{cycle.pk}/open/", follow=True)
    assert "只有草稿状态的考核周期可以开始评分" in body(response)
    assert cycle.scores.count() == tasks


def test_renaming_a_unit_after_opening_leaves_the_cycles_copy_unchanged(client_for, cycle):
    Unit.objects.filter(code="yanshi").update(name="偃师区")
    assert CycleUnit.objects.get(cycle=cycle, code="yanshi").name == "偃师市"
    text = body(client_for("leader").get(f"/cycles/{cycle.pk}/"))
    assert "偃师市" in text and "偃师区" not in text


# --- detail ------------------------------------------------------------------------------------

def test_the_detail_shows_each_departments_progress_with_grid_links_for_office_and_leader(client_for, cycle):
    swzzb = cycle.submissions.get(department__code="swzzb")
    for score in cycle.scores.filter(department=swzzb.department).select_related("node")[:2]:
        Score.objects.filter(pk=score.pk).update(points=score.node.points)
    Submission.objects.filter(pk=swzzb.pk).update(comment="请补充第2项理由")
    tasks = cycle.scores.filter(department=swzzb.department).count()
    link = f"/cycles/{cycle.pk}/scoring/?department=swzzb"
    for name in ["office", "leader"]:
        text = body(client_for(name).get(f"/cycles/{cycle.pk}/"))
        assert link in text and "市委组织部" in text and f"<td class=\"num optional\">{tasks}</td>" in text
        assert "请补充第2项理由" in text
    own = body(client_for("scorer").get(f"/cycles/{cycle.pk}/"))
    assert link not in own and "请补充第2项理由" in own
    other = body(client_for("scorer2").get(f"/cycles/{cycle.pk}/"))
    assert "请补充第2项理由" not in other


def test_the_detail_shows_the_scheme_step_deadlines_and_overall_progress(client_for, cycle):
    text = body(client_for("unit").get(f"/cycles/{cycle.pk}/"))
    assert cycle.scheme.title in text and "评分中" in text and "2019-01-15" in text and "2019-01-31" in text
    assert "<td>0.1</td>" in text and f"0/{cycle.scores.count()}" in text


def test_a_scorer_is_led_from_the_detail_to_the_departments_grid(client_for, cycle):
    assert f'href="/cycles/{cycle.pk}/scoring/"' in body(client_for("scorer").get(f"/cycles/{cycle.pk}/"))
    assert f'href="/cycles/{cycle.pk}/scoring/"' not in body(client_for("unit").get(f"/cycles/{cycle.pk}/"))


def test_a_draft_shows_the_chosen_units_and_an_empty_review(client_for, draft):
    text = body(client_for("office").get(f"/cycles/{draft.pk}/"))
    assert "市委办公室" in text and "偃师市" not in text and "各考核部门进度" not in text
    assert "尚未开始评分" in body(client_for("office").get(f"/cycles/{draft.pk}/review/"))


@pytest.mark.parametrize("name", ["office", "leader"])
def test_the_grid_links_open_the_departments_grid(client_for, cycle, name):
    client = client_for(name)
    assert client.get(f"/cycles/{cycle.pk}/scoring/?department=swzzb").status_code == 200


def test_only_the_office_sees_the_buttons(client_for, cycle):
    assert f"/cycles/{cycle.pk}/start-review/" in body(client_for("office").get(f"/cycles/{cycle.pk}/"))
    for name in NOT_OFFICE:
        assert f"/cycles/{cycle.pk}/start-review/" not in body(client_for(name).get(f"/cycles/{cycle.pk}/"))


def test_the_detail_counts_progress_in_one_query_however_many_departments(client_for, users, cycle):
    county = SchemeRecord.objects.get(name=COUNTY)
    with acting_as(users["office"]):
        small = lifecycle.create_cycle(name="两个单位", scheme=county, unit_codes=["gaoxin", "yanshi"])
        lifecycle.open_cycle(small)
    small.departments.exclude(code__in=["swzzb", "swxcb"]).delete()  # fewer departments, with their tasks
    client = client_for("office")
    assert cycle.departments.count() != small.departments.count()
    assert cycle.units.count() != small.units.count()
    with CaptureQueriesContext(connection) as all_units:
        client.get(f"/cycles/{cycle.pk}/")
    with CaptureQueriesContext(connection) as two_units:
        client.get(f"/cycles/{small.pk}/")
    assert len(all_units) == len(two_units)
    progress = [q["sql"] for q in two_units.captured_queries if "GROUP BY" in q["sql"] and "cycles_score" in q["sql"]]
    assert len(progress) == 1


def test_the_whole_state_machine_with_its_history_on_the_page(client_for, municipal_codes):
    office = client_for("office")
    office.post("/cycles/new/", form_data())
    cycle = Cycle.objects.get(name="2018年度市直单位党建工作考核")
    url = f"/cycles/{cycle.pk}/"

    assert "开始评分" in body(office.post(f"{url}open/", follow=True))
    assert "考核周期已进入审核" in body(office.post(f"{url}start-review/", follow=True))
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.REVIEW

    refused = body(office.post(f"{url}lock/", follow=True))
    assert "还有考核部门的评分未锁定" in refused and "市委组织部" in refused
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.REVIEW

    # The departments' own steps (submit, approve) are tested in test_review_flow.py.
    cycle.submissions.update(state=S.APPROVED)
    for code in cycle.submissions.values_list("department__code", flat=True):
        office.post(f"{url}review/{code}/lock/")
    assert set(cycle.submissions.values_list("state", flat=True)) == {S.LOCKED}
    assert "考核周期已锁定" in body(office.post(f"{url}lock/", follow=True))

    refused = body(office.post(f"{url}reopen/", {"reason": "  "}, follow=True))
    assert "重新打开必须填写理由" in refused
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.LOCKED
    office.post(f"{url}reopen/", {"reason": "市委办公室第3项分值录入有误"})
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.REVIEW

    actions = list(Event.objects.filter(cycle=cycle, action__startswith="cycle.").order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["cycle.create", "cycle.open", "cycle.review", "cycle.locked", "cycle.reopen"]
    history = body(office.get(url)).split("状态记录")[1]
    steps = ["创建考核周期", "开始评分", "进入审核", "市委组织部：考核办锁定", "锁定考核周期", "重新打开考核周期"]
    positions = [history.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "市委办公室第3项分值录入有误" in history and "考核办管理员" in history


def test_the_next_step_waits_for_the_departments_not_yet_locked(client_for, cycle):
    office = client_for("office")
    office.post(f"/cycles/{cycle.pk}/start-review/")
    cycle.submissions.exclude(department__code="swzzb").update(state=S.LOCKED)
    step = body(office.get(f"/cycles/{cycle.pk}/")).split('class="next-step')[1].split("</section>")[0]
    assert "正在等待" in step and "<li>市委组织部：评分中</li>" in step
    assert f"/cycles/{cycle.pk}/lock/" not in step
    refused = body(office.post(f"/cycles/{cycle.pk}/lock/", follow=True))
    assert "还有考核部门的评分未锁定：市委组织部" in refused
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.REVIEW


def test_a_locked_cycle_reopens_only_with_a_reason(client_for, opened):
    office = client_for("office")
    url = f"/cycles/{opened.pk}/"
    office.post(f"{url}start-review/")
    opened.submissions.update(state=S.LOCKED)
    office.post(f"{url}lock/")
    opened.refresh_from_db()
    assert opened.status == Cycle.Status.LOCKED
    assert 'name="reason"' in body(office.get(url))
    assert "重新打开必须填写理由" in body(office.post(f"{url}reopen/", follow=True))
    opened.refresh_from_db()
    assert opened.status == Cycle.Status.LOCKED
    office.post(f"{url}reopen/", {"reason": "复核更正"})
    opened.refresh_from_db()
    assert opened.status == Cycle.Status.REVIEW
    assert Event.objects.filter(cycle=opened, action="cycle.reopen").latest("id").reason == "复核更正"


# --- review ------------------------------------------------------------------------------------

@pytest.fixture
def approved(cycle):
    Submission.objects.filter(cycle=cycle, department__code="swzzb").update(state=S.APPROVED)
    return cycle.submissions.get(department__code="swzzb")


def test_the_review_page_lists_every_department_with_its_read_only_grid(client_for, cycle, approved):
    text = body(client_for("office").get(f"/cycles/{cycle.pk}/review/"))
    for department in cycle.departments.all():
        assert department.name in text
        assert f"/cycles/{cycle.pk}/scoring/?department={department.code}" in text
    assert f"/cycles/{cycle.pk}/review/swzzb/lock/" in text and f"/cycles/{cycle.pk}/review/swzzb/return/" in text
    assert f"/cycles/{cycle.pk}/review/swxcb/lock/" not in text  # still a draft: nothing to do
    assert "/reopen/" not in text


def test_the_office_returns_an_approved_submission_only_with_a_comment(client_for, cycle, approved):
    office = client_for("office")
    url = f"/cycles/{cycle.pk}/review/swzzb/return/"
    refused = office.post(url, {"comment": " "}, follow=True)
    assert refused.redirect_chain[-1][0] == f"/cycles/{cycle.pk}/review/"
    assert "请填写退回意见" in body(refused)
    approved.refresh_from_db()
    assert approved.state == S.APPROVED
    text = body(office.post(url, {"comment": "第2项扣分理由不充分"}, follow=True))
    approved.refresh_from_db()
    assert approved.state == S.DRAFT and approved.comment == "第2项扣分理由不充分"
    assert "已将市委组织部的评分退回" in text and "第2项扣分理由不充分" in text
    assert "第2项扣分理由不充分" in body(client_for("scorer").get(f"/cycles/{cycle.pk}/"))


def test_the_office_locks_an_approved_submission_and_reopens_it_only_with_a_reason(client_for, cycle, approved):
    office = client_for("office")
    text = body(office.post(f"/cycles/{cycle.pk}/review/swzzb/lock/", follow=True))
    approved.refresh_from_db()
    assert approved.state == S.LOCKED and "已锁定市委组织部的评分" in text
    assert f"/cycles/{cycle.pk}/review/swzzb/reopen/" in text
    refused = body(office.post(f"/cycles/{cycle.pk}/review/swzzb/reopen/", {"reason": ""}, follow=True))
    assert "请填写重新打开的理由" in refused
    approved.refresh_from_db()
    assert approved.state == S.LOCKED
    office.post(f"/cycles/{cycle.pk}/review/swzzb/reopen/", {"reason": "单位提出复核"})
    approved.refresh_from_db()
    assert approved.state == S.DRAFT
    history = body(office.get(f"/cycles/{cycle.pk}/")).split("状态记录")[1]
    assert "市委组织部：考核办锁定" in history and "市委组织部：考核办重新打开" in history
    assert "单位提出复核" in history


def test_a_submission_not_yet_approved_cannot_be_locked(client_for, cycle):
    text = body(client_for("office").post(f"/cycles/{cycle.pk}/review/swzzb/lock/", follow=True))
    assert "不能执行此操作" in text
    assert cycle.submissions.get(department__code="swzzb").state == S.DRAFT

