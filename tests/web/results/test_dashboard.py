"""The results dashboard: access, the chart data against the results engine, constant queries,
year-over-year pairing, and ECharts served locally (no external URLs).

The demo's county cycle is open with every task unscored; tests fill scores directly.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import F, OuterRef, Subquery
from django.templatetags.static import static

from benchmarks.year import lock_and_publish
from kaohe.audit.context import acting_as
from kaohe.core.charts import histogram as histogram_bins
from kaohe.cycles import lifecycle
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.results import service
from kaohe.results.models import ResultSettings
from kaohe.schemes import store
from kaohe.schemes.models import Node, SchemeRecord

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]
READERS = ["office", "leader"]
COUNTY = "luoyang-2018-county"


def full_marks(cycle: Cycle, **filters) -> int:
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    return Score.objects.filter(cycle=cycle, **filters).update(points=Subquery(maximum))


def score_all(cycle: Cycle, skip: int = 2) -> None:
    """Full marks, then 0 on the first `position × skip` items of each unit so finals differ."""
    full_marks(cycle)
    for position, unit in enumerate(CycleUnit.objects.filter(cycle=cycle).order_by("position")):
        items = Score.objects.filter(cycle=cycle, unit=unit).order_by("node__position").values_list("pk", flat=True)
        Score.objects.filter(pk__in=list(items[:position * skip])).update(points=Decimal(0))


def scheme_of(users, year: int) -> SchemeRecord:
    """The county scheme of `year`: the demo's (2018), or a published clone for another year (one family)."""
    county = SchemeRecord.objects.get(name=COUNTY)
    if year == county.year:
        return county
    found = SchemeRecord.objects.filter(name=f"{COUNTY}-{year}").first()
    if found is None:
        with acting_as(users["office"]):
            found = store.clone(county, name=f"{COUNTY}-{year}", year=year)
            store.publish(found, acknowledge_warnings=True)
        found.refresh_from_db()
    return found


def new_cycle(users, name: str, codes: list[str], year: int = 2018) -> Cycle:
    """An open cycle of the county scheme of `year`."""
    with acting_as(users["office"]):
        made = lifecycle.create_cycle(name=name, scheme=scheme_of(users, year), unit_codes=codes)
        lifecycle.open_cycle(made)
    made.refresh_from_db()
    return made


def url(cycle: Cycle, query: str = "") -> str:
    return f"/results/{cycle.pk}/dashboard/{query}"


def data_of(response) -> dict:
    html = response.content.decode()
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no json_script data"
    return json.loads(found.group(1))


def shown(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*ROLES, None])
def test_dashboard_office_and_leader_only(client_for, cycle, name):
    response = client_for(name).get(url(cycle))
    if name is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif name in READERS:
        assert response.status_code == 200
        assert response.resolver_match.view_name == "results:dashboard"
    else:
        assert response.status_code == 403


def test_invisible_cycle_is_404(client_for, users):
    with acting_as(users["office"]):
        draft = lifecycle.create_cycle(name="草稿周期", scheme=SchemeRecord.objects.get(name=COUNTY),
                                       unit_codes=["yanshi"])
    assert client_for("leader").get(url(draft)).status_code == 404  # leaders do not see drafts
    assert client_for("office").get("/results/99999/dashboard/").status_code == 404


# --- the data -----------------------------------------------------------------------------------


