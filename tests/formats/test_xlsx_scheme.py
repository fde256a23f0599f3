"""The official seven-column xlsx table: layout, lossless round trip, office-typed input, bad input,
formula injection, and the cell helpers of kaohe.formats.cells."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.core.check import Severity
from kaohe.core.codes import assign_codes
from kaohe.core.scheme import Gap, Level, Node, Repair, Scheme
from kaohe.formats import files, xlsx_scheme
from kaohe.formats.cells import (
    cell_text,
    display_width,
    is_formula_like,
    safe_text,
    wrapped_line_count,
    write_text,
)
from kaohe.formats.errors import FormatError
from kaohe.formats.xlsx_scheme import (
    METADATA_SHEET,
    read_xlsx,
    read_xlsx_bytes,
    write_xlsx,
    xlsx_bytes,
)
from kaohe.formats.yaml_scheme import loads_yaml, read_yaml, scheme_data

SHIPPED = sorted((Path(__file__).parents[2] / "kaohe" / "data" / "schemes").glob("*.yaml"))

RICH_YAML = """\
kaohe-scheme: 1
name: test-2018-county
title: 洛阳市县(市、区)党建工作综合考核指标体系(2018年度)
year: 2018
audience: 县(市、区)党(工)委
total: 20
source: 洛党建〔2018〕4号 附件1
units: [偃师市, 孟津县, 涧西区, 高新区]
groups:
  县(市): [偃师市, 孟津县]
  城市区: [涧西区]
  功能区: [高新区]
  9县(市)6区: [县(市), 城市区]
aliases:
  龙门区: 高新区
departments: [市委办公室, 市委组织部, 市委党校, 市委巡察办]
dimensions:
  - title: 政治建设
    points: 15
    origin: L24
    indicators:
      - title: 坚决维护以习近平同志为核心的党中央权威和集中统一领导
        points: 10
        origin: L25
        criteria:
          - title: 坚决维护党中央权威和集中统一领导
            points: 10
            departments: [市委办公室]
            origin: L25
            items:
              - title: 做到“两个维护”，坚决贯彻落实中央和省、市委决策部署
                points: 4
              - title: 完善坚决维护中央权威和集中统一领导的相关制度机制
                points: 3.5
                departments: [市委组织部]
                note: 适用于县(市)
              - title: 坚决做到学习党章、尊崇党章、维护党章
                points: 2.5
                origin: L27
                repairs:
                  - {source: '(3分)', change: '2.5', reason: 合计应为10分}
      - title: 加强党内政治文化建设
        points: 3
        criteria:
          - title: 深化拓展党性教育
            points: 3
            departments: [市委党校]
            note: 适用于9县(市)6区
            items:
              - {title: 按要求参加各级党校主体班培训情况, points: 1}
              - {title: 本地区开展党性教育有方案、有落实、有总结, points: 1}
              - {title: 县级党校理论教育和党性教育不低于总课时的70%, points: 1}
          - title: 深化拓展党性教育
            points: 3
            departments: [市委党校]
            note: 适用于功能区
            gaps:
              - {finding: points-mismatch, note: 源文件合计为3分但只列了两项}
            items:
              - {title: 按要求参加各级党校主体班培训情况, points: 1.5}
              - {title: 本地区开展党性教育有方案、有落实、有总结, points: 1.5}
      - title: 做好年度巡察工作
        points: 2
        departments: [市委巡察办]
        items:
          - {title: 以政治巡察为主要内容，制定巡察工作5年规划和年度工作计划, points: 0.5}
          - {title: 按时报送工作信息、数据等有关资料, points: 1.5}
  - title: 思想建设
    points: 5
    departments: [市委办公室]
    note: 适用于9县(市)6区
    indicators:
      - title: 学习贯彻
        points: 5
        criteria:
          - title: 建立健全巡察机制
            points: 5
            departments: [市委巡察办, 市委办公室]
            content: 学习落实中央、省委、市委有关巡视巡察工作精神，修改完善相关规章制度
