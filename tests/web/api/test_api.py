"""The JSON API under /api/v1/: the same rules as the pages, for every role, by token or session."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kaohe.accounts.models import ApiToken
from kaohe.audit.models import Event
from kaohe.cycles.models import Score, Submission
from kaohe.cycles.scoring import Entry, save_score

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]
ITEM = ("yanshi", "1.2.1.1")  # 市委组织部 scores it; worth 2 points
HALF_POINT_ITEM = ("yanshi", "3.1.1.4")  # 市委组织部, worth 0.5
OTHER_DEPARTMENTS_ITEM = ("yanshi", "2.1.1.1")  # 市委宣传部 scores it
NOT_APPLICABLE = ("chanhe", "3.1.1.1")  # the item does not apply to 瀍河区


@pytest.fixture
def token_for(users):
    def make(name: str) -> str:
        return ApiToken.issue(users[name])[1]

    return make


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def score_url(cycle, unit: str, item: str) -> str:
    return f"/api/v1/cycles/{cycle.pk}/scores/{unit}/{item}"


def put(client: Client, url: str, body: dict | str, **extra: str):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.put(url, data=data, content_type="application/json", **extra)


def post(client: Client, url: str, body: dict | None = None, **extra: str):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **extra)


def task(cycle, unit: str, item: str) -> Score:
    return Score.objects.get(cycle=cycle, unit__code=unit, node__code=item)


def fill_department(cycle, code: str = "swzzb") -> None:
    Score.objects.filter(cycle=cycle, department__code=code).update(points=Decimal(0), reason="测试")


def submission(cycle, code: str = "swzzb") -> Submission:
    return Submission.objects.get(cycle=cycle, department__code=code)


def set_state(cycle, state: str, code: str = "swzzb") -> None:
    Submission.objects.filter(cycle=cycle, department__code=code).update(state=state)


# ----------------------------------------------------------------------------- authentication


@pytest.mark.parametrize("path", ["", "/{id}", "/{id}/tasks?department=swzzb"])
def test_anonymous_users_get_401_from_every_read(client_for, cycle, path):
    url = "/api/v1/cycles" + path.format(id=cycle.pk)
    assert client_for(None).get(url).status_code == 401


def test_anonymous_users_get_401_from_every_write(client_for, cycle):
    client = client_for(None)
    base = f"/api/v1/cycles/{cycle.pk}"
    assert put(client, score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 0}).status_code == 401
    for action in ["submission/submit", "submission/approve", "submission/send-back",
                   "departments/swzzb/return", "departments/swzzb/lock", "departments/swzzb/reopen"]:
        assert post(client, f"{base}/{action}", {"comment": "x", "reason": "x"}).status_code == 401


def test_a_bearer_token_authenticates_a_script(client_for, cycle, token_for):
    response = client_for(None).get("/api/v1/cycles", **bearer(token_for("scorer")))
    assert response.status_code == 200 and [c["id"] for c in response.json()] == [cycle.pk]


def test_a_wrong_token_is_refused(client_for):
    assert client_for(None).get("/api/v1/cycles", **bearer("kh_not-a-real-token")).status_code == 401


def test_an_inactive_users_token_is_refused(client_for, cycle, users, token_for):
    key = token_for("scorer")
    users["scorer"].is_active = False
    users["scorer"].save()
    client = client_for(None)
    assert client.get("/api/v1/cycles", **bearer(key)).status_code == 401
    response = put(client, score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 0}, **bearer(key))
    assert response.status_code == 401 and task(cycle, *ITEM).points is None


def test_a_session_put_without_the_csrf_token_is_refused(cycle, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["scorer"])
    response = put(client, score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 0})
    assert response.status_code == 403 and task(cycle, *ITEM).points is None


def test_a_session_put_with_the_csrf_token_is_accepted(cycle, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["scorer"])
    client.get("/api/v1/docs")  # renders {{ csrf_token }}, which sets the cookie
    token = client.cookies["csrftoken"].value
    response = put(client, score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 0},
                   HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and task(cycle, *ITEM).points == Decimal(2)


def test_a_bearer_put_needs_no_csrf_token(cycle, token_for):
    client = Client(enforce_csrf_checks=True)
    response = put(client, score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 0},
                   **bearer(token_for("scorer")))
    assert response.status_code == 200 and task(cycle, *ITEM).points == Decimal(2)


def test_a_write_with_a_revoked_token_is_401_even_when_csrf_is_enforced(cycle):
    response = put(Client(enforce_csrf_checks=True), score_url(cycle, *ITEM),
                   {"points": "2", "reason": "", "version": 0}, **bearer("kh_revoked"))
    assert response.status_code == 401


def test_using_a_token_records_when_it_was_last_used(client_for, users):
    token, key = ApiToken.issue(users["leader"])
    client_for(None).get("/api/v1/cycles", **bearer(key))
    token.refresh_from_db()
    assert token.last_used_at is not None


# ----------------------------------------------------------------------------- cycles


@pytest.mark.parametrize("name", ROLES)
def test_every_role_lists_the_cycles_it_may_see(client_for, cycle, name):
    response = client_for(name).get("/api/v1/cycles")
    assert response.status_code == 200
    (listed,) = response.json()
    assert listed["id"] == cycle.pk and listed["name"] == cycle.name
    assert listed["scheme"] == cycle.scheme.name and listed["status"] == "open" and listed["step"] == "0.1"
    assert listed["scoring_deadline"] == "2019-01-15" and listed["review_deadline"] == "2019-01-31"


@pytest.mark.parametrize("name,code", [("scorer", "swzzb"), ("head", "swzzb"), ("scorer2", "swxcb")])
def test_scorers_and_heads_see_their_departments_progress(client_for, cycle, name, code):
    Score.objects.filter(pk=cycle.scores.filter(department__code=code).first().pk).update(
        points=Decimal(1), reason="测试")
    (listed,) = client_for(name).get("/api/v1/cycles").json()
    total = cycle.scores.filter(department__code=code).count()
    assert listed["progress"]["department"] == code and listed["progress"]["state"] == "draft"
    assert (listed["progress"]["scored"], listed["progress"]["total"]) == (1, total)


@pytest.mark.parametrize("name", ["office", "unit", "leader"])
def test_other_roles_get_no_department_progress_in_the_list(client_for, name):
    (listed,) = client_for(name).get("/api/v1/cycles").json()
    assert listed["progress"] is None


def test_a_draft_cycle_is_listed_for_the_office_only(client_for, cycle, users):
    from kaohe.cycles.lifecycle import create_cycle

    draft = create_cycle(name="草稿周期", scheme=cycle.scheme, unit_codes=["yanshi"], created_by=users["office"])
    assert draft.pk in [c["id"] for c in client_for("office").get("/api/v1/cycles").json()]
    assert client_for("office").get(f"/api/v1/cycles/{draft.pk}").status_code == 200
    for name in ["scorer", "head", "unit", "leader"]:
        assert draft.pk not in [c["id"] for c in client_for(name).get("/api/v1/cycles").json()]
        response = client_for(name).get(f"/api/v1/cycles/{draft.pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("name", ROLES)
def test_every_role_reads_one_cycle_it_may_see(client_for, cycle, name):
    response = client_for(name).get(f"/api/v1/cycles/{cycle.pk}")
    assert response.status_code == 200 and response.json()["id"] == cycle.pk


def test_an_unknown_cycle_is_404(client_for):
    response = client_for("office").get("/api/v1/cycles/999999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_office_and_leaders_see_every_departments_progress_in_a_cycle(client_for, cycle):
    for name in ["office", "leader"]:
        body = client_for(name).get(f"/api/v1/cycles/{cycle.pk}").json()
        assert {d["department"] for d in body["departments"]} == set(cycle.departments.values_list("code", flat=True))
        assert sum(d["total"] for d in body["departments"]) == cycle.scores.count()


def test_a_scorer_sees_only_its_own_department_in_a_cycle_and_a_unit_none(client_for, cycle):
    body = client_for("scorer").get(f"/api/v1/cycles/{cycle.pk}").json()
    assert [d["department"] for d in body["departments"]] == ["swzzb"]
    assert body["progress"]["department"] == "swzzb"
    assert client_for("unit").get(f"/api/v1/cycles/{cycle.pk}").json()["departments"] == []


# ----------------------------------------------------------------------------- tasks


@pytest.mark.parametrize("name,code", [("scorer", "swzzb"), ("head", "swzzb"), ("scorer2", "swxcb")])
def test_scorers_and_heads_list_their_departments_tasks(client_for, cycle, name, code):
    response = client_for(name).get(f"/api/v1/cycles/{cycle.pk}/tasks")
    assert response.status_code == 200
    tasks = response.json()
    assert len(tasks) == cycle.scores.filter(department__code=code).count()
    assert {t["department"] for t in tasks} == {code}


def test_a_task_carries_what_a_script_needs_to_save_it(client_for, cycle):
    (found,) = client_for("scorer").get(f"/api/v1/cycles/{cycle.pk}/tasks?unit=yanshi&item=1.2.1.1").json()
    assert found == {
        "unit_code": "yanshi", "unit_name": "偃师市", "item_code": "1.2.1.1",
        "item_title": task(cycle, *ITEM).node.title, "criterion_code": "1.2.1", "department": "swzzb",
        "maximum": "2", "points": None, "reason": "", "version": 0, "updated_by": None, "updated_at": None,
        "proposal": None,  # no 平时考核台账 entries (see tests/web/api/test_api_ledger.py)
    }


def test_tasks_can_be_filtered_by_unit_or_by_item(client_for, cycle):
    client = client_for("scorer")
    by_unit = client.get(f"/api/v1/cycles/{cycle.pk}/tasks?unit=yanshi").json()
    assert by_unit and {t["unit_code"] for t in by_unit} == {"yanshi"}
    by_item = client.get(f"/api/v1/cycles/{cycle.pk}/tasks?item=1.2.1.1").json()
    assert len(by_item) == cycle.units.count() and {t["item_code"] for t in by_item} == {"1.2.1.1"}


@pytest.mark.parametrize("name", ["office", "leader"])
def test_the_office_and_leaders_read_a_named_departments_tasks(client_for, cycle, name):
    response = client_for(name).get(f"/api/v1/cycles/{cycle.pk}/tasks?department=swxcb")
    assert response.status_code == 200
    assert len(response.json()) == cycle.scores.filter(department__code="swxcb").count()


@pytest.mark.parametrize("name", ["office", "leader"])
def test_the_office_and_leaders_read_every_task_of_the_cycle_a_page_at_a_time(client_for, cycle, name):
    client = client_for(name)
    total = Score.objects.filter(cycle=cycle).count()
    first = client.get(f"/api/v1/cycles/{cycle.pk}/tasks")
    assert first.status_code == 200 and first["X-Total-Count"] == str(total) and len(first.json()) == 1000
    assert {task["department"] for task in first.json()} >= {"swbgs", "swzzb"}  # more than one department
    seen, url = [], f"/api/v1/cycles/{cycle.pk}/tasks?limit=1500"
    while url:
        page = client.get(url)
        seen += [(task["unit_code"], task["item_code"]) for task in page.json()]
        link = page.get("Link", "")
        url = link[link.index("/api/"):link.index(">")] if link else ""
    assert len(seen) == len(set(seen)) == total


def test_a_department_list_stays_whole_unless_a_limit_is_asked(client_for, cycle):
    client = client_for("office")
    whole = client.get(f"/api/v1/cycles/{cycle.pk}/tasks?department=swzzb")
    assert len(whole.json()) == int(whole["X-Total-Count"]) > 1000 and "Link" not in whole
    page = client.get(f"/api/v1/cycles/{cycle.pk}/tasks?department=swzzb&limit=10&offset=10")
    assert [t["item_code"] for t in page.json()] == [t["item_code"] for t in whole.json()[10:20]]


@pytest.mark.parametrize("query", ["limit=0", "limit=5001", "offset=-1", "limit=x"])
def test_a_page_out_of_bounds_is_refused(client_for, cycle, query):
    assert client_for("office").get(f"/api/v1/cycles/{cycle.pk}/tasks?{query}").status_code == 422


def test_an_unknown_department_is_404(client_for, cycle):
    assert client_for("office").get(f"/api/v1/cycles/{cycle.pk}/tasks?department=nope").status_code == 404


def test_a_scorer_may_not_read_another_departments_tasks(client_for, cycle):
    response = client_for("scorer").get(f"/api/v1/cycles/{cycle.pk}/tasks?department=swxcb")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert client_for("scorer").get(f"/api/v1/cycles/{cycle.pk}/tasks?department=swzzb").status_code == 200


def test_unit_users_may_not_read_tasks(client_for, cycle):
    for query in ["", "?department=swzzb"]:
        response = client_for("unit").get(f"/api/v1/cycles/{cycle.pk}/tasks{query}")
        assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_listing_tasks_takes_the_same_few_queries_however_many_there_are(client_for, cycle, token_for,
                                                                         django_assert_max_num_queries):
    client = client_for(None)
    key = token_for("scorer")
    counts = []
    for query in ["?unit=yanshi&item=1.2.1.1", "?unit=yanshi", ""]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/cycles/{cycle.pk}/tasks{query}", **bearer(key)).status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts
    # token lookup + last-used update, the cycle, the department, the tasks (one select_related query),
    # the 平时考核台账's proposals (one query)
    with django_assert_max_num_queries(6):
        tasks = client.get(f"/api/v1/cycles/{cycle.pk}/tasks", **bearer(key)).json()
    assert len(tasks) > 1000
    office = client_for("office")
    with django_assert_max_num_queries(6):  # a session: session + user instead of the token
        assert office.get(f"/api/v1/cycles/{cycle.pk}/tasks?department=swzzb").status_code == 200


def test_listing_cycles_takes_a_constant_number_of_queries(client_for, django_assert_max_num_queries):
    client = client_for("scorer")
    with django_assert_max_num_queries(6):  # session, user, department, cycles, progress, submissions
        assert client.get("/api/v1/cycles").status_code == 200


# ----------------------------------------------------------------------------- saving a score


def test_a_scorer_saves_a_score_by_token(client_for, cycle, token_for):
    response = put(client_for(None), score_url(cycle, *ITEM), {"points": "1.5", "reason": "材料不全", "version": 0},
                   **bearer(token_for("scorer")))
    assert response.status_code == 200
    body = response.json()
    assert (body["points"], body["reason"], body["version"], body["updated_by"]) == ("1.5", "材料不全", 1, "组织部评分人")
    saved = task(cycle, *ITEM)
    assert (saved.points, saved.reason, saved.version) == (Decimal("1.5"), "材料不全", 1)


def test_a_head_saves_a_score_by_session(client_for, cycle):
    response = put(client_for("head"), score_url(cycle, *ITEM), {"points": 2, "reason": "", "version": 0})
    assert response.status_code == 200 and response.json()["points"] == "2"


def test_null_points_clear_a_score(client_for, cycle):
    client = client_for("scorer")
    put(client, score_url(cycle, *ITEM), {"points": "1", "reason": "扣分", "version": 0})
    response = put(client, score_url(cycle, *ITEM), {"points": None, "reason": "扣分", "version": 1})
    assert response.status_code == 200 and response.json()["points"] is None
    assert task(cycle, *ITEM).points is None and task(cycle, *ITEM).reason == ""


def test_a_json_number_is_read_as_decimal_and_does_not_drift(client_for, cycle):
    response = put(client_for("scorer"), score_url(cycle, *ITEM), '{"points": 0.3, "reason": "扣分", "version": 0}')
    assert response.status_code == 200 and response.json()["points"] == "0.3"
    assert task(cycle, *ITEM).points == Decimal("0.3")  # not 0.1 + 0.2 = 0.30000000000000004
    event = Event.objects.filter(action="score.update").first()
    assert event.new["points"] == "0.3"


def test_a_json_number_with_more_digits_than_a_float_holds_is_refused_not_rounded(client_for, cycle):
    # As a float this would silently become 1.1; read as Decimal it has too many decimals.
    response = put(client_for("scorer"), score_url(cycle, *ITEM),
                   '{"points": 1.10000000000000000001, "reason": "扣分", "version": 0}')
    assert response.status_code == 422 and response.json()["field"] == "points"
    assert task(cycle, *ITEM).points is None


def test_points_reach_the_scoring_rules_as_decimal_or_text_never_float(client_for, cycle, monkeypatch):
    import kaohe.api.cycles as api_cycles

    seen = []

    def spy(user, cycle, unit_code, item_code, entry, source="grid"):
        seen.append((entry.points, source))
        return save_score(user, cycle, unit_code, item_code, entry, source=source)

    monkeypatch.setattr(api_cycles, "save_score", spy)
    client = client_for("scorer")
    put(client, score_url(cycle, *ITEM), '{"points": 1.5, "reason": "扣分", "version": 0}')
    put(client, score_url(cycle, *ITEM), '{"points": "1.2", "reason": "扣分", "version": 1}')
    put(client, score_url(cycle, *ITEM), '{"points": 2, "reason": "", "version": 2}')
    assert [type(points) for points, _ in seen] == [Decimal, str, Decimal]
    assert [points for points, _ in seen] == [Decimal("1.5"), "1.2", Decimal(2)]
    assert {source for _, source in seen} == {"api"}


@pytest.mark.parametrize("body,field", [
    ({"points": "3", "reason": "", "version": 0}, "points"),  # above the maximum
    ({"points": "-1", "reason": "扣分", "version": 0}, "points"),  # below zero
    ({"points": "abc", "reason": "扣分", "version": 0}, "points"),  # not a number
    ({"points": "1.55", "reason": "扣分", "version": 0}, "points"),  # more decimals than the step
    ({"points": "NaN", "reason": "扣分", "version": 0}, "points"),
    ({"points": True, "reason": "扣分", "version": 0}, "points"),
    ({"points": [1], "reason": "扣分", "version": 0}, "points"),
    ({"points": "1.5", "reason": "", "version": 0}, "reason"),  # below full marks without a reason
    ({"points": "1.5", "reason": "   ", "version": 0}, "reason"),
    ({"points": "1.5", "reason": 7, "version": 0}, "reason"),
    ({"reason": "扣分", "version": 0}, "points"),  # points missing (null clears, absent is a mistake)
    ({"points": "1.5", "reason": "扣分"}, "version"),
    ({"points": "1.5", "reason": "扣分", "version": "0"}, "version"),
])
def test_invalid_scores_are_422_with_the_field(client_for, cycle, body, field):
    response = put(client_for("scorer"), score_url(cycle, *ITEM), body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid" and response.json()["field"] == field
    assert response.json()["message"]
    assert task(cycle, *ITEM).version == 0


@pytest.mark.parametrize("raw", ["", "not json", "[1, 2]", '"2"'])
def test_a_body_that_is_not_a_json_object_is_422(client_for, cycle, raw):
    response = put(client_for("scorer"), score_url(cycle, *ITEM), raw)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_a_score_above_a_half_point_items_maximum_is_422(client_for, cycle):
    response = put(client_for("scorer"), score_url(cycle, *HALF_POINT_ITEM), {"points": "0.6", "reason": "", "version": 0})
    assert response.status_code == 422 and "0.5" in response.json()["message"]


def test_another_departments_item_is_403(client_for, cycle, token_for):
    response = put(client_for(None), score_url(cycle, *OTHER_DEPARTMENTS_ITEM),
                   {"points": "1", "reason": "", "version": 0}, **bearer(token_for("scorer")))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert task(cycle, *OTHER_DEPARTMENTS_ITEM).points is None


@pytest.mark.parametrize("name", ["office", "unit", "leader", "scorer2"])
def test_roles_that_do_not_score_the_item_get_403(client_for, cycle, name):
    response = put(client_for(name), score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 0})
    assert response.status_code == 403 and task(cycle, *ITEM).points is None


@pytest.mark.parametrize("unit,item", [NOT_APPLICABLE, ("yanshi", "9.9.9.9"), ("nowhere", "1.2.1.1")])
def test_an_item_that_does_not_apply_is_404(client_for, cycle, unit, item):
    response = put(client_for("scorer"), score_url(cycle, unit, item), {"points": "1", "reason": "x", "version": 0})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_stale_version_is_409_with_the_saved_value(client_for, cycle, token_for):
    client = client_for(None)
    put(client, score_url(cycle, *ITEM), {"points": "1.5", "reason": "负责人意见", "version": 0},
        **bearer(token_for("head")))
    response = put(client, score_url(cycle, *ITEM), {"points": "1", "reason": "评分人意见", "version": 0},
                   **bearer(token_for("scorer")))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and body["message"]
    current = body["current"]
    assert (current["points"], current["reason"], current["version"]) == ("1.5", "负责人意见", 1)
    assert current["updated_by"] == "组织部负责人" and current["updated_at"]
    saved = task(cycle, *ITEM)
    assert (saved.points, saved.reason, saved.version) == (Decimal("1.5"), "负责人意见", 1)


def test_saving_the_same_value_again_makes_no_new_version(client_for, cycle):
    client = client_for("scorer")
    put(client, score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 0})
    response = put(client, score_url(cycle, *ITEM), {"points": "2.0", "reason": "", "version": 1})
    assert response.status_code == 200 and response.json()["version"] == 1


@pytest.mark.parametrize("state", [Submission.State.SUBMITTED, Submission.State.APPROVED, Submission.State.LOCKED])
def test_a_submission_that_is_not_a_draft_refuses_edits(client_for, cycle, state):
    set_state(cycle, state)
    response = put(client_for("scorer"), score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 0})
    assert response.status_code == 409 and response.json()["code"] == "closed"
    assert task(cycle, *ITEM).points is None


def test_a_locked_cycle_refuses_edits(client_for, cycle):
    cycle.status = "locked"
    cycle.save()
    response = put(client_for("scorer"), score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 0})
    assert response.status_code == 409 and response.json()["code"] == "closed"


# ----------------------------------------------------------------------------- API and pages agree


def test_a_score_saved_by_the_api_shows_in_the_tasks_with_an_audit_event(client_for, cycle, users, token_for):
    key = token_for("scorer")
    client = client_for(None)
    put(client, score_url(cycle, *ITEM), {"points": "1.5", "reason": "材料不全", "version": 0}, **bearer(key))
    (shown,) = client.get(f"/api/v1/cycles/{cycle.pk}/tasks?unit=yanshi&item=1.2.1.1", **bearer(key)).json()
    assert (shown["points"], shown["reason"], shown["version"]) == ("1.5", "材料不全", 1)
    event = Event.objects.get(action="score.update", object_key=f"cycle:{cycle.pk}/unit:yanshi/item:1.2.1.1")
    assert event.new == {"points": "1.5", "reason": "材料不全", "version": 1, "source": "api"}
    assert event.old == {"points": None, "reason": "", "version": 0}
    assert event.actor == users["scorer"] and event.actor_name == "scorer"  # the token's user, not anonymous


def test_a_score_saved_on_the_pages_shows_in_the_api(client_for, cycle, users):
    save_score(users["head"], cycle, *ITEM, Entry("1.8", "扣分", 0))
    (shown,) = client_for("scorer").get(f"/api/v1/cycles/{cycle.pk}/tasks?unit=yanshi&item=1.2.1.1").json()
    assert (shown["points"], shown["version"], shown["updated_by"]) == ("1.8", 1, "组织部负责人")


# ----------------------------------------------------------------------------- submissions


def test_submit_approve_and_lock_through_the_api(client_for, cycle, token_for):
    fill_department(cycle)
    client = client_for(None)
    base = f"/api/v1/cycles/{cycle.pk}"
    response = post(client, f"{base}/submission/submit", **bearer(token_for("scorer")))
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    response = post(client, f"{base}/submission/approve", **bearer(token_for("head")))
    assert response.status_code == 200 and response.json()["state"] == "approved"
    response = post(client, f"{base}/departments/swzzb/lock", **bearer(token_for("office")))
    assert response.status_code == 200 and response.json()["state"] == "locked"
    assert submission(cycle).state == "locked"
    actions = list(Event.objects.filter(object_type="submission").order_by("id").values_list("action", "actor_name"))
    assert actions == [("submission.submit", "scorer"), ("submission.approve", "head"), ("submission.lock", "office")]
    response = put(client, score_url(cycle, *ITEM), {"points": "2", "reason": "", "version": 1},
                   **bearer(token_for("scorer")))
    assert response.status_code == 409 and response.json()["code"] == "closed"


def test_submitting_with_tasks_left_is_422(client_for, cycle):
    response = post(client_for("scorer"), f"/api/v1/cycles/{cycle.pk}/submission/submit")
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    assert "未评分" in response.json()["message"] and submission(cycle).state == "draft"


def test_submitting_twice_is_409(client_for, cycle):
    fill_department(cycle)
    client = client_for("head")
    assert post(client, f"/api/v1/cycles/{cycle.pk}/submission/submit").status_code == 200
    response = post(client, f"/api/v1/cycles/{cycle.pk}/submission/submit")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


@pytest.mark.parametrize("name", ["office", "unit", "leader"])
def test_only_scorers_and_heads_submit(client_for, cycle, name):
    fill_department(cycle)
    response = post(client_for(name), f"/api/v1/cycles/{cycle.pk}/submission/submit")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


@pytest.mark.parametrize("name", ["office", "scorer", "scorer2", "unit", "leader"])
def test_only_the_head_approves_or_sends_back(client_for, cycle, name):
    set_state(cycle, Submission.State.SUBMITTED)
    client = client_for(name)
    assert post(client, f"/api/v1/cycles/{cycle.pk}/submission/approve").status_code == 403
    assert post(client, f"/api/v1/cycles/{cycle.pk}/submission/send-back", {"comment": "重评"}).status_code == 403
    assert submission(cycle).state == "submitted"


def test_the_head_sends_back_with_a_comment(client_for, cycle):
    set_state(cycle, Submission.State.SUBMITTED)
    client = client_for("head")
    response = post(client, f"/api/v1/cycles/{cycle.pk}/submission/send-back", {"comment": " "})
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    response = post(client, f"/api/v1/cycles/{cycle.pk}/submission/send-back", {"comment": "第3项重评"})
    assert response.status_code == 200 and response.json()["state"] == "draft"
    assert response.json()["comment"] == "第3项重评"


@pytest.mark.parametrize("action,body", [("return", {"comment": "x"}), ("lock", None), ("reopen", {"reason": "x"})])
@pytest.mark.parametrize("name", ["scorer", "head", "scorer2", "unit", "leader"])
def test_only_the_office_returns_locks_and_reopens(client_for, cycle, action, body, name):
    set_state(cycle, Submission.State.LOCKED if action == "reopen" else Submission.State.APPROVED)
    before = submission(cycle).state
    response = post(client_for(name), f"/api/v1/cycles/{cycle.pk}/departments/swzzb/{action}", body)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert submission(cycle).state == before


def test_the_office_returns_an_approved_submission_with_a_comment(client_for, cycle):
    set_state(cycle, Submission.State.APPROVED)
    url = f"/api/v1/cycles/{cycle.pk}/departments/swzzb/return"
    assert post(client_for("office"), url, {"comment": ""}).status_code == 422
    response = post(client_for("office"), url, {"comment": "请核对"})
    assert response.status_code == 200 and response.json()["state"] == "draft"


def test_the_office_reopens_a_locked_submission_only_with_a_reason(client_for, cycle):
    set_state(cycle, Submission.State.LOCKED)
    url = f"/api/v1/cycles/{cycle.pk}/departments/swzzb/reopen"
    response = post(client_for("office"), url, {"reason": ""})
    assert response.status_code == 422 and submission(cycle).state == "locked"
    response = post(client_for("office"), url, {"reason": "复核发现错误"})
    assert response.status_code == 200 and response.json()["state"] == "draft"
    assert Event.objects.filter(action="submission.reopen").first().reason == "复核发现错误"


def test_locking_a_submission_that_is_not_approved_is_409(client_for, cycle):
    response = post(client_for("office"), f"/api/v1/cycles/{cycle.pk}/departments/swzzb/lock")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_an_unknown_department_cannot_be_locked(client_for, cycle):
    response = post(client_for("office"), f"/api/v1/cycles/{cycle.pk}/departments/nope/lock")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# ----------------------------------------------------------------------------- schema and docs


def test_the_openapi_schema_lists_the_endpoints(client_for):
    response = client_for(None).get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/cycles": {"get"},
        "/api/v1/cycles/{cycle_id}": {"get"},
        "/api/v1/cycles/{cycle_id}/tasks": {"get"},
        "/api/v1/cycles/{cycle_id}/scores/{unit_code}/{item_code}": {"put"},
        "/api/v1/cycles/{cycle_id}/submission/submit": {"post"},
        "/api/v1/cycles/{cycle_id}/submission/approve": {"post"},
        "/api/v1/cycles/{cycle_id}/submission/send-back": {"post"},
        "/api/v1/cycles/{cycle_id}/departments/{code}/return": {"post"},
        "/api/v1/cycles/{cycle_id}/departments/{code}/lock": {"post"},
        "/api/v1/cycles/{cycle_id}/departments/{code}/reopen": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    put_operation = paths["/api/v1/cycles/{cycle_id}/scores/{unit_code}/{item_code}"]["put"]
    assert {"200", "403", "404", "409", "422"} <= set(put_operation["responses"])
    body = put_operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"points", "reason", "version"} <= set(body["properties"])
    assert {"BearerToken", "BrowserSession"} <= set(response.json()["components"]["securitySchemes"])


def test_the_docs_load_their_scripts_and_styles_from_our_own_static_files(client_for):
    response = client_for("scorer").get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html and "http://" not in html
    for asset in ["/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css",
                  "/static/ninja/swagger-ui-init.js"]:
        served = client_for(None).get(asset)
        assert served.status_code == 200, asset
        served.close()
