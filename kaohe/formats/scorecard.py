"""A unit's scorecard (考核得分表) as a document: the values it shows (`PLACEHOLDERS`), the default
Word template (`scorecard_template`) and the Word document (`scorecard_docx`). The HTML print
template `documents/scorecard.html` reads the same values for the PDF.

The values, gathered by kaohe.results.documents from the same figures as the scorecard pages:

    cycle, version, unit, unit_code, group, printed
    summary      obtained, maximum, percent, bonus, penalty, adjusted, final, rank, group_size,
                 grade, explanation (list), complete — every figure as displayed (two decimals)
    components   label, weight, value per weighted component besides the indicators' score
    dimensions   code, title, obtained, maximum, percent per dimension (一级指标)
    adjustments  kind, points, reason, document per bonus, penalty, grade cap and veto
    rows         the items under their headings in scheme order: kind ("heading" or "item"),
                 level, code, title, points (obtained; "未评分" when not scored), maximum,
                 department, reason ("−0.5 缺少会议记录" for a deduction)
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docxtpl import RichText  # type: ignore[import-untyped]  # no type information

from kaohe.formats.gongwen import style as gb
from kaohe.formats.gongwen.template import render_docx
from kaohe.formats.gongwen.word import set_fonts


def _(text: str) -> str:
    """Marks a placeholder's meaning for the translation catalogue; the page translates it."""
    return text


PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    ("cycle", _("考核周期名称")),
    ("version", _("结果版本，如“第2版（2019-01-20 10:00发布）”或“当前计算结果（未发布）”")),
    ("unit", _("被考核单位名称")),
    ("unit_code", _("单位编码")),
    ("group", _("排名分组")),
    ("printed", _("生成时间（北京时间）")),
    ("summary", _("综合得分：obtained（得分）、maximum（满分）、percent（百分制）、bonus、penalty、adjusted、"
                "final（最终得分）、rank（组内名次）、group_size（组内单位数）、grade（等次）、explanation（说明列表）")),
    ("components", _("得分构成（列表）：label、weight、value")),
    ("dimensions", _("一级指标得分（列表）：code、title、obtained、maximum、percent")),
    ("adjustments", _("加减分与等次调整（列表）：kind、points、reason、document")),
    ("rows", _("逐项得分（列表）：kind（heading 或 item）、code、title、label（标题，指标行加粗）、points、maximum、"
             "department、reason")),
)
KNOWN = frozenset(name for name, _ in PLACEHOLDERS)
BODY_SIZE = 10.5


def sample_context() -> dict[str, Any]:
    """Values of every placeholder, for checking an uploaded template."""
    row = {"kind": "item", "level": "item", "code": "1.1.1.1", "title": "示例考核内容", "points": "1.5",
           "maximum": "2", "department": "市委组织部", "reason": "−0.5 示例理由", "deducted": True}
    heading = {"kind": "heading", "level": "dimension", "code": "1", "title": "示例一级指标", "points": "1.5",
               "maximum": "2", "department": "", "reason": "", "deducted": False}
    return {
        "cycle": "示例考核", "version": "第1版", "unit": "示例单位", "unit_code": "demo", "group": "示例分组",
        "printed": "2019-01-20 10:00",
        "summary": {"obtained": "1.5", "maximum": "2", "percent": "75.00", "bonus": "0.00", "penalty": "0.00",
                    "adjusted": "75.00", "final": "75.00", "rank": 1, "group_size": 1, "grade": "一般",
                    "explanation": ["示例说明"], "complete": True},
        "components": [{"label": "民主测评", "weight": "0.2", "value": "90.00"}],
        "dimensions": [{"code": "1", "title": "示例一级指标", "obtained": "1.5", "maximum": "2", "percent": "75.00"}],
        "adjustments": [{"kind": "加分", "points": "1", "reason": "示例理由", "document": "示例文件"}],
        "rows": [heading, row],
    }


