"""Self-assessment and evidence pages (rules in `kaohe.claims.rules`).

- `/cycles/<pk>/self/`: a unit user goes to its own self-assessment; the office, leaders and the
  cycle's departments see every unit's progress.
- `/cycles/<pk>/self/<unit>/`: one unit's self-assessment: a row per applicable criterion (its items'
  text, the claim, the explanation, evidence) under its dimension, the upload form, submit;
  read-only for everyone but the unit's users. One form for every row, saved at once by
  `…/save/` (docs/decisions/2026-12-06-unit-pages.md); every refusal is shown in
  place: at the row, the upload form, the evidence file or the submit button.
- `/cycles/<pk>/evidence/<id>/`: a download, for those `rules.readable_evidence` allows — never a
  public URL; always an attachment, with the type read from the content.
- `/cycles/<pk>/unit-side/`: the office's settings (deadlines, evidence limits, where evidence is
  expected).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from kaohe.accounts.decorators import SignedInRequest, office_only
from kaohe.accounts.permissions import unit_code
from kaohe.claims import rules, storage
from kaohe.claims.forms import UnitSideForm
from kaohe.claims.models import Claim, Evidence, SelfAssessment
from kaohe.claims.rules import ClaimError
from kaohe.core.points import format_points
from kaohe.cycles.access import visible_cycle_or_404
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.schemes.models import Node


def _unit(request: SignedInRequest, cycle: Cycle, unit_code: str) -> CycleUnit:
    try:
        return rules.find_unit(request.user, cycle, unit_code)
    except ClaimError as error:
        raise Http404(error.message) from None


def _rows(cycle: Cycle, unit: CycleUnit, typed: dict[str, dict[str, Any]] | None = None,
          errors: dict[str, ClaimError] | None = None, saved: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One row per applicable criterion with its claim and evidence. Four queries.

    A row shows what is saved, unless a refused save is being answered: then the rows it would
    have changed (`typed`) show what was typed, with their refusal (`errors`); a conflict shows
    what is saved now beside it (its version and `was` values become the saved ones, so saving
    again replaces them knowingly)."""
    typed, errors, saved = typed or {}, errors or {}, set(saved)
    claims = {c.node_id: c for c in Claim.objects.filter(unit=unit).select_related("updated_by")}
    attached: dict[int, list[Evidence]] = {}
    for evidence in Evidence.objects.filter(unit=unit, purpose=Evidence.Purpose.SELF).prefetch_related("nodes"):
        for node in evidence.nodes.all():
            attached.setdefault(node.pk, []).append(evidence)
    rows = []
    for criterion in rules.criteria(cycle, unit):
        claim = claims.get(criterion.node_id)
        stored = {"points": "" if claim is None or claim.points is None else format_points(claim.points),
                  "explanation": claim.explanation if claim else "", "version": claim.version if claim else 0}
        error = errors.get(criterion.code)
        row = {"criterion": criterion, "code": criterion.code, "maximum": format_points(criterion.maximum),
               "claim": claim, **stored, "was": stored, "evidence": attached.get(criterion.node_id, []),
               "error": error, "saved": criterion.code in saved}
        if criterion.code in typed:
            entry = typed[criterion.code]
            row.update(points=entry["points"], explanation=entry["explanation"])
            if error is None or error.kind != ClaimError.CONFLICT:
                row.update(version=entry["version"], was=entry["was"])
        rows.append(row)
    return rows


