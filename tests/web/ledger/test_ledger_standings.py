"""The quarterly standings on the demo cycle: per quarter and year to date, per unit and dimension,
ranked in each group, only confirmed entries, the bonus cap across quarters; the page (office and
leaders), the 季度通报 as xlsx and docx, and `kaohe ledger list|standings`."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from kaohe.ledger import rules
from kaohe.ledger.rules import Typed

ITEM = "1.2.1.1"  # 市委组织部's, 2 points, dimension 1 (政治建设)
OTHER_DIMENSION_ITEM = "3.1.1.1"  # 市委组织部's, dimension 3


def confirmed(users, cycle, unit, item, kind, day, points, reason="通报") -> None:
    entry = rules.record(users["scorer"], cycle, Typed(unit, item, kind, day, points, reason, "洛督〔2018〕12号"))
    rules.confirm(users["head"], cycle, [entry.pk])


@pytest.fixture
def ledger(users, cycle):
    """偃师市: Q1 −0.5 (dimension 1) and −1 (dimension 3), bonus 3 in Q1 and 4 in Q2 (cap 5);
    孟津县: Q1 −0.2, Q2 −1; 新安县: a draft and a voided entry only (count for nothing)."""
    confirmed(users, cycle, "yanshi", ITEM, "deduction", "2018-02-01", "0.5", "季度报告逾期")
    confirmed(users, cycle, "yanshi", OTHER_DIMENSION_ITEM, "deduction", "2018-03-20", "1")
    confirmed(users, cycle, "yanshi", "", "bonus", "2018-03-25", "3", "获评全省先进")
    confirmed(users, cycle, "yanshi", "", "bonus", "2018-05-02", "4", "再获表彰")
    confirmed(users, cycle, "mengjin", ITEM, "deduction", "2018-01-15", "0.2")
    confirmed(users, cycle, "mengjin", ITEM, "deduction", "2018-06-30", "1")
    rules.record(users["scorer"], cycle, Typed("xinan", ITEM, "deduction", "2018-01-10", "2", "待确认", ""))
    voided = rules.record(users["scorer"], cycle, Typed("xinan", ITEM, "deduction", "2018-01-11", "2", "作废", ""))
    rules.confirm(users["head"], cycle, [voided.pk])
    rules.void(users["office"], cycle, voided.pk, "重复")


def rows(page: str) -> dict[str, list[str]]:
    return {code: re.findall(r'class="num">([^<]*)<', row)
            for code, row in re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', page, re.S)}


def test_the_standings_page_per_quarter_and_year_to_date(client_for, cycle, ledger):
    page = client_for("office").get(f"/cycles/{cycle.pk}/ledger/standings/?quarter=2").content.decode()
    quarter, year = page.split("截至第二季度累计")
    q2, ytd = rows(quarter), rows(year)
    # rank, dimensions (1 政治建设, 2, 3, 4, 5 …), deductions, bonus, net, entries
    assert q2["yanshi"][-4:] == ["0", "2", "2", "1"]  # the cap leaves 2 of the 4 in Q2
    assert q2["mengjin"][-4:] == ["1", "0", "-1", "1"]
    assert q2["xinan"][-4:] == ["0", "0", "0", "0"]
    assert ytd["yanshi"][-4:] == ["1.5", "5", "3.5", "4"] and ytd["yanshi"][1] == "0.5" and ytd["yanshi"][3] == "1"
    assert ytd["mengjin"][-4:] == ["1.2", "0", "-1.2", "2"]
    assert ytd["yanshi"][0] == "1" and ytd["xinan"][0] == "2" and ytd["mengjin"][0] != "1"  # ranked by net
    assert client_for("leader").get(f"/cycles/{cycle.pk}/ledger/standings/").status_code == 200
    for role in ("scorer", "head", "unit"):
        assert client_for(role).get(f"/cycles/{cycle.pk}/ledger/standings/").status_code == 403, role


def test_the_quarterly_report_as_a_workbook(client_for, cycle, ledger):
    response = client_for("office").get(f"/cycles/{cycle.pk}/ledger/standings/1.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["本季度", "年度累计", "台账明细"]
    sheet = book["本季度"]
    found = {row[1]: row for row in sheet.iter_rows(min_row=4, values_only=True) if row[1] == "偃师市"}
    net = found["偃师市"][-2]
    assert Decimal(str(net)) == Decimal("1.5")  # Q1: bonus 3 − deductions 1.5
    details = list(book["台账明细"].iter_rows(min_row=2, values_only=True))
    assert len(details) == 4 and any(row[6] == "季度报告逾期" for row in details)  # Q1's counted entries


def test_the_quarterly_report_as_a_word_notice(client_for, cycle, ledger):
    response = client_for("office").get(f"/cycles/{cycle.pk}/ledger/standings/1.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "关于2018年第一季度平时考核情况的通报" in text
    assert "偃师市：2月1日，季度报告逾期（洛督〔2018〕12号），扣分0.5分" in text
    assert "待确认" not in text and "作废" not in text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "偃师市" in cells and "1.5" in cells
    assert client_for("office").get(f"/cycles/{cycle.pk}/ledger/standings/5.docx").status_code == 404


def test_the_command_line_lists_and_ranks(cycle, ledger, capsys):
    call_command("ledger", "list", str(cycle.pk), "--unit", "yanshi", "--quarter", "1", "--json")
    listed = json.loads(capsys.readouterr().out)
    assert [(e["kind"], e["points"]) for e in listed] == [("bonus", "3"), ("deduction", "1"), ("deduction", "0.5")]
    call_command("ledger", "list", cycle.name)
    assert "共 8 条。" in capsys.readouterr().out  # every state, for the office
    call_command("ledger", "standings", str(cycle.pk), "--quarter", "2", "--json")
    figures = json.loads(capsys.readouterr().out)
    units = {u["unit"]: u for group in figures["year_to_date"] for u in group["units"]}
    assert (units["yanshi"]["net"], units["yanshi"]["bonus"], units["yanshi"]["rank"]) == ("3.5", "5", 1)
    with pytest.raises(CommandError, match="季度只能是1到4"):
        call_command("ledger", "standings", str(cycle.pk), "--quarter", "5")
    with pytest.raises(CommandError, match="没有被考核单位"):
        call_command("ledger", "list", str(cycle.pk), "--unit", "nowhere")


def test_the_leaders_overview_shows_the_year_so_far(client_for, cycle, users):
    leader = client_for("leader")
    assert 'id="panel-ledger"' not in leader.get(f"/?cycle={cycle.pk}").content.decode()  # nothing confirmed yet
    confirmed(users, cycle, "yanshi", ITEM, "deduction", "2018-02-01", "0.5", "季度报告逾期")
    page = leader.get(f"/?cycle={cycle.pk}").content.decode()
    panel = page.split('id="panel-ledger"')[1].split("</section>")[0]
    assert "截至第4季度累计" in panel  # the cycle's year (2018) is past: the whole year
    row = re.search(r"<tr><td class=\"num\">(\d+)</td><td>偃师市</td>(.*?)</tr>", panel)
    assert row is not None and re.findall(r'class="num">([^<]*)<', row.group(2)) == ["0.5", "0", "-0.5"]
    assert f'href="/cycles/{cycle.pk}/ledger/standings/?quarter=4"' in panel
    assert "<form" not in panel
