"""The 季度通报 as a 公文 (kaohe.formats.gongwen) in Word: the frame the office fills in (发文机关,
发文字号, 标题, 主送, 署名, 成文日期, 抄送, 印发机关) around a body that says what the standings say.

`notice_context(report, text)` is what the Word template reads: the frame's placeholders and the
body's:

    opening    the opening paragraphs (list of text)
    groups     per ranking group, in order: heading "一、县(市)组", then the quarter's and the year
               so far's rows (rank, name, deductions, bonus, net) under the headings "（一）…" and
               "（二）…累计"
    entries_heading   "N、2018年第一季度扣分和加分情况"
    entries    one paragraph per unit: its counted deductions and bonuses of the quarter
    closing    the closing paragraphs

`notice_template()` is the Word template; `standings_docx(report, text)` fills it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from kaohe.core.ledger import Standings
from kaohe.formats.cells import safe_text
from kaohe.formats.gongwen import style as gb
from kaohe.formats.gongwen.frame import Frame
from kaohe.formats.gongwen.template import render_docx
from kaohe.formats.gongwen.word import Builder, gongwen_template
from kaohe.formats.ledger_report.report import (
    NO_GROUP,
    LedgerReport,
    period_of,
    points,
    title_of,
    year_period_of,
)
from kaohe.formats.results_report.notice import chinese_ordinal, paragraphs, word_context

HEADERS = ("名次", "单位", "扣分", "加分", "净分")
ROW_CELLS = ("{{ row.rank }}", "{{ row.name }}", "{{ row.deductions }}", "{{ row.bonus }}", "{{ row.net }}")
WIDTHS_MM = (18, 62, 24, 24, 26)
NO_ENTRIES = "本季度没有已确认的扣分和加分记录。"


@dataclass(frozen=True)
class NoticeText:
    """What the office fills in for a 季度通报: the frame, and the opening and closing paragraphs."""

    frame: Frame
    opening: str
    closing: str


def default_opening(cycle: str, year: int, quarter: int, bonus_cap: str) -> str:
    """The opening a new 季度通报 starts with."""
    period = period_of(year, quarter)
    return (f"根据{cycle}平时考核安排，各考核部门对{period}的工作情况进行了记录和审核。"
            f"现将{period}平时考核情况和{year_period_of(year, quarter)}累计情况通报如下。"
            f"本通报只计已确认的台账记录，加分每个单位全年累计不超过{bonus_cap}分，"
            "各组内按净分（加分减扣分）排名，净分相同名次并列。")


def default_title(year: int, quarter: int) -> str:
    """"关于2018年第一季度平时考核情况的通报"."""
    return f"关于{title_of(year, quarter)}的通报"


def _rows(standings: Standings, group: str) -> list[dict[str, str]]:
    return [{"rank": str(s.rank), "name": safe_text(s.name), "deductions": points(s.deductions),
             "bonus": points(s.bonus), "net": points(s.net)} for s in dict(standings.groups).get(group, [])]


def _entry_paragraphs(report: LedgerReport) -> list[str]:
    by_unit: dict[str, list[str]] = {}
    for entry in report.entries:
        what = f"{entry.date.month}月{entry.date.day}日，{safe_text(entry.reason).strip().rstrip('。')}"
        if entry.document:
            what += f"（{safe_text(entry.document).strip()}）"
        what += f"，{entry.kind}{entry.points}分"
        by_unit.setdefault(safe_text(entry.unit), []).append(what)
    return [f"{unit}：{'；'.join(lines)}。" for unit, lines in by_unit.items()] or [NO_ENTRIES]


def notice_context(report: LedgerReport, text: NoticeText) -> dict[str, Any]:
    """The placeholders' values (see the module docstring)."""
    names = [group for group, _members in report.quarter_standings.groups]
    groups = [{"heading": f"{chinese_ordinal(number)}、{safe_text(group) or NO_GROUP}",
               "quarter_heading": f"（一）{report.period}", "year_heading": f"（二）{report.year_period}累计",
               "quarter_rows": _rows(report.quarter_standings, group), "year_rows": _rows(report.year_standings, group)}
              for number, group in enumerate(names, start=1)]
    frame = text.frame.context()
    return {
        **frame,
        "cycle": safe_text(report.cycle),
        "opening": paragraphs(text.opening),
        "groups": groups,
        "entries_heading": f"{chinese_ordinal(len(names) + 1)}、{report.period}扣分和加分情况",
        "entries": _entry_paragraphs(report),
        "closing": paragraphs(text.closing),
        "mark_size": gb.mark_size(frame["mark"]),
    }


def _body(builder: Builder) -> None:
    builder.each("para in opening", "{{ para }}")
    builder.tag("for group in groups")
    builder.heading("{{ group.heading }}", 1)
    builder.heading("{{ group.quarter_heading }}", 2)
    builder.table(HEADERS, ROW_CELLS, WIDTHS_MM, "row in group.quarter_rows", left=(1,))
    builder.heading("{{ group.year_heading }}", 2)
    builder.table(HEADERS, ROW_CELLS, WIDTHS_MM, "row in group.year_rows", left=(1,))
    builder.tag("endfor")
    builder.heading("{{ entries_heading }}", 1)
    builder.each("para in entries", "{{ para }}")
    builder.each("para in closing", "{{ para }}")


@cache
def notice_template() -> bytes:
    """The Word template of the 季度通报."""
    return gongwen_template(_body)


def standings_docx(report: LedgerReport, text: NoticeText) -> bytes:
    """The 季度通报 as a Word document on the 公文 frame."""
    return render_docx(notice_template(), word_context(notice_context(report, text)))
