"""Scheme pages: list, tree with findings, import, publish, clone, diff."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaohe.accounts.permissions import can_read_schemes
from kaohe.schemes.models import SchemeRecord


def _readable(request: HttpRequest) -> None:
    if not can_read_schemes(request.user):
        raise PermissionDenied


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    _readable(request)
    return render(request, "schemes/list.html", {"schemes": SchemeRecord.objects.all()})