"""


def rich_scheme() -> Scheme:
    return loads_yaml(RICH_YAML, "rich.yaml")


def written(scheme: Scheme | None = None) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes(scheme or rich_scheme())))


def table(wb: openpyxl.Workbook) -> Worksheet:
    return wb[xlsx_scheme.TABLE_SHEET]


def round_trip(scheme: Scheme, filename: str = "scheme.xlsx") -> Scheme:
    result = read_xlsx_bytes(xlsx_bytes(scheme), filename)
    assert len(result.schemes) == 1
    return result.schemes[0]


def merged(ws: Worksheet) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


# -- the layout ------------------------------------------------------------------------------

def test_it_writes_the_title_row_merged_bold_and_larger_over_the_seven_columns():
    ws = table(written())
    assert ws["A1"].value == "洛阳市县(市、区)党建工作综合考核指标体系(2018年度)"
    assert "A1:G1" in merged(ws)
    assert ws["A1"].font.bold
    assert ws["A1"].font.size > ws["E3"].font.size


def test_it_writes_the_official_header_row():
    ws = table(written())
    assert [c.value for c in ws[2]] == ["序号", "一级指标", "二级指标", "三级指标", "考核内容", "考核单位", "备注"]


def test_it_writes_one_row_per_criterion_or_per_indicator_holding_items():
    ws = table(written())
    assert ws.max_row == 2 + 5
    assert ws["C6"].value == "做好年度巡察工作\n(2分)"
    assert ws["D6"].value is None


def test_it_shows_points_in_labels():
    ws = table(written())
    assert ws["C7"].value == "学习贯彻(5分)"
    assert ws["B3"].value == "政治建设\n(15分)"  # too wide for one line: the points on a line of their own
    assert ws["D3"].value == "坚决维护党中央权威和集中统一领导\n(10分)"
    assert ws["D4"].value.replace("\n", "") == "深化拓展党性教育(3分)"


def test_it_puts_the_points_of_a_long_label_on_a_line_of_their_own():
    ws = table(written())
    assert ws["C3"].value == "坚决维护以习近平同志为核心的党中央权威和集中统一领导\n(10分)"


def test_it_numbers_dimensions_in_chinese():
    ws = table(written())
    assert (ws["A3"].value, ws["A7"].value) == ("一", "二")
    assert xlsx_scheme._chinese_number(11) == "十一"
    assert xlsx_scheme._chinese_number(20) == "二十"


def test_it_merges_dimension_and_indicator_cells_over_their_rows():
    ranges = merged(table(written()))
    assert {"A3:A6", "B3:B6", "C4:C5"} <= ranges
    assert not any(r.startswith("D") for r in ranges)  # each criterion has a row of its own


def test_it_writes_content_as_numbered_lines_with_points():
    ws = table(written())
    assert ws["E3"].value == (
        "1. 做到“两个维护”，坚决贯彻落实中央和省、市委决策部署(4分)；\n"
        "2. 完善坚决维护中央权威和集中统一领导的相关制度机制(3.5分)；\n"
        "3. 坚决做到学习党章、尊崇党章、维护党章(2.5分)。"
    )


def test_it_shows_a_criterion_content_with_its_points():
    ws = table(written())
    assert ws["E7"].value == "学习落实中央、省委、市委有关巡视巡察工作精神，修改完善相关规章制度(5分)。"


def test_it_shows_departments_one_a_line_including_those_of_single_items():
    ws = table(written())
    assert ws["F3"].value == "市委办公室\n市委组织部"
    assert ws["F7"].value == "市委巡察办\n市委办公室"


def test_it_shows_the_note_in_the_last_column():
    ws = table(written())
    assert ws["G4"].value == "适用于9县(市)6区"
    assert ws["G5"].value == "适用于功能区"
    assert ws["G3"].value is None


def test_it_wraps_centres_and_borders_the_cells():
    ws = table(written())
    for ref in ("B3", "E3", "F3", "G5"):
        cell = ws[ref]
        assert cell.alignment.wrap_text and cell.alignment.vertical == "center"
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    assert ws["E3"].alignment.horizontal == "left"


def test_it_gives_columns_widths_for_chinese_text():
    ws = table(written())
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFG"}
    assert widths["E"] > 2 * widths["D"] > widths["A"]
    assert 120 <= sum(widths.values()) <= 150


def test_it_sets_row_heights_from_the_text_length():
    ws = table(written())
    heights = {n: ws.row_dimensions[n].height for n in range(3, 8)}
    assert all(h is not None for h in heights.values())
    assert heights[4] > heights[5]  # three content lines against two
    assert heights[7] >= 2 * xlsx_scheme.BODY_SIZE  # two departments, one a line


def long_scheme() -> Scheme:
    """One dimension and one indicator over many criteria: several printed pages."""
    scheme = rich_scheme()
    indicator = scheme.dimensions[0].children[1]
    for number in range(30):
        indicator.children.append(Node(
            level=Level.CRITERION, title=f"第{number}项工作", points=Decimal(1), departments=["市委党校"],
            note=f"适用于第{number}组",
            children=[Node(level=Level.ITEM, title="按要求完成有关工作，做到有方案、有落实、有总结" * 2,
                           points=Decimal("0.5")) for _ in range(2)]))
    assign_codes(scheme)
    return scheme


def test_each_printed_page_starts_with_a_break_and_shows_its_labels_again():
    scheme = long_scheme()
    ws = table(written(scheme))
    breaks = [b.id + 1 for b in ws.row_breaks.brk]
    assert len(breaks) >= 2
    for first in breaks:
        for column in "ABC":
            assert ws[f"{column}{first}"].value, f"{column}{first} should repeat its label"
        for merge in ws.merged_cells.ranges:
            assert not merge.min_row < first <= merge.max_row
    heights = [ws.row_dimensions[n].height for n in range(breaks[0], breaks[1])]
    assert sum(heights) <= xlsx_scheme.PAGE_HEIGHT - xlsx_scheme.HEADER_HEIGHT
    assert scheme_data(round_trip(scheme)) == scheme_data(scheme)


def test_it_sets_up_the_page_as_a4_landscape_fit_to_width_with_the_header_repeated():
    ws = table(written())
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == "$2:$2"
    assert ws.page_margins.left == 0.5
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.freeze_panes == "A3"


def test_it_keeps_the_metadata_in_a_hidden_sheet():
    wb = written()
    assert wb.sheetnames == [xlsx_scheme.TABLE_SHEET, METADATA_SHEET]
    meta = wb[METADATA_SHEET]
    assert meta.sheet_state == "hidden"
    rows = [tuple(cell_text(v) for v in row) for row in meta.iter_rows(values_only=True)]
    assert rows[0] == ("编号", "标题", "键", "值")
    assert ("", "", "name", '"test-2018-county"') in rows
    assert ("1", "政治建设", "origin", '"L24"') in rows
    assert ("1.1.1.2", "完善坚决维护中央权威和集中统一领导的相关制度机制", "departments",
            '{"shown":[],"exact":["市委组织部"]}') in rows


def test_write_xlsx_writes_the_file(tmp_path):
    path = tmp_path / "scheme.xlsx"
    write_xlsx(rich_scheme(), path)
    assert scheme_data(read_xlsx(path).schemes[0]) == scheme_data(rich_scheme())


def test_write_xlsx_leaves_an_existing_file_alone_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "scheme.xlsx"
    path.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken)
    with pytest.raises(OSError):
        write_xlsx(rich_scheme(), path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["scheme.xlsx"]


def test_write_xlsx_refuses_a_missing_directory(tmp_path):
    with pytest.raises(FormatError):
        write_xlsx(rich_scheme(), tmp_path / "missing" / "scheme.xlsx")


def test_it_refuses_to_write_points_the_model_does_not_allow():
    scheme = rich_scheme()
    scheme.dimensions[0].points = Decimal("-1")
    with pytest.raises(FormatError, match="不能为负"):
        xlsx_bytes(scheme)


# -- lossless round trip ---------------------------------------------------------------------

def test_a_rich_scheme_survives_the_round_trip_unchanged():
    scheme = rich_scheme()
    back = round_trip(scheme)
    assert scheme_data(back) == scheme_data(scheme)


def test_the_round_trip_gives_no_reader_findings():
    result = read_xlsx_bytes(xlsx_bytes(rich_scheme()), "rich.xlsx")
    assert result.findings == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_a_shipped_scheme_survives_the_round_trip_unchanged(path):
    scheme = read_yaml(path)
    assert scheme_data(round_trip(scheme)) == scheme_data(scheme)


def test_texts_the_table_shows_differently_come_back_exactly():
    scheme = rich_scheme()
    criterion = scheme.dimensions[0].children[0].children[0]
    criterion.title = "  坚决维护\n党中央权威(3分)  "  # spaces, a line break, words that look like points
    criterion.note = "适用于 9县(市)6区"
    criterion.children[0].title = "做到“两个维护”；2. 坚决贯彻(1分)"  # looks like a second item
    criterion.children[1].points = None
    criterion.children[1].title = "完善制度（三分）"  # looks like bad points once its own are gone
    scheme.dimensions[1].title = ""
    scheme.dimensions[1].points = None
    assign_codes(scheme)
    assert scheme_data(round_trip(scheme)) == scheme_data(scheme)


def test_duplicate_and_oddly_shaped_nodes_come_back_exactly():
    scheme = rich_scheme()
    dimension = scheme.dimensions[0]
    indicator = dimension.children[1]
    indicator.children.append(indicator.children[1].__class__(
        level=Level.CRITERION, title="深化拓展党性教育", points=Decimal(3), note="适用于功能区"))
    criterion = scheme.dimensions[1].children[0].children[0]
    criterion.content = "1. 看起来像编号\n2. 其实是内容"
    criterion.children = [Node(level=Level.ITEM, title="另有一项", points=Decimal(5), content="说明")]
    dimension.children.insert(0, Node(level=Level.INDICATOR, title="空的二级指标", points=Decimal(0)))
    scheme.dimensions.append(Node(level=Level.DIMENSION, title="没有下级", points=Decimal(0),
                                  departments=["市委办公室"], note="适用于功能区"))
    assign_codes(scheme)
    assert scheme_data(round_trip(scheme)) == scheme_data(scheme)


_TEXT = st.text(alphabet="政治建设党委(（)）分12.5；、，。 \n=+-@\tAbc", max_size=14)
_POINTS = st.none() | st.integers(min_value=0, max_value=5000).map(lambda n: Decimal(n) / 100)
_NAMES = st.lists(st.sampled_from(["市委办公室", "市委组织部", "市委党校", "市 委", "=1+1", ""]),
                  max_size=3, unique=True)
_NOTES = st.sampled_from(["", "适用于县(市)", "适用于功能区", "适用于 城市区"]) | _TEXT


@st.composite
def _nodes(draw, level: Level) -> Node:
    node = Node(level=level, title=draw(_TEXT), points=draw(_POINTS),
                departments=draw(_NAMES), note=draw(_NOTES))
    if draw(st.booleans()):
        node.origin = draw(_TEXT)
    if draw(st.integers(0, 5)) == 0:
        node.repairs = [Repair(draw(_TEXT), draw(_TEXT), draw(_TEXT))]
        node.gaps = [Gap("points-mismatch", draw(_TEXT))]
    if draw(st.integers(0, 3)) == 0:
        node.content = draw(_TEXT)
    if level is Level.DIMENSION:
        node.children = draw(st.lists(_nodes(Level.INDICATOR), max_size=3))
    elif level is Level.INDICATOR:
        child = draw(st.sampled_from([Level.CRITERION, Level.ITEM]))
        node.children = draw(st.lists(_nodes(child), max_size=3))
    elif level is Level.CRITERION:
        node.children = draw(st.lists(_nodes(Level.ITEM), max_size=3))
    return node


@st.composite
def _schemes(draw) -> Scheme:
    scheme = Scheme(name="random", title=draw(_TEXT), year=draw(st.integers(0, 2100)),
                    total=draw(_POINTS.filter(lambda p: p is not None)),
                    audience=draw(_TEXT), units=["甲", "乙"], groups={"组": ["甲"]}, aliases={"丙": "甲"},
                    departments=["市委办公室"], dimensions=draw(st.lists(_nodes(Level.DIMENSION), max_size=3)))
    assign_codes(scheme)
    return scheme


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_schemes())
def test_any_scheme_survives_the_round_trip_unchanged(scheme):
    assert scheme_data(round_trip(scheme)) == scheme_data(scheme)


# -- reading what an office typed --------------------------------------------------------------

HEADER = ["序号", "一级指标", "二级指标", "三级指标", "考核内容", "考核单位", "备注"]


def office_workbook() -> bytes:
    """A table as an office types it: merged cells, a header repeated on a new page with the
    labels typed again, several numbering styles, no hidden sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "县区"
    ws["A1"] = "洛阳市县(市、区)党建工作综合考核指标体系(2018年度)"
    ws.merge_cells("A1:G1")
    ws.append(HEADER)
    rows = [
        ["一", "政治建设 (35分)", "坚决维护以习近平同志为核心的党中央权威和集中统一领导(10分)",
         "坚决维护党中央权威和集中统一领导(10分)",
         "1. 做到“两个维护”，坚决贯彻落实中央和省、市委决策部署(4分);\n"
         "2. 完善坚决维护中央权威和集中统一领导的相关制度机制(3分);\n"
         "3. 坚决做到学习党章、尊崇党章、维护党章(3分)。", "市委办公室", None],
        [None, None, "加强党内政治文化建设\n(6分)", "深化拓展党性教育 (3分)",
         "1、按要求参加各级党校主体班培训情况(1分)；\n2、本地区开展党性教育有方案、有落实、有总结(1分)；\n"
         "3、县级党校理论教育和党性教育不低于总课时的70%(1分)。", "市委党校", "适用于\n县、市及\n吉利区"],
        [None, None, None, None,
         "（1）按要求参加各级党校主体班培训情况（1.5分）；\n（2）本地区开展党性教育有方案、有落实、有总结（1.5 分）。",
         "市委党校", "适用于其他城市区"],
        [None, None, "做好年度巡察工作(5分)", None,
         "1. 制定巡察工作5年规划和年度工作计划(0.5分)；2. 每年不少于3轮(1分)；3. 配备配强巡察队伍(3.5分)。",
         "市委巡察办  市委办公室", "适用于9县(市)6区"],
        [None, None, "深化政治巡察检查（9分）", "建立健全巡察机制(1分)",
         "学习落实中央、省委、市委有关巡视巡察工作精神，修改完善相关规章制度(1分)。", "市委巡察办", None],
        HEADER,
        ["一", "政治建设 (35分)", "深化政治巡察检查（9分）", "强化巡察成果运用(3分)",
         "1. 优先办理巡视巡察移交问题线索(1分)；\n2. 将巡察结果作为干部考核评价的重要依据(1分)；\n"
         "注重通过多种方式，加大对下级党组织政治建设情况的监督检查(1分)。", "市委巡察办\n市委办公室", None],
        ["二", "思想建设(20分)", "理论武装 (20分)", "学习(10分)", "1. 学习(10分)。", "市委宣传部", None],
        [None, None, None, "宣传", "1. 宣传工作", "市委宣传部", None],
    ]
    for row in rows:
        ws.append(row)
    for ref in ("A3:A7", "B3:B7", "C4:C5", "D4:D5", "A10:A11", "B10:B11", "C10:C11"):
        ws.merge_cells(ref)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_office() -> tuple[Scheme, list]:
    result = read_xlsx_bytes(office_workbook(), "洛阳 县区 2018.xlsx")
    assert len(result.schemes) == 1
    return result.schemes[0], result.findings