def _table(document: Any, headers: tuple[str, ...], cells: tuple[str, ...], widths: tuple[float, ...],
           loop: str | None, left: tuple[int, ...] = ()) -> None:
    rows = 4 if loop else 2
    table = document.add_table(rows=rows, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(header.cells, headers, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="EEF2F6"/>'))
    data = table.rows[2] if loop else table.rows[1]
    if loop:
        table.rows[1].cells[0].paragraphs[0].text = f"{{%tr for {loop} %}}"
        table.rows[3].cells[0].paragraphs[0].text = "{%tr endfor %}"
    for index, (cell, text) in enumerate(zip(data.cells, cells, strict=True)):
        cell.paragraphs[0].add_run(text)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT if index in left else WD_ALIGN_PARAGRAPH.CENTER
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)


@cache
def scorecard_template() -> bytes:
    """The default Word template of the scorecard: A4 portrait, the unit's figures, then every item."""
    import io

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(gb.PAGE_WIDTH), Mm(gb.PAGE_HEIGHT)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(18))
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_SIZE)
    set_fonts(normal.element.get_or_add_rPr(), gb.SONGTI)
    normal.paragraph_format.space_after = Pt(2)
    title = document.paragraphs[0] if document.paragraphs else document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("{{ unit }}考核得分表")
    run.font.size = Pt(gb.SIZE_2 - 4)
    set_fonts(run._element.get_or_add_rPr(), gb.XIAOBIAOSONG)
    document.add_paragraph("考核周期：{{ cycle }}　　结果版本：{{ version }}　　排名分组：{{ group }}")
    document.add_paragraph("最终得分：{{ summary.final }}　　组内排名：第{{ summary.rank }}名（共{{ summary.group_size }}个单位）"
                           "　　等次：{{ summary.grade }}")
    document.add_paragraph("得分/满分：{{ summary.obtained }}/{{ summary.maximum }}　　百分制得分：{{ summary.percent }}"
                           "　　加分：{{ summary.bonus }}　　扣分：{{ summary.penalty }}　　调整后得分：{{ summary.adjusted }}")
    document.add_paragraph("{%p for c in components %}")
    document.add_paragraph("{{ c.label }}（权重{{ c.weight }}）：{{ c.value }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p for line in summary.explanation %}")
    document.add_paragraph("说明：{{ line }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("一级指标得分").runs[0].bold = True
    _table(document, ("一级指标", "得分", "满分", "得分率"),
           ("{{ d.code }} {{ d.title }}", "{{ d.obtained }}", "{{ d.maximum }}", "{{ d.percent }}%"),
           (100, 24, 24, 26), "d in dimensions", left=(0,))
    document.add_paragraph("{%p if adjustments %}")
    document.add_paragraph("加减分与等次调整").runs[0].bold = True
    _table(document, ("类型", "分值", "理由", "依据文件"),
           ("{{ a.kind }}", "{{ a.points }}", "{{ a.reason }}", "{{ a.document }}"), (24, 16, 90, 44),
           "a in adjustments", left=(2, 3))
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("逐项得分").runs[0].bold = True
    _table(document, ("编码", "考核内容", "得分", "满分", "考核部门", "扣分理由"),
           ("{{ row.code }}", "{{r row.label }}", "{{ row.points }}", "{{ row.maximum }}", "{{ row.department }}",
            "{{ row.reason }}"), (18, 70, 12, 12, 26, 36), "row in rows", left=(1, 4, 5))
    document.add_paragraph("生成时间：{{ printed }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def word_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The values with each row's `label`: its title, bold for a heading (dimension, indicator,
    criterion)."""
    rows = []
    for row in context["rows"]:
        label = RichText()
        label.add(row["title"], bold=row["kind"] == "heading")
        rows.append({**row, "label": label})
    return {**context, "rows": rows}


def scorecard_docx(context: Mapping[str, Any], template: bytes | None = None) -> bytes:
    """The scorecard as a Word document, from `template` (the office's) or the default."""
    return render_docx(template or scorecard_template(), word_context(context))
