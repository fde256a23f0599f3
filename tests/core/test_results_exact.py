"""The integer core against a plain Decimal reference implementation of the rules (issue 20).

`reference` below is the results' specification written the plain way: Decimal arithmetic in a
28-digit context, every unit's figures, then each group sorted and ranked, grades by threshold
on the final rounded ROUND_HALF_UP, the top-grade quota, caps and vetoes — what the core computed
before it ran on integers. On random cycles (ties, shared sums, adjustments, several components,
thresholds and maxima chosen to put rounded finals exactly on a half, every rank_places the rules
allow in practice) the core must give every unit exactly the same figures, rank, grade and
explanation, in the same order.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, localcontext

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kaohe.core.points import format_points
from kaohe.core.results import (
    ADJUSTED,
    Adjustment,
    Component,
    DimensionSum,
    GradeBand,
    Quota,
    Rules,
    UnitInput,
    compute,
)

D = Decimal


def reference(units: list[UnitInput], rules: Rules) -> list[dict]:
    """Every unit's result as a dict of its figures, by group (first appearance), rank and code."""
    names = [g.name for g in rules.grades]
    with localcontext(Context(prec=28)):
        scored = []
        for unit in units:
            percent = unit.obtained * 100 / unit.maximum if unit.maximum else D(0)
            notes = []
            if unit.scored < unit.tasks:
                notes.append(f"评分未完成（已评{unit.scored}/共{unit.tasks}项）")
            if not unit.maximum:
                notes.append("没有适用的考核内容（满分为0），指标得分按0分计")
            bonuses, penalty = D(0), D(0)
            caps, vetoes = [], []
            for adjustment in unit.adjustments:
                if adjustment.kind == "bonus":
                    bonuses += adjustment.points
                elif adjustment.kind == "penalty":
                    penalty += adjustment.points
                elif adjustment.kind == "grade_cap":
                    caps.append((names.index(adjustment.cap), adjustment))
                else:
                    vetoes.append(adjustment)
            if unit.adjustments:
                bonus = min(bonuses, rules.bonus_cap)
                if bonuses > bonus:
                    notes.append(f"加分合计{format_points(bonuses)}分，超过上限，按{format_points(bonus)}分计")
                raw = percent + bonus - penalty
                adjusted = max(raw, D(0))
                if raw < 0:
                    notes.append("扣分后得分低于0分，按0分计")
            else:
                bonus, adjusted = D(0), percent
            components, final = {}, D(0)
            for component in rules.components:
                value = adjusted if component.key == ADJUSTED else unit.components[component.key]
                components[component.key] = value
                final += component.weight * value
            dimensions = [(d.code, d.title, d.obtained, d.maximum, d.obtained * 100 / d.maximum if d.maximum else D(0))
                          for d in unit.dimensions]
            scored.append({
                "code": unit.code, "name": unit.name, "group": unit.group, "obtained": unit.obtained,
                "maximum": unit.maximum, "percent": percent, "bonus": bonus, "penalty": penalty,
                "adjusted": adjusted, "components": components, "final": final, "complete": unit.scored >= unit.tasks,
                "dimensions": dimensions, "notes": notes, "caps": caps, "vetoes": vetoes,
                "rounded": final.quantize(D(1).scaleb(-rules.rank_places), rounding=ROUND_HALF_UP)})

        groups: dict[str, list[dict]] = {}
        for row in scored:
            groups.setdefault(row["group"], []).append(row)
        out = []
        for members in groups.values():
            members.sort(key=lambda r: (-r["rounded"], r["code"]))
            ties = Counter(r["rounded"] for r in members)
            quota = rules.top_quota
            if quota is None:
                allowed = None
            elif quota.count is not None:
                allowed = quota.count
            else:
                allowed = int((quota.share * len(members)).to_integral_value(rounding=ROUND_FLOOR))
            for row in members:
                rank = 1 + sum(1 for other in members if other["rounded"] > row["rounded"])
                index = next(i for i, g in enumerate(rules.grades) if row["rounded"] >= g.threshold or i == len(names) - 1)
                notes = list(row["notes"])
                if index == 0 and allowed is not None and rank + ties[row["rounded"]] - 1 > allowed:
                    index = 1
                    tied = ties[row["rounded"]]
                    basis = (f"（本组{len(members)}个单位×{format_points(quota.share * 100)}%，向下取整）"
                             if quota.share is not None else "")
                    who = f"并列第{rank}名的{tied}个单位均" if tied > 1 else f"第{rank}名"
                    notes.append(f"名额限制：{names[0]}等次限{allowed}个{basis}，{who}评为{names[1]}")
                for cap_index, adjustment in sorted(row["caps"], key=lambda c: c[0]):
                    if cap_index > index:
                        notes.append(f"不得评为{'、'.join(names[:cap_index])}等次：{_source(adjustment)}")
                index = max([index] + [cap for cap, _ in row["caps"]])
                for adjustment in row["vetoes"]:
                    index = len(names) - 1
                    notes.append(f"一票否决：{_source(adjustment)}")
                out.append({**{k: v for k, v in row.items() if k not in ("notes", "caps", "vetoes", "rounded")},
                            "rank": rank, "grade": names[index], "explanation": tuple(notes)})
        return out


def _source(adjustment: Adjustment) -> str:
    reason = adjustment.reason.strip()
    return f"{reason}（{adjustment.document.strip()}）" if adjustment.document.strip() else reason


def as_dict(result) -> dict:
    return {"code": result.code, "name": result.name, "group": result.group, "obtained": result.obtained,
            "maximum": result.maximum, "percent": result.percent, "bonus": result.bonus, "penalty": result.penalty,
            "adjusted": result.adjusted, "components": dict(result.components), "final": result.final,
            "complete": result.complete,
            "dimensions": [(d.code, d.title, d.obtained, d.maximum, d.percent) for d in result.dimensions],
            "rank": result.rank, "grade": result.grade, "explanation": result.explanation}


