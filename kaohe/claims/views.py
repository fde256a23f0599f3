"""Self-assessment and evidence pages (rules in `kaohe.claims.rules`).

- `/cycles/<pk>/self/`: a unit user goes to its own self-assessment; the office, leaders and the
  cycle's departments see every unit's progress.
- `/cycles/<pk>/self/<unit>/`: one unit's self-assessment: a row per applicable criterion (claim,
  explanation, evidence), the upload form, submit; read-only for everyone but the unit's users.
- `/cycles/<pk>/evidence/<id>/`: a download, for those `rules.readable_evidence` allows — never a
  public URL; always an attachment, with the type read from the content.
- `/cycles/<pk>/unit-side/`: the office's settings (deadlines, evidence limits, where evidence is
  expected).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
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


def _unit(request: SignedInRequest, cycle: Cycle, unit_code: str) -> CycleUnit:
    try:
        return rules.find_unit(request.user, cycle, unit_code)
    except ClaimError as error:
        raise Http404(error.message) from None


def _rows(cycle: Cycle, unit: CycleUnit) -> list[dict[str, Any]]:
    """One row per applicable criterion with its claim and evidence. Four queries."""
    claims = {c.node_id: c for c in Claim.objects.filter(unit=unit)}
    attached: dict[int, list[Evidence]] = {}
    for evidence in Evidence.objects.filter(unit=unit, purpose=Evidence.Purpose.SELF).prefetch_related("nodes"):
        for node in evidence.nodes.all():
            attached.setdefault(node.pk, []).append(evidence)
    rows = []
    for criterion in rules.criteria(cycle, unit):
        claim = claims.get(criterion.node_id)
        rows.append({"criterion": criterion, "maximum": format_points(criterion.maximum), "claim": claim,
                     "points": "" if claim is None or claim.points is None else format_points(claim.points),
                     "version": claim.version if claim else 0, "evidence": attached.get(criterion.node_id, []),
                     "typed_explanation": None})
    return rows


def _context(request: SignedInRequest, cycle: Cycle, unit: CycleUnit) -> dict[str, Any]:
    sheet = rules.assessment(cycle, unit)
    rows = _rows(cycle, unit)
    problem = rules.window_problem(cycle, sheet.state)
    own = rules.is_units_user(request.user, unit)
    evidence = list(Evidence.objects.filter(unit=unit).prefetch_related("nodes"))
    return {
        "cycle": cycle, "unit": unit, "sheet": sheet, "rows": rows, "evidence": evidence,
        "editable": own and not problem, "own": own, "problem": problem,
        "claimed": sum(1 for r in rows if r["points"] != ""),
        "missing_evidence": [r["criterion"].code for r in rows if r["criterion"].evidence_expected and not r["evidence"]],
        "max_mb": cycle.evidence_max_mb, "max_files": cycle.evidence_max_files,
    }


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
    unit = _unit(request, cycle, unit_code)
    return render(request, "claims/unit.html", _context(request, cycle, unit))


def _fail(request: SignedInRequest, error: ClaimError, back: str) -> HttpResponse:
    """Refusals by role are 403 and objects the user may not see 404 (as everywhere else); the rest
    (bad input, a closed window, a conflict) go back to the page with the message."""
    if error.kind == ClaimError.FORBIDDEN:
        raise PermissionDenied(error.message)
    if error.kind == ClaimError.NOT_FOUND:
        raise Http404(error.message)
    if request.htmx:
        return HttpResponse(error.message, status=error.status, content_type="text/plain; charset=utf-8")
    messages.error(request, error.message)
    return redirect(back)


@login_required
@require_POST
def save_claim(request: SignedInRequest, pk: int, unit_code: str, code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    back = reverse("claims:unit", args=[cycle.pk, unit_code])
    try:
        version = int(request.POST.get("version", "0"))
    except ValueError:
        version = -1
    try:
        rules.save_claim(request.user, cycle, unit_code, code, request.POST.get("points", ""),
                         request.POST.get("explanation", ""), version)
    except ClaimError as error:
        if request.htmx and error.kind in (ClaimError.INVALID, ClaimError.CONFLICT, ClaimError.CLOSED):
            typed = request.POST if error.kind == ClaimError.INVALID else None  # a conflict shows what is saved
            return _row(request, cycle, unit_code, code, error=error.message, posted=typed, status=error.status)
        return _fail(request, error, back)
    if request.htmx:
        return _row(request, cycle, unit_code, code, saved=True)
    messages.success(request, _("已保存指标 %(code)s 的自评。") % {"code": code})
    return redirect(f"{back}#c-{code}")


def _row(request: SignedInRequest, cycle: Cycle, unit_code: str, code: str, *, error: str = "", saved: bool = False,
         posted: Any = None, status: int = 200) -> HttpResponse:
    unit = _unit(request, cycle, unit_code)
    context = _context(request, cycle, unit)
    row = next(r for r in context["rows"] if r["criterion"].code == code)
    if posted is not None:
        row = {**row, "points": posted.get("points", ""), "typed_explanation": posted.get("explanation", "")}
    return render(request, "claims/_row.html", {**context, "row": row, "error": error, "saved": saved},
                  status=status)


@login_required
@require_POST
def submit(request: SignedInRequest, pk: int, unit_code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    back = reverse("claims:unit", args=[cycle.pk, unit_code])
    try:
        rules.submit(request.user, cycle, unit_code)
    except ClaimError as error:
        return _fail(request, error, back)
    messages.success(request, _("自评已提交。"))
    return redirect(back)


@office_only
@require_POST
def reopen(request: SignedInRequest, pk: int, unit_code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    back = reverse("claims:unit", args=[cycle.pk, unit_code])
    try:
        rules.reopen(request.user, cycle, unit_code, request.POST.get("reason", ""))
    except ClaimError as error:
        return _fail(request, error, back)
    messages.success(request, _("已退回自评，单位可以修改后重新提交。"))
    return redirect(back)


@login_required
@require_POST
def upload(request: SignedInRequest, pk: int, unit_code: str) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    back = reverse("claims:unit", args=[cycle.pk, unit_code])
    try:
        rules.check_writable(request.user, cycle, unit_code)
        files = [rules.read_evidence_upload(cycle, f) for f in request.FILES.getlist("file")]
        stored = rules.upload_evidence(request.user, cycle, unit_code, files, request.POST.getlist("criteria"))
    except ClaimError as error:
        return _fail(request, error, back)
    messages.success(request, _("已上传：%(names)s") % {"names": "、".join(e.name for e in stored)})
    return redirect(back)


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
        return _fail(request, error, back)
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
        return _fail(request, error, back)
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
