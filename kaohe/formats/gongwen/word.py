"""The 公文 frame as a Word template (python-docx), with docxtpl placeholders.

`gongwen_template(body)` returns the .docx of a template: the page, the styles, the font table,
the header block (发文机关标志, 发文字号, red rule), the title and 主送, then whatever `body(builder)`
writes, then the signature, the date and the 版记; page numbers in the footers. The placeholders
are the frame's (`frame.PLACEHOLDERS`) and the body's own. See the package docstring.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from lxml import etree

from kaohe.formats.gongwen import style as gb
from kaohe.formats.gongwen.style import Font

# the template's paragraph styles: name → (font, size, alignment, first-line indent in characters, bold)
BODY, TITLE, RECIPIENTS, HEADING_1, HEADING_2, MARK, NUMBER, SIGNATURE, RECORD, TABLE, PAGE_NUMBER = (
    "公文正文", "公文标题", "公文主送", "公文一级标题", "公文二级标题", "公文发文机关标志", "公文发文字号",
    "公文署名", "公文版记", "公文表格", "公文页码")
_STYLES: dict[str, tuple[Font, float, Any, float, bool]] = {
    BODY: (gb.FANGSONG, gb.SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, 2, False),
    TITLE: (gb.XIAOBIAOSONG, gb.SIZE_2, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    RECIPIENTS: (gb.FANGSONG, gb.SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, 0, False),
    HEADING_1: (gb.HEITI, gb.SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, 2, False),
    HEADING_2: (gb.KAITI, gb.SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, 2, False),
    MARK: (gb.XIAOBIAOSONG, gb.SIZE_XIAOCHU, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    NUMBER: (gb.FANGSONG, gb.SIZE_3, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    SIGNATURE: (gb.FANGSONG, gb.SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, 0, False),
    RECORD: (gb.FANGSONG, gb.SIZE_4, WD_ALIGN_PARAGRAPH.LEFT, 0, False),
    TABLE: (gb.FANGSONG, gb.SIZE_XIAO4, WD_ALIGN_PARAGRAPH.CENTER, 0, False),
    PAGE_NUMBER: (gb.SONGTI, gb.SIZE_4, WD_ALIGN_PARAGRAPH.RIGHT, 0, False),
}
THICK, THIN = 8, 6  # 版记 rules in eighths of a point: 0.35 mm and 0.25 mm


def set_fonts(r_pr: Any, font: Font) -> None:
    """East Asian text in `font`, Latin text and digits in Times New Roman (theme fonts removed)."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), gb.LATIN)
    fonts.set(qn("w:eastAsia"), font.word)