# -- random cycles -------------------------------------------------------------------------------
# Maxima whose percents land on halves at 0–3 places (8: 12.5 %, 16: 6.25 %, 40: 2.5 %, 200: 0.5 %),
# others that never end (3, 195); thresholds on a half (89.995, 79.5); weights with one to three places.

MAXIMA = [0, 3, 8, 16, 40, 195, 200, 10, 100]
GRADES = [
    (GradeBand("好", D(90)), GradeBand("较好", D(80)), GradeBand("一般", D(60)), GradeBand("差", D(0))),
    (GradeBand("优秀", D("89.995")), GradeBand("良好", D("79.5")), GradeBand("合格", D(0))),
    (GradeBand("好", D("87.5")), GradeBand("差", D(0))),
]
COMPONENT_SETS = [
    (Component(ADJUSTED, "调整后得分", D(1)),),
    (Component(ADJUSTED, "调整后得分", D("0.7")), Component("survey", "满意度测评", D("0.3"))),
    (Component(ADJUSTED, "调整后得分", D("0.5")), Component("survey", "满意度测评", D("0.25")),
     Component("review", "述职评议", D("0.25"))),
    (Component(ADJUSTED, "调整后得分", D("0.333")), Component("survey", "满意度测评", D("0.667"))),
]


@st.composite
def cycles(draw):
    grades = draw(st.sampled_from(GRADES))
    names = [g.name for g in grades]
    components = draw(st.sampled_from(COMPONENT_SETS))
    dimension_pool = [DimensionSum("1", "政治建设", D(m) * draw(st.integers(0, 100)) / 100, D(m))
                      for m in draw(st.lists(st.sampled_from(MAXIMA[1:]), min_size=1, max_size=3))]
    units = []
    for i in range(draw(st.integers(0, 16))):
        maximum = draw(st.sampled_from(MAXIMA))
        hundredths = draw(st.one_of(st.integers(0, 100 * maximum), st.just(100 * maximum),
                                    st.integers(90 * maximum, 100 * maximum)))
        adjustments = []
        for _ in range(draw(st.integers(0, 3)) if draw(st.booleans()) else 0):
            kind = draw(st.sampled_from(["bonus", "penalty", "grade_cap", "veto"]))
            points = D(draw(st.integers(0, 800))) / 100 if kind in ("bonus", "penalty") else D(0)
            adjustments.append(Adjustment(kind, points, "理由", draw(st.sampled_from(["", "洛组〔2018〕1号"])),
                                          cap=draw(st.sampled_from(names)) if kind == "grade_cap" else ""))
        values = {c.key: D(draw(st.integers(0, 10000))) / 100 for c in components if c.key != ADJUSTED}
        tasks = draw(st.integers(0, 4))
        units.append(UnitInput(
            code=f"u{i:02d}", name=f"单位{i}", group=draw(st.sampled_from(["县(市)", "城市区", "功能区"])),
            obtained=D(hundredths) / 100, maximum=D(maximum), tasks=tasks, scored=draw(st.integers(0, tasks)),
            dimensions=tuple(draw(st.lists(st.sampled_from(dimension_pool), max_size=2))),
            adjustments=tuple(adjustments), components=values))
    quota = draw(st.one_of(st.none(), st.integers(1, 10).map(lambda k: Quota(share=D(k) / 10)),
                           st.integers(1, 100).map(lambda k: Quota(share=D(k) / 100)),
                           st.integers(0, 4).map(lambda n: Quota(count=n))))
    rules = Rules(components=components, grades=grades, top_quota=quota, rank_places=draw(st.integers(0, 3)),
                  bonus_cap=draw(st.sampled_from([D(5), D("2.5"), D(0), D(10)])))
    return units, rules


@settings(max_examples=400, deadline=None)
@given(cycles())
@example(([UnitInput("a", "甲", "县", D("179.99"), D(200), 1, 1), UnitInput("b", "乙", "县", D(180), D(200), 1, 1),
           UnitInput("c", "丙", "县", D("7.2"), D(8), 1, 1)], Rules(rank_places=2, top_quota=Quota(count=1))))
def test_the_integer_core_gives_every_unit_exactly_the_reference_figures(case):
    units, rules = case
    assert [as_dict(r) for r in compute(units, rules)] == reference(units, rules)


def test_a_final_exactly_on_a_half_rounds_up_at_every_place():
    # 89.995 % (17999/200) is 90.00 at 2 places, a tie at 3 places kept as 89.995, 90 at 0 and 1 place
    for places, grade in [(0, "好"), (1, "好"), (2, "好"), (3, "较好")]:
        (result,) = compute([UnitInput("a", "甲", "县", D("179.99"), D(200), 1, 1)], Rules(rank_places=places))
        assert result.grade == grade, places
        assert result.percent == D("89.995")


def test_units_one_hundredth_apart_at_the_boundary_rank_apart():
    units = [UnitInput(code, code, "县", D(obtained), D(200), 1, 1)
             for code, obtained in [("a", "179.99"), ("b", "179.98"), ("c", "179.97")]]
    results = compute(units, Rules(rank_places=3))
    assert [(r.code, r.rank, r.grade) for r in results] == [("a", 1, "较好"), ("b", 2, "较好"), ("c", 3, "较好")]
    results = compute(units, Rules(rank_places=2))  # 89.995 → 90.00, 89.99, 89.985 → 89.99
    assert [(r.code, r.rank, r.grade) for r in results] == [("a", 1, "好"), ("b", 2, "较好"), ("c", 2, "较好")]
