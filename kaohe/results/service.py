"""The results' rules, for pages, the CLI and the API alike.

- `rules_for(cycle, settings)` is the one place that turns a cycle's `ResultSettings` (saved, or an
  unsaved what-if copy) into the core's `Rules`.
- `compute_cycle(cycle)` sums in the database (`kaohe.results.sums`) and finishes in the core.
- `result_row(result)` is the one JSON shape of a unit's result (every figure a decimal string): the
  CLI, the API and published snapshots all use it, and the pages render it.
- Changes (`save_settings`, `add_adjustment`, `delete_adjustment`, `set_component_values`,
  `publish`) are transactions with their audit event; what the rules refuse is a `ResultsError`.
  Publishing tells the cycle's units (`results_published`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from kaohe.accounts.errors import Refused
from kaohe.audit.record import record
from kaohe.core import text as free_text
from kaohe.core.messages import Text, gettext_noop, translated
from kaohe.core.points import format_points
from kaohe.core.results import (
    Component,
    GradeBand,
    Quota,
    Rules,
    RulesError,
    UnitResult,
    compute_rows,
    reason_problem,
    validate_rules,
    with_components,
)
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.notify.send import notify, unit_users
from kaohe.results.models import (
    DEFAULT_COMPONENTS,
    Adjustment,
    ComponentValue,
    ResultSettings,
    ResultSnapshot,
)
from kaohe.results.sums import iter_unit_rows
from kaohe.survey.models import Survey
from kaohe.survey.outcome import published_values

ADJUSTED = "adjusted"
SETTINGS_FIELDS = ("components", "bonus_cap", "grades", "quota_share", "quota_count", "rank_places", "groups")


class ResultsError(Refused):
    """What the results' rules refuse; `problems` lists every reason (for the user)."""

    def __init__(self, message: str, problems: Iterable[str] = ()):
        super().__init__(Refused.INVALID, message, problems=problems)


# ----------------------------------------------------------------------------- settings → rules


def settings_for(cycle: Cycle) -> ResultSettings:
    """The cycle's saved settings, or the defaults (unsaved). One query."""
    found = ResultSettings.objects.filter(cycle=cycle).first()
    return found if found is not None else ResultSettings(cycle=cycle)


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RulesError(_("设置中有不是数字的值：%(value)s") % {"value": value}) from None


def rules_for(cycle: Cycle, settings: ResultSettings | None = None) -> Rules:
    """The core Rules of the cycle's settings (or of `settings`, e.g. an unsaved what-if copy)."""
    settings = settings if settings is not None else settings_for(cycle)
    quota = None
    if settings.quota_share is not None:
        quota = Quota(share=_decimal(settings.quota_share))
    elif settings.quota_count is not None:
        quota = Quota(count=int(settings.quota_count))
    return Rules(
        components=tuple(Component(key=str(c["key"]), label=str(c.get("label") or c["key"]),
                                   weight=_decimal(c["weight"])) for c in settings.components),
        bonus_cap=_decimal(settings.bonus_cap),
        grades=tuple(GradeBand(name=str(g["name"]), threshold=_decimal(g["threshold"])) for g in settings.grades),
        top_quota=quota,
        rank_places=int(settings.rank_places),
    )


def groups_for(settings: ResultSettings) -> dict[str, str]:
    return {str(code): str(group) for code, group in (settings.groups or {}).items() if group}


def entered_components(rules: Rules, settings: ResultSettings) -> list[Component]:
    """The components the office enters per unit: all but the adjusted indicator score and those
    taken from another cycle's published finals or from a published survey."""
    sourced = {str(c["key"]) for c in settings.components if c.get("cycle") or c.get("survey")}
    return [c for c in rules.components if c.key != ADJUSTED and c.key not in sourced]


# ----------------------------------------------------------------------------- computing