def outline(scheme: Scheme) -> list[tuple[str, str, str | None]]:
    return [(n.code, n.title, None if n.points is None else str(n.points)) for n in scheme.walk()
            if n.level is not Level.ITEM]


def test_it_reads_an_office_typed_table_with_merged_cells():
    scheme, _ = read_office()
    assert outline(scheme) == [
        ("1", "政治建设", "35"),
        ("1.1", "坚决维护以习近平同志为核心的党中央权威和集中统一领导", "10"),
        ("1.1.1", "坚决维护党中央权威和集中统一领导", "10"),
        ("1.2", "加强党内政治文化建设", "6"),
        ("1.2.1a", "深化拓展党性教育", "3"),
        ("1.2.1b", "深化拓展党性教育", "3"),
        ("1.3", "做好年度巡察工作", "5"),
        ("1.4", "深化政治巡察检查", "9"),
        ("1.4.1", "建立健全巡察机制", "1"),
        ("1.4.2", "强化巡察成果运用", "3"),
        ("2", "思想建设", "20"),
        ("2.1", "理论武装", "20"),
        ("2.1.1", "学习", "10"),
        ("2.1.2", "宣传", None),
    ]


def test_it_reads_points_from_labels():
    assert xlsx_scheme._split_points("政治建设(35分)") == ("政治建设", Decimal(35), True)
    assert xlsx_scheme._split_points("政治建设（35分）") == ("政治建设", Decimal(35), True)
    assert xlsx_scheme._split_points("严格落实 (1.5 分)") == ("严格落实", Decimal("1.5"), True)
    assert xlsx_scheme._split_points("全面从严(部分)") == ("全面从严(部分)", None, False)


