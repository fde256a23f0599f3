"""Results: the per-unit scorecard, the list of scorecards and what changed between published versions.

The demo's county cycle is open with every task unscored; tests fill scores directly and lock the
cycle where they publish.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from kaohe.audit.context import acting_as
from kaohe.core.points import format_points, two_places
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.results import service
from kaohe.results.models import Adjustment
from kaohe.schemes.models import Node

ROLES = ["office", "scorer", "head", "scorer2", "unit", "leader"]
READERS = ["office", "leader"]


def full_marks(cycle: Cycle, **filters) -> int:
    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    return Score.objects.filter(cycle=cycle, **filters).update(points=Subquery(maximum))


def lock(cycle: Cycle) -> Cycle:
    cycle.status = Cycle.Status.LOCKED
    cycle.save(update_fields=["status"])
    return cycle


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def cell(html: str, name: str) -> str:
    found = re.search(rf'class="[^"]*\bc-{name}\b[^"]*"[^>]*>(.*?)</', html, re.S)
    assert found, name
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def changed_rows(html: str) -> dict[str, str]:
    """The changes table: unit code → the row's text."""
    table = re.search(r'<table class="list changes">(.*?)</table>', html, re.S)
    if table is None:
        return {}
    return {code: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for code, row in re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', table.group(1), re.S)}


@pytest.fixture
def scored(cycle):
    """Every task at full marks; 偃师市 loses 1.5 on its second item, scored by its department."""
    full_marks(cycle)
    score = (Score.objects.filter(cycle=cycle, unit__code="yanshi").select_related("node", "department")
             .order_by("node__position")[1])
    score.points = score.node.points - Decimal("1.5")
    score.reason = "会议记录缺失，扣1.5分"
    score.save(update_fields=["points", "reason"])
    return score


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*ROLES, None])
def test_access_on_every_url(client_for, cycle, users, name):
    lock(cycle)
    with acting_as(users["office"]):
        service.publish(cycle, users["office"], confirm_incomplete=True)
    client = client_for(name)
    urls = [f"/results/{cycle.pk}/scorecard/yanshi/", f"/results/{cycle.pk}/scorecards/",
            f"/results/{cycle.pk}/v/1/changes/", f"/results/{cycle.pk}/v/1/changes/?current=1"]
    for url in urls:
        response = client.get(url)
        if name is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        elif name in READERS:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, url


def test_unknown_unit_and_version_are_404(client_for, cycle):
    client = client_for("office")
    assert client.get(f"/results/{cycle.pk}/scorecard/nowhere/").status_code == 404
    assert client.get(f"/results/{cycle.pk}/v/1/changes/").status_code == 404
    assert client.get(f"/results/{cycle.pk}/v/9/changes/?current=1").status_code == 404
    assert client.get("/results/999999/scorecard/yanshi/").status_code == 404


# --- the scorecard ------------------------------------------------------------------------------


def test_scorecard_lists_exactly_the_units_items(client_for, cycle, scored):
    html = body(client_for("leader").get(f"/results/{cycle.pk}/scorecard/yanshi/"))
    codes = re.findall(r'data-item="([^"]+)"', html)
    expected = list(Score.objects.filter(cycle=cycle, unit__code="yanshi").order_by("node__position")
                    .values_list("node__code", flat=True))
    assert codes == expected and len(codes) == Score.objects.filter(cycle=cycle, unit__code="yanshi").count()
    assert cell(html, "items") == str(len(expected))
    assert "偃师市" in html and cycle.name in html and cell(html, "group") == "县(市)"
    # headings in scheme order: every dimension the unit has items in, before its items
    dimensions = re.findall(r'class="heading h-dimension" data-heading="([^"]+)"', html)
    assert dimensions == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert html.index('data-heading="1.1"') < html.index(f'data-item="{expected[0]}"')


def test_scorecard_shows_a_deduction_with_reason_and_department(client_for, cycle, scored):
    html = body(client_for("office").get(f"/results/{cycle.pk}/scorecard/yanshi/"))
    row = re.search(rf'<tr class="item deducted" data-item="{re.escape(scored.node.code)}">(.*?)</tr>', html, re.S)
    assert row, "the deducted item is marked"
    text = row.group(1)
    assert "会议记录缺失，扣1.5分" in text and scored.department.name in text
    assert format_points(scored.points) in text and format_points(scored.node.points) in text
    assert html.count('class="item deducted"') == 1


