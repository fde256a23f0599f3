"""The notice (通报) of a cycle's results: a 公文 (kaohe.formats.gongwen) whose body says everything
the results say.

`notice_context(report, text)` is what the Word template and the HTML print template read: the
frame's placeholders (发文机关, 发文字号, …) and the body's:

    opening      the opening paragraphs (list of text)
    groups       per ranking group, in order: heading "（一）县(市)组", summary (how many units,
                 the grade lists "好等次：甲县、乙县；较好等次：丙县。" and the top-grade quota where one
                 applied), rows (rank, name, final with two decimals, grade) and notes (what decided
                 a unit's grade or score besides its points: quota, bonus cap, floor, incomplete)
    adjustments  one sentence per bonus, penalty, grade cap and veto, with its reason and document
    closing      the closing paragraphs

The body: "一、考核结果" (黑体) with a "（一）" heading (楷体) per group, its summary, table and
notes; "二、加分、扣分和等次调整" with every adjustment ("无。" when there is none); then the
closing. `notice_template()` is the default Word template (the office may replace it);
`notice_docx(report, text, template)` fills it. `PLACEHOLDERS` documents every placeholder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from docxtpl import RichText  # type: ignore[import-untyped]  # no type information

from kaohe.core.points import format_points
from kaohe.core.results import GradeBand, Quota, Rules, UnitResult, round_score
from kaohe.formats.cells import safe_text
from kaohe.formats.gongwen import style as gb
from kaohe.formats.gongwen.frame import PLACEHOLDERS as FRAME_PLACEHOLDERS
from kaohe.formats.gongwen.frame import Frame
from kaohe.formats.gongwen.template import render_docx
from kaohe.formats.gongwen.word import Builder, gongwen_template
from kaohe.formats.results_report.report import (
    NO_GROUP,
    PLACES,
    AdjustmentLine,
    ResultsReport,
    grouped,
    percent,
)

NOTICE_HEADERS = ("名次", "单位", "最终得分", "等次")
RESULTS_HEADING = "一、考核结果"
ADJUSTMENTS_HEADING = "二、加分、扣分和等次调整"
_NUMERALS = "一二三四五六七八九十"
# explanation lines the adjustments section already states
_STATED = ("不得评为", "一票否决")


def _(text: str) -> str:
    """Marks a placeholder's meaning for the translation catalogue; the page translates it."""
    return text


PLACEHOLDERS: tuple[tuple[str, str], ...] = FRAME_PLACEHOLDERS + (
    ("mark_text", _("发文机关标志，已设好红色、字体和字号（用 r 标记插入富文本）")),
    ("opening", _("开头段落（列表，每项一段）")),
    ("groups", _("各排名组（列表），每组有 heading（如“（一）县(市)组”）、name、count（单位数）、summary"
               "（等次名单和名额）、rows（名次 rank、单位 name、最终得分 final、等次 grade）、notes（说明）")),
    ("adjustments", _("加分、扣分、等次上限和一票否决（列表，每项一句，含理由和依据文件）")),
    ("closing", _("结尾段落（列表）")),
    ("cycle", _("考核周期名称")),
    ("version", _("发布版本，如“第2版”")),
    ("results_heading", _("一级标题“一、考核结果”")),
    ("adjustments_heading", _("一级标题“二、加分、扣分和等次调整”")),
    ("mark_size", _("发文机关标志的字号（磅）")),
)
KNOWN = frozenset(name for name, _ in PLACEHOLDERS)


@dataclass(frozen=True)
class NoticeText:
    """What the office fills in for a notice: the frame, and the opening and closing paragraphs."""

    frame: Frame
    opening: str
    closing: str


