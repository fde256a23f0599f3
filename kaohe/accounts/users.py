"""The rules for accounts, shared by the office's pages (kaohe.directory), their Excel import and
`kaohe user …`: creating a user with a role (and its department or unit), changing one, setting
or resetting a password, deactivating and reactivating. Accounts are never deleted (the audit
trail names them); a deactivated account cannot log in and gets no notifications.

Every refusal is a `UserError` whose `errors` map a field (username, role, department, unit,
password, …) to its messages, in the user's language. The audit trail records every change
(kaohe.audit.signals), so the callers only set who acts.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.accounts.hashers import hash_generated
from kaohe.accounts.models import User
from kaohe.core import text

USERNAME_MAX = User._meta.get_field("username").max_length
NAME_MAX = User._meta.get_field("last_name").max_length


class UserError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "；".join(f"{message}" for messages in self.errors.values() for message in messages)


def _name(name: str) -> str:
    """A person's name by the one text rule (kaohe.core.text)."""
    try:
        return text.clean(name or "", text.USER_NAME)
    except text.TextError as error:
        raise UserError({"last_name": [error.message(_)]}) from None


def _check(user: User, password: str | None, exclude: list[str] | None = None) -> None:
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password", *(exclude or [])])
    except ValidationError as error:
        errors.update({key: list(messages) for key, messages in error.message_dict.items()})
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as error:
            errors.setdefault("password", []).extend(error.messages)
    if errors:
        raise UserError(errors)


def create_user(*, username: str, role: str, password: str, department: Any = None, unit: Any = None,
                name: str = "", email: str = "", generated: bool = False) -> User:
    """A new active account; `department` (an orgs.Department) for scorers and heads, `unit` (an
    orgs.Unit) for unit users. `generated`: the password is `random_password()`'s (hashed by
    kaohe.accounts.hashers.hash_generated)."""
    username = (username or "").strip()
    if User.objects.filter(username=username).exists():
        raise UserError({"username": [_("用户名“%(username)s”已存在。") % {"username": username}]})
    user = User(username=username, role=role, department=department, unit=unit,
                last_name=_name(name), email=(email or "").strip())
    _check(user, None if generated else password)
    _set(user, password, generated)
    with transaction.atomic():
        user.save()
    return user


def _set(user: User, password: str, generated: bool) -> None:
    if generated:
        user.password = hash_generated(password)
    else:
        user.set_password(password)


def change_user(user: User, *, role: str, department: Any = None, unit: Any = None, name: str = "",
                email: str = "") -> User:
    """A user's role, department or unit, name and e-mail; the username stays."""
    user.role, user.department, user.unit = role, department, unit
    user.last_name, user.email = _name(name), (email or "").strip()
    _check(user, None, exclude=["username"])
    with transaction.atomic():
        user.save()
    return user


def set_password(user: User, password: str, generated: bool = False) -> None:
    """A new password (`generated`: `random_password()`'s, as for `create_user`)."""
    _check(user, None if generated else password, exclude=["username"])
    _set(user, password, generated)
    with transaction.atomic():
        user.save(update_fields=["password"])


def set_active(user: User, active: bool, acting: User | None = None) -> None:
    """Deactivate (or reactivate) an account. The office cannot deactivate its own account, so an
    installation never loses its last way in by accident."""
    if not active and acting is not None and acting.pk == user.pk:
        raise UserError({"is_active": [_("不能停用自己的账号。")]})
    if user.is_active != active:
        user.is_active = active
        with transaction.atomic():
            user.save(update_fields=["is_active"])


# Letters and digits without look-alikes (0/O, 1/l/I): read aloud or typed from a printed sheet.
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def random_password(length: int = 14) -> str:
    """A password the office hands over once (a reset, an import without passwords)."""
    while True:
        password = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password

