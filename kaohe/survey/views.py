"""The office's survey pages, and the results for leaders and units.

- list, create, edit (until the window opens), the survey's page with its codes per group (make,
  add, void, print the slips as PDF), its window (close now, extend) and publishing: the office.
- results: the office and leaders once the survey is closed; a unit user reads its own figures,
  only after publication. Others 403; a survey of a cycle the user cannot see 404.
Changes are office-only POSTs calling kaohe.survey.definition / codes / outcome.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.accounts.decorators import office_only, office_or_leader, requires
from kaohe.accounts.permissions import in_unit, is_office, reads_all
from kaohe.cycles.access import visible_cycles
from kaohe.cycles.models import Cycle
from kaohe.formats.download import attach
from kaohe.formats.pdf import PdfError
from kaohe.survey import codes, outcome, sheet
from kaohe.survey.definition import SurveyError, definition_of, save_survey, set_window, units_of
from kaohe.survey.forms import CodesForm, SurveyForm, initial_for
from kaohe.survey.models import PublishedSurvey, RaterGroup, Survey


def can_read(user: Any) -> bool:
    """The office and leaders read results; a unit user its own figures (checked in the view)."""
    return reads_all(user) or in_unit(user)


def _survey(request: HttpRequest, pk: int) -> Survey:
    cycles = visible_cycles(request.user)
    return get_object_or_404(Survey.objects.select_related("cycle").filter(cycle__in=cycles), pk=pk)


# ----------------------------------------------------------------------------- the office


@office_or_leader
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    cycles = visible_cycles(request.user)
    surveys = (Survey.objects.filter(cycle__in=cycles).select_related("cycle", "published")
               .annotate(group_count=Count("groups")).order_by("-opens_at", "-pk"))
    now = timezone.now()
    return render(request, "survey/list.html", {
        "surveys": [{"survey": s, "state": s.state(now), "published": hasattr(s, "published")} for s in surveys],
        "cycles": list(cycles.exclude(status=Cycle.Status.DRAFT).values_list("pk", "name")) if is_office(request.user) else [],
    })


def _form_page(request: HttpRequest, cycle: Cycle, form: SurveyForm, survey: Survey | None,
               status: int = 200) -> HttpResponse:
    return render(request, "survey/form.html", {"cycle": cycle, "form": form, "survey": survey}, status=status)


def _save(request: HttpRequest, cycle: Cycle, survey: Survey | None) -> HttpResponse:
    units = units_of(cycle)
    if request.method != "POST":
        return _form_page(request, cycle, SurveyForm(initial=initial_for(survey), units=units), survey)
    form = SurveyForm(request.POST, units=units)
    if form.is_valid():
        try:
            saved = save_survey(cycle, request.user, form.values(), survey)
        except SurveyError as problem:
            for message in problem.problems:
                form.add_error(None, message)
        else:
            messages.success(request, _("测评已保存。"))
            return redirect("survey:detail", pk=saved.pk)
    return _form_page(request, cycle, form, survey, status=422)


@office_only
def create(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("cycle") or request.GET.get("cycle") or ""
    cycle = get_object_or_404(visible_cycles(request.user), pk=int(raw)) if raw.isdigit() else None
    if cycle is None:
        raise Http404
    return _save(request, cycle, None)


@office_only
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    if survey.state() != "draft":
        messages.error(request, _("测评已经开始，不能再修改测评内容（可以调整结束时间）。"))
        return redirect("survey:detail", pk=survey.pk)
    return _save(request, survey.cycle, survey)


@office_only
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    groups = codes.counts(survey)
    definition = definition_of(survey, [c.group for c in groups])
    published = PublishedSurvey.objects.filter(survey=survey).only("pk", "published_at").first()
    return render(request, "survey/detail.html", {
        "survey": survey, "state": survey.state(), "groups": groups, "definition": definition,
        "published": published, "codes_form": CodesForm(), "vote_url": sheet.vote_url(),
        "issued": sum(c.issued for c in groups), "used": sum(c.used for c in groups),
    })


def _group(survey: Survey, group_id: int) -> RaterGroup:
    return get_object_or_404(RaterGroup.objects.select_related("survey__cycle"), survey=survey, pk=group_id)


@office_only
@require_POST
def make_codes(request: HttpRequest, pk: int, group: int) -> HttpResponse:
    survey = _survey(request, pk)
    chosen = _group(survey, group)
    form = CodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("survey:detail", pk=survey.pk)
    try:
        made = codes.add_codes(chosen, form.cleaned_data.get("count"))
    except SurveyError as problem:
        messages.error(request, problem.message)
    else:
        messages.success(request, _("已为“%(group)s”生成%(count)d个测评码。") % {"group": chosen.name, "count": made})
    return redirect("survey:detail", pk=survey.pk)


@office_only
@require_POST
def void(request: HttpRequest, pk: int, group: int) -> HttpResponse:
    survey = _survey(request, pk)
    chosen = _group(survey, group)
    form = CodesForm(request.POST)
    try:
        if not form.is_valid():
            raise SurveyError("；".join(str(e) for errors in form.errors.values() for e in errors))
        try:
            serials = form.serial_numbers()
        except ValidationError as error:
            raise SurveyError("；".join(getattr(error, "messages", [str(error)]))) from None
        everything = request.POST.get("all") == "1"
        if not serials and not everything:
            raise SurveyError(_("请填写要作废的序号。"))
        count = codes.void_codes(survey, chosen, serials=serials, all_unused=everything)
    except SurveyError as problem:
        messages.error(request, problem.message)
    else:
        messages.success(request, _("已作废%(count)d个未使用的测评码。") % {"count": count})
    return redirect("survey:detail", pk=survey.pk)


@office_only
@require_GET
def slips(request: HttpRequest, pk: int, group: int) -> HttpResponse:
    """The group's unused codes as the A4 sheet of slips (PDF)."""
    survey = _survey(request, pk)
    chosen = _group(survey, group)
    found = codes.slips(chosen)
    if not found:
        messages.error(request, _("“%(group)s”没有可打印的测评码，请先生成。") % {"group": chosen.name})
        return redirect("survey:detail", pk=survey.pk)
    try:
        data = sheet.sheet_pdf(chosen, found)
    except PdfError as error:
        messages.error(request, str(error))
        return redirect("survey:detail", pk=survey.pk)
    codes.printed(chosen, len(found))
    response = HttpResponse(data, content_type="application/pdf")
    attach(response, sheet.filename(chosen))
    response["Cache-Control"] = "no-store"
    return response


