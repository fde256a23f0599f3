"""Master data and account changes are audited wherever they are made (pages, admin, commands)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.forms.models import model_to_dict

from kaohe.accounts.models import User
from kaohe.audit.record import record
from kaohe.orgs.models import Department, Unit

AUDITED = {Unit: "unit", Department: "department", User: "user"}
HIDDEN = {"password", "last_login"}


def _snapshot(instance) -> dict:
    data = model_to_dict(instance)
    data = {k: v for k, v in data.items() if k not in HIDDEN and not isinstance(v, list | tuple | set)}
    return {k: (v if isinstance(v, str | int | float | bool | type(None)) else str(v)) for k, v in data.items()}


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
