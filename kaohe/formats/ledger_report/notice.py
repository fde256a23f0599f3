"""The 季度通报 as a Word document (`standings_docx`): A4 with the margins of official documents,
the title, an opening paragraph, per ranking group a heading and a table (名次 · 单位 · 扣分 ·
加分 · 净分) for the quarter and the year so far, then the quarter's deductions and bonuses unit by
unit, and the issue date."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from kaohe.core.ledger import Standings
from kaohe.formats.cells import safe_text
from kaohe.formats.ledger_report.report import NO_GROUP, LedgerReport, points
from kaohe.formats.results_report.notice import chinese_ordinal

BODY_FONT, HEADING_FONT, TITLE_FONT, LATIN_FONT = "仿宋_GB2312", "黑体", "方正小标宋简体", "Times New Roman"
TITLE_SIZE, BODY_SIZE, TABLE_SIZE = 22, 16, 12
HEADERS = ("名次", "单位", "扣分", "加分", "净分")
WIDTHS = (Mm(18), Mm(62), Mm(24), Mm(24), Mm(26))


class _Writer:
    def __init__(self) -> None:
        self.document = Document()
        defaults = self.document.styles.element.find(qn("w:docDefaults"))
        r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        self.fonts(r_pr, BODY_FONT)
        normal = self.document.styles["Normal"]
        normal.font.name = LATIN_FONT
        normal.font.size = Pt(BODY_SIZE)
        self.fonts(normal.element.get_or_add_rPr(), BODY_FONT)
        normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.line_spacing = Pt(28)
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)

    @staticmethod
    def fonts(r_pr: Any, east_asia: str) -> None:
        found = r_pr.find(qn("w:rFonts"))
        if found is None:
            found = OxmlElement("w:rFonts")
            r_pr.insert(0, found)
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            found.attrib.pop(qn(attribute), None)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            found.set(qn(attribute), LATIN_FONT)
        found.set(qn("w:eastAsia"), east_asia)

    def paragraph(self, text: str, *, size: float = BODY_SIZE, font: str = BODY_FONT, bold: bool = False,
                  align: Any = None, indent: bool = False, line: float | None = None) -> Any:
        para = self.document.add_paragraph()
        if align is not None:
            para.alignment = align
        if indent:
            para.paragraph_format.first_line_indent = Pt(size * 2)
        if line is not None:
            para.paragraph_format.line_spacing = Pt(line)
        run = para.add_run(safe_text(text))
        run.font.size, run.font.bold = Pt(size), bold
        self.fonts(run._element.get_or_add_rPr(), font)
        return para

    def cell(self, cell: Any, text: str, *, bold: bool = False, left: bool = False) -> None:
        para = cell.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        para.paragraph_format.space_before = para.paragraph_format.space_after = Pt(2)
        run = para.add_run(safe_text(text))
        run.font.size, run.font.bold = Pt(TABLE_SIZE), bold
        self.fonts(run._element.get_or_add_rPr(), BODY_FONT)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    def table(self, standings: Standings, group: str) -> None:
        members = dict(standings.groups).get(group, [])
        table = self.document.add_table(rows=1, cols=len(HEADERS))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        table.rows[0]._tr.get_or_add_trPr().append(repeat)
        for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
            self.cell(cell, text, bold=True)
        for standing in members:
            texts = (str(standing.rank), standing.name, points(standing.deductions), points(standing.bonus),
                     points(standing.net))
            for index, (cell, text) in enumerate(zip(table.add_row().cells, texts, strict=True)):
                self.cell(cell, text, left=index == 1)
        for column, width in zip(table.columns, WIDTHS, strict=True):
            column.width = width
        for row in table.rows:
            for cell, width in zip(row.cells, WIDTHS, strict=True):
                cell.width = width

    def heading(self, text: str, font: str = HEADING_FONT) -> None:
        para = self.paragraph(text, font=font, indent=True)
        para.paragraph_format.keep_with_next = True
        para.paragraph_format.space_before = Pt(6)


def standings_docx(report: LedgerReport) -> bytes:
    writer = _Writer()
    writer.paragraph(f"关于{report.title}的通报", size=TITLE_SIZE, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER,
                     line=40)
    writer.paragraph("")
    writer.paragraph(f"根据{report.cycle}平时考核安排，各考核部门对{report.period}的工作情况进行了记录和审核。"
                     f"现将{report.period}平时考核情况和{report.year_period}累计情况通报如下。"
                     f"本通报只计已确认的台账记录，加分每个单位全年累计不超过{report.bonus_cap}分，"
                     "各组内按净分（加分减扣分）排名，净分相同名次并列。", indent=True)
    groups = [group for group, _members in report.quarter_standings.groups]
    for number, group in enumerate(groups, start=1):
        writer.heading(f"{chinese_ordinal(number)}、{group or NO_GROUP}")
        writer.heading(f"（一）{report.period}", font="楷体_GB2312")
        writer.table(report.quarter_standings, group)
        writer.heading(f"（二）{report.year_period}累计", font="楷体_GB2312")
        writer.table(report.year_standings, group)
    writer.heading(f"{chinese_ordinal(len(groups) + 1)}、{report.period}扣分和加分情况")
    if not report.entries:
        writer.paragraph("本季度没有已确认的扣分和加分记录。", indent=True)
    by_unit: dict[str, list[str]] = {}
    for entry in report.entries:
        what = f"{entry.date.month}月{entry.date.day}日，{entry.reason}"
        if entry.document:
            what += f"（{entry.document}）"
        what += f"，{entry.kind}{entry.points}分"
        by_unit.setdefault(entry.unit, []).append(what)
    for unit, lines in by_unit.items():
        writer.paragraph(f"{unit}：{'；'.join(lines)}。", indent=True)
    writer.paragraph("")
    writer.paragraph(f"{report.issued.year}年{report.issued.month}月{report.issued.day}日", align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    writer.document.save(buffer)
    return buffer.getvalue()
