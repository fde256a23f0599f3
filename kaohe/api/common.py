"""What every API module asks first: the authenticated user, and a cycle they may see."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.api.errors import ApiError
from kaohe.cycles import access
from kaohe.cycles.models import Cycle


def user_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]  # set by the Bearer token or the session


def visible_cycle(user: User, cycle_id: int) -> Cycle:
    """The cycle, if the user sees it (kaohe.cycles.access); else 404, so ids cannot be probed."""
    cycle = access.visible_cycle(user, cycle_id)
    if cycle is None:
        raise ApiError(404, _("没有编号为 %(id)s 的考核周期，或您无权查看。") % {"id": cycle_id})
    return cycle
