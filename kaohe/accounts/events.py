"""The words of the accounts' audit events (kaohe.audit.vocabulary): API tokens, and users named
in events' keys (`user:office`) by their full name beside the log-in name. The users' own changes
(made anywhere) are recorded and worded by kaohe.audit.signals. Registered in AccountsConfig.ready()."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext_lazy as _

from kaohe.accounts.models import User
from kaohe.audit.vocabulary import Field, actions, key_part, object_type


def user_names(pairs: Collection[tuple[int | None, str]]) -> dict[tuple[int | None, str], tuple[str, str]]:
    users = {u.username: u for u in User.objects.filter(username__in={v for _c, v in pairs})}
    return {(cycle_id, name): (users[name].get_full_name(), name) for cycle_id, name in pairs if name in users}


def register() -> None:
    actions({"token.create": _("创建 API 令牌")})
    object_type("user", None, {"token": Field(_("API 令牌"), identifier=True)})
    key_part("user", User._meta.verbose_name, user_names)
