"""The 公文's own elements (`Frame`) and the values the Word and HTML templates read from them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kaohe.formats.gongwen.style import BLOCK_WIDTH, SIZE_3, text_width
from kaohe.formats.gongwen.title import title_lines

LINE_CHARACTERS = BLOCK_WIDTH / 25.4 * 72 / SIZE_3  # 3号 characters across the block: 27.6

_YEAR_BRACKETS = re.compile(r"[\[［(（【〔]\s*(\d{4})\s*[\]］)）】〕]")


def chinese_date(day: date) -> str:
    """成文日期 in Arabic numerals, no leading zeros: 2019年1月20日."""
    return f"{day.year}年{day.month}月{day.day}日"


def document_number(text: str) -> str:
    """The 发文字号 with its year in 六角括号: "洛党建[2018]4号" or "洛党建（2018）4号" → "洛党建〔2018〕4号"."""
    return _YEAR_BRACKETS.sub(r"〔\1〕", text.strip())


def recipients_line(text: str) -> str:
    """The 主送 line ends in one full-width colon."""
    return text.strip().rstrip(":：").rstrip() + "：" if text.strip() else ""


def sentence(text: str) -> str:
    """抄送's list ends in a 句号."""
    text = text.strip().rstrip("。.;；,，、")
    return f"{text}。" if text else ""


@dataclass(frozen=True)
class Frame:
    """What a 公文 says around its body. `issuer` (发文机关) and `number` (发文字号) are required
    (`missing()` names what is not filled in); the mark is "{issuer}文件" unless given; the
    signature is the issuer; the printer (印发机关) is "{issuer}办公室" unless given; the print date
    is the document's date unless given."""

    issuer: str
    number: str
    title: str
    recipients: str
    day: date
    copies: str = ""
    mark: str = ""
    signature: str = ""
    printer: str = ""
    printed: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    REQUIRED = (("issuer", "发文机关"), ("number", "发文字号"))

    def missing(self) -> list[str]:
        """The labels of required elements left empty, in the standard's order."""
        return [label for name, label in self.REQUIRED if not str(getattr(self, name)).strip()]

    def context(self) -> dict[str, Any]:
        """The frame's placeholders (see `PLACEHOLDERS`)."""
        issuer = self.issuer.strip()
        signature = (self.signature or issuer).strip()
        dated = chinese_date(self.day)
        printed = chinese_date(self.printed or self.day)
        signature_indent, date_indent = signature_indents(signature, dated)
        lines = title_lines(self.title)
        return {
            "issuer": issuer,
            "mark": (self.mark or f"{issuer}文件").strip(),
            "number": document_number(self.number),
            "title": "\n".join(lines),  # Word: a line break (docxtpl) at each
            "title_lines": lines,
            "title_text": "".join(lines),
            "recipients": recipients_line(self.recipients),
            "signature": signature,
            "date": dated,
            "copies": sentence(self.copies),
            "printer": (self.printer or f"{issuer}办公室").strip(),
            "printed": f"{printed}印发",
            "signature_indent": signature_indent,
            "date_indent": date_indent,
            "signature_line": leading_blanks(LINE_CHARACTERS - signature_indent - text_width(signature)) + signature,
            "date_line": leading_blanks(LINE_CHARACTERS - date_indent - text_width(dated)) + dated,
        }


# placeholder → what it holds (the frame's; each document adds its own)

def _(text: str) -> str:
    """Marks a placeholder's meaning for the translation catalogue; the page translates it."""
    return text


PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    ("mark", _("发文机关标志，如“中共洛阳市委党的建设工作领导小组文件”（红色，字号随长度）")),
    ("issuer", _("发文机关名称")),
    ("number", _("发文字号，年份用六角括号，如“洛党建〔2019〕1号”")),
    ("title", _("标题，已按标准断行（词不拆开，梯形排列；标题中的“|”为指定的断行处）")),
    ("title_lines", _("标题的各行（列表）")),
    ("title_text", _("标题，不断行")),
    ("recipients", _("主送机关，以全角冒号结尾")),
    ("signature", _("发文机关署名")),
    ("date", _("成文日期，阿拉伯数字，如“2019年1月20日”")),
    ("copies", _("抄送机关，以句号结尾（没有抄送时为空）")),
    ("printer", _("印发机关")),
    ("printed", _("印发日期，如“2019年1月20日印发”")),
    ("signature_line", _("发文机关署名，已按标准加好前导空格（右空二字）")),
    ("date_line", _("成文日期，已按标准加好前导空格（首字比署名首字右移二字）")),
    ("signature_indent", _("署名的右空字数")),
    ("date_indent", _("成文日期的右空字数")),
)


def leading_blanks(width: float) -> str:
    """Blanks `width` characters wide: ideographic spaces, and an en space for a half."""
    width = max(0.0, width)
    whole = int(width)
    return "\u3000" * whole + ("\u2002" if width - whole >= 0.5 else "")


def signature_indents(signature: str, dated: str) -> tuple[float, float]:
    """Right indents, in characters, of the 署名 and the 成文日期 (GB/T 9704-2012 7.3.5.2): the
    signature 2 characters from the right, the date's first character 2 to the right of the
    signature's first; a date longer than that puts the date 2 from the right and moves the
    signature left."""
    signature_width, date_width = text_width(signature), text_width(dated)
    signature_indent = 2.0
    date_indent = signature_indent + signature_width - 2 - date_width
    if date_indent < 2:
        date_indent = 2.0
        signature_indent = date_indent + date_width + 2 - signature_width
    return signature_indent, date_indent