def test_data_matches_the_results_engine_and_score_counts(client_for, cycle):
    score_all(cycle)
    Score.objects.filter(cycle=cycle, unit__code="yanshi", node__code="1.1.1.1").update(points=None)
    data = data_of(client_for("leader").get(url(cycle)))
    results = service.compute_cycle(cycle)
    assert data["error"] == ""
    flat = [unit for group in data["ranking"] for unit in group["units"]]
    assert [(u["code"], u["rank"], u["final"], u["grade"], u["complete"]) for u in flat] == \
        [(r.code, r.rank, shown(r.final), r.grade, r.complete) for r in results]
    groups: dict[str, list[str]] = {}
    for r in results:
        groups.setdefault(r.group, []).append(r.code)
    assert {g["name"]: [u["code"] for u in g["units"]] for g in data["ranking"]} == groups
    assert [g["name"] for g in data["ranking"]] == ["县(市)", "城市区", "功能区"]
    assert data["grades"] == ["好", "较好", "一般", "差"]
    histogram = data["charts"]["histogram"]["option"]
    counts = histogram["series"][0]["data"]
    assert sum(counts) == len(results) and counts[0] > 0 and counts[-1] > 0
    bins = histogram_bins([r.final for r in results])
    assert histogram["xAxis"]["data"] == [b.label for b in bins] and counts == [b.count for b in bins]

    expected = {}
    for score in Score.objects.filter(cycle=cycle).select_related("department"):
        tasks, scored = expected.get(score.department.name, (0, 0))
        expected[score.department.name] = (tasks + 1, scored + (score.points is not None))
    assert {p["department"]: (p["tasks"], p["scored"]) for p in data["progress"]} == expected
    assert sum(p["tasks"] for p in data["progress"]) - sum(p["scored"] for p in data["progress"]) == 1


def test_progress_while_nothing_is_scored(client_for, cycle):
    data = data_of(client_for("office").get(url(cycle)))
    counts = Counter(Score.objects.filter(cycle=cycle).values_list("department__name", flat=True))
    assert {p["department"]: p["tasks"] for p in data["progress"]} == dict(counts)
    assert all(p["scored"] == 0 for p in data["progress"])


def test_radar_average_is_the_mean_of_the_groups_dimension_percents(client_for, cycle):
    """功能区 has three units. 高新区 at full marks, 伊滨区 at 0, 龙门园区 unscored (0): on every
    dimension the group's average is (100 + 0 + 0) / 3 = 33.33 %."""
    Score.objects.filter(cycle=cycle).update(points=None)
    full_marks(cycle, unit__code="gaoxin")
    Score.objects.filter(cycle=cycle, unit__code="yibin").update(points=Decimal(0))
    data = data_of(client_for("office").get(url(cycle)))
    radar = data["radar"]
    units = {u["code"]: u for u in radar["units"]}
    assert {units[c]["group"] for c in ("gaoxin", "yibin", "longmen")} == {"功能区"}
    assert len([u for u in radar["units"] if u["group"] == "功能区"]) == 3
    assert units["gaoxin"]["percents"] == [100.0] * len(radar["dimensions"])
    assert radar["averages"]["功能区"] == [33.33] * len(radar["dimensions"])
    # and in general: the mean of the group's units' full-precision percents
    results = [r for r in service.compute_cycle(cycle) if r.group == "功能区"]
    for i, _dimension in enumerate(radar["dimensions"]):
        assert radar["averages"]["功能区"][i] == shown(sum(r.dimensions[i].percent for r in results) / len(results))
    assert [d["title"] for d in radar["dimensions"]][0] == results[0].dimensions[0].title


def test_the_unit_select_defaults_to_the_first_unit(client_for, cycle):
    html = client_for("office").get(url(cycle)).content.decode()
    select = re.search(r'<select id="radar-unit">(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]+)"( selected)?', select)
    first = service.compute_cycle(cycle)[0].code
    assert options[0] == (first, " selected") and all(not chosen for _code, chosen in options[1:])


def test_rules_error_shows_the_message_and_still_the_progress(client_for, cycle):
    ResultSettings.objects.create(cycle=cycle, components=[{"key": "adjusted", "label": "x", "weight": "0.5"}])
    response = client_for("office").get(url(cycle))
    assert response.status_code == 200
    data = data_of(response)
    assert data["error"] and data["ranking"] == [] and data["compare"] is None
    assert data["progress"]
    html = response.content.decode()
    assert 'class="errorlist dashboard-error"' in html
    assert 'id="chart-progress"' in html and 'id="chart-ranking"' not in html and 'id="chart-radar"' not in html


# --- chart options ------------------------------------------------------------------------------