def _sections(cycle: Cycle, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows under their dimension (一级指标), in scheme order, each with how many are filled. One query."""
    ids = [row["criterion"].node_id for row in rows]
    nodes = {n["pk"]: n for n in Node.objects.filter(scheme_id=cycle.scheme_id)
             .filter(Q(level__in=("dimension", "indicator", "criterion")) | Q(pk__in=ids))
             .values("pk", "parent_id", "code", "title", "level")}
    sections: dict[int, dict[str, Any]] = {}
    for row in rows:
        node = nodes.get(row["criterion"].node_id)
        while node is not None and node["level"] != "dimension":
            node = nodes.get(node["parent_id"])
        key = node["pk"] if node else 0
        section = sections.setdefault(key, {"code": node["code"] if node else "", "title": node["title"] if node else "",
                                            "rows": [], "filled": 0})
        section["rows"].append(row)
        section["filled"] += row["points"].strip() != ""
    return list(sections.values())


def _context(request: SignedInRequest, cycle: Cycle, unit: CycleUnit, **form: Any) -> dict[str, Any]:
    """The page's context; `form` passes a save's answer on to `_rows` (typed, errors, saved) and
    the messages shown in place (status_message and status_kind in the save bar, upload_error,
    upload_criteria, submit_error, evidence_error, reopen_error)."""
    sheet = rules.assessment(cycle, unit)
    errors = form.pop("errors", None) or {}
    rows = _rows(cycle, unit, form.pop("typed", None), errors, form.pop("saved", ()))
    problem = rules.window_problem(cycle, sheet.state)
    own = rules.is_units_user(request.user, unit)
    evidence = list(Evidence.objects.filter(unit=unit).prefetch_related("nodes"))
    return {
        "cycle": cycle, "unit": unit, "sheet": sheet, "rows": rows, "sections": _sections(cycle, rows),
        "evidence": evidence, "editable": own and not problem, "own": own, "problem": problem,
        "claimed": sum(1 for r in rows if r["points"].strip() != ""),
        "missing_evidence": [r["code"] for r in rows if r["criterion"].evidence_expected and not r["evidence"]],
        "max_mb": cycle.evidence_max_mb, "max_files": cycle.evidence_max_files,
        "refused": [r["code"] for r in rows if r["error"]], **form,
    }


def _page(request: SignedInRequest, cycle: Cycle, unit: CycleUnit, status: int = 200, **form: Any) -> HttpResponse:
    return render(request, "claims/unit.html", _context(request, cycle, unit, **form), status=status)


@login_required
@require_GET
def overview(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    own = unit_code(request.user)
    if own is not None:
        return redirect("claims:unit", pk=cycle.pk, unit_code=own)
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position")
                 .annotate(claimed=Count("claims", filter=Q(claims__points__isnull=False), distinct=True),
                           files=Count("evidence", distinct=True)))
    states = dict(SelfAssessment.objects.filter(cycle=cycle).values_list("unit_id", "state"))
    labels = dict(SelfAssessment.State.choices)
    for unit in units:
        unit.state_label = labels[states.get(unit.pk, SelfAssessment.State.DRAFT)]  # type: ignore[attr-defined]
        unit.submitted = states.get(unit.pk) == SelfAssessment.State.SUBMITTED  # type: ignore[attr-defined]
    return render(request, "claims/overview.html", {"cycle": cycle, "units": units})


@login_required
@require_GET
def unit_page(request: SignedInRequest, pk: int, unit_code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    return _page(request, cycle, _unit(request, cycle, unit_code))


def _refused(error: ClaimError) -> None:
    """Refusals by role are 403 and objects the user may not see 404, as everywhere else; the
    other refusals (bad input, a closed window, a conflict) are shown in place by the caller."""
    if error.kind == ClaimError.FORBIDDEN:
        raise PermissionDenied(error.message)
    if error.kind == ClaimError.NOT_FOUND and not isinstance(error, rules.ClaimsError):
        raise Http404(error.message)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _typed(request: SignedInRequest, cycle: Cycle, unit: CycleUnit) -> dict[str, dict[str, Any]]:
    """The rows the unit changed on the page: those whose points or explanation differ from what
    the page was given (its `was-` fields). Rows not sent, or sent as they were, are left alone,
    so a row someone else changed meanwhile is not saved back over."""
    typed: dict[str, dict[str, Any]] = {}
    for criterion in rules.criteria(cycle, unit):
        code = criterion.code
        if f"points:{code}" not in request.POST and f"explanation:{code}" not in request.POST:
            continue
        entry: dict[str, Any] = {"points": request.POST.get(f"points:{code}", ""),
                 "explanation": _lines(request.POST.get(f"explanation:{code}", "")),
                 "was": {"points": request.POST.get(f"was-points:{code}"),
                         "explanation": _lines(request.POST.get(f"was-explanation:{code}", ""))}}
        try:
            entry["version"] = int(request.POST.get(f"version:{code}", "0"))
        except ValueError:
            entry["version"] = -1
        was = entry["was"]
        if was["points"] is None or (entry["points"], entry["explanation"]) != (was["points"], was["explanation"]):
            typed[code] = entry
    return typed


@login_required
@require_POST
def save(request: SignedInRequest, pk: int, unit_code: str) -> HttpResponse:
    """Every changed row of the page in one transaction (`rules.save_claims`): all saved, or none
    and each refused row's reason at the row. htmx gets the form back; without script, the page."""
    cycle = visible_cycle_or_404(request.user, pk)
    unit = _unit(request, cycle, unit_code)
    typed = _typed(request, cycle, unit)
    entries = [rules.ClaimEntry(code, entry["points"], entry["explanation"], entry["version"])
               for code, entry in typed.items()]
    try:
        rules.save_claims(request.user, cycle, unit.code, entries)
    except rules.ClaimsError as error:
        _refused(error)
        return _answer(request, cycle, unit, error.status, typed=typed, errors=error.rows,
                       status_message=error.message, status_kind="error")
    except ClaimError as error:  # the whole self-assessment: closed meanwhile
        _refused(error)
        return _answer(request, cycle, unit, error.status, typed=typed, status_kind="error",
                       status_message=_("%(problem)s本次填写的内容未保存。") % {"problem": error.message})
    if not typed:
        message = _("没有需要保存的修改。")
    else:
        message = ngettext("已保存%(count)d项（%(time)s）。", "已保存%(count)d项（%(time)s）。", len(typed)) % {
            "count": len(typed), "time": timezone.localtime().strftime("%H:%M:%S")}
    if not request.htmx:
        messages.success(request, message)
        return redirect(reverse("claims:unit", args=[cycle.pk, unit.code]))
    return _answer(request, cycle, unit, 200, saved=typed, status_message=message, status_kind="ok")


def _answer(request: SignedInRequest, cycle: Cycle, unit: CycleUnit, status: int, **form: Any) -> HttpResponse:
    """A save's answer: the form (htmx swaps it in place of the old one) or the whole page."""
    if not request.htmx:
        return _page(request, cycle, unit, status, **form)
    return render(request, "claims/_form.html", _context(request, cycle, unit, **form), status=status)


@login_required
@require_POST
def submit(request: SignedInRequest, pk: int, unit_code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    unit = _unit(request, cycle, unit_code)
    try:
        rules.submit(request.user, cycle, unit.code)
    except ClaimError as error:
        _refused(error)
        return _page(request, cycle, unit, error.status, submit_error=error.message)
    messages.success(request, _("自评已提交。"))
    return redirect(reverse("claims:unit", args=[cycle.pk, unit.code]))


@office_only
@require_POST
def reopen(request: SignedInRequest, pk: int, unit_code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    unit = _unit(request, cycle, unit_code)
    try:
        rules.reopen(request.user, cycle, unit.code, request.POST.get("reason", ""))
    except ClaimError as error:
        _refused(error)
        return _page(request, cycle, unit, error.status, reopen_error=error.message)
    messages.success(request, _("已退回自评，单位可以修改后重新提交。"))
    return redirect(reverse("claims:unit", args=[cycle.pk, unit.code]))


@login_required
@require_POST
def upload(request: SignedInRequest, pk: int, unit_code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    unit = _unit(request, cycle, unit_code)
    try:
        rules.check_writable(request.user, cycle, unit.code)
        files = [rules.read_evidence_upload(cycle, f) for f in request.FILES.getlist("file")]
        stored = rules.upload_evidence(request.user, cycle, unit.code, files, request.POST.getlist("criteria"))
    except ClaimError as error:
        _refused(error)
        return _page(request, cycle, unit, error.status, upload_error=error.message,
                     upload_criteria=request.POST.getlist("criteria"))
    messages.success(request, _("已上传：%(names)s") % {"names": "、".join(e.name for e in stored)})
    return redirect(reverse("claims:unit", args=[cycle.pk, unit.code]))


def _evidence(request: SignedInRequest, cycle: Cycle, evidence_id: int) -> Evidence:
    evidence = rules.readable_evidence(request.user, cycle).filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404(_("没有编号为 %(id)s 的佐证材料。") % {"id": evidence_id})
    return evidence


@login_required
@require_GET
def download(request: SignedInRequest, pk: int, evidence_id: int) -> HttpResponseBase:
    cycle = visible_cycle_or_404(request.user, pk)
    return storage.file_response(_evidence(request, cycle, evidence_id))


@login_required
@require_POST
def evidence_criteria(request: SignedInRequest, pk: int, evidence_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    evidence = _evidence(request, cycle, evidence_id)
    back = reverse("claims:unit", args=[cycle.pk, evidence.unit.code])
    try:
        rules.set_evidence_criteria(request.user, cycle, evidence_id, request.POST.getlist("criteria"))
    except ClaimError as error:
        _refused(error)
        return _page(request, cycle, evidence.unit, error.status, evidence_error=(evidence.pk, error.message))
    messages.success(request, _("已更新“%(name)s”对应的指标。") % {"name": evidence.name})
    return redirect(back)


@login_required
@require_POST
def evidence_delete(request: SignedInRequest, pk: int, evidence_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    evidence = _evidence(request, cycle, evidence_id)
    back = reverse("claims:unit", args=[cycle.pk, evidence.unit.code])
    try:
        rules.delete_evidence(request.user, cycle, evidence_id)
    except ClaimError as error:
        _refused(error)
        return _page(request, cycle, evidence.unit, error.status, evidence_error=(evidence.pk, error.message))
    messages.success(request, _("已删除“%(name)s”。") % {"name": evidence.name})
    return redirect(back)


@office_only
def unit_side_settings(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    form = UnitSideForm(request.POST or None, instance=cycle)
    if request.method == "POST" and form.is_valid():
        form.save(request.user)
        messages.success(request, _("已保存单位自评与异议设置。"))
        return redirect("claims:settings", pk=cycle.pk)
    return render(request, "claims/settings.html", {"cycle": cycle, "form": form})
