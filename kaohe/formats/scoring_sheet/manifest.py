"""The very hidden sheet "kaohe": one fact per row, every cell text (see the package's docstring).

`rows(sheet, …)` are the rows the writer stores; `parse(facts, filename)` checks what a reader
found there and returns a `Manifest`. The layout is fixed: item i is on row FIRST_ROW + i and
unit i in the two columns from `points_column(i)`, so a manifest that points anywhere else was
edited and is refused like any other damage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter

from kaohe.core.scheme import Location
from kaohe.formats.errors import FormatError
from kaohe.formats.scoring_sheet.layout import (
    FIRST_ROW,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PROPOSAL_FIRST_ROW,
    SheetData,
    points_column,
    proposal_order,
    reason_digest,
    shown_number,
)

NOT_OURS = "不是从本系统下载的评分表"
FIXED_ROWS = 6  # format, cycle, department, sheet, step, read_only
VALUE_COLUMNS = 6  # the widest rows: value, unit, item, points, version, reason; proposal, row, unit, item,
# points, digest


def rows(sheet: SheetData, sheet_id: str, generated: str) -> Iterator[list[Any]]:
    yield ["format", FORMAT, FORMAT_VERSION]
    yield ["cycle", str(sheet.cycle_id), sheet.cycle_name]
    yield ["department", sheet.department_code, sheet.department_name]
    yield ["sheet", sheet_id, generated]
    yield ["step", str(sheet.step)]
    yield ["read_only", "1" if sheet.read_only else "0"]
    for index, item in enumerate(sheet.rows):
        yield ["item", str(FIRST_ROW + index), item.code, str(item.maximum)]
    for index, (code, name) in enumerate(sheet.units):
        column = points_column(index)
        yield ["unit", get_column_letter(column), get_column_letter(column + 1), code, name]
    for item in sheet.rows:
        for code, _name in sheet.units:
            value = sheet.values.get((code, item.code))
            if value is not None:
                points, reason, version = value
                yield ["value", code, item.code, "" if points is None else str(shown_number(points)), str(version),
                       reason or ""]
    for number, (key, proposal) in enumerate(proposal_order(sheet), start=PROPOSAL_FIRST_ROW):
        yield ["proposal", str(number), key[0], key[1], str(shown_number(proposal.points)),
               reason_digest(proposal.reason)]


@dataclass(frozen=True)
class Value:
    """An applicable (unit, item) pair as it was when the sheet was downloaded."""

    unit_code: str
    item_code: str
    points: Decimal | None
    version: int
    reason: str


@dataclass
class Manifest:
    cycle_id: int
    cycle_name: str
    department_code: str
    department_name: str
    sheet_id: str
    generated_at: str
    step: Decimal
    read_only: bool
    items: dict[str, tuple[int, Decimal]] = field(default_factory=dict)  # code → (row, maximum), in row order
    units: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # code → (points col, reason col, name)
    values: list[Value] = field(default_factory=list)
    # (unit code, item code) → (row in the proposals sheet, points, reason digest), in row order
    proposals: dict[tuple[str, str], tuple[int, Decimal, str]] = field(default_factory=dict)


Facts = dict[str, list[list[str]]]


def _one(facts: Facts, key: str, size: int, filename: str | None) -> list[str]:
    found = facts.get(key) or []
    if len(found) != 1 or len(found[0]) < size:
        raise FormatError(f"{NOT_OURS}：隐藏的评分表信息不完整（{key}）", Location(file=filename, sheet=MANIFEST))
    return found[0]


def damaged(filename: str | None, message: str) -> FormatError:
    return FormatError(f"隐藏的评分表信息已损坏：{message}", Location(file=filename, sheet=MANIFEST))


def parse(facts: Facts, filename: str | None) -> Manifest:
    """The manifest's facts checked: ours, this format, complete, and in the writer's layout."""
    kind = _one(facts, "format", 2, filename)
    if kind[0] != FORMAT:
        raise FormatError(f"{NOT_OURS}（这是其他类型的工作簿）", Location(file=filename))
    if kind[1] != FORMAT_VERSION:
        raise FormatError("评分表的格式版本不受支持，请重新下载评分表", Location(file=filename))
    cycle = _one(facts, "cycle", 2, filename)
    department = _one(facts, "department", 2, filename)
    sheet_info = _one(facts, "sheet", 2, filename)
    step_text = _one(facts, "step", 1, filename)[0]
    read_only = _one(facts, "read_only", 1, filename)[0] == "1"
    try:
        cycle_id = int(cycle[0])
        step = Decimal(step_text)
    except (ValueError, InvalidOperation):
        raise damaged(filename, "考核周期或评分步长不可读") from None
    manifest = Manifest(cycle_id=cycle_id, cycle_name=cycle[1], department_code=department[0],
                        department_name=department[1], sheet_id=sheet_info[0], generated_at=sheet_info[1],
                        step=step, read_only=read_only)

    for index, fact in enumerate(facts.get("item", [])):
        try:
            number, code, maximum = int(fact[0]), fact[1], Decimal(fact[2])
        except (ValueError, IndexError, InvalidOperation):
            raise damaged(filename, "考核内容清单不可读") from None
        if number != FIRST_ROW + index or code in manifest.items or not maximum.is_finite():
            raise damaged(filename, f"考核内容 {code} 不在下载时的位置")
        manifest.items[code] = (number, maximum)
    for index, fact in enumerate(facts.get("unit", [])):
        try:
            letters, code, name = (fact[0], fact[1]), fact[2], fact[3]
        except IndexError:
            raise damaged(filename, "单位清单不可读") from None
        column = points_column(index)
        if letters != (get_column_letter(column), get_column_letter(column + 1)) or code in manifest.units:
            raise damaged(filename, f"单位“{name}”不在下载时的位置")
        manifest.units[code] = (column, column + 1, name)

    seen: set[tuple[str, str]] = set()
    for fact in facts.get("value", []):
        try:
            unit_code, item_code, points_text, version_text = fact[0], fact[1], fact[2], fact[3]
            reason = fact[4] if len(fact) > 4 else ""
            points = Decimal(points_text) if points_text else None
            version = int(version_text)
        except (ValueError, IndexError, InvalidOperation):
            raise damaged(filename, "下载时的评分不可读") from None
        if unit_code not in manifest.units or item_code not in manifest.items or (unit_code, item_code) in seen \
                or (points is not None and not points.is_finite()):
            raise damaged(filename, "下载时的评分不可读")
        seen.add((unit_code, item_code))
        manifest.values.append(Value(unit_code, item_code, points, version, reason))

    for index, fact in enumerate(facts.get("proposal", [])):
        try:
            number, key, points, digest = int(fact[0]), (fact[1], fact[2]), Decimal(fact[3]), fact[4]
        except (ValueError, IndexError, InvalidOperation):
            raise damaged(filename, "台账建议清单不可读") from None
        if number != PROPOSAL_FIRST_ROW + index or key not in seen or key in manifest.proposals \
                or not points.is_finite():
            raise damaged(filename, "台账建议清单不可读")
        manifest.proposals[key] = (number, points, digest)
    return manifest