def test_it_splits_content_into_numbered_items_with_points():
    scheme, _ = read_office()
    items = scheme.node("1.1.1").children
    assert [(i.code, i.title, i.points) for i in items] == [
        ("1.1.1.1", "做到“两个维护”，坚决贯彻落实中央和省、市委决策部署", Decimal(4)),
        ("1.1.1.2", "完善坚决维护中央权威和集中统一领导的相关制度机制", Decimal(3)),
        ("1.1.1.3", "坚决做到学习党章、尊崇党章、维护党章", Decimal(3)),
    ]


def test_it_understands_numbering_with_commas_and_parentheses():
    scheme, _ = read_office()
    assert [i.points for i in scheme.node("1.2.1a").children] == [1, 1, 1]
    assert [(i.title, i.points) for i in scheme.node("1.2.1b").children] == [
        ("按要求参加各级党校主体班培训情况", Decimal("1.5")),
        ("本地区开展党性教育有方案、有落实、有总结", Decimal("1.5")),
    ]


def test_it_splits_numbered_items_typed_on_one_line():
    scheme, _ = read_office()
    assert [(i.title, i.points) for i in scheme.node("1.3").children] == [
        ("制定巡察工作5年规划和年度工作计划", Decimal("0.5")),
        ("每年不少于3轮", Decimal(1)),
        ("配备配强巡察队伍", Decimal("3.5")),
    ]