def chinese_ordinal(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (up to 99)."""
    if number <= 10:
        return _NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return (_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (_NUMERALS[ones - 1] if ones else "")


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs (its non-empty lines)."""
    return [line.strip() for line in safe_text(text).splitlines() if line.strip()]


def grade_lists(members: Sequence[UnitResult], rules: Rules) -> str:
    """"好等次：甲县、乙县；较好等次：丙县。" — the grades in the order of the rules, units in rank
    order, grades nobody got left out."""
    ordered = sorted(members, key=lambda r: (r.rank, r.code))
    names = [band.name for band in rules.grades]
    names += sorted({r.grade for r in ordered} - set(names))
    parts = []
    for grade in names:
        units = [r.name for r in ordered if r.grade == grade]
        if units:
            parts.append(f"{grade}等次：{'、'.join(units)}")
    return "；".join(parts) + "。" if parts else ""


def quota_sentence(rules: Rules, members: int) -> str:
    """The top-grade quota as it applied to a group of `members` units, or "" without a quota."""
    quota = rules.top_quota
    if quota is None or not rules.grades:
        return ""
    top = rules.grades[0].name
    if quota.count is not None:
        return f"{top}等次名额不超过{quota.count}个。"
    assert quota.share is not None
    allowed = int(quota.share * members)  # floor: the core's rule (exact.floor_share)
    return f"{top}等次名额为本组单位数的{percent(quota.share)}（向下取整），即不超过{allowed}个。"


def adjustment_sentence(line: AdjustmentLine, rules: Rules) -> str:
    reason = safe_text(line.reason).strip().rstrip("。")
    document = safe_text(line.document).strip()
    basis = f"（依据：{document}）" if document else ""
    if line.kind == "bonus":
        what = f"加{format_points(line.points)}分"
    elif line.kind == "penalty":
        what = f"扣{format_points(line.points)}分"
    elif line.kind == "grade_cap":
        names = [g.name for g in rules.grades]
        better = names[:names.index(line.cap)] if line.cap in names else []
        what = f"不得评为{'、'.join(better)}等次" if better else f"最高评为{line.cap}等次"
    else:
        what = f"一票否决，评为{rules.grades[-1].name if rules.grades else '最低'}等次"
    return f"{safe_text(line.unit)}：{what}。理由：{reason}{basis}。"


def notice_context(report: ResultsReport, text: NoticeText) -> dict[str, Any]:
    """The placeholders' values (see the module docstring and `PLACEHOLDERS`)."""
    rules = report.rules
    groups = []
    for number, (group, members) in enumerate(grouped(report.results).items(), start=1):
        name = safe_text(group) or NO_GROUP
        summary = f"本组共{len(members)}个单位。{grade_lists(members, rules)}{quota_sentence(rules, len(members))}"
        notes = [f"{safe_text(r.name)}：{'；'.join(n for n in r.explanation if not n.startswith(_STATED))}。"
                 for r in members if any(not n.startswith(_STATED) for n in r.explanation)]
        groups.append({
            "heading": f"（{chinese_ordinal(number)}）{name}", "name": name, "count": len(members),
            "summary": summary, "notes": notes,
            "rows": [{"rank": r.rank, "name": safe_text(r.name), "final": f"{round_score(r.final, PLACES)}",
                      "grade": r.grade} for r in members],
        })
    adjustments = [adjustment_sentence(line, rules) for line in report.adjustments] or ["无。"]
    frame = text.frame.context()
    return {
        **frame,
        "cycle": safe_text(report.title),
        "version": f"第{report.version}版" if report.version else "",
        "opening": paragraphs(text.opening),
        "groups": groups,
        "adjustments": adjustments,
        "closing": paragraphs(text.closing),
        "results_heading": RESULTS_HEADING,
        "adjustments_heading": ADJUSTMENTS_HEADING,
        "mark_size": gb.mark_size(frame["mark"]),
    }


def _body(builder: Builder) -> None:
    builder.each("para in opening", "{{ para }}")
    builder.heading(RESULTS_HEADING, 1)
    builder.tag("for group in groups")
    builder.heading("{{ group.heading }}", 2)
    builder.paragraph("{{ group.summary }}")
    builder.table(NOTICE_HEADERS, ("{{ row.rank }}", "{{ row.name }}", "{{ row.final }}", "{{ row.grade }}"),
                  (22, 78, 30, 26), "row in group.rows", left=(1,))
    builder.each("note in group.notes", "{{ note }}")
    builder.tag("endfor")
    builder.heading(ADJUSTMENTS_HEADING, 1)
    builder.each("line in adjustments", "{{ line }}")
    builder.each("para in closing", "{{ para }}")


@cache
def notice_template() -> bytes:
    """The default Word template of the notice."""
    return gongwen_template(_body)


def word_context(context: dict[str, Any]) -> dict[str, Any]:
    """The context with the Word-only values: the mark as red text in its font and size."""
    mark = RichText()
    # the font comes from the paragraph style (docxtpl would write rFonts after sz, against the schema)
    mark.add(context["mark"], color=gb.RED, size=int(context["mark_size"] * 2))
    return {**context, "mark_text": mark}


def notice_docx(report: ResultsReport, text: NoticeText, template: bytes | None = None) -> bytes:
    """The notice as a Word document, from `template` (the office's) or the default."""
    return render_docx(template or notice_template(), word_context(notice_context(report, text)))


def sample_context() -> dict[str, Any]:
    """Values of every placeholder (two groups, an adjustment of each kind), for checking an
    uploaded template."""
    def result(code: str, name: str, group: str, final: str, rank: int, grade: str,
               explanation: tuple[str, ...] = ()) -> UnitResult:
        figure = Decimal(final)
        return UnitResult(code, name, group, figure, Decimal(100), figure, (), Decimal(0), Decimal(0), figure, {},
                          figure, rank, grade, True, explanation)

    rules = Rules(grades=(GradeBand("好", Decimal(90)), GradeBand("较好", Decimal(80)), GradeBand("一般", Decimal(60)),
                          GradeBand("差", Decimal(0))), top_quota=Quota(share=Decimal("0.3")))
    report = ResultsReport("示例考核", rules, [
        result("a", "甲县", "县(市)", "95", 1, "好"), result("b", "乙县", "县(市)", "92", 2, "较好", ("名额限制：示例",)),
        result("c", "丙区", "城市区", "70", 1, "差", ("一票否决：示例理由",))],
        adjustments=[AdjustmentLine("甲县", "bonus", Decimal(1), "示例理由", "示例文件"),
                     AdjustmentLine("乙县", "penalty", Decimal(1), "示例理由"),
                     AdjustmentLine("乙县", "grade_cap", Decimal(0), "示例理由", cap="较好"),
                     AdjustmentLine("丙区", "veto", Decimal(0), "示例理由")], version=1)
    frame = Frame("示例发文机关", "示例〔2019〕1号", "关于示例考核结果的通报", "各单位", date(2019, 1, 20), copies="示例机关")
    return word_context(notice_context(report, NoticeText(frame, "示例开头。", "示例结尾。")))
