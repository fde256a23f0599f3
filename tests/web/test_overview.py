"""The leaders' overview (a leader's home, /overview/): access, what it shows against the published
snapshot and the live totals, year over year, its charts' options, no forms, constant queries.

The demo's county cycle is open with every task unscored. `published` scores it (benchmarks.year),
publishes it, and makes the year before (the scheme cloned for 2017, a cycle of it scored and
published): the overview's year over year.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from benchmarks.year import lock_and_publish, previous_year, score_spread
from kaohe.audit.context import acting_as
from kaohe.core.points import two_places
from kaohe.cycles import lifecycle
from kaohe.cycles.models import Cycle, Score, Submission
from kaohe.results.models import ResultSnapshot
from kaohe.schemes.models import Node, SchemeRecord

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]
READERS = ["office", "leader"]


@pytest.fixture
def published(cycle, users):
    """The demo cycle scored and published (version 1), and its previous year, published too."""
    before = previous_year(cycle, users["office"], seed=7)
    score_spread(cycle, seed=3)
    snapshot = lock_and_publish(cycle, users["office"])
    cycle.refresh_from_db()
    return cycle, before, snapshot


def panels_of(response) -> dict:
    return {panel.key: panel for panel in response.context["panels"]}


def charts_of(response) -> dict:
    found = re.search(r'<script id="overview-charts" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert found, "no chart options on the page"
    return json.loads(found.group(1))


def main_of(response) -> str:
    return re.search(r"<main>(.*)</main>", response.content.decode(), re.S).group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*ROLES, None])
def test_the_overview_is_for_the_office_and_leaders(client_for, cycle, name):
    response = client_for(name).get("/overview/")
    if name is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif name in READERS:
        assert response.status_code == 200 and cycle.name in response.content.decode()
    else:
        assert response.status_code == 403


def test_a_leaders_home_is_the_overview_and_others_keep_their_to_do_list(client_for, cycle):
    body = client_for("leader").get("/").content.decode()
    assert 'class="overview"' in body and "待办事项" not in body
    for name in ("office", "scorer", "unit"):
        assert "待办事项" in client_for(name).get("/").content.decode()


def test_a_cycle_the_reader_may_not_see_is_not_found(client_for, users):
    with acting_as(users["office"]):
        draft = lifecycle.create_cycle(name="草稿周期", scheme=SchemeRecord.objects.get(name="luoyang-2018-county"),
                                       unit_codes=["yanshi"])
    assert client_for("leader").get(f"/overview/?cycle={draft.pk}").status_code == 404  # leaders see no drafts
    assert client_for("office").get(f"/overview/?cycle={draft.pk}").status_code == 200
    for wrong in ("99999", "x", "1" * 40):
        assert client_for("leader").get(f"/?cycle={wrong}").status_code == 404


# --- published results --------------------------------------------------------------------------


def test_the_figures_rankings_and_grades_are_the_published_snapshots(client_for, published):
    cycle, before, snapshot = published
    rows = snapshot.results
    # a change after publication does not reach the leaders: they see version 1 as published
    Score.objects.filter(cycle=cycle, unit__code="yanshi").update(points=Decimal(0))
    response = client_for("leader").get("/")
    panels = panels_of(response)
    assert response.context["focus"] == cycle
    assert list(panels) == ["figures", "ranking", "grades", "year"]  # no live progress: the cycle is locked

    finals = [Decimal(r["final"]) for r in rows]
    figures = panels["figures"].data
    assert figures["units"] == len(rows) == 18
    assert figures["mean"] == two_places(sum(finals) / len(finals))
    best = max(rows, key=lambda r: Decimal(r["final"]))
    worst = min(rows, key=lambda r: Decimal(r["final"]))
    assert figures["highest"] == {"name": best["name"], "final": two_places(best["final"])}
    assert figures["lowest"] == {"name": worst["name"], "final": two_places(worst["final"])}
    main = main_of(response)
    assert f'<dd class="figure-mean">{figures["mean"]}</dd>' in main
    assert "已发布第1版" in text_of(main)

    groups = panels["ranking"].data["groups"]
    expected: dict[str, list] = {}
    for r in rows:
        expected.setdefault(r["group"], []).append((r["code"], r["rank"], two_places(r["final"]), r["grade"]))
    assert {g["name"]: [(u["code"], u["rank"], u["final"], u["grade"]) for u in g["units"]] for g in groups} == expected
    assert [g["name"] for g in groups] == ["县(市)", "城市区", "功能区"]

    grades = [g["name"] for g in snapshot.rules["grades"]]
    counts = {row["group"]: row["grades"] for row in panels["grades"].data["counts"]}
    assert counts["合计"] == {**{g: 0 for g in grades}, **Counter(r["grade"] for r in rows)}
    for group in ("县(市)", "城市区", "功能区"):
        assert counts[group] == {**{g: 0 for g in grades}, **Counter(r["grade"] for r in rows if r["group"] == group)}
    table = re.search(r'<table class="list grade-counts">(.*?)</table>', main, re.S).group(1)
    total_row = re.search(r'<tr data-group="合计">(.*?)</tr>', table, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', total_row) == [str(counts["合计"][g]) for g in grades] + ["18"]


def test_year_over_year_compares_with_the_previous_year_of_the_same_scheme_family(client_for, published):
    cycle, before, snapshot = published
    earlier = ResultSnapshot.objects.get(cycle=before)
    response = client_for("leader").get("/")
    year = panels_of(response)["year"].data
    assert year["previous"] == {"cycle": before.name, "version": 1}
    then = {r["code"]: r for r in earlier.results}
    pairs = {p["code"]: p for p in year["pairs"]}
    assert set(pairs) == {r["code"] for r in snapshot.results}
    for r in snapshot.results:
        change = Decimal(two_places(r["final"])) - Decimal(two_places(then[r["code"]]["final"]))
        assert Decimal(pairs[r["code"]]["change"]) == change
    assert year["up"] + year["down"] <= 18 and year["up"] == sum(1 for p in pairs.values() if Decimal(p["change"]) > 0)
    assert year["mean"] == two_places(sum(Decimal(r["final"]) for r in snapshot.results) / 18)
    assert year["previous_mean"] == two_places(sum(Decimal(r["final"]) for r in earlier.results) / 18)
    shown = text_of(main_of(response))
    assert before.name in shown and "标题去掉年度后相同" in shown  # the rule is said on the page
    # the earlier cycle has no year before it: said so, nothing compared
    response = client_for("leader").get(f"/?cycle={before.pk}")
    assert panels_of(response)["year"].data == {"previous": None}
    assert "没有可比较的往期结果" in text_of(main_of(response))


def test_the_cycles_list_marks_each_cycle_and_the_latest_year_comes_first(client_for, published):
    cycle, before, _snapshot = published
    response = client_for("leader").get("/")
    listed = [entry["cycle"] for entry in response.context["cycles"]]
    assert listed == [cycle, before]  # 2018 before 2017, though 2017's cycle was created later
    nav = re.search(r'<nav class="overview-cycles"[^>]*>(.*?)</nav>', main_of(response), re.S).group(1)
    assert text_of(nav).count("已发布第1版") == 2 and "已锁定" in text_of(nav)


# --- live progress ------------------------------------------------------------------------------


def test_while_scoring_runs_the_overview_shows_live_progress_and_no_results(client_for, cycle):
    done = list(Score.objects.filter(cycle=cycle, department__code="swzzb").values_list("pk", flat=True)[:300])
    Score.objects.filter(pk__in=done).update(points=Decimal(0))
    Score.objects.filter(cycle=cycle, department__code="swzfw").update(points=Decimal("0.5"))
    Submission.objects.filter(cycle=cycle, department__code="swzfw").update(state=Submission.State.LOCKED)
    response = client_for("leader").get("/")
    panels = panels_of(response)
    assert list(panels) == ["progress"]
    data = panels["progress"].data
    tasks = Score.objects.filter(cycle=cycle).count()
    scored = Score.objects.filter(cycle=cycle, points__isnull=False).count()
    assert (data["tasks"], data["scored"], data["percent"]) == (tasks, scored, scored * 100 // tasks)
    by_department = {d["code"]: (d["tasks"], d["scored"], d["state"]) for d in data["departments"]}
    assert by_department["swzzb"] == (Score.objects.filter(cycle=cycle, department__code="swzzb").count(), 300, "draft")
    swzfw = Score.objects.filter(cycle=cycle, department__code="swzfw").count()
    assert by_department["swzfw"] == (swzfw, swzfw, "locked") and data["locked"] == 1
    assert data["units"] == 18 and data["units_complete"] == 0
    shown = text_of(main_of(response))
    assert "实时数据，未发布" in shown and "结果未发布" in shown and "已发布" not in shown
    option = charts_of(response)["chart-progress"]["option"]
    assert option["xAxis"]["max"] == 100
    bars = {name: next(s["data"][i]["value"] for s in option["series"] if s["data"][i] is not None)
            for i, name in enumerate(option["yAxis"]["data"])}
    assert bars["市委组织部"] == 300 * 100 // by_department["swzzb"][0] and bars["市委政法委"] == 100


# --- charts -------------------------------------------------------------------------------------


def test_ranking_axes_start_near_the_lowest_final(client_for, published):
    _cycle, _before, snapshot = published
    finals = [Decimal(r["final"]) for r in snapshot.results]
    charts = charts_of(client_for("leader").get("/"))
    rankings = [chart["option"] for key, chart in charts.items() if key.startswith("chart-ranking-")]
    assert len(rankings) == 3
    for option in rankings:
        axis = option["xAxis"]
        assert axis["min"] <= float(min(finals)) < axis["min"] + axis["interval"]  # not 0 when all score 75+
        assert axis["max"] >= float(max(finals)) and axis["max"] <= 100
        assert min(finals) > 50 and axis["min"] > 0
    # bars: one per unit, labelled with its final and grade
    bars = [bar for option in rankings for bar in option["series"][0]["data"]]
    assert sorted(b["label"]["formatter"] for b in bars) == sorted(
        f"{two_places(r['final'])} {r['grade']}" for r in snapshot.results)


def test_a_narrow_spread_gets_a_narrow_axis(client_for, cycle, users):
    """Every unit between 94 and 100: the ranking axis starts at 92 or above, not at 0."""
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))
    for position, code in enumerate(["yanshi", "mengjin", "xinan"]):  # a point or a few off for three units
        items = Score.objects.filter(cycle=cycle, unit__code=code, node__points__gte=1).order_by("node__position")
        Score.objects.filter(pk__in=[s.pk for s in items[:position * 4 + 1]]).update(points=F("points") - 1)
    snapshot = lock_and_publish(cycle, users["office"])
    finals = [Decimal(r["final"]) for r in snapshot.results]
    assert min(finals) >= 94
    for key, chart in charts_of(client_for("leader").get("/")).items():
        if key.startswith("chart-ranking-"):
            axis = chart["option"]["xAxis"]
            assert 92 <= axis["min"] <= float(min(finals)) and axis["max"] == 100


# --- no forms -----------------------------------------------------------------------------------

FORM_ELEMENTS = re.compile(r"<(form|input|select|textarea|button)\b", re.I)


def test_the_overview_has_no_form_element(client_for, published):
    cycle, before, _snapshot = published
    for url in ("/", f"/?cycle={before.pk}", "/overview/"):
        assert not FORM_ELEMENTS.findall(main_of(client_for("leader").get(url))), url


def test_the_overview_while_scoring_has_no_form_element(client_for, cycle):
    assert not FORM_ELEMENTS.findall(main_of(client_for("leader").get("/")))


# --- queries ------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_queries_are_constant_in_the_number_of_units_and_cycles(client_for, cycle, users):
    client = client_for("leader")
    scoring_alone = _queries(client, "/")  # one cycle, scoring, 18 units
    small = _small_year(users, "两个单位的周期", ["yanshi", "jianxi"])
    big_before = previous_year(cycle, users["office"], seed=7)
    score_spread(cycle, seed=3)
    lock_and_publish(cycle, users["office"])
    # four cycles now; each focus published with a previous year: 18 units, then 2
    big = _queries(client, f"/?cycle={cycle.pk}")
    assert _queries(client, f"/?cycle={small.pk}") == big
    # and a scoring focus among many cycles costs what it cost alone
    with acting_as(users["office"]):
        running = lifecycle.create_cycle(name="2018年度第二个评分中的周期", scheme=cycle.scheme,
                                         unit_codes=["yanshi"])
        lifecycle.open_cycle(running)
    assert _queries(client, f"/?cycle={running.pk}") == scoring_alone
    assert big_before.pk != small.pk


def _small_year(users, name: str, codes: list[str]) -> Cycle:
    scheme = SchemeRecord.objects.get(name="luoyang-2018-county")
    with acting_as(users["office"]):
        made = lifecycle.create_cycle(name=name, scheme=scheme, unit_codes=codes)
        lifecycle.open_cycle(made)
    made.refresh_from_db()
    previous_year(made, users["office"], seed=11)
    score_spread(made, seed=5)
    lock_and_publish(made, users["office"])
    return made
