"""The result reports as downloads and from the command line: the same figures as the page."""

from __future__ import annotations

import io
from decimal import Decimal

import docx
import pytest
from openpyxl import load_workbook

from kaohe.cli.main import main
from kaohe.core.results import round_score
from kaohe.cycles.models import Cycle, Score
from kaohe.results import documents, service


@pytest.fixture
def scored(cycle):
    for score in Score.objects.filter(cycle=cycle).select_related("node"):
        Score.objects.filter(pk=score.pk).update(points=score.node.points * Decimal("0.9"))
    return cycle


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


@pytest.mark.parametrize(("name", "status"), [("office", 200), ("leader", 200), ("scorer", 403), ("head", 403),
                                               ("unit", 403), (None, 302)])
@pytest.mark.parametrize("kind", ["ranking", "detail", "notice"])
def test_reports_are_for_the_office_and_leaders(client_for, cycle, name, status, kind):
    response = client_for(name).get(f"/results/{cycle.pk}/export/{kind}/")
    if kind == "notice" and status == 200:  # the notice is a published version's: none yet
        assert response.status_code == 409 and "请先发布结果" in response.content.decode()
    else:
        assert response.status_code == status


def test_an_unknown_report_is_not_found(client_for, cycle):
    assert client_for("office").get(f"/results/{cycle.pk}/export/nonsense/").status_code == 404


def test_the_ranking_workbook_holds_the_pages_figures(client_for, scored):
    results = {r.code: r for r in service.compute_cycle(scored)}
    response = client_for("office").get(f"/results/{scored.pk}/export/ranking/")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["县(市)"]
    header = [c.value for c in sheet[2]]
    final, grade = header.index("最终得分"), header.index("等次")
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] is not None]
    names = {r.name: r for r in results.values()}
    assert len(rows) == 9
    for row in rows:
        result = names[row[1]]
        assert (row[0], row[grade]) == (result.rank, result.grade)
        assert Decimal(str(row[final])).quantize(Decimal("0.01")) == round_score(result.final)


def test_the_detail_matrix_marks_items_that_do_not_apply(client_for, scored):
    response = client_for("leader").get(f"/results/{scored.pk}/export/detail/")
    values = [c for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) for c in row]
    assert "—" in values and "1.4.1a.1" in values


def published(cycle, office):
    """The cycle locked and published, its notice's 发文机关 and 发文字号 filled in."""
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    cycle.refresh_from_db()
    snapshot = service.publish(cycle, office, confirm_incomplete=True)
    documents.save_notice(snapshot, office, {"issuer": "中共洛阳市委党的建设工作领导小组", "number": "洛党建〔2019〕1号"})
    return snapshot


def test_the_notice_lists_every_unit_with_its_grade(client_for, scored, users):
    published(scored, users["office"])
    response = client_for("office").get(f"/results/{scored.pk}/export/notice/", follow=True)
    document = docx.Document(io.BytesIO(response.content))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    for result in service.compute_cycle(scored):
        assert result.name in cells and result.grade in cells


def test_the_command_line_writes_the_same_reports(capsys, scored, tmp_path, users):
    published(scored, users["office"])
    for option, name in (("--xlsx", "r.xlsx"), ("--docx", "n.docx"), ("--detail", "d.xlsx")):
        assert main(["results", "export", str(scored.pk), option, str(tmp_path / name)]) == 0
        assert (tmp_path / name).stat().st_size > 0
    assert load_workbook(tmp_path / "r.xlsx").sheetnames[1:] == ["县(市)", "城市区", "功能区"]
    code = main(["results", "export", "no-such-cycle", "--xlsx", str(tmp_path / "x.xlsx")])
    assert code != 0 and not (tmp_path / "x.xlsx").exists()
