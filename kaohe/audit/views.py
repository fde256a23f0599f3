"""The audit trail for the office: filter and export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaohe.accounts.permissions import is_office
from kaohe.audit.models import Event


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    if not is_office(request.user):
        raise PermissionDenied
    return render(request, "audit/list.html", {"events": Event.objects.select_related("cycle")[:200]})
