"""Where a 公文's title breaks into lines (GB/T 9704-2012 7.3.1: a title of several lines keeps its
words whole, "排列对称，长短适宜", as a 梯形 or a 菱形), one rule for the Word document and the PDF.

- The office's own breaks come first: a "|" (or a full-width "｜") in the title starts a new line.
- A line longer than the block (20 characters of 2号) is broken where it costs least: at the known
  seams of a generated title (after "关于", before "的通报" and the like, before "结果的通报"),
  then after 、，； or around a bracketed part, then between two words (rjieba, the jieba
  dictionary's segmentation, with the assessment's own terms kept whole: `TERMS`); never inside a
  word, a number or a Latin word, never with a line
  starting with a closing sign or ending with an opening one, never with a line ending in "的"
  or "和" — unless nothing else fits the width. Of the breaks that fit, the one whose lines are
  closest to one length wins, so the lines make a 梯形 rather than a long line and a stub.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from kaohe.formats.gongwen.style import BLOCK_WIDTH, SIZE_2, text_width

TITLE_CHARACTERS = math.floor(BLOCK_WIDTH / 25.4 * 72 / SIZE_2)  # 2号 characters across the block: 20
BREAK_MARKS = re.compile(r"\s*[|｜]\s*")

_OPENING = set("(（[［【〔《“‘")
_CLOSING = set(")）]］】〕》”’")
_PAUSES = set("、，,；;：:。")
_KINDS = ("通报", "通知", "决定", "意见", "报告", "批复", "请示", "函", "方案", "办法", "规定", "纪要")
_SEAMS = ("结果的",) + tuple(f"的{kind}" for kind in _KINDS)  # a line may start with these
_JOINING = ("的", "和", "及", "与", "或", "暨")  # words a line neither ends nor starts with
# Terms of party-building assessment that jieba's general dictionary cuts in two ("基层|党建",
# "主体|责任"): a break inside one costs as much as one inside a word.
TERMS = ("党建工作", "基层党建", "党风廉政建设", "全面从严治党", "主体责任", "平时考核", "综合考核", "年度考核",
         "述职评议", "民主测评", "党组织书记", "意识形态工作")

# the cost of a break by where it is; a line's lengths cost (difference from the mean)²
SEAM, PAUSE, WORD, INSIDE, FORBIDDEN = 0.0, 1.0, 4.0, 400.0, 10_000.0
SHAPE = 0.5


def title_lines(title: str, width: float = TITLE_CHARACTERS) -> list[str]:
    """The title's lines: the office's own breaks ("|"), each part longer than `width` broken by
    the rule above."""
    lines: list[str] = []
    for part in BREAK_MARKS.split(title.strip()):
        if part:
            lines += _broken(part, width)
    return lines or [""]


def _broken(text: str, width: float) -> list[str]:
    if text_width(text) <= width:
        return [text]
    costs = break_costs(text)
    fewest = math.ceil(text_width(text) / width)
    for count in range(fewest, len(text) + 1):
        found = _best(text, costs, count, width)
        if found is not None:
            return [text[start:end] for start, end in zip(found, found[1:], strict=False)]
    return [text]  # not reached: one character a line always fits


def _best(text: str, costs: list[float], count: int, width: float) -> list[int] | None:
    """The cheapest `count` lines (as the positions where they start, and the end), each at most
    `width` wide; None when none fit. Dynamic programming over the positions."""
    size = len(text)
    mean = text_width(text) / count
    prefix = [0.0]
    for ch in text:
        prefix.append(prefix[-1] + text_width(ch))
    infinity = float("inf")
    best = [[infinity] * (size + 1) for _ in range(count + 1)]
    back = [[0] * (size + 1) for _ in range(count + 1)]
    best[0][0] = 0.0
    for lines in range(1, count + 1):
        for end in range(1, size + 1):
            for start in range(end - 1, -1, -1):
                wide = prefix[end] - prefix[start]
                if wide > width:
                    break
                if best[lines - 1][start] == infinity:
                    continue
                cost = best[lines - 1][start] + SHAPE * (wide - mean) ** 2 + (costs[end] if end < size else 0.0)
                if cost < best[lines][end]:
                    best[lines][end], back[lines][end] = cost, start
    if best[count][size] == infinity:
        return None
    positions = [size]
    for lines in range(count, 0, -1):
        positions.append(back[lines][positions[-1]])
    return positions[::-1]


def break_costs(text: str) -> list[float]:
    """The cost of a break before each position of `text` (index 0 and len(text) unused)."""
    words = _words(text)  # position of a bound → the words before and after it
    costs = [FORBIDDEN] * (len(text) + 1)
    for at in range(1, len(text)):
        before, after = text[at - 1], text[at]
        if after in _CLOSING or after in _PAUSES or before in _OPENING:
            continue  # a line never starts with a closing sign or a pause, nor ends opening one
        if (before.isascii() and before.isalnum()) and (after.isascii() and after.isalnum()):
            continue  # inside a number or a Latin word
        if at not in words:
            costs[at] = INSIDE
        elif text.startswith(_SEAMS, at) or words[at][0] == "关于":
            costs[at] = SEAM
        elif before in _PAUSES or before in _CLOSING or after in _OPENING:
            costs[at] = PAUSE
        elif words[at][0] in _JOINING or words[at][1] in _JOINING:
            costs[at] = INSIDE
        else:
            costs[at] = WORD
    for term in TERMS:
        start = text.find(term)
        while start >= 0:
            for at in range(start + 1, start + len(term)):
                costs[at] = max(costs[at], INSIDE)
            start = text.find(term, start + 1)
    return costs


def _words(text: str) -> dict[int, tuple[str, str]]:
    """The positions between two words of `text` (rjieba's segmentation with its dictionary), each
    with the word before it and the word after it."""
    cut = _cut(text)
    found, at = {}, 0
    for word, following in zip(cut, cut[1:], strict=False):
        at += len(word)
        found[at] = (word, following)
    return found


@lru_cache(maxsize=256)
def _cut(text: str) -> tuple[str, ...]:
    import rjieba  # its dictionary is loaded on first use

    return tuple(rjieba.cut(text))