def component_sources(cycle: Cycle) -> list[tuple[int | str, str]]:
    """Where a component's values can come from, as (source, label): other cycles with published
    results, whose finals feed this one (quarterly 平时考核 cycles feeding the annual 年终考核), by
    their id; this cycle's published surveys (民主测评) as "survey:<id>"."""
    cycles: list[tuple[int | str, str]] = list(
        Cycle.objects.filter(result_snapshots__isnull=False).exclude(pk=cycle.pk).distinct()
        .order_by("-created_at").values_list("pk", "name"))
    surveys: list[tuple[int | str, str]] = [(f"survey:{pk}", _("民主测评：%(name)s") % {"name": name})
               for pk, name in Survey.objects.filter(cycle=cycle, published__isnull=False)
               .order_by("-opens_at", "-pk").values_list("pk", "name")]
    return cycles + surveys


def sourced_components(settings: ResultSettings) -> dict[str, dict[str, Decimal]]:
    """component key → unit code → value, from the latest published version of the component's
    source cycle (its finals) or from its published survey (each target's score). One query per
    sourced component."""
    values: dict[str, dict[str, Decimal]] = {}
    for component in settings.components:
        if component.get("key") == ADJUSTED:
            continue
        if component.get("survey"):
            scores = published_values(int(component["survey"]))
            if scores is None:
                raise RulesError(_("构成项“%(key)s”的民主测评还没有发布结果。") % {"key": component["key"]})
            values[str(component["key"])] = scores
            continue
        source = component.get("cycle")
        if not source:
            continue
        snapshot = ResultSnapshot.objects.filter(cycle_id=source).order_by("-version").first()
        if snapshot is None:
            raise RulesError(_("构成项“%(key)s”的来源考核周期还没有发布结果。") % {"key": component["key"]})
        values[str(component["key"])] = {row["code"]: Decimal(row["final"]) for row in snapshot.results}
    return values


def compute_cycle(cycle: Cycle, settings: ResultSettings | None = None,
                  units: list[CycleUnit] | None = None) -> list[UnitResult]:
    """Every unit's result under the cycle's settings (or `settings`). Raises RulesError when the
    rules cannot be applied. A constant number of queries whatever the cycle's size (plus one per
    component taken from another cycle)."""
    settings = settings if settings is not None else settings_for(cycle)
    sourced = sourced_components(settings)
    rows = iter_unit_rows(cycle, groups_for(settings), units)  # scored as they come, never all held
    if sourced:
        rows = (with_components(row, {key: by_code[row[0]] for key, by_code in sourced.items() if row[0] in by_code})
                for row in rows)
    return compute_rows(rows, rules_for(cycle, settings))


def component_label(component: Mapping[str, Any]) -> str:
    """A component's name as shown: the built-in adjusted score in the reader's language, unless
    the office renamed it; any other under the name the office gave it."""
    key = str(component.get("key", ""))
    label = str(component.get("label") or "")
    if key == ADJUSTED and label in ("", key, DEFAULT_COMPONENTS[0]["label"]):
        return _("调整后得分")
    return label or key


def share(weight: Decimal | str | int) -> str:
    """A weight (0–1) as a share in percent: "0.8" → "80"."""
    return format_points(Decimal(str(weight)) * 100)


def result_row(result: UnitResult) -> dict[str, Any]:
    """One unit's result as JSON: the CLI, the API and snapshots share it."""
    return {
        "code": result.code, "name": result.name, "group": result.group,
        "obtained": format_points(result.obtained), "maximum": format_points(result.maximum), "percent": format_points(result.percent),
        "bonus": format_points(result.bonus), "penalty": format_points(result.penalty), "adjusted": format_points(result.adjusted),
        "components": {str(key): format_points(value) for key, value in result.components.items()},
        "final": format_points(result.final), "rank": int(result.rank), "grade": result.grade,
        "complete": bool(result.complete), "explanation": list(result.explanation),
        "dimensions": [{"code": d.code, "title": d.title, "obtained": format_points(d.obtained),
                        "maximum": format_points(d.maximum), "percent": format_points(d.percent)} for d in result.dimensions],
    }


