"""Units and departments in the Django admin (which only the office may use: kaohe.accounts.admin)."""

from __future__ import annotations

from django.contrib import admin

from kaohe.orgs.models import Department, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "party_organisation", "scheme_name", "active")
    list_filter = ("category", "active")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")
