"""The audit trail for the office: a filterable, paginated list and streamed CSV/xlsx exports of
what the filters select, in words (kaohe.audit.words). Nobody else may see it; events are never
changed here (or anywhere)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kaohe.accounts import decorators
from kaohe.accounts.decorators import SignedInRequest
from kaohe.audit import export
from kaohe.audit.filters import EventFilterForm, filtered_events
from kaohe.audit.words import describe

PAGE_SIZE = 100


def office_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The office's read-only pages: GET or HEAD only."""
    return decorators.office_only(require_safe(view))


def _query_without_page(request: SignedInRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _invalid(request: SignedInRequest, form: EventFilterForm, status: int = 200) -> HttpResponse:
    return render(request, "audit/list.html", {"form": form, "page": None, "query": ""}, status=status)


@office_only
def event_list(request: SignedInRequest) -> HttpResponse:
    form, events = filtered_events(request.GET)
    if events is None:
        return _invalid(request, form)
    page = Paginator(events.select_related("actor"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"form": form, "page": page, "rows": describe(page),
                                               "query": _query_without_page(request)})


@office_only
def export_csv(request: SignedInRequest) -> HttpResponseBase:
    form, events = filtered_events(request.GET)
    if events is None:
        return _invalid(request, form, status=400)
    return export.csv_response(events)


@office_only
def export_xlsx(request: SignedInRequest) -> HttpResponseBase:
    form, events = filtered_events(request.GET)
    if events is None:
        return _invalid(request, form, status=400)
    return export.xlsx_response(events)
