"""API authentication: `Authorization: Bearer <token>` (tokens from `kaohe token create`), or the
browser session (with CSRF) so the browsable docs work for a logged-in user."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from kaohe.accounts.models import ApiToken, hash_token
from kaohe.audit.context import bind_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        found = ApiToken.objects.select_related("user", "user__department", "user__unit").filter(
            key_hash=hash_token(token), user__is_active=True).first()
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        bind_user(found.user)  # the audit trail names the token's user
        return found.user


class BrowserSession(SessionAuth):
    """The browser session, with ninja's CSRF check — but only when there is a session, so a
    script with a wrong or revoked token gets 401, not a CSRF error."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


AUTH = [BearerToken(), BrowserSession()]
