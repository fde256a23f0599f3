"""Cycle pages: list, detail with progress and transitions, create, review."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path

from kaohe.accounts.permissions import visible_cycles


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    return render(request, "cycles/list.html", {"cycles": visible_cycles(request.user)})


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(visible_cycles(request.user), pk=pk)
    return render(request, "cycles/detail.html", {"cycle": cycle})


urlpatterns = [
    path("", cycle_list, name="list"),
    path("<int:pk>/", cycle_detail, name="detail"),
]