def test_scorecard_totals_match_compute_cycle(client_for, cycle, scored, users):
    with acting_as(users["office"]):
        service.add_adjustment(cycle, users["office"], "yanshi", "bonus", Decimal(2), "表彰", "文件1号")
        service.add_adjustment(cycle, users["office"], "yanshi", "penalty", Decimal("0.5"), "通报批评")
    html = body(client_for("office").get(f"/results/{cycle.pk}/scorecard/yanshi/"))
    results = service.compute_cycle(cycle)
    result = next(r for r in results if r.code == "yanshi")
    assert cell(html, "obtained") == format_points(result.obtained)
    assert cell(html, "maximum") == format_points(result.maximum)
    for name in ("percent", "bonus", "penalty", "adjusted", "final"):
        assert cell(html, name) == two_places(getattr(result, name)), name
    assert cell(html, "rank") == str(result.rank)
    assert cell(html, "grade") == result.grade
    size = sum(1 for r in results if r.group == result.group)
    assert f"共{size}个单位" in html
    assert "表彰" in html and "通报批评" in html and "文件1号" in html
    for dimension in result.dimensions:
        row = re.search(rf'<tr data-dimension="{dimension.code}">(.*?)</tr>', html, re.S).group(1)
        assert format_points(dimension.obtained) in row and format_points(dimension.maximum) in row
        assert two_places(dimension.percent) in row


def test_scorecard_explains_a_capped_grade(client_for, cycle, scored, users):
    with acting_as(users["office"]):
        service.add_adjustment(cycle, users["office"], "yanshi", "veto", None, "发生重大问题")
    html = body(client_for("office").get(f"/results/{cycle.pk}/scorecard/yanshi/"))
    result = next(r for r in service.compute_cycle(cycle) if r.code == "yanshi")
    assert result.explanation and all(line in html for line in result.explanation)
    assert cell(html, "grade") == result.grade == "差"
    assert Adjustment.objects.filter(cycle=cycle, unit__code="yanshi", kind="veto").exists()


def test_another_units_item_never_appears(client_for, cycle, scored):
    other = Score.objects.filter(cycle=cycle, unit__code="gaoxin").select_related("node")
    only_there = set(other.values_list("node__code", flat=True)) - set(
        Score.objects.filter(cycle=cycle, unit__code="yanshi").values_list("node__code", flat=True))
    Score.objects.filter(cycle=cycle, unit__code="gaoxin").update(reason="高新区专属理由")
    html = body(client_for("office").get(f"/results/{cycle.pk}/scorecard/yanshi/"))
    codes = set(re.findall(r'data-item="([^"]+)"', html))
    assert not codes & only_there
    assert "高新区专属理由" not in html and "高新区" not in html
    gaoxin = body(client_for("office").get(f"/results/{cycle.pk}/scorecard/gaoxin/"))
    assert set(re.findall(r'data-item="([^"]+)"', gaoxin)) == set(other.values_list("node__code", flat=True))
    assert "会议记录缺失" not in gaoxin


def test_scorecard_query_count_is_constant(client_for, cycle, scored, django_assert_max_num_queries):
    client = client_for("office")
    counts = {}
    for code in ("yanshi", "gaoxin"):
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/results/{cycle.pk}/scorecard/{code}/")
        counts[code] = len(captured.captured_queries)
    assert counts["yanshi"] == counts["gaoxin"], counts
    with django_assert_max_num_queries(13):  # 12, and the ledger entries the scores were decided on
        response = client.get(f"/results/{cycle.pk}/scorecard/yanshi/")
    assert response.status_code == 200
    assert Score.objects.filter(cycle=cycle, unit__code="yanshi").count() > 200


def test_print_stylesheet_and_button(client_for, cycle):
    html = body(client_for("office").get(f"/results/{cycle.pk}/scorecard/yanshi/"))
    assert re.search(r'<link rel="stylesheet" href="[^"]*kaohe/print\.css" media="print">', html)
    assert 'onclick="window.print()"' in html and "打印" in html
    from django.contrib.staticfiles import finders

    css = Path(finders.find("kaohe/print.css")).read_text(encoding="utf-8")
    assert "size: A4" in css and "table-header-group" in css and "break-inside: avoid" in css


