"""Importing a department's ledger from Excel on the demo cycle: the department's template, a
filled sheet imported (the entries wait for the head), any bad row refusing the whole file with
every bad row listed, a file that is not a sheet, who may, and `kaohe ledger import`."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.audit.models import Event
from kaohe.ledger.models import Entry

GOOD = [  # 日期 · 被考核单位 · 考核内容编码 · 类型 · 分值 · 事由 · 依据文件
    (date(2018, 3, 12), "偃师市", "1.2.1.1", "扣分", 0.5, "未按时报送党建工作季度报告", "洛督〔2018〕12号"),
    ("2018/4/2", "mengjin", "1.2.1.1", "记录", None, "约谈提醒", ""),
    ("2018年5月6日", "新安县", "", "加分", "2", "获评全省先进基层党组织", "豫组通〔2018〕3号"),
]


def template(client, cycle) -> bytes:
    response = client.get(f"/cycles/{cycle.pk}/ledger/template.xlsx")
    assert response.status_code == 200
    return response.content


def filled(base: bytes, rows) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(base))
    sheet = book["台账"]
    for number, row in enumerate(rows, start=4):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, cycle, content: bytes, name: str = "台账.xlsx"):
    return client.post(f"/cycles/{cycle.pk}/ledger/import/", {"file": SimpleUploadedFile(name, content)})


def test_the_template_lists_the_departments_units_and_items(client_for, cycle):
    book = openpyxl.load_workbook(io.BytesIO(template(client_for("scorer"), cycle)))
    assert book.sheetnames == ["台账", "说明"]
    assert [c.value for c in book["台账"][3]][:7] == ["日期", "被考核单位", "考核内容编码", "类型", "分值", "事由", "依据文件"]
    notes = [row for row in book["说明"].iter_rows(min_row=2, values_only=True)]
    assert ("偃师市", "yanshi") in {(row[0], row[1]) for row in notes}
    assert "1.2.1.1" in {row[3] for row in notes} and "2.1.1.1" not in {row[3] for row in notes}


def test_a_filled_sheet_is_imported_and_waits_for_the_head(client_for, cycle):
    scorer = client_for("scorer")
    response = upload(scorer, cycle, filled(template(scorer, cycle), GOOD))
    assert response.status_code == 302 and response["Location"].endswith("?state=draft")
    entries = list(Entry.objects.filter(cycle=cycle).order_by("date"))
    assert [(e.unit.code, e.kind, e.state, e.quarter) for e in entries] == [
        ("yanshi", "deduction", "draft", 1), ("mengjin", "note", "draft", 2), ("xinan", "bonus", "draft", 2)]
    assert entries[0].document == "洛督〔2018〕12号" and entries[2].task is None
    assert Event.objects.filter(action="ledger.import").count() == 1
    assert Event.objects.filter(action="ledger.record").count() == 3


def test_any_bad_row_stores_nothing_and_every_bad_row_is_listed(client_for, cycle):
    scorer = client_for("scorer")
    rows = [*GOOD,
            ("2018-06-01", "不存在的县", "1.2.1.1", "扣分", 0.5, "x", ""),  # row 7: unit
            ("2018-06-01", "偃师市", "2.1.1.1", "扣分", 0.5, "x", ""),  # row 8: another department's item
            ("2018-06-01", "偃师市", "1.2.1.1", "扣分", 0.55, "x", ""),  # row 9: off the step
            ("2017-12-31", "偃师市", "1.2.1.1", "扣分", 0.5, "", ""),  # row 10: date and reason
            ("2018-06-01", "偃师市", "1.2.1.1", "扣分", "=1+1", "x", "")]  # row 11: a formula
    response = upload(scorer, cycle, filled(template(scorer, cycle), rows))
    assert response.status_code == 422
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    problems = re.findall(r"<tr><td data-label=\"行\">(\d+)</td><td data-label=\"列\">([^<]*)</td>",
                          response.content.decode())
    assert {(int(row), column) for row, column in problems} >= {
        (7, "被考核单位"), (8, "考核内容编码"), (9, "分值"), (10, "日期"), (10, "事由"), (11, "分值")}
    assert "未导入任何记录" in page
    assert Entry.objects.filter(cycle=cycle).count() == 0


@pytest.mark.parametrize(("content", "name"), [(b"not a workbook", "台账.xlsx"), (b"PK\x03\x04broken", "台账.xlsx"),
                                               (b"%PDF-1.4", "台账.pdf")])
def test_a_file_that_is_not_a_ledger_sheet_is_refused(client_for, cycle, content, name):
    response = upload(client_for("scorer"), cycle, content, name)
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    assert Entry.objects.filter(cycle=cycle).count() == 0


def test_only_the_departments_import(client_for, cycle):
    for role in ("office", "unit", "leader"):
        assert client_for(role).get(f"/cycles/{cycle.pk}/ledger/import/").status_code == 403, role
        assert client_for(role).get(f"/cycles/{cycle.pk}/ledger/template.xlsx").status_code == 403, role


def test_the_command_line_imports_all_or_nothing(client_for, cycle, tmp_path, capsys):
    base = template(client_for("scorer"), cycle)
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(filled(base, GOOD))
    bad.write_bytes(filled(base, [*GOOD, ("2018-06-01", "偃师市", "2.1.1.1", "扣分", 0.5, "x", "")]))
    with pytest.raises(CommandError) as refused:
        call_command("ledger", "import", str(cycle.pk), str(bad), "--department", "swzzb")
    assert refused.value.returncode == 1 and Entry.objects.count() == 0
    assert "第7行，考核内容编码" in capsys.readouterr().err
    call_command("ledger", "import", cycle.name, str(good), "--department", "swzzb", "--json")
    assert json.loads(capsys.readouterr().out) == {"rows": 3, "created": 3, "problems": []}
    assert Entry.objects.filter(recorded_by=None, department__code="swzzb").count() == 3
    with pytest.raises(CommandError, match="没有考核部门"):
        call_command("ledger", "import", str(cycle.pk), str(good), "--department", "nowhere")
