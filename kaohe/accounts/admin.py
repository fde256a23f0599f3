"""The Django admin, for the office only: accounts and API tokens here; units and departments in
kaohe.orgs.admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kaohe.accounts.models import ApiToken, User
from kaohe.accounts.permissions import is_office


def office_only(request: HttpRequest) -> bool:
    return is_office(request.user)


admin.site.has_permission = office_only  # type: ignore[method-assign]  # the office only
admin.site.site_header = _("Kaohe 考核办管理")


@admin.register(User)
class KaoheUserAdmin(UserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "department", "unit", "is_active")
    list_filter = ("role", "department", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), (_("角色"), {"fields": ("role", "department", "unit")}))
    add_fieldsets = (*UserAdmin.add_fieldsets, (_("角色"), {"fields": ("role", "department", "unit")}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued with `kaohe token create`, which shows the key once