def border(paragraph: Paragraph, side: str, size: int, color: str = "000000", space: int = 1) -> None:
    """A rule above or below the paragraph, as wide as the text block."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.append(borders)
    rule = OxmlElement(f"w:{side}")
    rule.set(qn("w:val"), "single")
    rule.set(qn("w:sz"), str(size))
    rule.set(qn("w:space"), str(space))
    rule.set(qn("w:color"), color)
    borders.append(rule)


class Builder:
    """Writes the template's paragraphs in its styles; a document's `body` uses it."""

    def __init__(self, document: DocumentObject) -> None:
        self.document = document

    def paragraph(self, text: str = "", style: str = BODY) -> Paragraph:
        return self.document.add_paragraph(text, style=style)

    def blank(self, lines: int = 1) -> None:
        for _ in range(lines):
            self.paragraph("", BODY).paragraph_format.first_line_indent = Pt(0)

    def tag(self, statement: str) -> Paragraph:
        """A docxtpl control paragraph (`{%p … %}`): removed when the template is rendered."""
        return self.paragraph(f"{{%p {statement} %}}", BODY)

    def each(self, loop: str, text: str) -> None:
        """One paragraph `text` per item of `loop` ("para in closing"): a docxtpl paragraph loop."""
        self.tag(f"for {loop}")
        self.paragraph(text)
        self.tag("endfor")

    def heading(self, text: str, level: int) -> Paragraph:
        heading = self.paragraph(text, HEADING_1 if level == 1 else HEADING_2)
        heading.paragraph_format.keep_with_next = True
        return heading

    def table(self, headers: Sequence[str], cells: Sequence[str], widths_mm: Sequence[float], loop: str,
              left: Sequence[int] = ()) -> None:
        """A table with a header row (repeated on every page) and one row per item of `loop`
        ("row in group.rows"), its cells the placeholders `cells`; columns in `left` align left."""
        table = self.document.add_table(rows=4, cols=len(headers))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        header_row, open_row, data_row, close_row = table.rows
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header_row._tr.get_or_add_trPr().append(repeat)
        for cell, text in zip(header_row.cells, headers, strict=True):
            cell.paragraphs[0].style = self.document.styles[TABLE]
            cell.paragraphs[0].add_run(text).bold = True
            shading = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="F2F2F2"/>')
            cell._tc.get_or_add_tcPr().append(shading)
        open_row.cells[0].paragraphs[0].text = f"{{%tr for {loop} %}}"
        close_row.cells[0].paragraphs[0].text = "{%tr endfor %}"
        for index, (cell, text) in enumerate(zip(data_row.cells, cells, strict=True)):
            paragraph = cell.paragraphs[0]
            paragraph.style = self.document.styles[TABLE]
            if index in left:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            paragraph.add_run(text)
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(width)
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)


_AFTER_SNAP = {qn(f"w:{tag}") for tag in ("spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap",
                                           "jc", "textDirection", "textAlignment", "textboxTightWrap",
                                           "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")}


def off_grid(p_pr: Any) -> None:
    """Lines of this paragraph keep their own spacing instead of snapping to the page's 22-line grid
    (the mark, the title, tables, the 版记 and page numbers)."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    following = next((child for child in p_pr if child.tag in _AFTER_SNAP), None)
    if following is None:
        p_pr.append(snap)
    else:
        following.addprevious(snap)


def _paragraph_style(document: DocumentObject, name: str, font: Font, size: float, align: Any, indent: float,
                     bold: bool) -> ParagraphStyle:
    made = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(made, ParagraphStyle)
    made.base_style = document.styles["Normal"]
    made.quick_style = True
    made.font.size = Pt(size)
    made.font.bold = bold
    set_fonts(made.element.get_or_add_rPr(), font)
    layout = made.paragraph_format
    layout.alignment = align
    layout.first_line_indent = Pt(size * indent) if indent else Pt(0)
    layout.space_before = layout.space_after = Pt(0)
    if name == MARK:
        layout.line_spacing_rule = WD_LINE_SPACING.SINGLE
    elif name == TITLE:  # a title of several lines, at 2号 with a line pitch of 35 pt
        layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        layout.line_spacing = Pt(35)
    elif name in (TABLE, RECORD, PAGE_NUMBER):
        layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        layout.line_spacing = Pt(size * 1.5 if name == TABLE else size * 1.6)
    else:
        layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        layout.line_spacing = Pt(round(gb.LINE_PITCH_PT, 2))
    if name in (MARK, TITLE, TABLE, RECORD, PAGE_NUMBER):
        off_grid(made.element.get_or_add_pPr())
    return made


def _page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(gb.PAGE_WIDTH), Mm(gb.PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Mm(gb.MARGIN_TOP), Mm(gb.MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Mm(gb.MARGIN_BINDING), Mm(gb.MARGIN_OUTSIDE)
    section.header_distance = Mm(15)
    # the page number's dashes 7 mm below the block: its 4号 line ends about 12.5 mm below it
    section.footer_distance = Mm(gb.MARGIN_BOTTOM - gb.PAGE_NUMBER_GAP - 5.5)
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(gb.LINE_PITCH_PT * 20)))
    settings = document.settings.element
    settings.append(OxmlElement("w:mirrorMargins"))  # the binding margin inside on even pages too
    document.settings.odd_and_even_pages_header_footer = True
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        paragraph = footer.paragraphs[0]
        paragraph.style = document.styles[PAGE_NUMBER]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        if odd:  # 单页码居右空一字，双页码居左空一字
            paragraph.paragraph_format.right_indent = Pt(gb.SIZE_4)
        else:
            paragraph.paragraph_format.left_indent = Pt(gb.SIZE_4)
        paragraph.add_run("— ")
        field = parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>')
        paragraph._p.append(field)
        paragraph.add_run(" —")