def rules_json(rules: Rules, groups: Mapping[str, str]) -> dict[str, Any]:
    quota: dict[str, Any] | None = None
    if rules.top_quota is not None:
        quota = ({"share": format_points(rules.top_quota.share)} if rules.top_quota.share is not None
                 else {"count": rules.top_quota.count})
    return {
        "components": [{"key": c.key, "label": c.label, "weight": format_points(c.weight)} for c in rules.components],
        "bonus_cap": format_points(rules.bonus_cap),
        "grades": [{"name": g.name, "threshold": format_points(g.threshold)} for g in rules.grades],
        "top_quota": quota, "rank_places": rules.rank_places, "groups": dict(groups),
    }


def settings_json(settings: ResultSettings) -> dict[str, Any]:
    return {
        "components": settings.components, "bonus_cap": format_points(settings.bonus_cap), "grades": settings.grades,
        "quota_share": None if settings.quota_share is None else format_points(settings.quota_share),
        "quota_count": settings.quota_count, "rank_places": settings.rank_places, "groups": settings.groups,
    }


# ----------------------------------------------------------------------------- changes


def candidate_settings(cycle: Cycle, values: Mapping[str, Any], base: ResultSettings | None = None) -> ResultSettings:
    """An unsaved copy of the cycle's settings with `values` applied (for what-if and saving)."""
    base = base if base is not None else settings_for(cycle)
    candidate = ResultSettings(pk=base.pk, cycle=cycle, **{name: getattr(base, name) for name in SETTINGS_FIELDS})
    candidate._state.adding = base._state.adding
    for name, value in values.items():
        if name in SETTINGS_FIELDS:
            setattr(candidate, name, value)
    return candidate


def settings_problems(cycle: Cycle, settings: ResultSettings) -> list[str]:
    """Everything wrong with `settings`: the core's validate_rules, plus grade caps of existing
    adjustments that would name a grade no longer there."""
    try:
        rules = rules_for(cycle, settings)
    except RulesError as error:
        return [str(error)]
    problems = list(validate_rules(rules))
    names = {g.name for g in rules.grades}
    caps = set(Adjustment.objects.filter(cycle=cycle, kind=Adjustment.Kind.GRADE_CAP).values_list("cap", flat=True))
    for cap in sorted(caps - names):
        problems.append(_("已有等次上限调整使用等次“%(grade)s”，新的等次中没有它。") % {"grade": cap})
    return problems


@transaction.atomic
def save_settings(cycle: Cycle, user: Any, values: Mapping[str, Any]) -> ResultSettings:
    """Save the cycle's result settings; nothing is saved when the rules are invalid."""
    old = settings_for(cycle)
    candidate = candidate_settings(cycle, values, old)
    problems = settings_problems(cycle, candidate)
    if problems:
        raise ResultsError(_("结果设置有误，未保存。"), problems)
    candidate.updated_by = user if getattr(user, "pk", None) else None
    candidate.save()
    record("results.settings", "results", f"cycle:{cycle.pk}/settings", cycle=cycle,
           old=None if old._state.adding else settings_json(old), new=settings_json(candidate))
    return candidate


def _unit(cycle: Cycle, unit_code: str) -> CycleUnit:
    unit = CycleUnit.objects.filter(cycle=cycle, code=unit_code).first()
    if unit is None:
        raise ResultsError(_("这个考核周期没有编码为 %(code)s 的被考核单位。") % {"code": unit_code})
    return unit


