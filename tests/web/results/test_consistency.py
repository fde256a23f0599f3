"""The consistency page: access, which departments are flagged, the figures against the core, the
rule stated, each finding worded once, queries.

The demo's county cycle is open with every task unscored; tests fill scores directly.
市委政法委 (swzfw, 4 items × 18 units) gives every unit full marks; 市委党史研究室 (swdsyjs, 3 items × 18
units) differentiates (unit i of 18 gets i/17 of each item's points); `realistic` scores every
department as departments do (benchmarks.year.score_spread).
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from benchmarks.year import score_spread
from kaohe.audit.context import acting_as
from kaohe.core.consistency import DepartmentInput, analyse
from kaohe.core.points import two_places
from kaohe.cycles import lifecycle
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.schemes.models import Node, SchemeRecord

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]
READERS = ["office", "leader"]
COUNTY = "luoyang-2018-county"
UNIFORM, DIFFERENT = "swzfw", "swdsyjs"


def url(cycle: Cycle) -> str:
    return f"/results/{cycle.pk}/consistency/"


def full_marks(cycle: Cycle, **filters) -> int:
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    return Score.objects.filter(cycle=cycle, **filters).update(points=Subquery(maximum))


def differentiate(cycle: Cycle, department: str) -> None:
    """Unit i (0-based, of n) gets i/(n−1) of every item's points, rounded down to 0.01."""
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
    last = Decimal(len(units) - 1)
    for i, unit in enumerate(units):
        for score in Score.objects.filter(cycle=cycle, department__code=department, unit=unit).select_related("node"):
            points = (score.node.points * i / last).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
            Score.objects.filter(pk=score.pk).update(points=points)


@pytest.fixture
def scored(cycle):
    full_marks(cycle, department__code=UNIFORM)
    differentiate(cycle, DIFFERENT)
    return cycle


CELL = re.compile(r'<td class="c-(\w+)[^"]*"[^>]*>(.*?)</td>', re.S)


def page_departments(html: str) -> list[dict]:
    """The summary table's rows in page order: code, flagged, cells and flag messages."""
    table = re.search(r'<table class="list consistency-table">(.*?)</table>', html, re.S).group(1)
    rows = []
    for code, flagged, body in re.findall(r'<tr data-department="([^"]+)" data-flagged="(\d)">(.*?)</tr>', table, re.S):
        cells = {name: re.sub(r"<[^>]+>", "", text).strip() for name, text in CELL.findall(body)}
        flags = re.findall(r'<span class="warning flag" data-flag="([\w-]+)">(.*?)</span>', body)
        rows.append({"code": code, "flagged": flagged == "1", "cells": cells, "flags": flags})
    return rows


def identical_groups(html: str, department: str) -> list[list[str]]:
    section = re.search(rf'<section class="consistency-department" id="dept-{department}"[^>]*>(.*?)</section>',
                        html, re.S).group(1)
    return [group.split("、") for group in re.findall(r'<li class="identical-group">(.*?)</li>', section)]


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*ROLES, None])
def test_office_and_leader_only(client_for, cycle, name):
    response = client_for(name).get(url(cycle))
    if name is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif name in READERS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_invisible_cycle_is_404(client_for, users):
    with acting_as(users["office"]):
        draft = lifecycle.create_cycle(name="草稿周期", scheme=SchemeRecord.objects.get(name=COUNTY),
                                       unit_codes=["yanshi"])
    assert client_for("leader").get(url(draft)).status_code == 404
    assert client_for("office").get(url(draft)).status_code == 200  # the office sees drafts (no tasks yet)
    assert client_for("leader").get("/results/999999/consistency/").status_code == 404


def test_post_is_refused(client_for, cycle):
    assert client_for("office").post(url(cycle)).status_code == 405


# --- what the page shows --------------------------------------------------------------------------


def test_unscored_cycle_flags_nothing(client_for, cycle):
    rows = page_departments(client_for("office").get(url(cycle)).content.decode())
    assert rows and not any(r["flagged"] for r in rows)
    assert all(r["cells"]["scored"] == "0" and r["cells"]["share"] == "—" for r in rows)


