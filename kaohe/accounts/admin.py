"""The Django admin, for the office only: accounts, units, departments."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from kaohe.accounts.models import ApiToken, Role, User
from kaohe.orgs.models import Department, Unit


def office_only(request) -> bool:  # noqa: ANN001
    user = request.user
    return user.is_active and user.is_authenticated and user.role == Role.OFFICE


admin.site.has_permission = office_only
admin.site.site_header = _("Kaohe 考核办管理")


@admin.register(User)
class KaoheUserAdmin(UserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "department", "unit", "is_active")
    list_filter = ("role", "department", "is_active")
    fieldsets = UserAdmin.fieldsets + ((_("角色"), {"fields": ("role", "department", "unit")}),)
    add_fieldsets = UserAdmin.add_fieldsets + ((_("角色"), {"fields": ("role", "department", "unit")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False  # tokens are issued with `kaohe token create`, which shows the key once


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "party_organisation", "scheme_name", "active")
    list_filter = ("category", "active")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")
