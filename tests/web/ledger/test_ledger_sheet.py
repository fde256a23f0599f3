"""The offline scoring sheet carries the 平时考核台账's proposals: each task with confirmed entries
is light blue in "评分" and has a row in "台账建议" (its proposal, the entries one a line, escaped
against formula injection); marking "采纳" there and uploading saves the proposal with the
entries it rests on, as accepting it in the grid does; a cell both accepted and changed, or a
proposal that changed since the download, saves nothing."""

from __future__ import annotations

import io
import random
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from benchmarks.hostile import appended, members
from kaohe.accounts.models import ApiToken
from kaohe.audit.models import Event
from kaohe.cycles.models import Score
from kaohe.cycles.sheets import sheet_shape
from kaohe.formats.errors import FormatError
from kaohe.formats.scoring_sheet import PROPOSALS, SHEET, read_sheet
from kaohe.ledger import rules
from kaohe.ledger.models import Basis
from kaohe.ledger.rules import Typed

UNIT = "yanshi"
ITEM = "1.2.1.1"  # 市委组织部's, 2 points
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def confirmed(users, cycle, unit: str = UNIT, item: str = ITEM, points: str = "0.5", reason: str = "未按时报送",
              day: str = "2018-03-12", document: str = "洛督〔2018〕12号"):
    entry = rules.record(users["scorer"], cycle, Typed(unit, item, "deduction", day, points, reason, document))
    return rules.confirm(users["head"], cycle, [entry.pk])[0]


def download(client, cycle) -> bytes:
    response = client.get(f"/cycles/{cycle.pk}/sheet.xlsx")
    assert response.status_code == 200
    return response.content


def proposal_rows(data: bytes) -> dict[tuple[str, str], dict[str, object]]:
    """The sheet "台账建议" as a scorer reads it, by (unit code, item code)."""
    ws = openpyxl.load_workbook(io.BytesIO(data))[PROPOSALS]
    headers = [cell.value for cell in ws[3]]
    return {(row[0], row[1]): dict(zip(headers, row, strict=True))
            for row in ws.iter_rows(min_row=4, values_only=True) if row[0]}


def accept_in_sheet(data: bytes, keys: set[tuple[str, str]], grid: dict[str, object] | None = None) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[PROPOSALS]
    for row in ws.iter_rows(min_row=4):
        if (row[0].value, row[1].value) in keys:
            row[8].value = "采纳"
    for ref, value in (grid or {}).items():
        wb[SHEET][ref.split("!")[-1]] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, cycle, data: bytes):
    return client.post(f"/cycles/{cycle.pk}/sheet/upload/",
                       {"file": SimpleUploadedFile("评分表.xlsx", data, content_type=XLSX)})


def task(cycle, unit: str = UNIT, item: str = ITEM) -> Score:
    return Score.objects.select_related("node", "unit").get(cycle=cycle, unit__code=unit, node__code=item)


