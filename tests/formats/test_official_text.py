"""The reader of the official text conversion (kaohe/formats/official_text/), on the seed and on
small hand-written tables."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe.core.check import Severity, check
from kaohe.core.scheme import Level, Node, Scheme
from kaohe.formats.errors import FormatError
from kaohe.formats.official_text.cells import parse_content, parse_label, split_departments
from kaohe.formats.official_text.reader import (
    MISSING_TITLE,
    looks_like_official_text,
    parse_official_text,
    read_official_text,
)

HEADER = "序号\t一级指标\t二级指标\t三级指标\t考核内容\t考核单位\t备注"

COUNTIES = ["偃师市", "孟津县", "新安县", "宜阳县", "伊川县", "洛宁县", "嵩县", "栾川县", "汝阳县"]
DISTRICTS = ["涧西区", "西工区", "老城区", "瀍河回族区", "洛龙区", "吉利区"]
ZONES = ["高新区", "伊滨区", "龙门园区"]


def county_template() -> Scheme:
    return Scheme(
        name="luoyang-2018-county", title="县级模板", year=2018, total=Decimal(200),
        audience="县(市、区)党(工)委", units=COUNTIES + DISTRICTS + ZONES,
        groups={"县(市)": COUNTIES, "城市区": DISTRICTS, "功能区": ZONES,
                "9县(市)6区": ["县(市)", "城市区"], "县、市及吉利区": ["县(市)", "吉利区"],
                "其他城市区": DISTRICTS[:5]},
        aliases={"龙门区": "龙门园区"},
        departments=["市委办公室", "市委组织部", "市委宣传部", "市纪委", "市委党校", "市委巡察办",
                     "市委党史研究室", "市人才办", "市委政法委", "市委统战部", "市委党建办", "洛阳军分区"])


def municipal_template() -> Scheme:
    return Scheme(
        name="luoyang-2018-municipal", title="洛阳市市直单位党建工作综合考核指标体系(2018年度)", year=2018,
        total=Decimal(100), audience="市直单位", units=["市委办公室", "市委组织部"],
        departments=["市委办公室", "市委组织部", "市委宣传部", "市纪委", "市委党校", "市委党史研究室",
                     "市委市直工委"])


@pytest.fixture(scope="module")
def seed(seed_path) -> Path:
    return seed_path


@pytest.fixture(scope="module")
def drafts(seed):
    return read_official_text(seed)


@pytest.fixture(scope="module")
def templated(seed):
    return read_official_text(seed, templates=[county_template(), municipal_template()])


def find(scheme: Scheme, *titles: str) -> Node:
    """The node reached by following titles from the top (first match at each level)."""
    nodes = scheme.dimensions
    node = None
    for title in titles:
        node = next(n for n in nodes if n.title == title)
        nodes = node.children
    assert node is not None
    return node


def codes_at(result, code: str) -> list[int]:
    return [f.location.line for f in result.findings if f.code == code]


def table(*rows: str, title: str | None = "# 测试指标体系(2019年度)") -> str:
    lines = ([title, ""] if title else []) + [HEADER, *rows]
    return "\n".join(lines) + "\n"


# -- the seed ----------------------------------------------------------------------------------

def test_seed_reads_into_two_draft_schemes(drafts, seed):
    assert [s.name for s in drafts.schemes] == ["table1-2018", "table2-2018"]
    first, second = drafts.schemes
    assert first.title == "洛阳市县(市、区)党建工作综合考核指标体系(2018年度)"
    assert second.title == MISSING_TITLE
    assert (first.year, second.year) == (2018, 2018)
    assert first.source == "洛党建〔2018〕4号"
    assert 161 in codes_at(drafts, "text-no-title")
    assert looks_like_official_text(seed.read_text(encoding="utf-8"))


def test_seed_dimensions_and_their_declared_points(drafts):
    first, second = drafts.schemes
    assert [d.title for d in first.dimensions] == [
        "政治建设", "思想建设", "组织建设", "作风建设", "纪律建设", "反腐败斗争",
        "提高党的建设质量等其他工作", "重大专项及其他工作总体评价"]
    assert [d.points for d in first.dimensions] == [Decimal(n) for n in (35, 40, 45, 20, 15, 10, 25, 10)]
    assert first.total == Decimal(200)
    assert len(second.dimensions) == 8
    assert [d.points for d in second.dimensions] == [Decimal(n) for n in (15, 25, 20, 10, 8, 7, 10, 5)]
    assert second.total == Decimal(100)
    assert [d.origin for d in second.dimensions][:2] == ["L162", "L164"]


def test_seed_known_items_points_and_origins(drafts, seed):
    first, second = drafts.schemes
    criterion = find(first, "政治建设", "坚决维护以习近平同志为核心的党中央权威和集中统一领导", "坚决维护党中央权威和集中统一领导")
    assert criterion.code == "1.1.1" and criterion.points == Decimal(10)
    item = criterion.children[0]
    assert item.level is Level.ITEM and item.code == "1.1.1.1"
    assert item.title == "做到“两个维护”，坚决贯彻落实中央和省、市委决策部署"
    assert item.points == Decimal(4)
    assert item.origin == "L24"
    assert item.location is not None and (item.location.file, item.location.line) == (str(seed), 24)
    # "(1.5分)" inside <li>, numbered "1." removed
    variant = find(first, "政治建设", "加强党内政治文化建设").children[2]
    assert [(i.title, i.points) for i in variant.children] == [
        ("按要求参加各级党校主体班培训情况", Decimal("1.5")), ("本地区开展党性教育有方案、有落实、有总结", Decimal("1.5"))]
    # full-width "（1分）" in plain "1. … 2. …" text
    typical = find(first, "思想建设", "精神文明建设工作", "典型宣传")
    assert [i.points for i in typical.children] == [Decimal(1), Decimal(1)]
    assert typical.children[1].title == "利用传统有效的新闻宣传及报告会、座谈会、微博、微信等方式进行多样化宣传"
    # a one-sentence content is the criterion's content; "(2 分)" with a space is read
    sermon = find(first, "思想建设", "理论武装工作", "“科学理论进基层”集中宣讲、菜单式宣讲")
    assert sermon.points == Decimal(2) and not sermon.children
    assert sermon.content.startswith("建立理论宣讲专家库") and sermon.content.endswith("有广泛的社会影响。")
    # a list continued on the next page: "5. 12380 举报平台…" is item 5, not the number 5.12380
    supervision = find(first, "组织建设", "干部工作", "干部监督管理")
    assert supervision.children[0].title.startswith("12380举报平台") and supervision.children[0].points == 1
    assert second.dimensions[0].children[0].children[0].children[0].origin == "L162"


def test_seed_departments_and_notes(drafts):
    first, second = drafts.schemes
    politics = find(first, "政治建设", "深化政治巡察检查", "做好年度巡察工作")
    assert politics.departments == ["市委巡察办", "市委办公室"]
    assert politics.note == "适用于高新区、伊滨区、龙门园区"
    variants = [c for c in find(first, "政治建设", "加强党内政治文化建设").children if c.title == "深化拓展党性教育"]
    assert [v.note for v in variants] == ["适用于县、市及吉利区", "适用于其他城市区"]
    assert [v.code for v in variants] == ["1.3.2a", "1.3.2b"]
    # "市委党史 研究室" (an OCR line break) is one department, given to the items of its row
    history = find(second, "思想建设", "理论武装工作", "开展党的历史知识教育")
    assert history.departments == ["市委宣传部"]
    assert {tuple(i.departments) for i in history.children if i.origin == "L172"} == {("市委党史研究室",)}


def test_seed_reader_findings(drafts):
    assert {32, 34, 61, 66, 115, 125, 133, 140, 146, 147, 228, 229} == set(codes_at(drafts, "text-shifted"))
    assert codes_at(drafts, "text-duplicate-row") == [203]
    assert set(codes_at(drafts, "text-mixed-levels")) == {67, 146}
    assert 44 in codes_at(drafts, "text-page-label")  # 深入学习宣传贯彻… repeated as 深入学习贯彻…
    assert {183, 207} <= set(codes_at(drafts, "text-merged-labels"))
    assert {105, 107, 213, 215} <= set(codes_at(drafts, "text-no-department"))
    assert all(f.code.startswith("text-") and f.message for f in drafts.findings)
    assert not [f for f in drafts.findings if f.code in ("text-columns", "text-truncated")]
    # the duplicated row is kept, so the checker's `duplicate` shows it too
    party_fees = find(drafts.schemes[1], "组织建设", "党员日常教育管理", "发展党员工作")
    assert [i.origin for i in party_fees.children].count("L203") == 2


def test_templates_give_names_units_and_the_missing_title(templated):
    first, second = templated.schemes
    assert (first.name, second.name) == ("luoyang-2018-county", "luoyang-2018-municipal")
    assert first.title == "洛阳市县(市、区)党建工作综合考核指标体系(2018年度)"  # the source's own title stays
    assert second.title == "洛阳市市直单位党建工作综合考核指标体系(2018年度)"  # the missing one comes from the template
    assert first.units == COUNTIES + DISTRICTS + ZONES and first.aliases == {"龙门区": "龙门园区"}
    assert second.audience == "市直单位"


def test_checker_finds_the_real_points_gaps_of_the_source(templated):
    """Verified by hand in the seed, 二 思想建设 of table 1: 精神文明建设工作 (6分) holds 典型宣传 (2分),
    主题活动 (2分) and 网络正面宣传 (1分) = 5 (line 64–66); 网络正面宣传 (1分) holds two items of (1分)
    each (line 66, the 志愿服务 text: labels sit beside the wrong items). 意识形态工作 (8分) adds up."""
    first = templated.schemes[0]
    mismatches = {(f.path, f.declared, f.actual, f.origin) for f in check(first) if f.code == "points-mismatch"}
    assert ("思想建设 › 精神文明建设工作", "6", "5", "L64") in mismatches
    assert ("思想建设 › 精神文明建设工作 › 网络正面宣传", "1", "2", "L66") in mismatches
    assert not [m for m in mismatches if m[0] == "思想建设 › 意识形态工作"]
    assert not [m for m in mismatches if m[0].startswith("政治建设 › 坚决维护")]


# -- bad input ---------------------------------------------------------------------------------

def test_empty_input_is_a_format_error(tmp_path):
    with pytest.raises(FormatError, match="文件为空"):
        parse_official_text("  \n\n", "x.txt")
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match="文件为空") as caught:
        read_official_text(path)
    assert caught.value.location is not None and caught.value.location.file == str(path)


def test_binary_and_unknown_encodings_are_format_errors(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(FormatError, match="二进制"):
        read_official_text(path)
    with pytest.raises(FormatError, match="二进制"):
        parse_official_text("序号\x00\x01\x02\x03\x04\x05", "x.txt")
    broken = tmp_path / "broken.txt"
    broken.write_bytes("序号\t一级指标".encode() + b"\x81")
    with pytest.raises(FormatError, match="编码"):
        read_official_text(broken)


def test_gbk_encoded_seed_reads_the_same(seed, tmp_path, drafts):
    path = tmp_path / "seed-gbk.txt"
    path.write_bytes(seed.read_text(encoding="utf-8").encode("gbk"))
    result = read_official_text(path)
    assert [len(s.dimensions) for s in result.schemes] == [8, 8]
    assert [s.total for s in result.schemes] == [s.total for s in drafts.schemes]
    assert [n.title for n in result.schemes[1].walk()] == [n.title for n in drafts.schemes[1].walk()]


def test_text_without_header_is_a_format_error():
    garbage = "这不是指标体系。\n随便\t写点\t什么\n# 标题\n1. 内容(2分)\n"
    assert not looks_like_official_text(garbage)
    with pytest.raises(FormatError, match="没有找到表头“序号 一级指标 …”"):
        parse_official_text(garbage, "garbage.txt")


def test_truncated_file_gives_a_finding_not_an_exception(seed):
    text = seed.read_text(encoding="utf-8")
    lines = text.split("\n")
    # cut in the middle of the last row's content cell
    last = lines[236]
    cut = "\n".join(lines[:236] + [last[: last.index("(1分)") + 2]])
    result = parse_official_text(cut, "cut.txt")
    assert len(result.schemes) == 2
    assert codes_at(result, "text-truncated") == [237]
    # cut inside an <ol> list: the open list is noticed too
    row = lines[220]
    cut = "\n".join(lines[:220] + [row[: row.index("</li>")]])
    result = parse_official_text(cut, "cut.txt")
    truncated = [f for f in result.findings if f.code == "text-truncated"]
    assert [f.location.line for f in truncated] == [221] and "未闭合" in truncated[0].message
    assert truncated[0].severity is Severity.ERROR


def test_damaged_copies_of_the_seed_never_raise_anything_but_format_error(seed):
    text = seed.read_text(encoding="utf-8")
    lines = text.split("\n")
    rng = random.Random(2018)
    for _ in range(12):
        damaged = list(lines)
        for _ in range(8):
            j = rng.randrange(len(damaged))
            operation = rng.randrange(4)
            if operation == 0:
                damaged[j] = damaged[j].replace("\t", "", rng.randrange(1, 4))
            elif operation == 1:
                damaged[j] += "\t多出来的单元格"
            elif operation == 2:
                del damaged[j]
            else:
                damaged[j] = damaged[j][: rng.randrange(len(damaged[j]) + 1)]
        candidates = ["\n".join(damaged), text[: rng.randrange(len(text))]]
        for candidate in candidates:
            try:
                result = parse_official_text(candidate, "damaged.txt")
            except FormatError as error:
                assert "无法读取这一行" not in error.message, error.message
            else:
                assert all(f.location is not None and f.location.line for f in result.findings)


# -- the column logic on small tables ----------------------------------------------------------

def test_two_row_table():
    text = table(
        "一\t政治建设 (10分)\t指标 甲(6分)\t标准 A (4分)\t<ol style=\"list-style-type: none\"> "
        "<li>1. 内容 一(2分);</li> <li>2. 内容二（1.5分）。</li> </ol>\t市委办公室  市委组织部\t适用于 9县(市) 6区",
        "\t\t\t标准B(2分)\t做好 相关工作(3分)。\t市委党史 研究室\t",
    )
    result = parse_official_text(text, "t.txt")
    (scheme,) = result.schemes
    assert (scheme.name, scheme.title, scheme.year, scheme.total) == (
        "table1-2019", "测试指标体系(2019年度)", 2019, Decimal(10))
    (dimension,) = scheme.dimensions
    (indicator,) = dimension.children
    first, second = indicator.children
    assert (dimension.title, indicator.title, indicator.points) == ("政治建设", "指标甲", Decimal(6))
    assert (first.code, first.title, first.points, first.origin) == ("1.1.1", "标准A", Decimal(4), "L4")
    assert [(i.code, i.title, i.points) for i in first.children] == [
        ("1.1.1.1", "内容一", Decimal(2)), ("1.1.1.2", "内容二", Decimal("1.5"))]
    assert first.departments == ["市委办公室", "市委组织部"] and first.note == "适用于9县(市)6区"
    assert (second.title, second.points, second.content, second.children) == ("标准B", Decimal(2), "做好相关工作。", [])
    assert second.departments == ["市委党史研究室"] and second.note == ""
    assert second.origin == "L5" and second.location.line == 5 and second.location.file == "t.txt"
    (finding,) = [f for f in result.findings if f.code == "text-content-points"]
    assert (finding.node_code, finding.declared, finding.actual, finding.location.line) == ("1.1.2", "2", "3", 5)
    assert finding.severity is Severity.ERROR and "标准B" in finding.message


def test_continuation_rows_variants_and_page_repeats():
    text = table(
        "一\t政治建设 (8分)\t指标甲 (8分)\t标准A (3分)\t1. 甲(1分)； 2. 乙(1分)。\t市委办公室\t",
        "\t\t\t\t3. 丙(1分)。\t市委组织部\t",  # continues 标准A; another department for its item
        "\t\t\t标准B (5分)\t1. 丁(5分)。\t市委办公室\t适用于县",
        "",
        HEADER,  # a new page repeats the header and the merged labels
        "一\t政治建设 (8分)\t指标甲 (8分)\t标准B (5分)\t2. 戊(2分)。\t市委办公室\t",
        "\t\t\t\t1. 己(5分)。\t市委办公室\t适用于区",  # same label, other note: a variant
    )
    result = parse_official_text(text)
    (scheme,) = result.schemes
    (dimension,) = scheme.dimensions
    (indicator,) = dimension.children
    a, b, b2 = indicator.children
    assert [i.title for i in a.children] == ["甲", "乙", "丙"]
    assert a.children[2].departments == ["市委组织部"] and a.children[0].departments == []
    assert [(i.title, i.origin) for i in b.children] == [("丁", "L6"), ("戊", "L9")]
    assert (b2.title, b2.points, b2.note, b2.departments) == ("标准B", Decimal(5), "适用于区", ["市委办公室"])
    assert (b.code, b2.code) == ("1.1.2a", "1.1.2b")
    assert scheme.total == Decimal(8)


def test_items_directly_under_an_indicator_and_missing_points():
    text = table(
        "一\t政治建设 (5分)\t指标甲 (3分)\t\t1. 甲(1分)； 2. 乙。\t市委办公室\t",
        "\t\t指标乙\t标准 (2分)\t做好工作。\t市委办公室\t",
    )
    result = parse_official_text(text)
    indicator, second = result.schemes[0].dimensions[0].children
    assert [(i.level, i.title, i.points) for i in indicator.children] == [
        (Level.ITEM, "甲", Decimal(1)), (Level.ITEM, "乙", None)]
    assert indicator.departments == ["市委办公室"]
    assert (second.title, second.points) == ("指标乙", None)
    assert codes_at(result, "text-item-no-points") == [4]
    assert codes_at(result, "text-no-points") == [5]
    assert second.children[0].content == "做好工作。"


def test_shifted_duplicate_and_short_rows():
    text = table(
        "一\t政治建设 (6分)\t指标甲 (6分)\t标准A (2分)\t1. 甲(1分)； 2. 乙(1分)。\t市委办公室\t",
        "\t\t标准B (2分)\t1. 丙(2分)。\t市委办公室\t\t",  # shifted one column to the left
        "\t\t\t\t1. 丁(1分)。\t市委办公室\t",
        "\t\t\t\t1. 丁(1分)。\t市委办公室\t",  # an exact duplicate: kept, reported
        "\t\t\t标准C (1分)\t1. 戊(1分)。",  # two cells short
        "\t\t\t\t2. 己(0.5分)。\t市委办公室\t",
    )
    result = parse_official_text(text)
    indicator = result.schemes[0].dimensions[0].children[0]
    assert [c.title for c in indicator.children] == ["标准A", "标准B", "标准C"]
    assert [i.title for i in indicator.children[1].children] == ["丙", "丁", "丁"]
    assert codes_at(result, "text-shifted") == [5]
    assert codes_at(result, "text-duplicate-row") == [7]
    assert codes_at(result, "text-columns") == [8]
    assert codes_at(result, "text-no-department") == [8]
    assert [i.points for i in indicator.children[2].children] == [Decimal(1), Decimal("0.5")]
    assert codes_at(result, "text-truncated") == []
    duplicates = [f for f in check(result.schemes[0]) if f.code == "duplicate"]
    assert [f.origin for f in duplicates] == ["L7"]


def test_second_table_without_title_starts_when_numbering_restarts():
    text = table(
        "一\t政治建设 (3分)\t指标甲 (3分)\t标准A (3分)\t1. 甲(3分)。\t市委办公室\t",
        "二\t思想建设 (2分)\t指标乙 (2分)\t标准B (2分)\t1. 乙(2分)。\t市委办公室\t",
        "",
        HEADER,
        "一\t政治建设 (4分)\t指标丙 (4分)\t标准C (4分)\t1. 丙(4分)。\t市委组织部\t",
    )
    template = Scheme(name="municipal", title="模板标题", year=2019, total=Decimal(4), units=["甲单位"],
                      groups={"机关党委": ["甲单位"]}, departments=["市委组织部"], audience="市直单位")
    result = parse_official_text(text, "t.txt", templates=[county_template(), template])
    first, second = result.schemes
    assert [d.points for d in first.dimensions] == [Decimal(3), Decimal(2)] and first.total == 5
    assert first.title == "测试指标体系(2019年度)" and first.name == "luoyang-2018-county"
    assert (second.name, second.title, second.year, second.total) == ("municipal", "模板标题", 2019, Decimal(4))
    assert (second.units, second.groups, second.audience) == (["甲单位"], {"机关党委": ["甲单位"]}, "市直单位")
    assert codes_at(result, "text-no-title") == [7]
    # without a template the draft says the title is missing
    assert parse_official_text(text).schemes[1].title == MISSING_TITLE


def test_no_year_anywhere_is_reported():
    result = parse_official_text(table("一\t政治建设 (3分)\t指标甲 (3分)\t标准A (3分)\t甲(3分)。\t市委办公室\t",
                                       title=None))
    assert result.schemes[0].year == 0 and result.schemes[0].title == MISSING_TITLE
    assert codes_at(result, "text-no-year") == [1]


# -- the cell parsers --------------------------------------------------------------------------

def test_labels_points_and_ocr_spaces():
    label = parse_label("深入学习宣 传贯彻党的 十九大精神 (5分)")
    assert (label.title, label.points.value) == ("深入学习宣传贯彻党的十九大精神", Decimal(5))
    assert parse_label("网络管理和 网络宣传工 作（6分）").points.value == Decimal(6)
    assert parse_label("干部工作 (12.5分)").points.value == Decimal("12.5")
    assert parse_label("其他工作").points.value is None
    bad = parse_label("标准 (1.255分)")
    assert bad.points.value is None and bad.points.error


def test_content_cells():
    pieces, markup = parse_content("<p>1. 甲(0.5分)；</p> <p>2. 乙 (2 分)。</p>")
    assert markup and [(p.title, p.points.value) for p in pieces] == [("甲", Decimal("0.5")), ("乙", Decimal(2))]
    pieces, markup = parse_content("1. 全年办班不少于12期(1分)； 2. 不低于总课时70%(0.5分)。")
    assert not markup and [p.title for p in pieces] == ["全年办班不少于12期", "不低于总课时70%"]
    pieces, _ = parse_content("做好工作（1分）。")
    assert len(pieces) == 1 and not pieces[0].numbered and pieces[0].points.value == Decimal(1)


def test_department_cells():
    assert split_departments("市委巡察办  市委办公室") == ["市委巡察办", "市委办公室"]
    assert split_departments("市委党史 研究室") == ["市委党史研究室"]
    assert split_departments("市委 办公室 市委组织部", known=["市委办公室", "市委组织部"]) == ["市委办公室", "市委组织部"]
    assert split_departments("") == []
