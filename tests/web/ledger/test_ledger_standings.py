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


def test_the_quarterly_notice_needs_its_issuer_and_number_first(client_for, cycle, ledger):
    office = client_for("office")
    response = office.get(f"/cycles/{cycle.pk}/ledger/standings/1.docx")
    assert response.status_code == 302 and response.url == f"/cycles/{cycle.pk}/ledger/standings/1/notice/"
    page = office.get(response.url).content.decode()
    assert "请先填写季度通报的发文机关、发文字号，再生成通报。" in page and "生成通报前请填写：发文机关、发文字号。" in page
    assert 'value="关于2018年第一季度平时考核情况的通报"' in page  # the defaults from the cycle
    refused = client_for("leader").get(f"/cycles/{cycle.pk}/ledger/standings/1.docx")
    assert refused.status_code == 409 and "发文字号" in refused.content.decode()


def fill_notice(client, cycle, quarter: int = 1, **changes):
    values = {"issuer": "中共洛阳市委党的建设工作领导小组", "number": "洛党建[2018]7号", "title": "关于2018年第一季度平时考核情况的通报",
              "recipients": "各县（市、区）委", "copies": "市纪委监委", "printer": "", "day": "2018-04-10",
              "opening": "现将有关情况通报如下。", "closing": "请各单位对照整改。"} | changes
    return client.post(f"/cycles/{cycle.pk}/ledger/standings/{quarter}/notice/", values)


def test_the_quarterly_report_as_a_word_notice_on_the_gongwen_frame(client_for, cycle, ledger):
    office = client_for("office")
    saved = fill_notice(office, cycle)
    assert saved.status_code == 302
    response = office.get(f"/cycles/{cycle.pk}/ledger/standings/1.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    lines = [p.text for p in document.paragraphs]
    text = "\n".join(lines)
    assert "中共洛阳市委党的建设工作领导小组文件" in lines  # the red 发文机关标志
    assert "洛党建〔2018〕7号" in lines  # the 发文字号 in 六角括号
    assert "关于2018年第一季度平时考核情况的通报" in lines and "各县（市、区）委：" in lines
    assert "现将有关情况通报如下。" in lines and "请各单位对照整改。" in lines
    assert "一、县(市)组" in lines or any(line.startswith("一、") for line in lines)
    assert "（一）2018年第一季度" in lines and "（二）2018年1月至3月累计" in lines
    assert "偃师市：2月1日，季度报告逾期（洛督〔2018〕12号），扣分0.5分" in text
    assert "待确认" not in text and "作废" not in text
    assert any(line.strip() == "2018年4月10日" for line in lines)  # 成文日期
    assert any("抄送：市纪委监委。" in line for line in lines)  # 版记
    assert any("中共洛阳市委党的建设工作领导小组办公室" in line and "2018年4月10日印发" in line for line in lines)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "偃师市" in cells and "1.5" in cells and "名次" in cells
    assert office.get(f"/cycles/{cycle.pk}/ledger/standings/5.docx").status_code == 404


def test_the_notices_details_are_checked_and_audited(client_for, cycle, ledger):
    from kaohe.audit.models import Event
    from kaohe.ledger.models import StandingsNotice

    office = client_for("office")
    refused = fill_notice(office, cycle, day="明天", issuer="机" * 61)
    assert refused.status_code == 400 and not StandingsNotice.objects.exists()
    assert fill_notice(office, cycle, quarter=2).status_code == 302
    notice = StandingsNotice.objects.get()
    assert (notice.quarter, notice.number) == (2, "洛党建[2018]7号")
    assert Event.objects.filter(action="ledger.notice", object_key=f"cycle:{cycle.pk}/quarter:2").exists()
    page = office.get(f"/cycles/{cycle.pk}/ledger/standings/1/notice/").content.decode()
    assert 'value="中共洛阳市委党的建设工作领导小组"' in page  # the next notice starts from the last one's issuer
    assert client_for("leader").get(f"/cycles/{cycle.pk}/ledger/standings/1/notice/").status_code == 403


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
