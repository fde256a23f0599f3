"""The notice (通报): `notice_docx(report)` writes it as a Word document, A4 portrait with the
margins of official documents, 宋体 as the East Asian font: the title, an opening paragraph, per
ranking group a heading, a ranking table (名次 · 单位 · 最终得分 · 等次, header row repeated) and
the grade lists ("好等次：甲县、乙县；较好等次：丙县。"), notes for units whose grade was decided by
a quota, cap or veto, and the issue date. No field codes (no page numbers).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from kaohe.core.results import Rules, UnitResult, round_score
from kaohe.formats.cells import safe_text
from kaohe.formats.results_report.report import NO_GROUP, PLACES, ResultsReport, grouped

NOTICE_FONT = "宋体"
NOTICE_HEADING_FONT = "黑体"
NOTICE_LATIN_FONT = "Times New Roman"
NOTICE_TITLE_SIZE = 22  # 二号
NOTICE_BODY_SIZE = 16  # 三号
NOTICE_TABLE_SIZE = 12  # 小四
NOTICE_HEADERS = ("名次", "单位", "最终得分", "等次")
_NUMERALS = "一二三四五六七八九十"


def chinese_ordinal(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (up to 99)."""
    if number <= 10:
        return _NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return (_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (_NUMERALS[ones - 1] if ones else "")


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


def notice_docx(report: ResultsReport) -> bytes:
    """The 通报 of `report` as a Word document; see the module docstring for the layout."""
    title, rules, issued = report.title, report.rules, report.issued
    def set_fonts(r_pr: Any, east_asia: str) -> None:
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            r_pr.insert(0, fonts)
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
        fonts.set(qn("w:ascii"), NOTICE_LATIN_FONT)
        fonts.set(qn("w:hAnsi"), NOTICE_LATIN_FONT)
        fonts.set(qn("w:cs"), NOTICE_LATIN_FONT)
        fonts.set(qn("w:eastAsia"), east_asia)

    document = Document()
    # Document defaults: the template's theme fonts would win over explicit ones in Word.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(default_r_pr, NOTICE_FONT)
    lang = default_r_pr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.name = NOTICE_LATIN_FONT
    normal.font.size = Pt(NOTICE_BODY_SIZE)
    set_fonts(normal.element.get_or_add_rPr(), NOTICE_FONT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def paragraph(text: str, *, size: float = NOTICE_BODY_SIZE, bold: bool = False,
                  font: str = NOTICE_FONT, align: Any = None, indent: bool = False,
                  line: float | None = None) -> Any:
        para = document.add_paragraph()
        if align is not None:
            para.alignment = align
        if indent:
            para.paragraph_format.first_line_indent = Pt(size * 2)
        if line is not None:
            para.paragraph_format.line_spacing = Pt(line)
        run = para.add_run(safe_text(text))
        run.font.size = Pt(size)
        run.font.bold = bold
        set_fonts(run._element.get_or_add_rPr(), font)
        return para

    def shade(cell: Any) -> None:
        tc_pr = cell._tc.get_or_add_tcPr()
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), "F2F2F2")
        tc_pr.append(shading)

    def cell_text(cell: Any, text: str, *, bold: bool = False, align: Any = WD_ALIGN_PARAGRAPH.CENTER) -> None:
        para = cell.paragraphs[0]
        para.alignment = align
        para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        para.paragraph_format.space_before = Pt(3)
        para.paragraph_format.space_after = Pt(3)
        run = para.add_run(safe_text(text))
        run.font.size = Pt(NOTICE_TABLE_SIZE)
        run.font.bold = bold
        set_fonts(run._element.get_or_add_rPr(), NOTICE_FONT)

    paragraph(f"关于{title}结果的通报", size=NOTICE_TITLE_SIZE, bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER, line=40)
    paragraph("")
    paragraph(f"根据有关考核办法，经各考核单位评分、审核汇总，现将{title}结果通报如下。", indent=True)

    widths = (Mm(22), Mm(80), Mm(30), Mm(24))
    for number, (group, members) in enumerate(grouped(report.results).items(), start=1):
        heading = paragraph(f"{chinese_ordinal(number)}、{group or NO_GROUP}", font=NOTICE_HEADING_FONT,
                            indent=True)
        heading.paragraph_format.space_before = Pt(6)
        heading.paragraph_format.space_after = Pt(6)
        heading.paragraph_format.keep_with_next = True
        table = document.add_table(rows=1, cols=len(NOTICE_HEADERS))
        table.style = document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        header = table.rows[0]
        tr_pr = header._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for cell, text in zip(header.cells, NOTICE_HEADERS, strict=True):
            cell_text(cell, text, bold=True)
            shade(cell)
        for result in members:
            row = table.add_row()
            texts = (str(result.rank), result.name, f"{round_score(result.final, PLACES)}", result.grade)
            for index, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
                cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.LEFT if index == 1 else WD_ALIGN_PARAGRAPH.CENTER)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width  # the grid: LibreOffice and WPS lay the table out by it
        for row in table.rows:
            row.height = Mm(8)
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = width
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        lists = grade_lists(members, rules)
        if lists:
            paragraph(lists, indent=True).paragraph_format.space_before = Pt(6)
        for result in members:
            if result.explanation:
                paragraph(f"注：{result.name}，{'；'.join(result.explanation)}。", indent=True,
                          size=NOTICE_BODY_SIZE - 2, line=24)

    if issued:
        paragraph("")
        paragraph(issued, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
