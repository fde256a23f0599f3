"""The results pages: a cycle's results (per ranking group), the rules in force, the office's
settings, adjustments, component values and publishing, and each published snapshot.

Reading: the office and leaders (others 403; anonymous users log in first); the cycle must be one
`visible_cycles` gives (else 404). Leaders read: the results, the rules in force, the adjustments,
the versions; no settings form and no preview (what they cannot use is not shown). Changes are
office-only POSTs calling `kaohe.results.service`. The office's what-if preview (GET `?preview=1&…`
with the settings fields, or the preview button) recomputes the table with the changed settings
without saving anything.

Queries: a constant number whatever the number of units and scores (one GROUP BY of the dimension totals).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.accounts.decorators import SignedInRequest, office_only, office_or_leader
from kaohe.accounts.permissions import is_office
from kaohe.core.messages import translated
from kaohe.core.points import format_points, two_places
from kaohe.core.results import RulesError
from kaohe.cycles.access import visible_cycle_or_404
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.cycles.stages import maxima_rows
from kaohe.cycles.unscored import unscored
from kaohe.results import service
from kaohe.results.forms import AdjustmentForm, SettingsForm, component_values, settings_initial
from kaohe.results.models import Adjustment, ComponentValue, ResultSettings, ResultSnapshot

# ----------------------------------------------------------------------------- display


def display_groups(rows: list[dict[str, Any]], components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Result rows (service.result_row / a snapshot's JSON) as tables per ranking group."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append({
            "code": row["code"], "name": row["name"], "rank": row["rank"],
            "obtained": row["obtained"], "maximum": row["maximum"], "percent": two_places(row["percent"]),
            "bonus": two_places(row["bonus"]), "penalty": two_places(row["penalty"]), "adjusted": two_places(row["adjusted"]),
            "components": [two_places(row["components"][c["key"]]) if c["key"] in row["components"] else "—"
                           for c in components],
            "final": two_places(row["final"]), "grade": row["grade"], "complete": row["complete"],
            "explanation": _("；").join(translated(note, _) for note in row["explanation"]),
        })
    return [{"name": name, "rows": items} for name, items in groups.items()]


def rules_display(rules: dict[str, Any]) -> dict[str, Any]:
    """A rules JSON (service.rules_json) with the quota spelled out for the page, and each score
    component by its name with its share of the final score ("调整后得分 占80%"). `weighted`: more
    than the adjusted score alone makes the final score, so the table shows each component."""
    components = [{**c, "label": service.component_label(c), "share": service.share(c["weight"])}
                  for c in rules.get("components", [])]
    weighted = not (len(components) == 1 and components[0]["key"] == service.ADJUSTED
                    and Decimal(str(components[0]["weight"])) == 1)
    quota = rules.get("top_quota")
    if not quota:
        quota_text = _("不限")
    elif quota.get("share") is not None:
        quota_text = _("每组不超过%(share)s%%") % {"share": format_points(Decimal(quota["share"]) * 100)}
    else:
        quota_text = _("每组不超过%(count)s个") % {"count": quota["count"]}
    return {**rules, "components": components, "weighted": weighted, "quota_text": quota_text}


def unscored_notice(cycle: Cycle, units: list[CycleUnit], rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What the scheme leaves unscored in this cycle and the maxima it lowers (kaohe.cycles.unscored),
    from the units and results the page has read already."""
    maxima = {row["name"]: Decimal(row["maximum"]) for row in rows} if rows else None
    found = unscored(cycle, [(u.pk, u.name) for u in units], maxima)
    if not found:
        return None
    return {"items": [{"code": i.code, "title": i.title, "points": format_points(i.points)} for i in found.items],
            "points": format_points(found.points), "maxima": maxima_rows(found)}


# ----------------------------------------------------------------------------- the page


def _page(request: SignedInRequest, cycle: Cycle, *, settings_form: SettingsForm | None = None,
          adjustment_form: AdjustmentForm | None = None, preview_values: dict[str, Any] | None = None,
          status: int = 200) -> HttpResponse:
    office = is_office(request.user)
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
    saved = service.settings_for(cycle)
    in_use: ResultSettings = saved
    preview = False
    if preview_values is not None:
        in_use = service.candidate_settings(cycle, preview_values, saved)
        preview = True
    errors: tuple[str, ...] = ()
    try:
        rules = service.rules_for(cycle, in_use)
        results = service.compute_cycle(cycle, in_use, units)
    except RulesError as problem:
        rules, results, errors = service.rules_for(cycle, saved), [], problem.problems
    rows = [service.result_row(r) for r in results]
    groups = service.groups_for(in_use)
    rules_json = service.rules_json(rules, groups)
    entered = service.entered_components(rules, in_use)
    if settings_form is None and office:
        settings_form = SettingsForm(initial=settings_initial(saved, units), units=units,
                                     sources=service.component_sources(cycle))
    grade_names = [g.name for g in rules.grades]
    if adjustment_form is None and office:
        adjustment_form = AdjustmentForm(units=units, grades=grade_names)
    stored = {(v.unit_id, v.key): format_points(v.value) for v in ComponentValue.objects.filter(cycle=cycle)} \
        if office and entered else {}
    component_grid = [{"unit": u, "cells": [{"key": c.key, "name": f"value:{u.code}:{c.key}",
                                             "value": stored.get((u.pk, c.key), "")} for c in entered]}
                      for u in units] if office and entered else []
    adjustments = list(Adjustment.objects.filter(cycle=cycle).select_related("unit", "created_by")
                       .order_by("unit__position", "created_at", "pk"))
    snapshots = list(ResultSnapshot.objects.filter(cycle=cycle).select_related("published_by")
                     .defer("results", "rules").order_by("-version"))
    incomplete = [r["name"] for r in rows if not r["complete"]]
    return render(request, "results/page.html", {
        "cycle": cycle, "office": office, "preview": preview, "errors": errors,
        "groups": display_groups(rows, rules_json["components"]), "rules": rules_display(rules_json),
        "unit_names": {u.code: u.name for u in units},
        "group_overrides": [(u.name, groups[u.code]) for u in units if u.code in groups],
        "settings_form": settings_form, "adjustment_form": adjustment_form, "adjustments": adjustments,
        "entered": entered, "component_grid": component_grid, "snapshots": snapshots,
        "incomplete": incomplete, "locked": cycle.status == Cycle.Status.LOCKED,
        "unscored": unscored_notice(cycle, units, rows),
    }, status=status)