def test_an_unnumbered_line_with_points_after_the_list_is_one_more_item():
    scheme, _ = read_office()
    assert [i.title for i in scheme.node("1.4.2").children][-1] == \
        "注重通过多种方式，加大对下级党组织政治建设情况的监督检查"


def test_an_unnumbered_single_sentence_is_the_criterion_content():
    scheme, _ = read_office()
    criterion = scheme.node("1.4.1")
    assert criterion.children == []
    assert criterion.content == "学习落实中央、省委、市委有关巡视巡察工作精神，修改完善相关规章制度"


def test_an_indicator_without_criterion_holds_its_items_directly():
    scheme, _ = read_office()
    indicator = scheme.node("1.3")
    assert {child.level for child in indicator.children} == {Level.ITEM}


def test_it_splits_departments_on_spaces_and_line_breaks():
    scheme, _ = read_office()
    assert scheme.node("1.3").departments == ["市委巡察办", "市委办公室"]
    assert scheme.node("1.4.2").departments == ["市委巡察办", "市委办公室"]
    assert scheme.departments == ["市委办公室", "市委党校", "市委巡察办", "市委宣传部"]


def test_it_cleans_notes_and_tells_variants_apart_by_them():
    scheme, _ = read_office()
    assert scheme.node("1.2.1a").note == "适用于县、市及吉利区"
    assert scheme.node("1.2.1b").note == "适用于其他城市区"