@transaction.atomic
def add_adjustment(cycle: Cycle, user: Any, unit_code: str, kind: str, points: Decimal | None, reason: str,
                   document: str = "", cap: str = "") -> Adjustment:
    unit = _unit(cycle, unit_code)
    reason, document, cap = (reason or "").strip(), (document or "").strip(), (cap or "").strip()
    problems = []
    try:  # the one free-text rule (kaohe.core.text)
        reason = free_text.clean(reason, free_text.ADJUSTMENT_REASON)
        document = free_text.clean(document, free_text.ADJUSTMENT_DOCUMENT)
    except free_text.TextError as error:
        problems.append(error.message(_))
    if kind not in Adjustment.Kind.values:
        problems.append(_("未知的调整类型：%(kind)s") % {"kind": kind})
    missing = reason_problem(kind, reason)
    if missing:
        problems.append(translated(missing, _))
    if kind in (Adjustment.Kind.BONUS, Adjustment.Kind.PENALTY):
        if points is None or points <= 0:
            problems.append(_("加分和扣分的分值必须大于0。"))
        elif points != points.quantize(Decimal("0.01")):
            problems.append(_("分值最多两位小数。"))
        cap = ""
    else:
        points = Decimal(0)
    assert points is not None  # refused above
    if kind == Adjustment.Kind.GRADE_CAP:
        names = [g.name for g in rules_for(cycle).grades]
        if cap not in names:
            problems.append(_("请从现有等次中选择等次上限：%(names)s") % {"names": "、".join(names)})
    else:
        cap = ""
    if problems:
        raise ResultsError(problems[0], problems)
    adjustment = Adjustment.objects.create(cycle=cycle, unit=unit, kind=kind, points=points, reason=reason,
                                           document=document, cap=cap,
                                           created_by=user if getattr(user, "pk", None) else None)
    record("results.adjustment.add", "results", f"cycle:{cycle.pk}/unit:{unit.code}/adjustment:{adjustment.pk}",
           cycle=cycle, new=adjustment_json(adjustment), reason=reason)
    return adjustment


def adjustment_json(adjustment: Adjustment) -> dict[str, Any]:
    return {"unit": adjustment.unit.code, "kind": adjustment.kind, "points": format_points(adjustment.points),
            "reason": adjustment.reason, "document": adjustment.document, "cap": adjustment.cap}


def adjustments_json(cycle: Cycle) -> list[dict[str, Any]]:
    """The cycle's adjustments as a published version keeps them (with the unit's name), in unit order."""
    return [{**adjustment_json(a), "name": a.unit.name} for a in Adjustment.objects.filter(cycle=cycle)
            .select_related("unit").order_by("unit__position", "created_at", "pk")]


@transaction.atomic
def delete_adjustment(cycle: Cycle, user: Any, adjustment_id: int) -> None:
    adjustment = Adjustment.objects.select_related("unit").filter(cycle=cycle, pk=adjustment_id).first()
    if adjustment is None:
        raise ResultsError(_("没有这条调整。"))
    old = adjustment_json(adjustment)
    key = f"cycle:{cycle.pk}/unit:{adjustment.unit.code}/adjustment:{adjustment.pk}"
    adjustment.delete()
    record("results.adjustment.delete", "results", key, cycle=cycle, old=old)


@transaction.atomic
def set_component_values(cycle: Cycle, user: Any, values: Mapping[tuple[str, str], Decimal | None]) -> int:
    """Enter component values: (unit code, component key) → value 0–100, or None to clear. Returns
    how many changed; each change is audited. Nothing is saved if any value is refused."""
    settings = settings_for(cycle)
    keys = {c.key for c in entered_components(rules_for(cycle, settings), settings)}
    units = {u.code: u for u in CycleUnit.objects.filter(cycle=cycle)}
    problems = []
    for (code, key), value in values.items():
        if code not in units:
            problems.append(_("这个考核周期没有编码为 %(code)s 的被考核单位。") % {"code": code})
        if key not in keys:
            problems.append(_("没有需要录入的得分构成“%(key)s”。") % {"key": key})
        if value is not None and not (Decimal(0) <= value <= Decimal(100)):
            problems.append(_("构成项分值必须在0到100之间：%(value)s") % {"value": format_points(value)})
        elif value is not None and value != value.quantize(Decimal("0.01")):
            problems.append(_("构成项分值最多两位小数：%(value)s") % {"value": format_points(value)})
    if problems:
        raise ResultsError(problems[0], problems)
    existing = {(row.unit_id, row.key): row for row in ComponentValue.objects.filter(cycle=cycle)}
    changed = 0
    by = user if getattr(user, "pk", None) else None
    for (code, key), value in values.items():
        unit = units[code]
        row = existing.get((unit.pk, key))
        old = None if row is None else format_points(row.value)
        new = None if value is None else format_points(value)
        if old == new:
            continue
        if value is None:
            assert row is not None  # old != new
            row.delete()
        elif row is None:
            ComponentValue.objects.create(cycle=cycle, unit=unit, key=key, value=value, updated_by=by)
        else:
            row.value, row.updated_by = value, by
            row.save(update_fields=["value", "updated_by", "updated_at"])
        record("results.component", "results", f"cycle:{cycle.pk}/unit:{code}/component:{key}", cycle=cycle,
               old={"value": old}, new={"value": new})
        changed += 1
    return changed