def test_scorecards_list_links_every_unit(client_for, cycle):
    html = body(client_for("leader").get(f"/results/{cycle.pk}/scorecards/"))
    for unit in CycleUnit.objects.filter(cycle=cycle):
        assert f'href="/results/{cycle.pk}/scorecard/{unit.code}/"' in html, unit.code


# --- changes between versions -------------------------------------------------------------------


def test_changes_between_published_versions(client_for, cycle, scored, users):
    lock(cycle)
    office = users["office"]
    with acting_as(office):
        service.publish(cycle, office, confirm_incomplete=True)
    client = client_for("leader")
    first = body(client.get(f"/results/{cycle.pk}/v/1/changes/"))
    assert "没有可比较的上一版" in first and "data-unit=" not in first
    # 孟津县 loses 30 points: a lower final, rank and grade
    Score.objects.filter(cycle=cycle, unit__code="mengjin").update(points=Decimal(0))
    full_marks(cycle, unit__code="mengjin")
    items = Score.objects.filter(cycle=cycle, unit__code="mengjin").order_by("node__position")
    Score.objects.filter(pk__in=list(items.values_list("pk", flat=True)[:12])).update(points=Decimal(0))
    with acting_as(office):
        before = {r.code: r for r in service.compute_cycle(cycle)}
        service.publish(cycle, office, confirm_incomplete=True)
    v1 = {row["code"]: row for row in cycle.result_snapshots.get(version=1).results}
    mengjin = before["mengjin"]
    html = body(client.get(f"/results/{cycle.pk}/v/2/changes/"))
    rows = changed_rows(html)
    assert "mengjin" in rows
    assert two_places(v1["mengjin"]["final"]) in rows["mengjin"] and two_places(mengjin.final) in rows["mengjin"]
    assert f"{v1['mengjin']['rank']} → {mengjin.rank}" in rows["mengjin"]
    # only changed rows: every listed unit differs in final, rank or grade
    for code in rows:
        old = v1[code]
        new = before[code]
        assert (Decimal(old["final"]), old["rank"], old["grade"]) != (new.final, new.rank, new.grade), code
    unchanged = [c for c in v1 if c not in rows]
    assert unchanged and all(Decimal(v1[c]["final"]) == before[c].final and v1[c]["rank"] == before[c].rank
                             for c in unchanged)
    assert "新增的单位" not in html and "不再出现的单位" not in html


def test_changes_against_current_results(client_for, cycle, scored, users):
    lock(cycle)
    with acting_as(users["office"]):
        service.publish(cycle, users["office"], confirm_incomplete=True)
    client = client_for("office")
    same = body(client.get(f"/results/{cycle.pk}/v/1/changes/?current=1"))
    assert "没有变化" in same and not changed_rows(same)
    Score.objects.filter(cycle=cycle, unit__code="yanshi").update(points=Decimal(0))
    now = next(r for r in service.compute_cycle(cycle) if r.code == "yanshi")
    html = body(client.get(f"/results/{cycle.pk}/v/1/changes/?current=1"))
    rows = changed_rows(html)
    assert "当前计算结果" in html and "yanshi" in rows
    assert two_places(now.final) in rows["yanshi"] and now.grade in rows["yanshi"]


def test_compare_reports_added_and_removed_units():
    from kaohe.results.scorecard import compare

    def row(code: str, final: str, rank: int, grade: str) -> dict:
        return {"code": code, "name": code.upper(), "group": "县(市)", "final": final, "rank": rank, "grade": grade}

    result = compare([row("a", "90", 1, "好"), row("b", "80.0", 2, "较好"), row("c", "70", 3, "一般")],
                     [row("a", "90.00", 1, "好"), row("b", "95", 1, "好"), row("d", "60", 3, "一般")])
    assert [r["code"] for r in result["changed"]] == ["b"]
    assert result["changed"][0]["final"] == ("80.00", "95.00") and result["changed"][0]["rank"] == (2, 1)
    assert [r["code"] for r in result["added"]] == ["d"] and [r["code"] for r in result["removed"]] == ["c"]


def test_the_results_pages_link_to_the_scorecards_changes_consistency_and_dashboard(client_for, cycle):
    page = client_for("office").get(f"/results/{cycle.pk}/").content.decode()
    for url in (f"/results/{cycle.pk}/scorecards/", f"/results/{cycle.pk}/consistency/",
                f"/results/{cycle.pk}/dashboard/"):
        assert f'href="{url}"' in page