def _preview(form: SettingsForm, cycle: Cycle) -> dict[str, Any] | None:
    """Valid settings → their values; otherwise the form carries the errors (rules included)."""
    if not form.is_valid():
        return None
    values = form.values()
    problems = service.settings_problems(cycle, service.candidate_settings(cycle, values))
    for problem in problems:
        form.add_error(None, problem)
    return None if problems else values


@office_or_leader
@require_GET
def results_page(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    if request.GET.get("preview") and is_office(request.user):
        units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
        form = SettingsForm(request.GET, units=units, sources=service.component_sources(cycle))
        return _page(request, cycle, settings_form=form, preview_values=_preview(form, cycle))
    return _page(request, cycle)


@office_only
@require_POST
def save_settings(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
    form = SettingsForm(request.POST, units=units, sources=service.component_sources(cycle))
    values = _preview(form, cycle)
    if values is None:
        messages.error(request, _("结果设置有误，未保存。"))
        return _page(request, cycle, settings_form=form)
    if request.POST.get("preview"):
        return _page(request, cycle, settings_form=form, preview_values=values)
    try:
        service.save_settings(cycle, request.user, values)
    except service.ResultsError as problem:
        for message in problem.problems:
            form.add_error(None, message)
        return _page(request, cycle, settings_form=form)
    messages.success(request, _("结果设置已保存。"))
    return redirect("results:page", pk=cycle.pk)


@office_only
@require_POST
def add_adjustment(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
    grades = [g.name for g in service.rules_for(cycle).grades]
    form = AdjustmentForm(request.POST, units=units, grades=grades)
    if form.is_valid():
        data = form.cleaned_data
        try:
            service.add_adjustment(cycle, request.user, data["unit"], data["kind"], data["points"], data["reason"],
                                   data["document"], data["cap"])
        except service.ResultsError as problem:
            for message in problem.problems:
                form.add_error(None, message)
        else:
            messages.success(request, _("已添加调整。"))
            return redirect("results:page", pk=cycle.pk)
    messages.error(request, _("调整有误，未保存。"))
    return _page(request, cycle, adjustment_form=form)


@office_only
@require_POST
def delete_adjustment(request: SignedInRequest, pk: int, adjustment: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        service.delete_adjustment(cycle, request.user, adjustment)
        messages.success(request, _("已删除调整。"))
    except service.ResultsError as problem:
        messages.error(request, problem.message)
    return redirect("results:page", pk=cycle.pk)


@office_only
@require_POST
def save_components(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
    saved = service.settings_for(cycle)
    keys = [c.key for c in service.entered_components(service.rules_for(cycle, saved), saved)]
    values, errors = component_values(request.POST, units, keys)
    if not errors:
        try:
            changed = service.set_component_values(cycle, request.user, values)
            messages.success(request, _("已保存构成项分值（%(count)d项有变化）。") % {"count": changed})
        except service.ResultsError as problem:
            errors = problem.problems
    for message in errors:
        messages.error(request, message)
    return redirect("results:page", pk=cycle.pk)


@office_only
@require_POST
def publish(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        snapshot = service.publish(cycle, request.user, confirm_incomplete=bool(request.POST.get("confirm_incomplete")))
    except (service.ResultsError, RulesError) as problem:
        messages.error(request, getattr(problem, "message", str(problem)))
        return redirect("results:page", pk=cycle.pk)
    messages.success(request, _("已发布考核结果第%(version)d版。") % {"version": snapshot.version})
    return redirect("results:snapshot", pk=cycle.pk, version=snapshot.version)


@office_or_leader
@require_GET
def snapshot_page(request: SignedInRequest, pk: int, version: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    snapshot = get_object_or_404(ResultSnapshot.objects.select_related("published_by"), cycle=cycle, version=version)
    rules = rules_display(snapshot.rules)
    return render(request, "results/snapshot.html", {
        "cycle": cycle, "snapshot": snapshot, "rules": rules, "office": is_office(request.user),
        "groups": display_groups(snapshot.results, rules["components"]),
        "group_overrides": [(row["name"], rules["groups"][row["code"]]) for row in snapshot.results
                            if row["code"] in rules.get("groups", {})],
    })