def test_the_sheet_lists_each_proposal_with_its_entries_and_marks_its_cell(client_for, users, cycle):
    confirmed(users, cycle, points="0.5", reason="季度报告逾期")
    confirmed(users, cycle, points="0.3", reason="=HYPERLINK(\"http://x\")", day="2018-05-02", document="")
    rules.record(users["scorer"], cycle, Typed(UNIT, ITEM, "deduction", "2018-06-01", "1", "待确认的一条", ""))
    data = download(client_for("scorer"), cycle)
    rows = proposal_rows(data)
    assert list(rows) == [(UNIT, ITEM)]
    row = rows[(UNIT, ITEM)]
    assert (row["单位"], row["满分"], row["台账扣分"], row["建议得分"], row["采纳"]) == ("偃师市", 2, 0.8, 1.2, None)
    assert str(row["考核内容"]).startswith(ITEM + " ")
    assert row["已确认的台账记录"] == ("2018-03-12 扣分0.5分 季度报告逾期（洛督〔2018〕12号）\n"
                                  "2018-05-02 扣分0.3分 =HYPERLINK(\"http://x\")")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    entries = wb[PROPOSALS]["H4"]
    assert entries.data_type == "s"  # text, never a formula
    assert all(cell.data_type != "f" for row in wb[PROPOSALS].iter_rows() for cell in row)
    assert not wb[PROPOSALS]["I4"].protection.locked and wb[PROPOSALS].protection.sheet
    assert "台账建议" in wb[SHEET]["B2"].value
    pair = next(c for c in read_sheet(data).cells if (c.unit_code, c.item_code) == (UNIT, ITEM))
    other = next(c for c in read_sheet(data).cells if (c.unit_code, c.item_code) != (UNIT, ITEM))
    proposed_fill = wb[SHEET][pair.points_cell.split("!")[1]].fill.fgColor.rgb
    assert proposed_fill != wb[SHEET][other.points_cell.split("!")[1]].fill.fgColor.rgb


def test_a_sheet_without_proposals_has_no_proposals_sheet(client_for, cycle):
    wb = openpyxl.load_workbook(io.BytesIO(download(client_for("scorer"), cycle)))
    assert PROPOSALS not in wb.sheetnames and "台账建议" not in wb[SHEET]["B2"].value


def test_accepting_in_the_sheet_saves_the_proposal_and_its_entries(client_for, users, cycle):
    first = confirmed(users, cycle, points="0.5", reason="季度报告逾期")
    second = confirmed(users, cycle, points="0.3", reason="会议未按期召开")
    confirmed(users, cycle, unit="xinan", points="0.2", reason="另一单位")
    scorer = client_for("scorer")
    page = upload(scorer, cycle, accept_in_sheet(download(scorer, cycle), {(UNIT, ITEM)})).content.decode()
    assert "已保存 1 处修改" in page and "采纳了 1 项平时考核台账建议" in page
    score = task(cycle)
    assert score.points == Decimal("1.2") and "季度报告逾期" in score.reason and "洛督〔2018〕12号" in score.reason
    basis = Basis.objects.get(score=score)
    assert basis.kind == Basis.Kind.ACCEPTED and set(basis.entries.all()) == {first, second}
    assert task(cycle, "xinan").points is None  # not marked: not scored
    assert Event.objects.filter(action="ledger.accept", new__source="sheet").count() == 1
    assert scorer.get(f"/cycles/{cycle.pk}/scoring/?per_page=100").context["rows"]  # the grid still renders


def test_accepting_and_changing_the_same_cell_saves_nothing(client_for, users, cycle):
    confirmed(users, cycle)
    scorer = client_for("scorer")
    data = download(scorer, cycle)
    pair = next(c for c in read_sheet(data).cells if (c.unit_code, c.item_code) == (UNIT, ITEM))
    page = upload(scorer, cycle, accept_in_sheet(data, {(UNIT, ITEM)}, {pair.points_cell: 1})).content.decode()
    assert "台账建议!I4" in page and "请只选一种" in page and "没有保存任何内容" in page
    assert task(cycle).points is None and not Basis.objects.exists()


def test_a_proposal_changed_after_the_download_is_a_conflict(client_for, users, cycle):
    confirmed(users, cycle, points="0.5")
    scorer = client_for("scorer")
    data = accept_in_sheet(download(scorer, cycle), {(UNIT, ITEM)})
    confirmed(users, cycle, points="0.3", reason="下载后才确认")
    page = upload(scorer, cycle, data).content.decode()
    assert "冲突（1）" in page
    assert '<td class="warning">台账建议!I4</td><td>偃师市</td><td>1.2.1.1</td><td>建议1.5分</td><td>建议1.2分</td>' in page
    assert task(cycle).points is None and not Basis.objects.exists()


