"""A leader reads and does not operate: the pages a leader can open show no form the leader cannot use
(issue 14). The results page shows a leader the results and the rules in force, but no settings form
and no "预览（不保存）" button; a what-if preview is the office's."""

from __future__ import annotations

import re

import pytest

from benchmarks.year import lock_and_publish, score_spread

POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"", re.I)


def main_of(response) -> str:
    return re.search(r"<main>(.*)</main>", response.content.decode(), re.S).group(1)


def test_the_results_page_shows_a_leader_no_settings_and_no_preview(client_for, cycle):
    leader = main_of(client_for("leader").get(f"/results/{cycle.pk}/"))
    assert "results-settings" not in leader and "预览（不保存）" not in leader and "<form" not in leader
    assert "现行规则" in leader  # what the leader may read is still there
    office = main_of(client_for("office").get(f"/results/{cycle.pk}/"))
    assert "results-settings" in office and "预览（不保存）" in office


def test_a_leader_asking_for_a_preview_gets_the_results_as_they_are(client_for, cycle):
    response = client_for("leader").get(f"/results/{cycle.pk}/?preview=1&bonus_cap=abc")
    main = main_of(response)
    assert response.status_code == 200 and "results-preview" not in main and "errorlist" not in main


@pytest.fixture
def year(cycle, users):
    score_spread(cycle, seed=3)
    lock_and_publish(cycle, users["office"])
    return cycle


def leader_pages(cycle) -> list[str]:
    return ["/", "/overview/", "/cycles/", f"/cycles/{cycle.pk}/", f"/cycles/{cycle.pk}/scoring/",
            f"/cycles/{cycle.pk}/self/", f"/cycles/{cycle.pk}/self/yanshi/", f"/cycles/{cycle.pk}/objections/",
            f"/results/{cycle.pk}/", f"/results/{cycle.pk}/v/1/", f"/results/{cycle.pk}/dashboard/",
            f"/results/{cycle.pk}/consistency/", f"/results/{cycle.pk}/scorecards/", "/schemes/",
            f"/schemes/{cycle.scheme.pk}/", "/surveys/"]


def test_no_page_a_leader_opens_has_a_form_that_changes_anything(client_for, year):
    client = client_for("leader")
    opened = 0
    for url in leader_pages(year):
        response = client.get(url)
        if response.status_code != 200:
            continue  # pages a leader may not open answer 403/404 (tested with their apps)
        opened += 1
        assert not POST_FORM.findall(main_of(response)), url
    assert opened >= 12  # (the leader's own notifications page may mark them read: the leader can use that)