def test_a_repeated_header_and_repeated_labels_continue_the_same_nodes():
    scheme, _ = read_office()
    assert [d.title for d in scheme.dimensions] == ["政治建设", "思想建设"]
    assert [c.title for c in scheme.node("1.4").children] == ["建立健全巡察机制", "强化巡察成果运用"]


def test_it_takes_title_name_year_and_total_from_what_it_has():
    scheme, _ = read_office()
    assert scheme.title == "洛阳市县(市、区)党建工作综合考核指标体系(2018年度)"
    assert scheme.name == "洛阳-县区-2018"
    assert scheme.year == 2018
    assert scheme.total == Decimal(55)
    assert scheme.units == [] and scheme.groups == {}


def test_it_records_where_each_node_was_read_from():
    scheme, _ = read_office()
    dimension = scheme.node("1")
    assert (dimension.location.file, dimension.location.sheet, dimension.location.row,
            dimension.location.column) == ("洛阳 县区 2018.xlsx", "县区", 3, "B")
    assert (scheme.node("1.2.1b").location.row, scheme.node("1.2.1b").location.column) == (5, "D")
    assert (scheme.node("1.4.2.3").location.row, scheme.node("1.4.2.3").location.column) == (9, "E")
    assert all(node.origin == "" for node in scheme.walk())


def test_a_content_line_without_points_gives_an_item_without_points_and_a_finding():
    scheme, findings = read_office()
    assert scheme.node("2.1.2.1").points is None
    finding = next(f for f in findings if f.code == "xlsx-item-without-points")
    assert finding.severity is Severity.WARNING
    assert (finding.location.sheet, finding.location.row, finding.location.column) == ("县区", 11, "E")


def test_a_label_without_points_gives_a_finding():
    _, findings = read_office()
    finding = next(f for f in findings if f.code == "xlsx-label-without-points")
    assert "宣传" in finding.message
    assert (finding.location.row, finding.location.column) == (11, "D")


def sheet_bytes(rows: list[list[object]], title: str | None = "考核指标体系(2019年度)",
                merges: tuple[str, ...] = ()) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title is not None:
        ws.append([title])
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_it_finds_columns_by_header_text_without_seq_and_note_columns():
    data = sheet_bytes([
        ["", "考核单位", "考核内容", "三级指标", "二级 指标", " 一级指标 "],
        ["", "市委组织部", "1. 甲(1分)；\n2. 乙(2分)。", "标准(3分)", "指标(3分)", "维度(3分)"],
    ])
    scheme = read_xlsx_bytes(data, "t.xlsx").schemes[0]
    assert outline(scheme) == [("1", "维度", "3"), ("1.1", "指标", "3"), ("1.1.1", "标准", "3")]
    assert scheme.node("1.1.1").departments == ["市委组织部"]
    assert scheme.node("1.1.1").location.column == "D"
    assert scheme.year == 2019


def test_it_reads_typed_numbers_and_several_tables():
    data = sheet_bytes([
        HEADER,
        [1, "甲(2分)", "乙(2分)", "丙(2分)", "1. 丁(2分)。", "市委办公室", None],
        ["市直单位指标体系(2019年度)"],
        HEADER,
        [1, "子(1分)", "丑(1分)", "寅(1分)", "卯(1分)。", "市委组织部", None],
    ], merges=("A4:G4",))
    result = read_xlsx_bytes(data, "two.xlsx")
    assert [s.title for s in result.schemes] == ["考核指标体系(2019年度)", "市直单位指标体系(2019年度)"]
    assert [s.name for s in result.schemes] == ["two", "two-2"]
    assert result.schemes[1].node("1.1.1").content == "卯"