def test_anything_but_accept_in_the_accept_column_is_an_error(client_for, users, cycle):
    confirmed(users, cycle)
    scorer = client_for("scorer")
    wb = openpyxl.load_workbook(io.BytesIO(download(scorer, cycle)))
    wb[PROPOSALS]["I4"] = "不采纳"
    buffer = io.BytesIO()
    wb.save(buffer)
    page = upload(scorer, cycle, buffer.getvalue()).content.decode()
    assert "台账建议!I4" in page and "“采纳”列只能选择“采纳”或留空" in page
    assert task(cycle).points is None


def test_rows_moved_in_the_proposals_sheet_are_refused(client_for, users, cycle):
    confirmed(users, cycle)
    confirmed(users, cycle, unit="xinan", points="0.2")
    scorer = client_for("scorer")
    wb = openpyxl.load_workbook(io.BytesIO(download(scorer, cycle)))
    ws = wb[PROPOSALS]
    ws["A4"], ws["A5"] = ws["A5"].value, ws["A4"].value
    buffer = io.BytesIO()
    wb.save(buffer)
    page = upload(scorer, cycle, buffer.getvalue()).content.decode()
    assert "工作表“台账建议”的结构被改动" in page


def test_the_proposal_is_the_same_through_the_grid_the_sheet_and_the_api(client, client_for, users, cycle):
    """Property: entries on many tasks; the sheet proposes exactly what the grid and the API show,
    and accepting every proposal in the sheet scores each task at its proposal."""
    chance = random.Random(11)
    scores = list(Score.objects.filter(cycle=cycle, department__code="swzzb").select_related("node", "unit"))
    expected = {}
    for score in chance.sample(scores, 25):
        deductions = [Decimal(chance.randint(1, int(score.node.points * 10))) / 10 for _n in range(chance.randint(1, 4))]
        for points in deductions:
            confirmed(users, cycle, score.unit.code, score.node.code, str(points), "随机", "2018-04-01", "")
        expected[(score.unit.code, score.node.code)] = max(Decimal(0), score.node.points - sum(deductions))
    scorer = client_for("scorer")
    data = download(scorer, cycle)
    from_sheet = {key: Decimal(str(row["建议得分"])) for key, row in proposal_rows(data).items()}
    assert from_sheet == expected
    response = scorer.get(f"/cycles/{cycle.pk}/scoring/?per_page=100")
    from_grid = {(c.url.rstrip("/").split("/")[-2], c.label.rsplit(" ", 1)[1]): c.proposal.points
                 for row in response.context["rows"] for c in row.cells if c is not None and c.proposal is not None}
    token = ApiToken.issue(users["scorer"])[1]
    tasks = client.get(f"/api/v1/cycles/{cycle.pk}/tasks", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    from_api = {(t["unit_code"], t["item_code"]): Decimal(t["proposal"]["points"]) for t in tasks if t["proposal"]}
    assert from_sheet == from_grid == from_api
    page = upload(scorer, cycle, accept_in_sheet(data, set(expected))).content.decode()
    assert f"采纳了 {len(expected)} 项平时考核台账建议" in page
    saved = {(s.unit.code, s.node.code): s.points for s in Score.objects.filter(cycle=cycle, points__isnull=False)
             .select_related("unit", "node")}
    assert saved == expected


def test_a_proposals_sheet_longer_than_its_manifest_is_refused_at_the_first_row_beyond(client_for, users, cycle):
    """Issue 19: the sheet "台账建议" is read no further than the manifest's proposals allow."""
    confirmed(users, cycle)
    data = download(client_for("scorer"), cycle)
    assert "xl/worksheets/sheet2.xml" in members(data)  # 评分, 台账建议, kaohe
    hostile = appended(data, "xl/worksheets/sheet2.xml", b"<row/>" * 400_000)
    with pytest.raises(FormatError, match="行超过"):
        read_sheet(hostile, "评分表.xlsx", sheet_shape(cycle))