def _font_table(document: DocumentObject) -> None:
    """Each font named with its alternative names, so Word and WPS substitute the usual fallback
    (仿宋 for 仿宋_GB2312, …) where the first is not installed."""
    part = next(p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    root = parse_xml(part.blob)
    for font in gb.FONTS.values():
        entry = parse_xml(
            f'<w:font {nsdecls("w")} w:name="{font.word}"><w:altName w:val="{font.alternatives[0]}"/>'
            '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>')
        root.append(entry)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _head(builder: Builder) -> None:
    """发文机关标志 (red), 发文字号 and the red rule, the title and the 主送 line."""
    mark = builder.paragraph("{{r mark_text }}", MARK)
    mark.paragraph_format.space_before = Mm(gb.MARK_OFFSET)  # 35 mm under the block's top edge
    mark_style = builder.document.styles[MARK]
    assert isinstance(mark_style, ParagraphStyle)
    mark_style.font.color.rgb = RGBColor.from_string(gb.RED)
    builder.blank(2)
    number = builder.paragraph("{{ number }}", NUMBER)
    border(number, "bottom", 12, gb.RED, space=11)  # the red rule 4 mm under the number
    builder.blank(2)
    builder.paragraph("{{ title }}", TITLE)
    builder.blank()
    builder.paragraph("{{ recipients }}", RECIPIENTS)


def _end(builder: Builder) -> None:
    """The signature and the date (placed by leading spaces the frame computes), then the 版记. The
    body's last paragraph, the space below it, the signature and the date stay on one page (GB/T
    9704 7.3.5.1: the signature with the text, never a page without it)."""
    last = next(p for p in reversed(builder.document.paragraphs) if not p.text.startswith("{%p"))
    builder.blank()
    above = builder.document.paragraphs[-1]
    signature = builder.paragraph("{{ signature_line }}", SIGNATURE)
    builder.paragraph("{{ date_line }}", SIGNATURE)
    for paragraph in (last, above, signature):
        paragraph.paragraph_format.keep_with_next = True
    builder.blank(2)
    right = Mm(gb.BLOCK_WIDTH) - Pt(gb.SIZE_4)
    builder.tag("if copies")
    copies = builder.paragraph("抄送：{{ copies }}", RECORD)
    copies.paragraph_format.left_indent = copies.paragraph_format.right_indent = Pt(gb.SIZE_4)
    copies.paragraph_format.first_line_indent = Pt(0)
    border(copies, "top", THICK)
    border(copies, "bottom", THIN)
    builder.tag("endif")
    printed = builder.paragraph("{{ printer }}\t{{ printed }}", RECORD)
    printed.paragraph_format.left_indent = Pt(gb.SIZE_4)
    printed.paragraph_format.tab_stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT)
    border(printed, "top", THIN)
    border(printed, "bottom", THICK)


def gongwen_template(body: Callable[[Builder], None]) -> bytes:
    """The Word template of a 公文 whose body `body` writes (see the module docstring)."""
    document = Document()
    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(default_r_pr, gb.FANGSONG)
    lang = default_r_pr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.size = Pt(gb.SIZE_3)
    set_fonts(normal.element.get_or_add_rPr(), gb.FANGSONG)
    for name, (font, size, align, indent, bold) in _STYLES.items():
        _paragraph_style(document, name, font, size, align, indent, bold)
    _page(document)
    _font_table(document)
    builder = Builder(document)
    # the first paragraph of a new document is empty: it becomes the mark
    document.element.body.remove(document.paragraphs[0]._p) if document.paragraphs else None
    _head(builder)
    body(builder)
    _end(builder)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
