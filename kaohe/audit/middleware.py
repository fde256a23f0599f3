"""Puts the request's user and address into the audit context for the length of the request."""

from __future__ import annotations

from kaohe.audit.context import acting_as


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with acting_as(user, client_address(request)):
            return self.get_response(request)


def client_address(request) -> str | None:
    """REMOTE_ADDR; behind the reverse proxy, set the proxy to pass the client's address there."""
    return request.META.get("REMOTE_ADDR") or None
