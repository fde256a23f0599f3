"""The per-(unit, dimension) totals the database keeps (kaohe.cycles.totals, issue 6): whoever
writes a score — the save path of the grid and the API, a sheet upload, a bulk UPDATE, a delete —
the totals equal a recount of the scores, and the results read them."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.test.utils import CaptureQueriesContext

from kaohe.audit.models import Event
from kaohe.cycles import totals
from kaohe.cycles.models import CycleUnit, DimensionTotal, Score
from kaohe.cycles.scoring import Entry, save_score
from kaohe.formats.scoring_sheet import SHEET, read_sheet
from kaohe.results import service

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def kept(cycle, unit: str, dimension: str) -> tuple:
    total = DimensionTotal.objects.get(cycle=cycle, unit__code=unit, dimension_code=dimension)
    return total.tasks, total.scored, total.obtained, total.maximum


def counted(cycle, unit: str, dimension: str) -> tuple:
    figures = Score.objects.filter(cycle=cycle, unit__code=unit, node__dimension_code=dimension).aggregate(
        tasks=Count("pk"), scored=Count("points"), obtained=Sum("points"), maximum=Sum("node__points"))
    return (figures["tasks"], figures["scored"], figures["obtained"] or Decimal(0), figures["maximum"])


def task(cycle, user, offset: int = 0) -> Score:
    """One of `user`'s department's tasks for 偃师市 under dimension 1."""
    return (Score.objects.select_related("unit", "node")
            .filter(cycle=cycle, unit__code="yanshi", node__dimension_code="1", department__code=user.department.code)
            .order_by("node__position")[offset])


def save(user, cycle, score: Score, points: str, reason: str = "扣分") -> Score:
    return save_score(user, cycle, score.unit.code, score.node.code,
                      Entry(points, reason, Score.objects.get(pk=score.pk).version))


def test_an_open_cycle_has_a_total_per_unit_and_dimension(cycle):
    units = CycleUnit.objects.filter(cycle=cycle).count()
    dimensions = Score.objects.filter(cycle=cycle).values("node__dimension_code").distinct().count()
    assert dimensions >= 3
    assert DimensionTotal.objects.filter(cycle=cycle).count() == units * dimensions
    tasks, scored, obtained, maximum = kept(cycle, "yanshi", "1")
    assert (tasks, scored, obtained) == (counted(cycle, "yanshi", "1")[0], 0, Decimal(0)) and maximum > 0
    assert (tasks, scored, obtained, maximum) == counted(cycle, "yanshi", "1")
    assert totals.differences(cycle.pk) == []


def test_each_save_changes_its_total_by_the_difference(cycle, users):
    first, second = task(cycle, users["scorer"]), task(cycle, users["scorer"], offset=1)
    tasks, _, _, maximum = kept(cycle, "yanshi", "1")
    save(users["scorer"], cycle, first, "1.5")
    save(users["scorer"], cycle, second, "0.2")
    assert kept(cycle, "yanshi", "1") == (tasks, 2, Decimal("1.7"), maximum)
    save(users["scorer"], cycle, first, "0.5")  # changed: 1.5 → 0.5
    assert kept(cycle, "yanshi", "1")[1:3] == (2, Decimal("0.7"))
    save(users["scorer"], cycle, second, "0.2", "另一个理由")  # the reason only: the total stays
    save(users["scorer"], cycle, second, "")  # cleared: no longer scored
    assert kept(cycle, "yanshi", "1")[1:3] == (1, Decimal("0.5"))
    assert kept(cycle, "jianxi", "1")[1:3] == (0, Decimal(0))  # another unit: untouched
    assert totals.differences(cycle.pk) == []


def test_a_save_that_fails_leaves_the_total_as_it_was(cycle, users):
    score = task(cycle, users["scorer"])
    save(users["scorer"], cycle, score, "1")
    before = kept(cycle, "yanshi", "1")
    with pytest.raises(Exception, match="已被他人修改"):
        save_score(users["scorer"], cycle, "yanshi", score.node.code, Entry("0", "扣分", 0))  # a stale version
    assert kept(cycle, "yanshi", "1") == before


def test_bulk_updates_and_deletes_are_counted_too(cycle):
    Score.objects.filter(cycle=cycle, node__dimension_code="2").update(points=Decimal("0.5"), reason="测试")
    tasks = counted(cycle, "mengjin", "2")[0]
    assert kept(cycle, "mengjin", "2")[:3] == (tasks, tasks, Decimal("0.5") * tasks)
    Score.objects.filter(cycle=cycle, unit__code="mengjin", node__dimension_code="2").first().delete()
    assert kept(cycle, "mengjin", "2")[:3] == (tasks - 1, tasks - 1, Decimal("0.5") * (tasks - 1))
    assert totals.differences(cycle.pk) == []
    CycleUnit.objects.filter(cycle=cycle, code="mengjin").delete()
    assert not DimensionTotal.objects.filter(cycle=cycle, unit__code="mengjin").exists()
    assert totals.differences(cycle.pk) == []


def test_a_sheet_upload_is_counted_and_changes_scores_in_lock_order(client_for, cycle):
    client = client_for("scorer")
    data = client.get(f"/cycles/{cycle.pk}/sheet.xlsx").content
    pairs = [pair for pair in read_sheet(data).cells if pair.unit_code in ("yanshi", "jianxi")]
    chosen = [pairs[0], pairs[1], pairs[-1], pairs[-2]]  # the sheet lists item by item, both units each
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for pair in chosen:
        workbook[SHEET][pair.points_cell.split("!")[-1]] = 0
        workbook[SHEET][pair.reason_cell.split("!")[-1]] = "未完成"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/cycles/{cycle.pk}/sheet/upload/",
                               {"file": SimpleUploadedFile("评分表.xlsx", buffer.getvalue(), content_type=XLSX)})
    assert response.status_code == 200 and "已保存 4 处修改" in response.content.decode()
    assert totals.differences(cycle.pk) == []
    assert DimensionTotal.objects.filter(cycle=cycle, unit__code__in=("yanshi", "jianxi")).aggregate(
        Sum("scored"))["scored__sum"] == 4
    # every score locked first, in one statement; then changed unit by unit, dimension by dimension,
    # so the trigger locks the totals in one order (kaohe.cycles.totals)
    statements = [q["sql"] for q in queries.captured_queries]
    updates = [i for i, sql in enumerate(statements) if sql.startswith("UPDATE cycles_score")]
    locks = [i for i, sql in enumerate(statements) if sql.startswith("SELECT id FROM cycles_score") and "FOR UPDATE" in sql]
    assert len(updates) == 4
    if connection.vendor == "postgresql":
        assert len(locks) == 1 and locks[0] < updates[0]
    else:
        assert locks == []  # SQLite runs one writing transaction at a time
    keys = Event.objects.filter(cycle=cycle, action="score.update").order_by("pk").values_list("object_key", flat=True)
    changed = [Score.objects.select_related("node").get(cycle=cycle, unit__code=key.split("/")[1].removeprefix("unit:"),
                                                       node__code=key.split("/")[2].removeprefix("item:"))
               for key in keys]
    assert len(changed) == 4 and len({s.unit_id for s in changed}) == 2
    assert [totals.lock_order(s) for s in changed] == sorted(totals.lock_order(s) for s in changed)


def test_the_results_read_the_totals(cycle):
    Score.objects.filter(cycle=cycle, unit__code="yanshi", node__dimension_code="1").update(points=0, reason="测试")
    before = {r.code: r for r in service.compute_cycle(cycle)}
    DimensionTotal.objects.filter(cycle=cycle, unit__code="yanshi", dimension_code="1").update(
        obtained_cents=F("obtained_cents") + 100)
    after = {r.code: r for r in service.compute_cycle(cycle)}
    assert after["yanshi"].obtained == before["yanshi"].obtained + 1
    assert after["jianxi"].obtained == before["jianxi"].obtained


def test_recount_reports_and_mends_totals_that_drifted(cycle, capsys):
    with transaction.atomic(), totals.paused():  # e.g. scores written by hand with the trigger off
        Score.objects.filter(cycle=cycle, unit__code="yanshi").update(points=0, reason="测试")
    wrong = totals.differences(cycle.pk)
    assert {(d.unit, d.dimension) for d in wrong} == {("yanshi", code) for code in
                                                      DimensionTotal.objects.filter(cycle=cycle, unit__code="yanshi")
                                                      .values_list("dimension_code", flat=True)}
    assert wrong[0].kept[1] == 0 and wrong[0].counted[1] == wrong[0].counted[0] > 0
    with pytest.raises(CommandError, match=f"{len(wrong)} 处合计与评分不一致"):
        call_command("results", "recount", str(cycle.pk), "--check")
    assert "单位 yanshi 一级指标" in capsys.readouterr().out
    call_command("results", "recount", str(cycle.pk))
    assert f"已按评分更正 {len(wrong)} 处合计" in capsys.readouterr().out
    assert totals.differences(cycle.pk) == []
    call_command("results", "recount", cycle.name, "--check")
    assert "一致" in capsys.readouterr().out


def test_rebuilding_every_cycle_gives_what_the_trigger_kept(cycle, users):
    """What migration 0004 and a restore run: a recount of every cycle from its scores."""
    save(users["scorer"], cycle, task(cycle, users["scorer"]), "1.5")
    Score.objects.filter(cycle=cycle, unit__code="jianxi").update(points=Decimal("0.5"), reason="测试")
    kept_by_trigger = sorted(DimensionTotal.objects.values_list(
        "unit_id", "dimension_code", "tasks", "scored", "obtained_cents", "maximum_cents"))
    DimensionTotal.objects.all().delete()
    totals.rebuild_all()
    assert sorted(DimensionTotal.objects.values_list(
        "unit_id", "dimension_code", "tasks", "scored", "obtained_cents", "maximum_cents")) == kept_by_trigger
    assert kept(cycle, "yanshi", "1")[1:3] == (1, Decimal("1.5"))
