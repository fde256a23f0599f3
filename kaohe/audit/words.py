"""The audit trail in words: who did what to which object, and what changed, with the labels the
apps registered in kaohe.audit.vocabulary. `describe(events)` names every object a batch of events
refers to with one query per kind of object (a page of the list, a chunk of an export).

    describe([event])[0].object_text()   →  "单位 偃师市 · 考核内容 1.2.1.1 党委（党组）书记…"
    describe([event])[0].change_texts()  →  ["得分：2 → 1.5", "扣分理由：（空） → 台账不全"]
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kaohe.audit import vocabulary
from kaohe.audit.models import Event

EMPTY_VALUE = "—"  # a value that is not there (None, or a key the other side lacks)
COMMAND_PREFIX = "kaohe "  # the actor name of a command-line action: "kaohe demo", "kaohe backup"
SYSTEM = "系统"  # the actor name of an action nobody is signed in for (kaohe.audit.context)


@dataclass(frozen=True)
class Name:
    """A name to show, and an identifier shown beside it as it is (a log-in or file name, a code)."""

    text: str = ""
    identifier: str = ""

    def __str__(self) -> str:
        return " ".join(p for p in (self.text, self.identifier) if p)


@dataclass
class Change:
    label: str
    old: list[Name] | None  # None: the value is not on this side (created or deleted)
    new: list[Name] | None

    def text(self) -> str:
        def shown(values: list[Name] | None) -> str:
            return EMPTY_VALUE if values is None else _("、").join(str(v) for v in values)
        if self.old is None:
            return _("%(field)s：%(value)s") % {"field": self.label, "value": shown(self.new)}
        return _("%(field)s：%(old)s → %(new)s") % {"field": self.label, "old": shown(self.old), "new": shown(self.new)}


@dataclass
class Described:
    event: Event
    actor: Name
    action: str
    type: str
    parts: list[tuple[str, Name]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def object_text(self) -> str:
        """The object's type, then its key's parts by name: "评分：单位 偃师市 · 考核内容 1.2.1.1 …"."""
        parts = " · ".join(f"{label} {name}".strip() for label, name in self.parts)
        return _("%(type)s：%(parts)s") % {"type": self.type, "parts": parts} if parts else self.type

    def change_texts(self) -> list[str]:
        return [change.text() for change in self.changes]


def key_parts(event: Event) -> list[tuple[str, str]]:
    """The (kind, value) parts of the event's key, without its cycle (the cycle has its own column):
    "cycle:5/unit:yanshi/item:1.2.1.1" → [("unit", "yanshi"), ("item", "1.2.1.1")]. A part without a
    colon is a registered kind without a value ("settings"), or else a value of the event's object
    type ("kaohe-backup-2026.tar" of a backup)."""
    parts = []
    for segment in event.object_key.split("/"):
        kind, colon, value = segment.partition(":")
        if not colon:
            kind, value = (segment, "") if vocabulary.is_part(segment) else (event.object_type, segment)
        if kind != "cycle":
            parts.append((kind, value))
    return parts


def actor(event: Event) -> Name:
    if event.actor_id is not None and event.actor is not None:
        return Name(str(event.actor), event.actor.get_username() if str(event.actor) != event.actor.get_username() else "")
    if event.actor_name.startswith(COMMAND_PREFIX):
        return Name(_("命令行"), event.actor_name)
    if event.actor_name in ("", SYSTEM):
        return Name(_("系统"))
    return Name("", event.actor_name)


def describe(events: Iterable[Event]) -> list[Described]:
    """The events in words; the objects they name are looked up once per kind for all of them."""
    events = list(events)
    wanted: dict[str, set[tuple[int | None, str]]] = defaultdict(set)
    for event in events:
        for kind, value in key_parts(event):
            if value:
                wanted[kind].add((event.cycle_id, value))
        for name, value in _values(event):
            refers = vocabulary.field_of(event.object_type, name).refers
            if refers:
                for item in value if isinstance(value, list | tuple) else [value]:
                    if item is not None and item != "":
                        wanted[refers].add((event.cycle_id, str(item)))
    names: dict[str, dict[tuple[int | None, str], Any]] = {}
    for kind, pairs in wanted.items():
        resolver = vocabulary.part(kind).resolver
        names[kind] = dict(resolver(pairs)) if resolver is not None else {}
    return [_described(event, names) for event in events]


def _values(event: Event) -> Iterable[tuple[str, Any]]:
    for side in (event.old, event.new):
        if isinstance(side, dict):
            yield from side.items()


def _name(names: dict[str, dict[tuple[int | None, str], Any]], kind: str, cycle_id: int | None, value: str) -> Name:
    found = names.get(kind, {}).get((cycle_id, value))
    if found is None:
        return Name("", value)  # gone (or never known): its code, as it was recorded
    if isinstance(found, tuple):
        return Name(str(found[0]), str(found[1]))
    return Name(str(found))


def _described(event: Event, names: dict[str, dict[tuple[int | None, str], Any]]) -> Described:
    if not vocabulary.is_type(event.object_type):  # nobody registered its words: its key as recorded
        return Described(event=event, actor=actor(event), action=str(vocabulary.action_label(event.action)),
                         type=event.object_type, parts=[("", Name("", event.object_key))],
                         changes=_changes(event, names))
    parts = []
    type_label = str(vocabulary.type_label(event.object_type))
    for kind, value in key_parts(event):
        label = str(vocabulary.part(kind).label)
        name = _name(names, kind, event.cycle_id, value) if value else Name()
        # the object itself needs no label where it has a name: "民主测评 2018年度民主测评", not twice
        parts.append(("" if label == type_label and (name.text or name.identifier) else label, name))
    return Described(event=event, actor=actor(event), action=str(vocabulary.action_label(event.action)),
                     type=type_label, parts=parts, changes=_changes(event, names))


def _changes(event: Event, names: dict[str, dict[tuple[int | None, str], Any]]) -> list[Change]:
    """One change per shown field: "label：old → new" where the value changed, "label：value" for a
    value that is new (a created object), "label：old → —" for one that went (a deleted object)."""
    old, new = event.old, event.new
    if old is None and new is None:
        return []
    if not isinstance(old, dict | type(None)) or not isinstance(new, dict | type(None)):
        return [Change(_("值"), None if old is None else _shown(event, "", old, names), _shown(event, "", new, names))]
    old, new = old or {}, new or {}
    changes = []
    for key in [*old, *(k for k in new if k not in old)]:
        spec = vocabulary.field_of(event.object_type, key)
        if spec.hidden:
            continue
        label = str(spec.label)
        if key not in new:
            changes.append(Change(label, _shown(event, key, old[key], names), None))
        elif key not in old:
            changes.append(Change(label, None, _shown(event, key, new[key], names)))
        elif old[key] != new[key]:
            changes.append(Change(label, _shown(event, key, old[key], names), _shown(event, key, new[key], names)))
    return changes


def _shown(event: Event, key: str, value: Any, names: dict[str, dict[tuple[int | None, str], Any]]) -> list[Name]:
    spec = vocabulary.field_of(event.object_type, key)
    label = spec.value_label(value)
    if label is not None:
        return [Name(str(label))]
    if spec.refers and isinstance(value, str | list | tuple):
        items = value if isinstance(value, list | tuple) else [value]
        if not items:
            return [Name(_("（空）"))]
        return [Name(EMPTY_VALUE) if item is None else _name(names, spec.refers, event.cycle_id, str(item))
                for item in items]
    if value is None:
        return [Name(EMPTY_VALUE)]
    if isinstance(value, bool):
        return [Name(_("是") if value else _("否"))]
    if isinstance(value, str):
        if value == "":
            return [Name(_("（空）"))]
        return [Name("", value)] if spec.identifier else [Name(value)]
    if isinstance(value, list | tuple):
        if not value:
            return [Name(_("（空）"))]
        return [name for item in value for name in _shown(event, key, item, names)]
    if isinstance(value, dict):
        return [Name(json.dumps(value, ensure_ascii=False, sort_keys=True))]
    return [Name(str(value))]
