"""Loading the shipped defaults into the database: units, departments and the two 2018 schemes
(published). Idempotent: what exists already is left as it is."""

from __future__ import annotations

from django.db import transaction

from kaohe.data import builtin_names, builtin_path
from kaohe.formats.masterdata import read_departments, read_units
from kaohe.formats.yaml_scheme import read_yaml
from kaohe.orgs.models import Department, Unit
from kaohe.schemes.models import SchemeRecord
from kaohe.schemes.store import publish, save_scheme


@transaction.atomic
def load_defaults() -> dict[str, int]:
    made = {"departments": 0, "units": 0, "schemes": 0}
    for position, department in enumerate(read_departments()):
        _, created = Department.objects.get_or_create(
            code=department.code, defaults={"name": department.name, "position": position})
        made["departments"] += created
    for position, unit in enumerate(read_units()):
        _, created = Unit.objects.get_or_create(code=unit.code, defaults={
            "name": unit.name, "category": unit.category, "party_organisation": unit.party_organisation,
            "scheme_name": unit.scheme, "position": position})
        made["units"] += created
    for name in builtin_names():
        if SchemeRecord.objects.filter(name=name).exists():
            continue
        path = builtin_path(name)
        assert path is not None  # one of builtin_names()
        record, _ = save_scheme(read_yaml(path))
        publish(record, acknowledge_warnings=True)
        made["schemes"] += 1
    return made
