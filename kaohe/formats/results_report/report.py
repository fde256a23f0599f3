"""The results as every report shows them: `ResultsReport` (what a cycle's reports are made of),
the ranking groups in rank order, the titles, and the rules in force in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter

from kaohe.core.points import format_points
from kaohe.core.results import Rules, UnitResult
from kaohe.formats.cells import safe_text

NO_GROUP = "（未分组）"
PLACES = 2  # decimals shown for every score


@dataclass(frozen=True)
class AdjustmentLine:
    """A bonus, penalty, grade cap or veto as the documents state it: the unit's name, the kind
    ("bonus", "penalty", "grade_cap", "veto"), the points, the reason, the document it rests on
    and, for a cap, the best grade allowed."""

    unit: str
    kind: str
    points: Decimal
    reason: str
    document: str = ""
    cap: str = ""


@dataclass(frozen=True)
class ResultsReport:
    """One cycle's results as the writers read them. `results` and `rules` for the ranking
    workbook and the notice; `units`, `items` and `points` for the detail matrix
    (`points[(unit code, item code)]`: the points obtained, None when not scored yet, the key
    missing when the item does not apply to the unit)."""

    title: str
    rules: Rules = field(default_factory=Rules)
    results: Sequence[UnitResult] = ()
    published: str = ""  # "第2版，2026-12-06 10:00": the version the ranking's rules sheet names
    issued: str = ""  # the notice's closing date line
    units: Sequence[tuple[str, str]] = ()  # (code, name) across the detail matrix
    items: Sequence[tuple[str, str, Decimal]] = ()  # (code, title, maximum) down it
    points: Mapping[tuple[str, str], Decimal | None] = field(default_factory=dict)
    adjustments: Sequence[AdjustmentLine] = ()  # every adjustment, in unit order
    version: int | None = None  # the published version the figures are, None: computed now


def grouped(results: Sequence[UnitResult]) -> dict[str, list[UnitResult]]:
    """The ranking groups in order of first appearance, each in rank order (ties by unit code)."""
    groups: dict[str, list[UnitResult]] = {}
    for result in results:
        groups.setdefault(result.group, []).append(result)
    for members in groups.values():  # by rank, then code: two stable sorts, no key tuple per unit
        members.sort(key=attrgetter("code"))
        members.sort(key=attrgetter("rank"))
    return groups


def results_title(title: str) -> str:
    """"{title} 综合考核结果", without repeating 考核 when the title already names the assessment."""
    title = safe_text(title).strip()
    return f"{title}结果" if title.endswith("考核") else f"{title} 综合考核结果"


def detail_title(title: str) -> str:
    """"{title} 考核明细" ("{title}明细" when the title already ends with 考核)."""
    heading = safe_text(title).strip()
    return f"{heading}明细" if heading.endswith("考核") else f"{heading} 考核明细"


def percent(share: Decimal) -> str:
    return f"{format_points(share * 100)}%"


def _threshold_text(rules: Rules) -> list[tuple[str, str]]:
    rows = []
    grades = rules.grades
    for index, band in enumerate(grades):
        limit = format_points(band.threshold)
        if index == len(grades) - 1:
            text = f"最终得分低于{format_points(grades[index - 1].threshold)}分" if index else "所有单位"
        elif index == 0:
            text = f"最终得分{limit}分及以上"
        else:
            text = f"最终得分{limit}分及以上、低于{format_points(grades[index - 1].threshold)}分"
        rows.append((f"等次：{band.name}", text))
    return rows


def quota_text(rules: Rules) -> str:
    """The top-grade quota in words, as the rules sheet states it."""
    quota = rules.top_quota
    top = rules.grades[0].name if rules.grades else "好"
    if quota is None:
        return f"{top}等次不限名额"
    if quota.count is not None:
        return f"每个排名组{top}等次不超过{quota.count}个"
    assert quota.share is not None
    return f"每个排名组{top}等次不超过单位数的{percent(quota.share)}（向下取整），分数相同超出名额的均评为下一等次"


def rules_rows(rules: Rules, published: str = "", groups: Mapping[str, int] | None = None) -> list[tuple[str, str]]:
    """The rules in force as (项目, 内容) rows, as the "说明" sheet lists them."""
    formula = " + ".join(f"{c.label} × {percent(c.weight)}" for c in rules.components)
    rows = [
        ("发布版本/时间", published or "（未发布）"),
        ("百分制折算", "百分制得分 = 指标得分 ÷ 适用指标满分 × 100（不适用的考核内容不计入满分）"),
        ("加分上限", f"每个单位加分合计不超过{format_points(rules.bonus_cap)}分，扣分不设上限"),
        ("调整后得分", "调整后得分 = 百分制得分 + 加分 − 扣分，最低为0分"),
    ]
    rows += [(f"得分组成：{c.label}", f"权重{percent(c.weight)}") for c in rules.components]
    rows += [
        ("最终得分", f"最终得分 = {formula}"),
        ("排名", f"在各排名组内按最终得分排名，得分四舍五入保留{rules.rank_places}位小数后比较，"
                 "得分相同名次并列，并列单位按单位编码排列"),
    ]
    rows += _threshold_text(rules)
    rows += [
        (f"{rules.grades[0].name if rules.grades else '好'}等次名额", quota_text(rules)),
        ("等次调整", "名额限制之后，再适用“不得评为好等次”等限制和一票否决（评为最低等次）；"
                    "等次调整不改变得分和名次"),
    ]
    if groups:
        rows.append(("排名组", "；".join(f"{group or NO_GROUP}（{count}个单位）" for group, count in groups.items())))
    return rows
