"""View decorators for role checks: log-in first (anonymous users are sent to log in), then a
predicate from kaohe.accounts.permissions (others get 403). Every app's views use `requires`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails

from kaohe.accounts.models import User
from kaohe.accounts.permissions import is_office, reads_all

View = Callable[..., HttpResponseBase]


class SignedInRequest(HttpRequest):
    """The request of a view behind `requires` (or `login_required`): its user is an account, and
    django-htmx's middleware has told whether it came from htmx. For type checks only."""

    user: User
    htmx: HtmxDetails


def requires(allowed: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


office_only = requires(is_office)
office_or_leader = requires(reads_all)