def test_ranking_axes_start_near_the_lowest_final_and_bins_follow_the_spread(client_for, cycle):
    """Full marks but for a few points off three units: every final is 94–100; the ranking axis
    starts at 92 or above (not 0) and the histogram has a handful of bins, none empty at the ends."""
    full_marks(cycle)
    for position, code in enumerate(["yanshi", "mengjin", "xinan"]):
        items = Score.objects.filter(cycle=cycle, unit__code=code, node__points__gte=1).order_by("node__position")
        Score.objects.filter(pk__in=[s.pk for s in items[:position * 4 + 1]]).update(points=F("points") - 1)
    finals = [r.final for r in service.compute_cycle(cycle)]
    assert 94 <= min(finals) < max(finals) == 100
    charts = data_of(client_for("leader").get(url(cycle)))["charts"]
    assert len(charts["ranking"]) == 3
    for chart in charts["ranking"]:
        axis = chart["option"]["xAxis"]
        assert 92 <= axis["min"] <= float(min(finals)) < axis["min"] + axis["interval"] and axis["max"] == 100
    histogram = charts["histogram"]["option"]
    counts = histogram["series"][0]["data"]
    assert 1 < len(counts) <= 6 and counts[0] and counts[-1]  # 18 units: at most ⌈log₂ 18⌉ + 1 = 6 bins
    assert "rotate" not in histogram["xAxis"]["axisLabel"] and histogram["xAxis"]["axisLabel"]["hideOverlap"]


# --- year over year -----------------------------------------------------------------------------


def test_year_over_year_pairs_units_by_code(client_for, cycle, users):
    score_all(cycle)
    lock_and_publish(cycle, users["office"])
    later = new_cycle(users, "2019年度对比周期", ["yanshi", "jianxi", "mengjin"], year=2019)
    score_all(later, skip=5)

    # the 2019 cycle compares, by default, with the previous year's published cycle: the demo's (2018)
    response = client_for("office").get(url(later))
    data = data_of(response)
    now = {r.code: r for r in service.compute_cycle(later)}
    before = {r.code: r for r in service.compute_cycle(cycle)}
    assert data["compare"]["cycle"] == cycle.name
    pairs = {p["code"]: (p["final"], p["previous"]) for p in data["compare"]["pairs"]}
    assert pairs == {code: (shown(now[code].final), shown(before[code].final)) for code in ("yanshi", "jianxi", "mengjin")}
    assert pairs["yanshi"] != pairs["jianxi"]
    # the page states the rule and shows the chosen cycle selected
    html = response.content.decode()
    assert "年度早于本周期、已发布结果的最近一个考核周期" in html
    assert f'<option value="{cycle.pk}" selected>' in html

    # the demo cycle has no earlier year: nothing by default, the later one when asked for
    html = client_for("office").get(url(cycle)).content.decode()
    assert data_of_html(html)["compare"] is None
    assert "没有可对比的往期结果。" in html
    assert f'<option value="{later.pk}">' in html
    data = data_of(client_for("office").get(url(cycle, f"?compare={later.pk}")))
    assert data["compare"]["cycle"] == later.name
    assert [p["code"] for p in data["compare"]["pairs"]] == [r.code for r in service.compute_cycle(cycle)
                                                             if r.code in now]
    assert {p["code"]: p["previous"] for p in data["compare"]["pairs"]} == {c: shown(r.final) for c, r in now.items()}
    # an unknown or invisible cycle is ignored
    assert data_of(client_for("office").get(url(cycle, "?compare=99999")))["compare"] is None


def test_an_earlier_year_without_published_results_is_not_the_default(client_for, cycle, users):
    later = new_cycle(users, "2019年度对比周期", ["yanshi"], year=2019)
    assert data_of(client_for("office").get(url(later)))["compare"] is None  # the demo has no scores yet
    full_marks(cycle, unit__code="yanshi")
    assert data_of(client_for("office").get(url(later)))["compare"] is None  # scored, not published
    lock_and_publish(cycle, users["office"])
    assert data_of(client_for("leader").get(url(later)))["compare"]["cycle"] == cycle.name


