"""Where a 公文's title breaks into lines (kaohe.formats.gongwen.title; GB/T 9704-2012 7.3.1): words
kept whole, lines of similar length, the known seams of a generated title preferred, the office's
own "|" honoured. The Word and PDF renderings of the same rule: tests/web/results/test_documents.py."""

from __future__ import annotations

import pytest

from kaohe.formats.gongwen.frame import Frame
from kaohe.formats.gongwen.style import text_width
from kaohe.formats.gongwen.title import TITLE_CHARACTERS, break_costs, title_lines

DEMO = "关于2018年度县(市、区)党建工作综合考核结果的通报"


def test_the_demos_title_breaks_after_the_bracketed_part_not_inside_a_word():
    # the old PDF and Word broke it "…综合考核结 / 果的通报", inside the word 结果
    assert title_lines(DEMO) == ["关于2018年度县(市、区)", "党建工作综合考核结果的通报"]


@pytest.mark.parametrize(("title", "lines"), [
    ("关于表彰2018年度全市基层党建工作先进集体和优秀共产党员的决定",
     ["关于表彰2018年度全市基层党建工作", "先进集体和优秀共产党员的决定"]),
    ("关于印发《洛阳市县(市、区)党建工作综合考核指标体系(2018年度)》的通知",
     ["关于印发《洛阳市县(市、区)党建工作", "综合考核指标体系(2018年度)》的通知"]),
    ("中共洛阳市委党的建设工作领导小组关于2018年度县(市、区)和市直单位党建工作综合考核结果暨整改工作安排的通报",
     ["中共洛阳市委党的建设工作领导小组关于", "2018年度县(市、区)和市直单位党建工作", "综合考核结果暨整改工作安排的通报"]),
    ("关于2018年度县（市、区）党建工作综合考核结果的通报", ["关于2018年度县（市、区）", "党建工作综合考核结果的通报"]),
])
def test_long_titles_break_between_words_into_lines_of_similar_length(title, lines):
    assert title_lines(title) == lines
    assert "".join(lines) == title
    assert all(text_width(line) <= TITLE_CHARACTERS for line in lines)


@pytest.mark.parametrize(("title", "lines"), [  # jieba alone cut 基层|党建, 主体|责任 and 党风廉政|建设
    ("关于开展2018年度全市基层党建工作述职评议考核的通知", ["关于开展2018年度全市", "基层党建工作述职评议考核的通知"]),
    ("关于落实全面从严治党主体责任和基层党建工作责任制的通知",
     ["关于落实全面从严治党", "主体责任和基层党建工作责任制的通知"]),
    ("关于2018年度全市党风廉政建设和反腐败工作考核结果的通报",
     ["关于2018年度全市党风廉政建设和反腐败", "工作考核结果的通报"]),
])
def test_the_assessments_own_terms_are_kept_whole(title, lines):
    assert title_lines(title) == lines
    costs = break_costs(title)
    for term in ("基层党建", "主体责任", "党风廉政建设"):
        if term in title:
            at = title.index(term)
            assert min(costs[at + 1:at + len(term)]) >= costs[at]  # inside it costs more than before it


def test_a_title_that_fits_is_one_line_and_the_offices_bar_is_its_own_break():
    assert title_lines("关于考核结果的通报") == ["关于考核结果的通报"]
    assert title_lines("关于2018年度县(市、区)党建工作综合考核 | 结果的通报") == [
        "关于2018年度县(市、区)党建工作综合考核", "结果的通报"]
    assert title_lines("关于考核｜结果的通报") == ["关于考核", "结果的通报"]  # the full-width bar too
    assert title_lines("|关于考核结果的通报|") == ["关于考核结果的通报"]  # no empty lines


def test_a_part_the_office_left_too_long_is_still_broken_by_the_rule():
    lines = title_lines("中共洛阳市委党的建设工作领导小组|" + DEMO)
    assert lines == ["中共洛阳市委党的建设工作领导小组", "关于2018年度县(市、区)", "党建工作综合考核结果的通报"]


def test_no_line_starts_with_a_closing_sign_or_inside_a_number_or_a_word():
    costs = break_costs(DEMO)
    forbidden = [DEMO.index("2018") + 2, DEMO.index(")"), DEMO.index("、"), DEMO.index("市"), DEMO.index("果")]
    allowed = [DEMO.index("2018"), DEMO.index("党建"), DEMO.index("结果"), DEMO.index(")") + 1]
    assert min(costs[at] for at in forbidden) > max(costs[at] for at in allowed)
    assert costs[DEMO.index("结果")] == 0  # a seam of the generated title ("结果的通报")


def test_text_without_any_allowed_break_still_fits_the_width():
    lines = title_lines("A" * 90)
    assert "".join(lines) == "A" * 90 and all(text_width(line) <= TITLE_CHARACTERS for line in lines)


def test_the_frame_gives_the_lines_to_both_templates():
    from datetime import date

    context = Frame("机关", "洛党建〔2019〕1号", DEMO, "各单位", date(2019, 1, 20)).context()
    assert context["title_lines"] == ["关于2018年度县(市、区)", "党建工作综合考核结果的通报"]
    assert context["title"] == "关于2018年度县(市、区)\n党建工作综合考核结果的通报"  # Word: a line break
    assert context["title_text"] == DEMO
