"""The rules for units and departments, shared by the office's pages and the roster import: a
record is saved from the texts a person typed (into a form or a sheet), checked with the model's
own validation (code, unique code and name, category) and these:

- a code never changes once saved (draft cycles name their units by code, users their department
  and unit by row);
- a unit's default scheme, when given, is a scheme that exists;
- the position is a whole number (blank: after the others);
- a field not given (a column the roster does not have) keeps its value.
Saving never touches a cycle already opened: cycles copy their units and departments when they
open (kaohe.cycles.lifecycle). Deactivating keeps the record (users and past cycles name it); a
deactivated unit is no longer offered for a new cycle. Every change is audited (kaohe.audit.signals).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kaohe.core import text
from kaohe.orgs.models import Department, Unit
from kaohe.schemes.models import SchemeRecord

UNIT_FIELDS = ("code", "name", "category", "party_organisation", "scheme_name", "position")
DEPARTMENT_FIELDS = ("code", "name", "position")


class RecordError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("；".join(m for messages in errors.values() for m in messages))


def _position(text: str, model: Any, record: Any) -> int:
    text = (text or "").strip()
    if not text:
        if record is not None:
            return record.position
        return (model.objects.aggregate(last=Max("position"))["last"] or 0) + 1
    if not text.isdigit() or len(text) > 9:
        raise RecordError({"position": [_("排序必须是不超过9位的非负整数。")]})
    return int(text)


def _save(model: Any, record: Any, values: dict[str, str], fields: tuple[str, ...],
          texts: dict[str, text.FreeText]) -> bool:
    """`values` holds the fields given; a field not given keeps its value (a new record: its default).
    `texts`: the fields typed as free text, cleaned by the one text rule (kaohe.core.text)."""
    values = {key: (values[key] or "").strip() for key in fields if key in values}
    for key, rule in texts.items():
        if key in values:
            try:
                values[key] = text.clean(values[key], rule)
            except text.TextError as error:
                raise RecordError({key: [error.message(_)]}) from None
    if record is not None and values.get("code", record.code) != record.code:
        raise RecordError({"code": [_("编码保存后不能修改。")]})
    instance = record if record is not None else model()
    before = {key: getattr(instance, key) for key in fields} if record is not None else None
    given: dict[str, object] = dict(values)
    if "position" in values or record is None:
        given["position"] = _position(values.get("position", ""), model, record)
    for key, value in given.items():
        setattr(instance, key, value)
    try:
        instance.full_clean(exclude=["active"])
    except ValidationError as error:
        raise RecordError({key: list(messages) for key, messages in error.message_dict.items()}) from None
    if before == {key: getattr(instance, key) for key in fields}:
        return False
    with transaction.atomic():
        instance.save()
    return True


def save_unit(unit: Unit | None, values: dict[str, str]) -> bool:
    """Create (`unit` None) or change a unit; whether anything changed."""
    scheme = (values.get("scheme_name") or "").strip()
    if scheme and not SchemeRecord.objects.filter(name=scheme).exists():
        raise RecordError({"scheme_name": [_("没有名为“%(name)s”的指标体系。") % {"name": scheme}]})
    return _save(Unit, unit, values, UNIT_FIELDS,
                 {"name": text.UNIT_NAME, "party_organisation": text.UNIT_PARTY_ORGANISATION})


def save_department(department: Department | None, values: dict[str, str]) -> bool:
    """Create (`department` None) or change a department; whether anything changed."""
    return _save(Department, department, values, DEPARTMENT_FIELDS, {"name": text.DEPARTMENT_NAME})


def set_active(record: Unit | Department, active: bool) -> None:
    if record.active != active:
        record.active = active
        with transaction.atomic():
            record.save(update_fields=["active"])
