"""The result reports: the ranking workbook, the detail matrix and the notice (a 公文), read back."""

from __future__ import annotations

import io
import tempfile
import tracemalloc
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Length, Mm, RGBColor
from openpyxl import load_workbook

from kaohe.core.results import (
    Adjustment,
    Component,
    Quota,
    Rules,
    UnitInput,
    UnitResult,
    compute,
    round_score,
)
from kaohe.formats.gongwen.frame import Frame
from kaohe.formats.results_report.detail import NOT_APPLICABLE, detail_xlsx
from kaohe.formats.results_report.notice import NoticeText, grade_lists, notice_docx
from kaohe.formats.results_report.ranking import RULES_SHEET, ranking_xlsx, sheet_name, write_ranking_xlsx
from kaohe.formats.results_report.report import AdjustmentLine, ResultsReport

D = Decimal
LINK = '=HYPERLINK("http://example.com","点我")'
TITLE = "2018年度县(市、区)党建工作综合考核"

RULES = Rules(
    components=(Component("adjusted", "调整后得分", D("0.7")), Component("survey", "满意度测评", D("0.3"))),
    bonus_cap=D(5),
    top_quota=Quota(share=D("0.4")),
)


def unit(code: str, name: str, group: str, obtained: str, maximum: str, survey: str, *adjustments: Adjustment,
         tasks: int = 10, scored: int = 10) -> UnitInput:
    return UnitInput(code=code, name=name, group=group, obtained=D(obtained), maximum=D(maximum), tasks=tasks,
                     scored=scored, adjustments=adjustments, components={"survey": D(survey)})


def bonus(points: str) -> Adjustment:
    return Adjustment("bonus", D(points), "市级表彰", "洛组〔2018〕1号")


UNITS = [
    unit("A001", "甲县", "县(市)", "95", "100", "90"),  # 93.5
    unit("A002", "乙县", "县(市)", "88", "100", "95", bonus("3"),  # 91 → 92.2, capped
         Adjustment("grade_cap", D(0), "发生重大责任事故", cap="较好")),
    unit("A003", "丙县", "县(市)", "90", "100", "95"),  # 91.5, third: over the quota
    unit("A005", "戊县", "县(市)", "85.5", "95", "80"),  # 90% → 87, tied with 丁县
    unit("A004", "丁县", "县(市)", "85.5", "95", "80"),
    unit("B001", LINK, "城市区", "70", "80", "70", bonus("4"), bonus("3")),  # 87.5 + 5 → 85.75
    unit("B002", "涧西区", "城市区", "60", "100", "60", Adjustment("penalty", D(2), "通报批评"),
         tasks=10, scored=9),  # 58 → 58.6, incomplete
    unit("B003", "西工区", "城市区", "2", "3", "100",
         Adjustment("veto", D(0), "违反换届纪律")),  # 66.67 → 76.67, vetoed
]


@pytest.fixture(scope="module")
def results() -> list[UnitResult]:
    return compute(UNITS, RULES)


def test_the_fixture_is_what_the_tests_assume(results):
    by_code = {r.code: r for r in results}
    assert [(r.code, r.rank, r.grade) for r in results] == [
        ("A001", 1, "好"), ("A002", 2, "较好"), ("A003", 3, "较好"), ("A004", 4, "较好"), ("A005", 4, "较好"),
        ("B001", 1, "较好"), ("B003", 2, "差"), ("B002", 3, "差"),
    ]
    assert by_code["B001"].bonus == 5
    assert round_score(by_code["B003"].final) == D("76.67")


def _rounded(value: Decimal) -> float:
    return float(round_score(value, 2))


def _ranking(results, **kwargs):
    return load_workbook(io.BytesIO(ranking_xlsx(ResultsReport(TITLE, RULES, results, **kwargs))))


# -- the ranking workbook --------------------------------------------------------------------------


def test_ranking_has_the_rules_sheet_then_one_sheet_per_group(results):
    wb = _ranking(results, published="第2版 2019-01-20 10:30")
    assert wb.sheetnames == [RULES_SHEET, "县(市)", "城市区"]
    ws = wb["县(市)"]
    assert ws["A1"].value == f"{TITLE}结果（县(市)）"  # the title ends with 考核: not repeated
    assert "A1:K1" in {str(r) for r in ws.merged_cells.ranges}
    headers = [c.value for c in ws[2]]
    assert headers[:7] == ["名次", "单位", "得分/满分", "百分制得分", "加分", "扣分", "调整后得分"]
    assert headers[7].startswith("满意度测评") and "30%" in headers[7]
    assert headers[8:] == ["最终得分", "等次", "说明"]


