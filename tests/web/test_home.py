"""The home page is each user's to-do list; log-in is required."""

from __future__ import annotations

import pytest

from kaohe.cycles.models import Submission


def test_anonymous_users_are_sent_to_log_in(client_for):
    response = client_for(None).get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_logging_in_with_the_form_leads_home(client_for):
    client = client_for(None)
    response = client.post("/accounts/login/", {"username": "scorer", "password": "kaohe-demo"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "待办事项" in client.get("/").content.decode()


def test_a_wrong_password_is_refused(client_for):
    response = client_for(None).post("/accounts/login/", {"username": "scorer", "password": "nope"})
    assert response.status_code == 200 and "_auth_user_id" not in response.client.session


def test_a_scorer_sees_how_many_of_the_departments_items_are_left(client_for, cycle):
    body = client_for("scorer").get("/").content.decode()
    missing = cycle.scores.filter(department__code="swzzb").count()
    assert f"还有{missing}项待评分" in body


def test_the_office_sees_submissions_waiting_to_be_locked(client_for, cycle):
    submission = cycle.submissions.get(department__name="市委组织部")
    submission.state = Submission.State.APPROVED
    submission.save()
    body = client_for("office").get("/").content.decode()
    assert "2018年度县(市、区)党建工作综合考核：锁定已审核通过的1个考核部门" in body


@pytest.mark.parametrize("name", ["office", "scorer", "head", "scorer2", "unit", "leader"])
def test_every_role_gets_a_home_page(client_for, name):
    assert client_for(name).get("/").status_code == 200


def test_password_change_needs_the_old_password(client_for):
    client = client_for("leader")
    response = client.post("/accounts/password/", {"old_password": "wrong", "new_password1": "Abc-12345-x",
                                                   "new_password2": "Abc-12345-x"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post("/accounts/password/", {"old_password": "kaohe-demo", "new_password1": "Abc-12345-x",
                                                   "new_password2": "Abc-12345-x"})
    assert response.status_code == 302


def test_only_the_office_may_use_the_django_admin(client_for):
    assert client_for("office").get("/admin/").status_code == 200
    for name in ["scorer", "head", "unit", "leader"]:
        assert client_for(name).get("/admin/").status_code == 302  # to the admin log-in


@pytest.mark.parametrize("name", ["office", "scorer", "head", "unit", "leader"])
def test_the_home_page_costs_a_fixed_number_of_queries(client_for, cycle, django_assert_max_num_queries, name):
    client = client_for(name)
    with django_assert_max_num_queries(9):  # 8, and the 平时考核台账's to-do (one query; two for departments)
        assert client.get("/").status_code == 200