def test_a_department_giving_everyone_the_same_score_is_flagged_the_differentiating_one_is_not(client_for, scored):
    html = client_for("leader").get(url(scored)).content.decode()
    rows = page_departments(html)
    by_code = {r["code"]: r for r in rows}
    assert [r["code"] for r in rows if r["flagged"]] == [UNIFORM]
    assert rows[0]["code"] == UNIFORM  # flagged first

    uniform = by_code[UNIFORM]
    cells = uniform["cells"]
    assert (cells["tasks"], cells["scored"], cells["share"], cells["discrimination"]) == ("72", "72", "100.00%", "0.00")
    assert uniform["flags"] == [("uniform", "各单位每项得分都相同")]  # one finding, worded once
    assert cells["note"] == "18个单位各项得分完全相同"
    names = list(CycleUnit.objects.filter(cycle=scored).order_by("position", "code").values_list("name", flat=True))
    assert identical_groups(html, UNIFORM) == [names]

    different = by_code[DIFFERENT]
    assert not different["flagged"] and different["flags"] == []
    assert (different["cells"]["tasks"], different["cells"]["scored"]) == ("54", "54")
    assert different["cells"]["share"] == "5.56%"  # only the last unit's 3 items: 3/54
    assert Decimal(different["cells"]["discrimination"]) > 25
    assert identical_groups(html, DIFFERENT) == []


def test_the_rule_and_threshold_are_stated(client_for, scored):
    html = client_for("leader").get(url(scored)).content.decode()
    rule = re.sub(r"<[^>]+>", "", re.search(r'<p class="consistency-rule">(.*?)</p>', html, re.S).group(1))
    assert "区分度" in rule and "中位数的50%" in rule and "至少3个单位" in rule


@pytest.fixture
def realistic(cycle):
    score_spread(cycle, seed=3)
    return cycle


def test_scores_as_departments_give_them_flag_few_departments(client_for, realistic):
    """Today 11 of 12 departments were flagged, so a flag meant nothing; with every department scoring
    as departments do, a flag is the exception."""
    rows = page_departments(client_for("leader").get(url(realistic)).content.decode())
    assert len(rows) == 12
    assert sum(r["flagged"] for r in rows) <= 2
    for row in rows:  # each finding worded once: one flag at most, no repeated note
        assert len(row["flags"]) <= 1
        assert row["cells"]["note"].count("完全相同") <= 1


def core_results(cycle: Cycle) -> dict:
    """The core on the same data, read independently of the page (one Score at a time)."""
    departments: dict[str, dict] = {}
    for score in (Score.objects.filter(cycle=cycle).select_related("department", "unit", "node")
                  .order_by("department__position", "unit__position", "node__position")):
        dept = departments.setdefault(score.department.code, {"name": score.department.name, "maxima": {}, "units": {}})
        dept["maxima"][score.node.code] = score.node.points
        dept["units"].setdefault(score.unit.code, {})[score.node.code] = score.points
    results = analyse(DepartmentInput(code, d["name"], d["maxima"], d["units"]) for code, d in departments.items())
    return {r.code: r for r in results}


def test_page_figures_match_the_core(client_for, scored):
    # a partly scored department too: 市委办公室 scores the first unit only, one item left unscored
    first = CycleUnit.objects.filter(cycle=scored).order_by("position").first()
    full_marks(scored, department__code="swbgs", unit=first)
    tasks = Score.objects.filter(cycle=scored, department__code="swbgs", unit=first).order_by("node__position")
    Score.objects.filter(pk=tasks[0].pk).update(points=None)
    Score.objects.filter(pk=tasks[1].pk).update(points=0)
    expected = core_results(scored)
    rows = page_departments(client_for("office").get(url(scored)).content.decode())
    assert {r["code"] for r in rows} == set(expected)
    for row in rows:
        result = expected[row["code"]]
        cells = row["cells"]
        assert int(cells["tasks"]) == result.tasks and int(cells["scored"]) == result.scored, row["code"]
        share = "—" if result.full_marks_share is None else f"{two_places(result.full_marks_share * 100)}%"
        assert cells["share"] == share, row["code"]
        assert cells["discrimination"] == ("—" if result.discrimination is None else two_places(result.discrimination))
        threshold = None if result.reference is None else result.reference / 2
        assert cells["threshold"] == ("—" if threshold is None else two_places(threshold)), row["code"]
        assert [code for code, _text in row["flags"]] == [f.code for f in result.flags], row["code"]
        assert row["flagged"] == result.flagged
    swbgs = expected["swbgs"]
    assert swbgs.scored == tasks.count() - 1 and swbgs.full_marks == tasks.count() - 2
    assert swbgs.discrimination is None and not swbgs.units[0].complete  # one unit: not measured


# --- queries --------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_cycle(client_for, users, scored, django_assert_max_num_queries):
    with acting_as(users["office"]):
        small = lifecycle.create_cycle(name="小周期", scheme=SchemeRecord.objects.get(name=COUNTY),
                                       unit_codes=["yanshi"])
        lifecycle.open_cycle(small)
    full_marks(small)
    office = client_for("office")
    office.get(url(small))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert office.get(url(small)).status_code == 200
    assert Score.objects.filter(cycle=small).count() < Score.objects.filter(cycle=scored).count() / 10
    with django_assert_max_num_queries(len(few)):
        assert office.get(url(scored)).status_code == 200
