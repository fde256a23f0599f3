"""The measures and fonts of GB/T 9704-2012, in one place for the Word template and the PDF."""

from __future__ import annotations

from dataclasses import dataclass

# 字号 in points
SIZE_CHU = 42  # 初号
SIZE_XIAOCHU = 36  # 小初
SIZE_2 = 22  # 二号
SIZE_3 = 16  # 三号
SIZE_4 = 14  # 四号
SIZE_XIAO4 = 12  # 小四

# the page, millimetres
PAGE_WIDTH, PAGE_HEIGHT = 210, 297
MARGIN_TOP, MARGIN_BINDING = 37, 28  # 天头, 订口 (left on odd pages)
BLOCK_WIDTH, BLOCK_HEIGHT = 156, 225  # 版心
MARGIN_OUTSIDE = PAGE_WIDTH - MARGIN_BINDING - BLOCK_WIDTH  # 26
MARGIN_BOTTOM = PAGE_HEIGHT - MARGIN_TOP - BLOCK_HEIGHT  # 35
LINES, CHARACTERS = 22, 28  # a page of 3号 text
LINE_PITCH_PT = BLOCK_HEIGHT / 25.4 * 72 / LINES  # 28.99 pt: 22 lines fill the block
PAGE_NUMBER_GAP = 7  # mm between the block and the page number's dashes
MARK_OFFSET = 35  # mm from the block's top edge to the 发文机关标志's (7.2.4)
RED = "FF0000"


@dataclass(frozen=True)
class Font:
    """A font as an office PC names it, the names it goes by elsewhere, and the free font the server
    embeds in PDFs when none of them is installed."""

    word: str  # the name Word and WPS show
    alternatives: tuple[str, ...]  # other names of the same face, then the usual substitutes
    free: str  # Debian's fonts-noto-cjk

    def css(self) -> str:
        names = (self.word, *self.alternatives, self.free)
        return ", ".join(f'"{name}"' for name in names) + (", serif" if "Serif" in self.free else ", sans-serif")


FANGSONG = Font("仿宋_GB2312", ("FangSong_GB2312", "仿宋", "FangSong", "STFangsong", "华文仿宋"), "Noto Serif CJK SC")
XIAOBIAOSONG = Font("方正小标宋简体", ("FZXiaoBiaoSong-B05S", "方正小标宋_GBK", "华文中宋", "STZhongsong", "宋体", "SimSun"),
                    "Noto Serif CJK SC")
HEITI = Font("黑体", ("SimHei", "STHeiti", "微软雅黑"), "Noto Sans CJK SC")
KAITI = Font("楷体_GB2312", ("KaiTi_GB2312", "楷体", "KaiTi", "STKaiti", "华文楷体"), "Noto Serif CJK SC")
SONGTI = Font("宋体", ("SimSun", "STSong", "华文宋体"), "Noto Serif CJK SC")
LATIN = "Times New Roman"
FONTS = {"fangsong": FANGSONG, "xiaobiaosong": XIAOBIAOSONG, "heiti": HEITI, "kaiti": KAITI, "songti": SONGTI}


def text_width(text: str) -> float:
    """Width in characters of 3号 text: a Chinese character or full-width sign 1, ASCII ½."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch != "—" else 1.0 for ch in text)


def mark_size(mark: str) -> float:
    """The 发文机关标志's size in points: 小初 where it fits the block's width, smaller where a long
    name would otherwise wrap (the standard leaves the size to the office: 'not larger than 22 mm')."""
    width = max(1.0, text_width(mark))
    fits = BLOCK_WIDTH / 25.4 * 72 / width * 0.98
    return float(min(SIZE_XIAOCHU, max(SIZE_2, int(fits * 2) / 2)))


def css_variables() -> dict[str, str]:
    """The measures and font stacks as the HTML print template uses them."""
    return {
        "fangsong": FANGSONG.css(), "xiaobiaosong": XIAOBIAOSONG.css(), "heiti": HEITI.css(),
        "kaiti": KAITI.css(), "songti": SONGTI.css(),
        "margin_top": f"{MARGIN_TOP}mm", "margin_binding": f"{MARGIN_BINDING}mm",
        "margin_outside": f"{MARGIN_OUTSIDE}mm", "margin_bottom": f"{MARGIN_BOTTOM}mm",
        "line": f"{LINE_PITCH_PT:.2f}pt", "red": f"#{RED}", "mark_offset": f"{MARK_OFFSET}mm",
    }
