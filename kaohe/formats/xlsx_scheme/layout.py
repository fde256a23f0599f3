"""The table's fixed layout, shared by the writer and the reader: the seven columns with their
headers and widths, the sheet names, fonts and sizes, row heights and the A4 landscape page.

Constants only (the font and margins come from kaohe.formats.printing, shared by every workbook).
"""

from __future__ import annotations

from kaohe.formats.printing import MARGINS

COLUMNS = ("seq", "dimension", "indicator", "criterion", "content", "departments", "note")
HEADERS = {
    "seq": "序号",
    "dimension": "一级指标",
    "indicator": "二级指标",
    "criterion": "三级指标",
    "content": "考核内容",
    "departments": "考核单位",
    "note": "备注",
}
REQUIRED = ("dimension", "indicator", "criterion", "content", "departments")
LABELS = ("dimension", "indicator", "criterion")
# Column widths in Excel units: the width of '0' in the default font (Arial 10, 7 pixels, see
# `printing.new_workbook`); a 10.5-point CJK character is about two. About 136 units fill A4
# landscape at 100%. Label widths hold a median label of the 2018 schemes on a line or two,
# 考核单位 the longest department name (市委党史研究室) on one line.
WIDTHS = {"seq": 5, "dimension": 11, "indicator": 18, "criterion": 20, "content": 50,
          "departments": 16, "note": 16}

TABLE_SHEET = "指标体系"
METADATA_SHEET = "kaohe"  # the hidden sheet of the lossless round trip, see `metadata`

BODY_SIZE = 10.5
HEADER_SIZE = 11
TITLE_SIZE = 16
LINE_HEIGHT = 1.35  # points of row height per point of font size and line (CJK fonts are tall)
PADDING = 9.0  # points above and below the text of a row
MAX_ROW_HEIGHT = 409.0  # Excel's limit, in points
HEADER_HEIGHT = round(HEADER_SIZE * LINE_HEIGHT + PADDING + 4, 1)
PAGE_HEIGHT = 595.3 - 72 * (MARGINS["top"] + MARGINS["bottom"])  # A4 landscape, in points
PAGE_FILL = 0.97  # room left for rounding in the spreadsheet program

NO_TITLE = "（未命名）"  # shown for a node without title or points, so its row still has a label
NO_POINTS = "（分值待定）"  # appended when a text without points would end like "(3分)"
