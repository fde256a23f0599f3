"""The short label of every finding code, the checker's (kaohe.core.check.LABELS) and the
readers' own (`text-…` from the official text, `xlsx-…` from the official table), shown beside the
code. Marked for the site's catalogue (kaohe.core.messages)."""

from __future__ import annotations

from kaohe.core.check import LABELS as CHECKER_LABELS
from kaohe.core.messages import gettext_noop

READER_LABELS = {
    "text-bad-points": gettext_noop("分值无法读取"),
    "text-columns": gettext_noop("列数不对"),
    "text-content-points": gettext_noop("考核内容与上级分值不符"),
    "text-duplicate-row": gettext_noop("重复的行"),
    "text-header": gettext_noop("表头不符"),
    "text-item-no-points": gettext_noop("考核内容没有分值"),
    "text-merged-items": gettext_noop("几条考核内容连在一起"),
    "text-merged-labels": gettext_noop("几个标签并在一格"),
    "text-missing-label": gettext_noop("缺少指标标签"),
    "text-mixed-levels": gettext_noop("层级混杂"),
    "text-no-content": gettext_noop("没有考核内容"),
    "text-no-department": gettext_noop("没有考核单位"),
    "text-no-points": gettext_noop("没有标注分值"),
    "text-no-rows": gettext_noop("表格没有数据行"),
    "text-no-title": gettext_noop("没有标题"),
    "text-no-total": gettext_noop("没有总分"),
    "text-no-year": gettext_noop("没有年度"),
    "text-page-label": gettext_noop("页首标签写法不同"),
    "text-shifted": gettext_noop("单元格错位"),
    "text-stray-line": gettext_noop("表格外的行"),
    "text-truncated": gettext_noop("文件不完整"),
    "xlsx-content-points": gettext_noop("考核内容与上级分值不符"),
    "xlsx-empty-table": gettext_noop("表格为空"),
    "xlsx-item-without-points": gettext_noop("考核内容没有分值"),
    "xlsx-label-without-points": gettext_noop("指标标签没有分值"),
    "xlsx-metadata-invalid": gettext_noop("元数据无效"),
    "xlsx-metadata-mismatch": gettext_noop("元数据与表格不符"),
    "xlsx-missing-label": gettext_noop("缺少指标标签"),
    "xlsx-no-year": gettext_noop("没有年度"),
}
LABELS = {**CHECKER_LABELS, **READER_LABELS}


def label(code: str) -> str:
    """The code's label (untranslated: the page translates it), or "" for an unknown code."""
    return LABELS.get(code, "")