@transaction.atomic
def publish(cycle: Cycle, user: Any, confirm_incomplete: bool = False) -> ResultSnapshot:
    """Publish the locked cycle's results as the next immutable snapshot (version 1, 2, …). Under
    the cycle's row lock, so publishers at once get consecutive versions; results identical to the
    latest version (rules and every row) are refused, not published again."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.LOCKED:
        raise ResultsError(_("只有已锁定的考核周期才能发布结果，“%(name)s”当前为%(status)s。") % {
            "name": cycle.name, "status": cycle.get_status_display()})
    settings = settings_for(cycle)
    rules = rules_for(cycle, settings)
    problems = validate_rules(rules)
    if problems:
        raise ResultsError(_("结果设置有误，不能发布：%(problems)s") % {"problems": "；".join(problems)}, problems)
    try:
        results = compute_cycle(cycle, settings)
    except RulesError as error:
        raise ResultsError(_("结果无法计算，不能发布：%(problems)s") % {"problems": error}, error.problems) from None
    incomplete = [r.name for r in results if not r.complete]
    if incomplete and not confirm_incomplete:
        raise ResultsError(_("有%(count)d个单位评分不完整（%(names)s），确认后才能发布。") % {
            "count": len(incomplete), "names": "、".join(incomplete)})
    published_rules, rows = rules_json(rules, groups_for(settings)), [result_row(r) for r in results]
    latest = ResultSnapshot.objects.filter(cycle=cycle).order_by("-version").first()
    if latest is not None and latest.rules == published_rules and latest.results == rows:
        # e.g. two office users (or a double click) publishing at once: the second sees the first
        # version, under the cycle's lock, and publishes no identical copy of it
        raise ResultsError(_("结果与已发布的第%(version)d版相同，无需再次发布。") % {"version": latest.version})
    version = (ResultSnapshot.objects.filter(cycle=cycle).aggregate(v=Max("version"))["v"] or 0) + 1
    snapshot = ResultSnapshot.objects.create(
        cycle=cycle, version=version, published_by=user if getattr(user, "pk", None) else None,
        complete=not incomplete, rules=published_rules, results=rows, adjustments=adjustments_json(cycle))
    record("results.publish", "results", f"cycle:{cycle.pk}/results:v{version}", cycle=cycle,
           new={"version": version, "units": len(results), "incomplete": incomplete})
    results_published(cycle, version)
    return snapshot


def results_published(cycle: Cycle, version: int) -> None:
    """Tell every unit of the cycle that its results are out (inside the publishing transaction)."""
    subject = Text.of(gettext_noop("%(cycle)s：结果已发布"), cycle=cycle.name)
    body = Text.of(gettext_noop("%(cycle)s：结果已发布，可查看本单位成绩单（第%(version)d版）。"),
                   cycle=cycle.name, version=version)
    notify(unit_users(cycle.units.values_list("code", flat=True)), subject, body,
           reverse("objections:scorecard", args=[cycle.pk]))
