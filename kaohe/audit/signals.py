"""Master data and account changes are audited wherever they are made (pages, admin, commands),
and worded here (kaohe.audit.vocabulary): each field under its model's label, a choice under its
label, a related unit or department by its code (named on the trail's pages)."""

from __future__ import annotations

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from kaohe.accounts.models import User
from kaohe.audit.record import record
from kaohe.audit.vocabulary import Field, actions, object_type
from kaohe.orgs.models import Department, Unit

AUDITED = {Unit: "unit", Department: "department", User: "user"}
HIDDEN = {"password", "last_login"}
NOT_SHOWN = {"id", "is_staff", "is_superuser"}  # recorded, but nothing a reader needs (is_staff follows the role)
REFERS = {Unit: "unit", Department: "department"}  # a related row is recorded by its code


def _snapshot(instance) -> dict:
    data = model_to_dict(instance)
    for field in type(instance)._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model in REFERS and field.name in data:
            related = getattr(instance, field.name)
            data[field.name] = related.code if related is not None else None
    data = {k: v for k, v in data.items() if k not in HIDDEN and not isinstance(v, list | tuple | set)}
    return {k: (v if isinstance(v, str | int | float | bool | type(None)) else str(v)) for k, v in data.items()}


def register_words() -> None:
    """The labels of the master data's events and of their models' fields."""
    actions({
        "unit.create": _("新增被考核单位"), "unit.update": _("修改被考核单位"), "unit.delete": _("删除被考核单位"),
        "department.create": _("新增考核部门"), "department.update": _("修改考核部门"),
        "department.delete": _("删除考核部门"),
        "user.create": _("新增用户"), "user.update": _("修改用户"), "user.delete": _("删除用户"),
    })
    for model, kind in AUDITED.items():
        fields: dict[str, Field] = {}
        for field in model._meta.concrete_fields:
            if field.name in HIDDEN:
                continue
            label = field.verbose_name
            if field.name in NOT_SHOWN:
                fields[field.name] = Field(label, hidden=True)
            elif isinstance(field, models.ForeignKey) and field.related_model in REFERS:
                fields[field.name] = Field(label, refers=REFERS[field.related_model])  # type: ignore[index]
            elif field.name == "scheme_name":
                fields[field.name] = Field(label, refers="scheme")
            elif field.choices and field.name != "category":  # a unit's category is its own word already
                fields[field.name] = Field(label, choices=dict(field.flatchoices))
            else:
                fields[field.name] = Field(label, identifier=field.name in ("username", "code", "email"))
        fields["password"] = Field(_("密码"), choices=lambda value: _("已修改"))
        object_type(kind, model._meta.verbose_name, fields)


@receiver(pre_save)
def _remember_old(sender, instance, **kwargs) -> None:
    if sender in AUDITED and instance.pk:
        old = sender.objects.filter(pk=instance.pk).first()
        instance._audit_old = _snapshot(old) if old is not None else None
        instance._audit_password_changed = (
            sender is User and old is not None and old.password != instance.password)


@receiver(post_save)
def _record_save(sender, instance, created, **kwargs) -> None:
    kind = AUDITED.get(sender)
    if kind is None or kwargs.get("raw"):
        return
    new = _snapshot(instance)
    old = None if created else getattr(instance, "_audit_old", None)
    changed_password = getattr(instance, "_audit_password_changed", False)
    if old == new and not changed_password:
        return  # e.g. a log-in updating last_login only
    if old is not None:
        changed = {k for k in new if old.get(k) != new.get(k)}
        old = {k: old.get(k) for k in changed}
        new = {k: new[k] for k in changed}
        if changed_password:
            new["password"] = "（已修改）"
    record(f"{kind}.{'create' if created else 'update'}", kind, _key(instance), old=old, new=new)


@receiver(post_delete)
def _record_delete(sender, instance, **kwargs) -> None:
    kind = AUDITED.get(sender)
    if kind is not None:
        record(f"{kind}.delete", kind, _key(instance), old=_snapshot(instance))


def _key(instance) -> str:
    return f"{AUDITED[type(instance)]}:{getattr(instance, 'code', None) or instance.get_username()}"
