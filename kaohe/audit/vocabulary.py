"""The words of the audit trail: what each recorded code means to a person.

An event is stored with codes (`objection.confirm`, `status: review → locked`, the key
`cycle:5/unit:yanshi/item:1.2.1.1`). The app that records an event registers its words here, in
its `events.py` beside the `record(...)` calls, from its AppConfig.ready():

- `actions({"objection.confirm": _("确认异议答复"), ...})`: the label of each action;
- `object_type("objection", _("成绩异议"), {"decision": Field(_("答复"), choices=...), ...})`: the
  object's label and its fields' labels, with labels for stored values (`choices`, a mapping or a
  function), values that name other objects (`refers="item"`: shown by their names) and fields that
  mean nothing to a reader (`hidden=True`: a version counter);
- `key_part("unit", _("单位"), resolver)`: one kind of part of an object's key, with a function that
  turns many (cycle id, value) pairs into names at once, so a page of events costs one query per kind.

`kaohe.audit.words` reads the trail with these words; it knows no app. An action, type or field that
nobody registered is shown as its code, which the catalogue test (tests/web/test_catalogue.py) refuses
on a Chinese page: register the words where the event is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

# (cycle id or None, value) pairs → {pair: name or (name, identifier)}; an identifier (a log-in name,
# a file name) is shown beside the name as it is, never translated.
Resolver = Callable[[Collection[tuple[int | None, str]]], Mapping[tuple[int | None, str], Any]]


@dataclass(frozen=True)
class Field:
    label: Any
    choices: Mapping[Any, Any] | Callable[[Any], Any] = field(default_factory=dict)
    refers: str = ""  # its values (one or a list) are keys of this key part: shown by name
    hidden: bool = False  # not shown (a version counter, a checksum)
    identifier: bool = False  # a code a person typed or chose (a log-in name): shown as it is

    def value_label(self, value: Any) -> Any:
        """The label of a stored value, or None when the field has none for it."""
        if callable(self.choices):
            return self.choices(value)
        return self.choices.get(value) if isinstance(value, str | int | bool) or value is None else None


@dataclass(frozen=True)
class Part:
    label: Any
    resolver: Resolver | None = None


_actions: dict[str, Any] = {}
_types: dict[str, Any] = {}
_fields: dict[tuple[str, str], Field] = {}
_parts: dict[str, Part] = {}


def label_of(model: Any, field_name: str) -> Any:
    """A model field's label (its verbose name, translated where shown)."""
    return model._meta.get_field(field_name).verbose_name


def actions(labels: Mapping[str, Any]) -> None:
    _actions.update(labels)


def object_type(name: str, label: Any = None, fields: Mapping[str, Field | Any] | None = None) -> None:
    """The label of an object type (None: registered by another app) and labels of its fields."""
    if label is not None:
        _types[name] = label
    for key, value in (fields or {}).items():
        _fields[(name, key)] = value if isinstance(value, Field) else Field(value)


def key_part(name: str, label: Any, resolver: Resolver | None = None) -> None:
    _parts[name] = Part(label, resolver)


def action_label(action: str) -> Any:
    return _actions.get(action, action)


def type_label(name: str) -> Any:
    return _types.get(name, name)


def field_of(object_type_name: str, name: str) -> Field:
    return _fields.get((object_type_name, name)) or Field(name)


def part(name: str) -> Part:
    return _parts.get(name) or Part(name)


def is_type(name: str) -> bool:
    return name in _types


def is_part(name: str) -> bool:
    return name in _parts


def known_actions() -> dict[str, Any]:
    return dict(_actions)


def known_types() -> dict[str, Any]:
    return dict(_types)