@pytest.mark.parametrize("group", ["县(市)", "城市区"])
def test_ranking_rows_hold_the_same_figures_as_the_results(results, group):
    ws = _ranking(results)[group]
    expected = sorted((r for r in results if r.group == group), key=lambda r: (r.rank, r.code))
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == len(expected)
    for row, r in zip(rows, expected, strict=True):
        rank, name, ratio, percent, bonus_, penalty, adjusted, survey, final, grade, note = row
        assert (rank, name, grade) == (r.rank, r.name, r.grade)
        assert ratio == f"{r.obtained.normalize():f}/{r.maximum.normalize():f}"
        figures = (percent, bonus_, penalty, adjusted, survey, final)
        wanted = (r.percent, r.bonus, r.penalty, r.adjusted, r.components["survey"], r.final)
        for got, want in zip(figures, wanted, strict=True):
            assert isinstance(got, (int, float))  # a number, so Excel sorts it (95.0 reads back as 95)
            assert got == _rounded(want)
            assert D(str(got)) == round_score(want, 2)  # 2 decimals survive the round trip
        assert (note or "") == "；".join(r.explanation)
    for cells in ws.iter_rows(min_row=3, min_col=4, max_col=9):
        assert {c.number_format for c in cells} == {"0.00"}


def test_ranking_explains_quota_cap_veto_and_incomplete(results):
    ws = _ranking(results)["县(市)"]
    notes = {row[1]: row[10] for row in ws.iter_rows(min_row=3, values_only=True)}
    assert "名额限制" in notes["丙县"]
    assert "发生重大责任事故" in notes["乙县"]
    assert notes["丁县"] is None and notes["甲县"] is None
    ws = _ranking(results)["城市区"]
    notes = {row[1]: row[10] for row in ws.iter_rows(min_row=3, values_only=True)}
    assert "一票否决" in notes["西工区"]
    assert "评分未完成" in notes["涧西区"]
    assert "超过上限" in notes[LINK]


def test_ranking_ties_share_a_rank_and_are_listed_by_code(results):
    ws = _ranking(results)["县(市)"]
    ranks = [(row[0], row[1]) for row in ws.iter_rows(min_row=3, values_only=True)]
    assert ranks[3:] == [(4, "丁县"), (4, "戊县")]


def test_ranking_unit_name_that_looks_like_a_formula_stays_text(results):
    ws = _ranking(results)["城市区"]
    cell = next(c for c in ws["B"][2:] if c.value == LINK)
    assert cell.data_type == "s"
    assert cell.quotePrefix
    raw = zipfile.ZipFile(io.BytesIO(ranking_xlsx(ResultsReport(TITLE, RULES, results)))).read("xl/worksheets/sheet3.xml")
    assert b"<f>" not in raw