def test_it_warns_when_no_year_can_be_found():
    data = sheet_bytes([HEADER, ["一", "甲(2分)", "乙(2分)", "丙(2分)", "1. 丁(2分)。", "办", None]],
                       title="考核指标体系")
    result = read_xlsx_bytes(data, "t.xlsx")
    assert result.schemes[0].year == 0
    assert [f.code for f in result.findings] == ["xlsx-no-year"]


def test_it_warns_when_content_points_differ_from_the_label():
    data = sheet_bytes([HEADER, ["一", "甲(2分)", "乙(2分)", "丙(2分)", "丁(3分)。", "办", None]])
    result = read_xlsx_bytes(data, "t.xlsx")
    assert result.schemes[0].node("1.1.1").points == 2
    assert [f.code for f in result.findings] == ["xlsx-content-points"]


def test_a_header_without_rows_gives_an_empty_scheme_and_a_finding():
    result = read_xlsx_bytes(sheet_bytes([HEADER]), "t.xlsx")
    assert result.schemes[0].dimensions == []
    assert [f.code for f in result.findings] == ["xlsx-empty-table"]


# -- bad input -------------------------------------------------------------------------------

def error_of(data: bytes, filename: str = "t.xlsx") -> FormatError:
    with pytest.raises(FormatError) as info:
        read_xlsx_bytes(data, filename)
    return info.value


def test_a_text_file_renamed_xlsx_is_refused(tmp_path):
    path = tmp_path / "scheme.xlsx"
    path.write_text("序号,一级指标\n1,政治建设\n", encoding="utf-8")
    with pytest.raises(FormatError, match="不是 xlsx") as info:
        read_xlsx(path)
    assert info.value.location.file == str(path)


def test_a_binary_file_renamed_xlsx_is_refused():
    assert "不是 xlsx" in str(error_of(bytes(range(256)) * 4))


def test_an_old_xls_file_is_refused_with_advice():
    assert ".xls" in str(error_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512))


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "zip" in str(error_of(buffer.getvalue()))


def test_a_broken_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not xml")
        archive.writestr("xl/workbook.xml", "<not xml")
    assert "损坏" in str(error_of(buffer.getvalue()))


def test_an_empty_file_and_a_missing_file_are_refused(tmp_path):
    assert "为空" in str(error_of(b""))
    with pytest.raises(FormatError, match="不存在"):
        read_xlsx(tmp_path / "missing.xlsx")


def test_an_empty_workbook_is_refused():
    assert "工作簿是空的" in str(error_of(sheet_bytes([], title=None)))


def test_a_workbook_without_a_header_row_is_refused():
    error = error_of(sheet_bytes([["a", "b"], ["c", "d"]]))
    assert error.message == "找不到表头：需要列 一级指标、二级指标、三级指标、考核内容、考核单位"


def test_missing_required_columns_are_named():
    error = error_of(sheet_bytes([["序号", "一级指标", "二级指标", "考核内容", "备注"]]))
    assert error.message == "表头缺少必需的列：三级指标、考核单位"
    assert (error.location.sheet, error.location.row) == ("Sheet", 2)


def test_non_numeric_points_are_refused_with_row_and_column():
    rows = [HEADER] + [[None] * 7] * 9 + [["一", "政治建设(三分)", "乙(2分)", "丙(2分)", "1. 丁(2分)。", "办", None]]
    error = error_of(sheet_bytes(rows))
    assert str(error) == "t.xlsx 工作表“Sheet” 第12行 B列：分值“三分”不是数字"


def test_negative_points_are_refused():
    error = error_of(sheet_bytes([HEADER, ["一", "甲(2分)", "乙(2分)", "丙(2分)", "1. 丁(-2分)。", "办", None]]))
    assert error.message == "分值“-2分”不能为负"
    assert (error.location.row, error.location.column) == (3, "E")


def test_points_with_more_than_two_decimals_are_refused():
    error = error_of(sheet_bytes([HEADER, ["一", "甲(2分)", "乙(1.255分)", "丙(2分)", "", "办", None]]))
    assert error.message == "分值“1.255分”最多两位小数"
    assert (error.location.row, error.location.column) == (3, "C")


def test_points_like_one_to_two_are_refused_as_not_a_number():
    error = error_of(sheet_bytes([HEADER, ["一", "甲(2分)", "乙(2分)", "丙(2分)", "1. 丁(1-2分)。", "办", None]]))
    assert error.message == "分值“1-2分”不是数字"


# -- the hidden sheet against an edited table ------------------------------------------------

def edited(change) -> tuple[Scheme, list]:
    wb = written()
    change(table(wb))
    buffer = io.BytesIO()
    wb.save(buffer)
    result = read_xlsx_bytes(buffer.getvalue(), "edited.xlsx")
    return result.schemes[0], result.findings


