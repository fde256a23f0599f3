"""The page a locked-out log-in gets (django-axes calls `lockout_response`; status 429)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "accounts/lockout.html",
                  {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}, status=429)