@office_only
@require_POST
def window(request: HttpRequest, pk: int) -> HttpResponse:
    """Close now, or extend the end by the given minutes."""
    survey = _survey(request, pk)
    try:
        if request.POST.get("action") == "close":
            set_window(survey, request.user, closes_at=timezone.now())
            messages.success(request, _("测评已结束。"))
        else:
            minutes = request.POST.get("minutes", "")
            if not minutes.isdigit() or not 1 <= int(minutes) <= 7 * 24 * 60:
                raise SurveyError(_("延长的分钟数应在1到10080之间。"))
            base = max(survey.closes_at, timezone.now())
            set_window(survey, request.user, closes_at=base + timedelta(minutes=int(minutes)))
            messages.success(request, _("结束时间已延长。"))
    except SurveyError as problem:
        messages.error(request, problem.message)
    return redirect("survey:detail", pk=survey.pk)


@office_only
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    try:
        outcome.publish(survey, request.user)
    except SurveyError as problem:
        messages.error(request, problem.message)
        return redirect("survey:detail", pk=survey.pk)
    messages.success(request, _("测评结果已发布，可在考核结果设置中作为得分构成使用。"))
    return redirect("survey:results", pk=survey.pk)


# ----------------------------------------------------------------------------- results


@requires(can_read)
@require_GET
def results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    published = PublishedSurvey.objects.filter(survey=survey).first()
    user = request.user
    if in_unit(user):
        unit = getattr(user, "unit", None)
        row = outcome.unit_row(published, unit.code) if published is not None and unit is not None else None
        if row is None:
            raise PermissionDenied
        return render(request, "survey/unit_results.html", {"survey": survey, "published": published, "row": row})
    state = survey.state()
    data = published.results if published is not None else (outcome.compute(survey) if state == "closed" else None)
    return render(request, "survey/results.html", {
        "survey": survey, "state": state, "published": published, "data": data, "office": is_office(user)})


urlpatterns = [
    path("", survey_list, name="list"),
    path("new/", create, name="create"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/edit/", edit, name="edit"),
    path("<int:pk>/groups/<int:group>/codes/", make_codes, name="codes"),
    path("<int:pk>/groups/<int:group>/void/", void, name="void"),
    path("<int:pk>/groups/<int:group>/slips.pdf", slips, name="slips"),
    path("<int:pk>/window/", window, name="window"),
    path("<int:pk>/publish/", publish, name="publish"),
    path("<int:pk>/results/", results, name="results"),
]
