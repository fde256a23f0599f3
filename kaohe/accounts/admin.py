"""The Django admin, for the office only: accounts and API tokens here; units and departments in
kaohe.orgs.admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget, UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kaohe.accounts.models import ApiToken, User
from kaohe.accounts.permissions import is_office


def office_only(request: HttpRequest) -> bool:
    return is_office(request.user)


admin.site.has_permission = office_only  # type: ignore[method-assign]  # the office only
admin.site.site_header = _("Kaohe 考核办管理")

# Django names permissions "Can add …" in English when it creates them; the admin shows them in words.
ACTIONS = {"add": _("可增加%(model)s"), "change": _("可修改%(model)s"), "delete": _("可删除%(model)s"),
           "view": _("可查看%(model)s")}


def permission_label(permission: Permission) -> str:
    """"账号 | 用户 | 可增加用户" for Django's four permissions of a model; others under their own name."""
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    name = permission.name
    if model is not None and action in ACTIONS and model_name == model._meta.model_name:
        name = str(ACTIONS[action]) % {"model": model._meta.verbose_name}
    return f"{permission.content_type} | {name}"


class PermissionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class PermissionsInWords:
    """A ModelAdmin mixin: the permission choices of a user or a group, in words."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in ("permissions", "user_permissions"):
            kwargs.setdefault("queryset", Permission.objects.select_related("content_type"))
            kwargs["form_class"] = PermissionsField
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class PasswordSetWidget(ReadOnlyPasswordHashWidget):
    """Whether the user has a password, and the button to reset it: never the hash's algorithm,
    salt and digest, which are of no use to the office."""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if context["summary"] and "value" in context["summary"][0]:  # a usable password's hash
            context["summary"] = [{"label": _("已设置密码。")}]
        return context


class UserForm(UserChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordSetWidget()


@admin.register(User)
class KaoheUserAdmin(PermissionsInWords, UserAdmin):
    form = UserForm
    list_display = ("username", "last_name", "first_name", "role", "department", "unit", "is_active")
    list_filter = ("role", "department", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), (_("角色"), {"fields": ("role", "department", "unit")}))
    add_fieldsets = (*UserAdmin.add_fieldsets, (_("角色"), {"fields": ("role", "department", "unit")}))


admin.site.unregister(Group)


@admin.register(Group)
class KaoheGroupAdmin(PermissionsInWords, GroupAdmin):
    pass


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued with `kaohe token create`, which shows the key once
