"""Users with one role each, and API tokens (stored hashed; shown once when created)."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    OFFICE = "office", _("考核办管理员")
    SCORER = "scorer", _("考核部门评分人")
    HEAD = "head", _("考核部门负责人")
    UNIT = "unit", _("被考核单位用户")
    LEADER = "leader", _("领导（只读）")


# The named groups of roles that rules speak of (kaohe.accounts.permissions asks about them).
READERS_OF_ALL = frozenset({Role.OFFICE, Role.LEADER})  # read every cycle, department and unit
DEPARTMENT_ROLES = frozenset({Role.SCORER, Role.HEAD})  # belong to an assessing department and score for it
NEEDS_UNIT = frozenset({Role.UNIT})


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.LEADER)
    department = models.ForeignKey("orgs.Department", verbose_name=_("所属考核部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="users")
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("所属单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="users")
    # Every notification is also kept on the notifications page; this only switches the e-mail off.
    email_notifications = models.BooleanField(_("接收邮件通知"), default=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")

    def clean(self) -> None:
        super().clean()
        if self.role in DEPARTMENT_ROLES and self.department_id is None:
            raise ValidationError({"department": _("该角色必须属于一个考核部门。")})
        if self.role in NEEDS_UNIT and self.unit_id is None:
            raise ValidationError({"unit": _("该角色必须属于一个被考核单位。")})
        if self.role not in DEPARTMENT_ROLES and self.department_id is not None:
            raise ValidationError({"department": _("只有评分人和部门负责人属于考核部门。")})
        if self.role not in NEEDS_UNIT and self.unit_id is not None:
            raise ValidationError({"unit": _("只有被考核单位用户属于单位。")})

    def save(self, *args, **kwargs):
        # The Django admin is the office's tool only: office users get it, nobody else does.
        self.is_staff = self.is_superuser = self.role == Role.OFFICE
        super().save(*args, **kwargs)

    @property
    def is_office(self) -> bool:
        """The one office check (kaohe.accounts.permissions.is_office asks it): an active office account."""
        return self.is_active and self.role == Role.OFFICE

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100, blank=True)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = pgettext_lazy("plural", "API 令牌")

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        """Create a token; the plain key is returned once and never stored."""
        key = f"kh_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(user=user, name=name, prefix=key[:8], key_hash=hash_token(key))
        return token, key

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
