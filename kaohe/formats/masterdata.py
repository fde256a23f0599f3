"""Units (被考核单位) and departments (考核单位) master data, read from YAML.

The shipped files are `kaohe/data/units.yaml` and `kaohe/data/departments.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kaohe.core.scheme import Location
from kaohe.data import DEPARTMENTS_FILE, UNITS_FILE
from kaohe.formats.errors import FormatError
from kaohe.formats.text import decode_text


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    category: str
    scheme: str
    party_organisation: str = ""


@dataclass(frozen=True)
class Department:
    code: str
    name: str


def _records(path: Path, key: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(decode_text(path))
    except yaml.YAMLError as error:
        raise FormatError(f"YAML 语法错误：{error}", Location(file=str(path))) from None
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise FormatError(f"应有顶层列表“{key}”", Location(file=str(path)))
    records = []
    codes: set[str] = set()
    for number, record in enumerate(data[key], start=1):
        where = Location(file=str(path), row=number)
        if not isinstance(record, dict):
            raise FormatError(f"{key} 第{number}项应为键值映射", where)
        missing = [k for k in required if not record.get(k)]
        unknown = [k for k in record if k not in required + optional]
        if missing or unknown:
            raise FormatError(f"{key} 第{number}项：缺少 {missing}，未知 {unknown}", where)
        if record["code"] in codes:
            raise FormatError(f"{key} 第{number}项：编码“{record['code']}”重复", where)
        codes.add(record["code"])
        records.append({k: str(v) for k, v in record.items()})
    return records


def read_units(path: Path = UNITS_FILE) -> list[Unit]:
    return [Unit(**r) for r in _records(path, "units", ("code", "name", "category", "scheme"),
                                        ("party_organisation",))]


def read_departments(path: Path = DEPARTMENTS_FILE) -> list[Department]:
    return [Department(**r) for r in _records(path, "departments", ("code", "name"))]
