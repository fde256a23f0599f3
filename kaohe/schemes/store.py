"""Saving, publishing and cloning schemes: the one place that turns core schemes into rows.

Every function here is a transaction and writes its audit event in it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.accounts.errors import Refused
from kaohe.audit.context import current
from kaohe.audit.record import record
from kaohe.core.applicability import resolve_all
from kaohe.core.check import Finding, check
from kaohe.core.scheme import Level, Scheme, effective_departments
from kaohe.formats.yaml_scheme import dumps_yaml
from kaohe.schemes.models import Node, SchemeRecord


class SchemeError(Refused):
    """A scheme operation the rules do not allow; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(Refused.INVALID, message)


def _node_rows(record: SchemeRecord, scheme: Scheme) -> None:
    applicability = resolve_all(scheme)
    order = {u: i for i, u in enumerate(scheme.units)}
    positions = {id(node): index for index, node in enumerate(scheme.walk())}
    created: dict[int, Node] = {}
    for depth in range(4):  # parents before children, so each row can point to its parent
        batch = []
        for node, parents in scheme.walk_with_parents():
            if len(parents) != depth:
                continue
            criterion = next((n for n in (*parents, node) if n.level is Level.CRITERION), None)
            row = Node(
                scheme=record, parent=created[id(parents[-1])] if parents else None, code=node.code,
                level=node.level.value, title=node.title, points=node.points, depth=depth,
                position=positions[id(node)], is_leaf=node.is_leaf, dimension_code=(parents[0] if parents else node).code,
                criterion_code=criterion.code if criterion else "", note=node.note,
                departments=effective_departments(node, parents),
                units=sorted(applicability.of(node), key=order.__getitem__),
            )
            created[id(node)] = row
            batch.append(row)
        Node.objects.bulk_create(batch, batch_size=500)


@transaction.atomic
def save_scheme(scheme: Scheme, *, replace: SchemeRecord | None = None) -> tuple[SchemeRecord, list[Finding]]:
    """Store `scheme` as a draft (or replace a draft's content); returns the record and its findings."""
    findings = check(scheme)
    errors = sum(f.is_error for f in findings)
    fields = dict(name=scheme.name, title=scheme.title or scheme.name, year=scheme.year, total=scheme.total,
                  audience=scheme.audience, document=dumps_yaml(scheme), errors=errors,
                  warnings=len(findings) - errors, warnings_acknowledged=False)
    if replace is not None:
        replace = SchemeRecord.objects.select_for_update().get(pk=replace.pk)  # re-read under a lock
        if replace.is_published:
            raise SchemeError(_("已发布的指标体系不能修改。"))
        old = {"name": replace.name, "errors": replace.errors, "warnings": replace.warnings}
        for key, value in fields.items():
            setattr(replace, key, value)
        record_ = replace
        try:
            with transaction.atomic():
                record_.save()
        except IntegrityError:
            raise SchemeError(_("已有名为“%(name)s”的指标体系。") % {"name": scheme.name}) from None
        record_.nodes.all().delete()
        action, old_value = "scheme.replace", old
    else:
        if SchemeRecord.objects.filter(name=scheme.name).exists():
            raise SchemeError(_("已有名为“%(name)s”的指标体系；请改名或替换该草稿。") % {"name": scheme.name})
        record_ = SchemeRecord.objects.create(created_by=_user(current().user), **fields)
        action, old_value = "scheme.import", None
    _node_rows(record_, scheme)
    record(action, "scheme", f"scheme:{record_.name}", old=old_value,
           new={"name": record_.name, "errors": errors, "warnings": record_.warnings})
    return record_, findings


def _user(user):
    return user if user is not None and getattr(user, "pk", None) else None


@transaction.atomic
def publish(record_: SchemeRecord, *, acknowledge_warnings: bool) -> None:
    record_ = SchemeRecord.objects.select_for_update().get(pk=record_.pk)
    if record_.is_published:
        raise SchemeError(_("该指标体系已经发布。"))
    if record_.errors:
        raise SchemeError(_("该指标体系有%(errors)d个错误，修正后才能发布。") % {"errors": record_.errors})
    if record_.warnings and not acknowledge_warnings:
        raise SchemeError(_("请先确认%(warnings)d个警告，再发布。") % {"warnings": record_.warnings})
    record_.status = SchemeRecord.Status.PUBLISHED
    record_.warnings_acknowledged = bool(record_.warnings)
    record_.published_at = timezone.now()
    record_.published_by = _user(current().user)
    record_.save()
    record("scheme.publish", "scheme", f"scheme:{record_.name}", old={"status": "draft"},
           new={"status": "published", "warnings_acknowledged": record_.warnings_acknowledged})


def clone(record_: SchemeRecord, *, name: str, year: int, title: str | None = None) -> SchemeRecord:
    """A draft copy for another year, to be edited and published on its own. The title's year
    follows unless a title is given: "…(2018年度)" becomes "…(2019年度)"."""
    scheme = record_.core()
    scheme.title = title or scheme.title.replace(str(scheme.year), str(year))
    scheme.name, scheme.year = name, year
    copy, _findings = save_scheme(scheme)
    record("scheme.clone", "scheme", f"scheme:{copy.name}", old={"from": record_.name}, new={"year": year})
    return copy