def test_the_default_is_the_earlier_year_not_the_earlier_created_cycle(client_for, cycle, users):
    """The 2017 cycle is created after the demo's 2018 cycle: by year it is the demo's previous
    cycle, and the demo is not the 2017 cycle's."""
    score_all(cycle)
    lock_and_publish(cycle, users["office"])
    before = new_cycle(users, "2017年度补录周期", ["yanshi", "jianxi"], year=2017)
    score_all(before, skip=3)
    lock_and_publish(before, users["office"])
    assert before.created_at > cycle.created_at

    data = data_of(client_for("leader").get(url(cycle)))
    assert data["compare"]["cycle"] == before.name
    assert {p["code"] for p in data["compare"]["pairs"]} == {"yanshi", "jianxi"}
    assert data_of(client_for("leader").get(url(before)))["compare"] is None


def test_a_cycle_of_the_same_year_or_another_family_is_not_the_default(client_for, cycle, users):
    score_all(cycle)
    lock_and_publish(cycle, users["office"])
    rerun = new_cycle(users, "2018年度重新考核", ["yanshi"])  # same scheme, same year, created later
    assert data_of(client_for("office").get(url(rerun)))["compare"] is None
    # another family (a different title) of an earlier year is not the previous year either
    with acting_as(users["office"]):
        other = store.clone(SchemeRecord.objects.get(name=COUNTY), name="other-2019", year=2019, title="另一套指标体系(2019年度)")
        store.publish(other, acknowledge_warnings=True)
        other.refresh_from_db()
        made = lifecycle.create_cycle(name="另一体系2019", scheme=other, unit_codes=["yanshi"])
        lifecycle.open_cycle(made)
    assert data_of(client_for("office").get(url(made)))["compare"] is None


def data_of_html(html: str) -> dict:
    return json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>',
                                html, re.S).group(1))


# --- queries ------------------------------------------------------------------------------------


def test_queries_are_constant_whatever_the_cycle_size(client_for, cycle, users, django_assert_max_num_queries):
    small = new_cycle(users, "两个单位的周期", ["yanshi", "jianxi"], year=2019)
    assert Score.objects.filter(cycle=small).count() < Score.objects.filter(cycle=cycle).count() / 5
    for each in (cycle, small):
        score_all(each)
    lock_and_publish(cycle, users["office"])  # the small 2019 cycle's previous year
    client = client_for("office")
    # session, user, cycle, settings, compute (5: units, GROUP BY, titles, adjustments, components),
    # progress, cycles to compare, compared compute (6)
    for each, query in ((cycle, f"?compare={small.pk}"), (small, "")):
        with django_assert_max_num_queries(17):
            data = data_of(client.get(url(each, query)))
        assert data["compare"] is not None
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for each, query in ((cycle, f"?compare={small.pk}"), (small, "")):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(each, query)).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


# --- served locally -----------------------------------------------------------------------------


def test_no_external_script_or_link_urls(client_for, cycle):
    score_all(cycle)
    html = client_for("office").get(url(cycle)).content.decode()
    assert static("vendor/echarts/echarts.min.js") in html and static("kaohe/dashboard.js") in html
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", html, re.I):
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", tag, re.I), tag
    assert not re.search(r"https?://[^\"'\s]*(?:cdn|jsdelivr|unpkg|cdnjs)", html, re.I)


def test_echarts_is_served(client, db):
    for path, marker in (("vendor/echarts/echarts.min.js", b"echarts"), ("kaohe/dashboard.js", b"dashboard-data")):
        response = client.get(static(path))
        try:
            assert response.status_code == 200, path
            content = b"".join(response.streaming_content) if response.streaming else response.content
        finally:
            response.close()
        assert marker in content, path


def test_the_charts_texts_are_whole_phrases_in_each_language(db):
    """The radar's legend names the group's average as one phrase with the group in its place
    (dashboard.js fills %(group)s), not the group glued to a translated suffix."""
    from django.utils import translation

    from kaohe.results.dashboard import labels

    for language, expected in (("zh-hans", "县(市)组平均"), ("en", "县(市) average")):
        with translation.override(language):
            assert labels()["average"].replace("%(group)s", "县(市)") == expected