def test_metadata_of_a_retitled_node_is_ignored_with_a_warning():
    def retitle(ws):
        ws["E3"] = ws["E3"].value.replace("坚决做到学习党章", "坚决做到学习党规")

    scheme, findings = edited(retitle)
    item = scheme.node("1.1.1.3")
    assert item.title.startswith("坚决做到学习党规")
    assert item.origin == "" and item.repairs == []
    assert scheme.node("1.1.1").origin == "L25"  # the rest still applies
    mismatch = [f for f in findings if f.code == "xlsx-metadata-mismatch"]
    assert len(mismatch) == 1 and mismatch[0].node_code == "1.1.1.3"
    assert mismatch[0].severity is Severity.WARNING


def test_an_edited_department_cell_wins_over_the_metadata():
    def reassign(ws):
        ws["F3"] = "市委宣传部"

    scheme, findings = edited(reassign)
    assert scheme.node("1.1.1").departments == ["市委宣传部"]
    assert any(f.code == "xlsx-metadata-mismatch" and f.node_code == "1.1.1" for f in findings)


def test_metadata_without_a_name_takes_the_file_name():
    wb = written()
    meta = wb[METADATA_SHEET]
    for row in meta.iter_rows(min_row=2):
        if row[2].value == "name":
            row[2].value = None
    buffer = io.BytesIO()
    wb.save(buffer)
    scheme = read_xlsx_bytes(buffer.getvalue(), "/tmp/county-2018.xlsx").schemes[0]
    assert scheme.name == "county-2018"
    assert scheme.units == rich_scheme().units


def test_invalid_metadata_is_ignored_with_a_warning():
    wb = written()
    meta = wb[METADATA_SHEET]
    meta.append(["", "", "units", "{not json"])
    meta.append(["", "", "year", '"2018"'])
    meta.append(["1", "政治建设", "colour", '"red"'])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = read_xlsx_bytes(buffer.getvalue(), "t.xlsx")
    assert [f.code for f in result.findings] == ["xlsx-metadata-invalid"] * 3
    assert result.schemes[0].year == 2018


# -- formula injection -----------------------------------------------------------------------

def test_a_title_that_looks_like_a_formula_comes_back_as_text():
    scheme = rich_scheme()
    scheme.title = '=HYPERLINK("http://evil.example","点击")'
    scheme.dimensions[0].title = "+1+2"
    scheme.dimensions[0].children[0].children[0].departments = ["-市委办公室"]
    scheme.dimensions[0].children[1].children[1].note = "@SUM(A1)"
    data = xlsx_bytes(scheme)
    ws = openpyxl.load_workbook(io.BytesIO(data))[xlsx_scheme.TABLE_SHEET]
    for ref in ("A1", "B3", "F3", "G5"):
        assert ws[ref].data_type == "s"
        assert ws[ref].quotePrefix
    assert ws["A1"].value == scheme.title
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    assert scheme_data(read_xlsx_bytes(data, "t.xlsx").schemes[0]) == scheme_data(scheme)


def test_is_formula_like_knows_what_spreadsheets_evaluate():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert is_formula_like(text)
    for text in ("", "政治建设", "1-1", " =1", "'=1"):
        assert not is_formula_like(text)


def test_write_text_stores_a_literal_string():
    ws = openpyxl.Workbook().active
    write_text(ws["A1"], "=1+1")
    write_text(ws["A2"], "政治建设")
    write_text(ws["A3"], None)
    assert (ws["A1"].value, ws["A1"].data_type, ws["A1"].quotePrefix) == ("=1+1", "s", True)
    assert (ws["A2"].value, ws["A2"].data_type, ws["A2"].quotePrefix) == ("政治建设", "s", False)
    assert ws["A3"].value == ""


def test_safe_text_drops_what_a_cell_cannot_hold():
    assert safe_text(None) == ""
    assert safe_text(12) == "12"
    assert safe_text("a\x00b\x1fc\ud800") == "abc"
    assert safe_text("a\r\nb\rc\td") == "a\nb\nc\td"


def test_cell_text_reads_typed_values_without_float_noise():
    import datetime

    assert cell_text(None) == ""
    assert cell_text(35.0) == "35"
    assert cell_text(0.3) == "0.3"
    assert cell_text(7) == "7"
    assert cell_text(True) == "TRUE"
    assert cell_text(datetime.datetime(2018, 6, 20)) == "2018-06-20"
    assert cell_text("文字") == "文字"


def test_wrapped_line_count_counts_chinese_characters_double():
    assert display_width("政治ab") == 6
    assert wrapped_line_count("", 10) == 1
    assert wrapped_line_count("政" * 4, 10) == 1
    assert wrapped_line_count("政" * 10, 10) == 3
    assert wrapped_line_count("a\nb\nc", 10) == 3
