"""View decorators for role checks: log-in first (anonymous users are sent to log in), then a
predicate from kaohe.accounts.permissions (others get 403). Every app's views use `requires`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from kaohe.accounts.permissions import is_office, reads_all

View = Callable[..., HttpResponse]


def requires(allowed: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


office_only = requires(is_office)
office_or_leader = requires(reads_all)