def test_ranking_print_setup(results):
    wb = _ranking(results)
    for name in ("县(市)", "城市区"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9
        assert ws.print_title_rows in ("2:2", "$2:$2")
        assert ws.freeze_panes == "C3"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        for cell in ws[3]:
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
        assert ws["B3"].font.name == "宋体"
    rules_sheet = wb[RULES_SHEET]
    assert int(rules_sheet.page_setup.paperSize) == 9


def test_ranking_rows_that_wrap_are_taller_and_pages_are_numbered(results):
    long_note = results[0].replaced(explanation=("很长的说明" * 30,))
    ws = load_workbook(io.BytesIO(ranking_xlsx(ResultsReport(TITLE, RULES, [long_note, *results[1:]]))))["县(市)"]
    row = next(number for number in range(3, ws.max_row + 1) if ws.cell(number, 11).value == "很长的说明" * 30)
    assert ws.row_dimensions[row].height > 3 * ws.sheet_format.defaultRowHeight
    short = [number for number in range(3, ws.max_row + 1) if not ws.cell(number, 11).value]
    assert short and all(ws.row_dimensions[number].height in (None, ws.sheet_format.defaultRowHeight)
                         for number in short)
    assert "第 &P 页，共 &N 页" in ws.oddFooter.center.text


def _ranking_peak(count: int) -> int:
    """tracemalloc's peak while writing the ranking of `count` units (made before tracing)."""
    units = [UnitResult(code=f"U{n:06d}", name=f"第{n}单位", group=f"组{n % 3}", obtained=D(n % 100),
                        maximum=D(100), percent=D(n % 100), dimensions=(), bonus=D(0), penalty=D(0),
                        adjusted=D(n % 100), components={"adjusted": D(n % 100)}, final=D(n % 100),
                        rank=1 + n // 3, grade="好", complete=True,
                        explanation=("名额限制：好等次限2个（本组5个单位×40%，向下取整），第3名评为较好" * (n % 2),))
             for n in range(count)]
    tracemalloc.start()
    try:
        with tempfile.TemporaryFile() as out:
            write_ranking_xlsx(out, ResultsReport(TITLE, Rules(), units))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_ranking_of_ten_times_the_units_takes_no_more_memory():
    small, large = _ranking_peak(300), _ranking_peak(3000)
    assert large < small * 1.5 + 200_000, (small, large)


def test_rules_sheet_lists_the_rules_in_force(results):
    ws = _ranking(results, published="第2版 2019-01-20 10:30")[RULES_SHEET]
    rows = {row[0]: row[1] for row in ws.iter_rows(min_row=3, values_only=True)}
    assert rows["考核名称"] == TITLE
    assert rows["发布版本/时间"] == "第2版 2019-01-20 10:30"
    assert rows["得分组成：调整后得分"] == "权重70%"
    assert rows["得分组成：满意度测评"] == "权重30%"
    assert "调整后得分 × 70% + 满意度测评 × 30%" in rows["最终得分"]
    assert "5分" in rows["加分上限"]
    assert "90分及以上" in rows["等次：好"]
    assert "80分及以上" in rows["等次：较好"] and "低于90分" in rows["等次：较好"]
    assert "低于60分" in rows["等次：差"]
    assert "40%" in rows["好等次名额"]
    assert "县(市)（5个单位）" in rows["排名组"] and "城市区（3个单位）" in rows["排名组"]
    assert "2位小数" in rows["排名"]


def test_rules_sheet_without_publication_or_quota():
    wb = load_workbook(io.BytesIO(ranking_xlsx(ResultsReport("试算", Rules(), []))))
    assert wb.sheetnames == [RULES_SHEET]
    rows = {row[0]: row[1] for row in wb[RULES_SHEET].iter_rows(min_row=3, values_only=True)}
    assert rows["发布版本/时间"] == "（未发布）"
    assert rows["好等次名额"] == "好等次不限名额"
    assert rows["得分组成：调整后得分"] == "权重100%"


def test_rules_sheet_quota_by_count():
    rules = Rules(top_quota=Quota(count=2))
    wb = load_workbook(io.BytesIO(ranking_xlsx(ResultsReport("试算", rules, []))))
    rows = {row[0]: row[1] for row in wb[RULES_SHEET].iter_rows(min_row=3, values_only=True)}
    assert "不超过2个" in rows["好等次名额"]


def test_single_component_has_no_component_column():
    results = compute([UnitInput("U1", "甲", "组", D(9), D(10), 1, 1)], Rules())
    ws = load_workbook(io.BytesIO(ranking_xlsx(ResultsReport("t", Rules(), results))))["组"]
    assert [c.value for c in ws[2]] == ["名次", "单位", "得分/满分", "百分制得分", "加分", "扣分", "调整后得分",
                                        "最终得分", "等次", "说明"]
    assert ws["H3"].value == 90.0 and ws["I3"].value == "好"


def test_sheet_names_are_safe_for_excel():
    taken = {RULES_SHEET.casefold()}
    assert sheet_name("县[市]/区:*?\\", taken) == "县_市__区____"
    long = sheet_name("很" * 40, taken)
    assert len(long) == 31
    assert sheet_name("很" * 40, taken) == "很" * 28 + "(2)"
    assert sheet_name("说明", taken) == "说明(2)"
    assert sheet_name("'引号'", taken) == "引号"
    assert sheet_name("", taken) == "（未分组）"
    assert sheet_name("History", taken) == "History_"


def test_groups_with_unsafe_names_get_distinct_sheets():
    units = [UnitInput("U1", "甲", "a/b", D(9), D(10), 1, 1), UnitInput("U2", "乙", "a\\b", D(8), D(10), 1, 1)]
    wb = load_workbook(io.BytesIO(ranking_xlsx(ResultsReport("t", Rules(), compute(units, Rules())))))
    assert wb.sheetnames == [RULES_SHEET, "a_b", "a_b(2)"]
    assert wb["a_b(2)"]["A1"].value == "t 综合考核结果（a\\b）"


# -- the detail matrix -----------------------------------------------------------------------------


UNITS_DETAIL = [("A001", "甲县"), ("A002", "乙县"), ("B001", LINK)]
ITEMS = [("1.1.1", "落实主体责任", D(2)), ("1.1.2", "=1+2 不是公式", D("1.5")), ("2.1.1", "述职评议", D(3))]
POINTS = {
    ("A001", "1.1.1"): D(2), ("A001", "1.1.2"): D("1.25"), ("A001", "2.1.1"): None,  # unscored
    ("A002", "1.1.1"): D("1.5"), ("A002", "2.1.1"): D(3),  # 1.1.2 does not apply
    ("B001", "1.1.1"): D(0), ("B001", "1.1.2"): D("0.5"), ("B001", "2.1.1"): D("2.5"),
}


def test_detail_matrix_layout_and_cells():
    wb = load_workbook(io.BytesIO(detail_xlsx(ResultsReport(TITLE, units=UNITS_DETAIL, items=ITEMS, points=POINTS))))
    ws = wb.active
    assert ws["A1"].value == f"{TITLE}明细"
    assert ws.row_dimensions[2].hidden
    assert [c.value for c in ws[2]][3:] == ["A001", "A002", "B001"]
    assert [c.value for c in ws[3]] == ["编码", "考核内容", "满分", "甲县", "乙县", LINK]
    assert ws["F3"].data_type == "s"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert rows[0] == ("1.1.1", "落实主体责任", 2, 2, 1.5, 0)
    assert rows[1] == ("1.1.2", "=1+2 不是公式", 1.5, 1.25, NOT_APPLICABLE, 0.5)
    assert rows[2] == ("2.1.1", "述职评议", 3, None, 3, 2.5)  # blank: not scored yet
    assert ws["B5"].data_type == "s"
    assert rows[3][1:] == ("得分合计", None, 3.25, 4.5, 3)
    assert rows[4][1:] == ("满分合计", None, 6.5, 5, 6.5)
    assert len(rows) == 5
    assert ws.freeze_panes == "D4"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    # every printed page shows the title whole, in its header (the banner in A1 overflowed into the
    # units' columns, which a page further across does not have: the title was cut there)
    assert ws.print_title_rows in ("3:3", "$3:$3") and ws.print_title_cols in ("A:C", "$A:$C")
    assert str(ws.print_area).split("!")[-1].replace("$", "").startswith("A3:")
    assert ws.oddHeader.center.text == f"{TITLE}明细" and ws.oddHeader.center.size == 14
    assert ws["D4"].font.size == 9
    assert ws["D4"].border.left.style == "thin"


def test_an_ampersand_in_the_detail_title_prints_as_itself():
    wb = load_workbook(io.BytesIO(detail_xlsx(ResultsReport("党建&纪检", units=UNITS_DETAIL, items=ITEMS, points=POINTS))))
    assert wb.active.oddHeader.center.text == "党建&&纪检 考核明细"  # "&&" is a literal "&" in a header


def test_detail_matrix_large_in_write_only_mode():
    units = [(f"U{u:03d}", f"单位{u}") for u in range(60)]
    items = [(f"{i // 100}.{i % 100}", f"考核内容第{i}项", D("2.5")) for i in range(2000)]
    points = {(u, i): (D(2) if n % 7 else None) for n, (i, _, _) in enumerate(items) for u, _ in units
              if n % 11}
    data = detail_xlsx(ResultsReport("大表", units=units, items=items, points=points))
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    assert next(ws.iter_rows(max_row=1, values_only=True))[0] == "大表 考核明细"
    rows = ws.iter_rows(min_row=2000 + 4, values_only=True)
    total, maximum = next(rows)[1:], next(rows)[1:]
    applicable = [n for n in range(2000) if n % 11]
    assert total[0] == "得分合计" and total[2] == 2 * sum(1 for n in applicable if n % 7)
    assert maximum[0] == "满分合计" and maximum[2] == 2.5 * len(applicable)
    assert len(total) == 2 + 60


# -- the notice: a 公文 (GB/T 9704-2012) read back with python-docx --------------------------------


ADJUSTMENT_LINES = [
    AdjustmentLine("乙县", "bonus", D(3), "市级表彰", "洛组〔2018〕1号"),
    AdjustmentLine("乙县", "grade_cap", D(0), "发生重大责任事故", cap="较好"),
    AdjustmentLine(LINK, "bonus", D(4), "市级表彰", "洛组〔2018〕1号"),
    AdjustmentLine("涧西区", "penalty", D(2), "通报批评"),
    AdjustmentLine("西工区", "veto", D(0), "违反换届纪律", "洛纪〔2018〕3号"),
]
FRAME = Frame(issuer="中共洛阳市委党的建设工作领导小组", number="洛党建[2019]1号", title=f"关于{TITLE}结果的通报",
              recipients="各县（市）区党（工）委、市委各部委、市直机关各单位党组（党委）", day=date(2019, 1, 20),
              copies="省委组织部")


def _notice_bytes(results, frame=FRAME) -> bytes:
    report = ResultsReport(TITLE, RULES, results, adjustments=ADJUSTMENT_LINES, version=2)
    return notice_docx(report, NoticeText(frame, "根据有关考核办法，现将结果通报如下。", "希望各单位再接再厉。\n抓好整改。"))


def _notice(results, frame=FRAME):
    return Document(io.BytesIO(_notice_bytes(results, frame)))


def east_asian_font(paragraph) -> str:
    """The East Asian font a paragraph's text shows in: its runs', else its style's."""
    for run in (r for r in paragraph.runs if r.text):
        fonts = run._element.rPr.find(qn("w:rFonts")) if run._element.rPr is not None else None
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return fonts.get(qn("w:eastAsia"))
    return paragraph.style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def size_pt(paragraph) -> float:
    for run in (r for r in paragraph.runs if r.text):
        if run.font.size is not None:
            return run.font.size.pt
    return paragraph.style.font.size.pt


def test_notice_page_is_gbt_9704(results):
    document = _notice(results)
    section = document.sections[0]

    def mm(length) -> float:
        return round(Length(length).mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)  # 天头, 订口
    assert (mm(section.page_width - section.left_margin - section.right_margin),
            mm(section.page_height - section.top_margin - section.bottom_margin)) == (156, 225)  # 版心
    assert section.orientation == 0
    grid = section._sectPr.find(qn("w:docGrid"))
    assert round(225 / 25.4 * 72 / int(grid.get(qn("w:linePitch"))) * 20) == 22  # 22 lines a page
    body = next(p for p in document.paragraphs if p.text.startswith("根据有关考核办法"))
    assert body.style.paragraph_format.line_spacing.pt == pytest.approx(225 / 25.4 * 72 / 22, abs=0.05)
    assert size_pt(body) == 16 and east_asian_font(body) == "仿宋_GB2312"  # 3号仿宋
    assert body.style.paragraph_format.first_line_indent.pt == 32  # 左空二字
    font_table = zipfile.ZipFile(io.BytesIO(_notice_bytes(results))).read("word/fontTable.xml").decode()
    for name, fallback in (("仿宋_GB2312", "FangSong_GB2312"), ("方正小标宋简体", "FZXiaoBiaoSong-B05S"),
                           ("楷体_GB2312", "KaiTi_GB2312"), ("黑体", "SimHei")):
        assert f'w:name="{name}"><w:altName w:val="{fallback}"' in font_table


def test_notice_head_mark_number_rule_title_and_recipients(results):
    paragraphs = [p for p in _notice(results).paragraphs if p.text.strip()]
    mark, number, title, recipients = paragraphs[:4]
    assert mark.text == "中共洛阳市委党的建设工作领导小组文件"
    assert abs(mark.paragraph_format.space_before - Mm(35)) < Mm(0.1)  # 7.2.4: 35 mm under the top edge
    shown = next(run for run in mark.runs if run.text)
    assert shown.font.color.rgb == RGBColor(0xFF, 0, 0) and east_asian_font(mark) == "方正小标宋简体"
    assert mark.alignment == WD_ALIGN_PARAGRAPH.CENTER or mark.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number.text == "洛党建〔2019〕1号"  # the year in 六角括号 whatever brackets were typed
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"  # the red rule under the number
    assert title.text == "关于2018年度县(市、区)\n党建工作综合考核结果的通报"  # two lines, words whole (GB/T 9704 7.3.1)
    assert size_pt(title) == 22 and east_asian_font(title) == "方正小标宋简体"
    assert recipients.text == "各县（市）区党（工）委、市委各部委、市直机关各单位党组（党委）："
    assert recipients.style.paragraph_format.first_line_indent.pt == 0  # 顶格


def test_notice_headings_levels_and_fonts(results):
    paragraphs = _notice(results).paragraphs
    first = [p for p in paragraphs if p.style.name == "公文一级标题"]
    second = [p for p in paragraphs if p.style.name == "公文二级标题"]
    assert [p.text for p in first] == ["一、考核结果", "二、加分、扣分和等次调整"]
    assert [p.text for p in second] == ["（一）县(市)", "（二）城市区"]
    assert {east_asian_font(p) for p in first} == {"黑体"} and {east_asian_font(p) for p in second} == {"楷体_GB2312"}


def test_notice_says_every_rank_grade_quota_and_adjustment(results):
    document = _notice(results)
    for table, group in zip(document.tables, ("县(市)", "城市区"), strict=True):
        expected = sorted((r for r in results if r.group == group), key=lambda r: (r.rank, r.code))
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        assert rows[0] == ["名次", "单位", "最终得分", "等次"]
        assert rows[1:] == [[str(r.rank), r.name, f"{round_score(r.final, 2)}", r.grade] for r in expected]
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    texts = [p.text for p in document.paragraphs]
    assert "本组共5个单位。好等次：甲县；较好等次：乙县、丙县、丁县、戊县。好等次名额为本组单位数的40%（向下取整），即不超过2个。" in texts
    assert any(t.startswith("丙县：") and "名额限制" in t for t in texts)  # the quota decided 丙县's grade
    assert "乙县：加3分。理由：市级表彰（依据：洛组〔2018〕1号）。" in texts
    assert "乙县：不得评为好等次。理由：发生重大责任事故。" in texts
    assert f"{LINK}：加4分。理由：市级表彰（依据：洛组〔2018〕1号）。" in texts  # text, never a formula
    assert any(t.startswith(f"{LINK}：") and "加分合计7分，超过上限，按5分计" in t for t in texts)
    assert "涧西区：扣2分。理由：通报批评。" in texts
    assert "西工区：一票否决，评为差等次。理由：违反换届纪律（依据：洛纪〔2018〕3号）。" in texts
    assert texts.index("希望各单位再接再厉。") < texts.index("抓好整改。")


def test_notice_ends_with_signature_date_and_record(results):
    paragraphs = [p for p in _notice(results).paragraphs if p.text.strip()]
    signature, dated, copies, printed = paragraphs[-4:]
    assert signature.text.strip() == "中共洛阳市委党的建设工作领导小组"
    assert dated.text.strip() == "2019年1月20日"  # Arabic numerals
    # the date starts 2 characters right of the signature (GB/T 9704-2012 7.3.5.2)
    lead = len(dated.text) - len(dated.text.lstrip()) - (len(signature.text) - len(signature.text.lstrip()))
    assert lead == 2
    assert copies.text == "抄送：省委组织部。"
    assert printed.text == "中共洛阳市委党的建设工作领导小组办公室\t2019年1月20日印发"
    assert copies._p.pPr.find(qn("w:pBdr")).find(qn("w:top")).get(qn("w:sz")) == "8"  # the thick first rule
    assert printed._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:sz")) == "8"  # the thick last rule


def test_notice_page_numbers_at_the_outside_edge(results):
    data = _notice_bytes(results)
    document = Document(io.BytesIO(data))
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = document.sections[0].footer.paragraphs[0], document.sections[0].even_page_footer.paragraphs[0]
    for footer, alignment in ((odd, WD_ALIGN_PARAGRAPH.RIGHT), (even, WD_ALIGN_PARAGRAPH.LEFT)):
        assert footer.alignment == alignment
        assert footer._p.find(qn("w:fldSimple")).get(qn("w:instr")).strip() == "PAGE"
        assert footer.text.startswith("— ") and footer.text.endswith(" —")
        assert east_asian_font(footer) == "宋体" and size_pt(footer) == 14  # 4号宋体


def test_grade_lists_follow_the_rules_order(results):
    members = [r for r in results if r.group == "县(市)"][::-1]
    assert grade_lists(members, RULES) == "好等次：甲县；较好等次：乙县、丙县、丁县、戊县。"
    assert grade_lists([], RULES) == ""


def test_frame_names_what_is_missing():
    assert Frame(issuer=" ", number="", title="t", recipients="r", day=date(2019, 1, 20)).missing() == ["发文机关", "发文字号"]
    assert FRAME.missing() == []
