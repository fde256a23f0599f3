"""Applicability (备注: 适用于…): which units a node applies to, resolved from named groups.

A note is normalised (spaces dropped, 适用于 removed, full-width parentheses made half-width) and
then looked up as a whole in the scheme's groups, aliases and units; failing that it is split on
、，, and each part is looked up. A node applies to its own note's units intersected with its
parent's; a node without a note applies to all units of its parent (the scheme's audience at the
top). `resolve_all` does this once for a whole scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kaohe.core.scheme import Node, Scheme

_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[、，,；;]")
_PREFIXES = ("适用于", "适用")


def normalize_name(text: str) -> str:
    """One spelling for names in notes: no spaces, half-width parentheses."""
    text = _SPACES.sub("", text or "")
    return text.replace("（", "(").replace("）", ")")


def note_body(note: str) -> str:
    body = normalize_name(note)
    for prefix in _PREFIXES:
        if body.startswith(prefix):
            body = body[len(prefix):]
            break
    return body.rstrip("。.")


class UnknownApplicability(ValueError):
    def __init__(self, note: str, unknown: list[str]):
        self.note = note
        self.unknown = unknown
        super().__init__(f"备注“{note}”中无法识别：{'、'.join(unknown)}")


@dataclass
class Resolver:
    """Turns group, alias and unit names of one scheme into sets of unit names."""

    scheme: Scheme
    _names: dict[str, str] = field(init=False)
    _cache: dict[str, frozenset[str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        names: dict[str, str] = {}
        for unit in self.scheme.units:
            names[normalize_name(unit)] = unit
        for group in self.scheme.groups:
            names[normalize_name(group)] = group
        self._names = names
        self._aliases = {normalize_name(k): normalize_name(v) for k, v in self.scheme.aliases.items()}

    @property
    def audience(self) -> frozenset[str]:
        return frozenset(self.scheme.units)

    def expand(self, name: str, seen: tuple[str, ...] = ()) -> frozenset[str] | None:
        """Units named by `name` (a unit, group or alias); None if the name is unknown."""
        key = normalize_name(name)
        key = self._aliases.get(key, key)
        if key in self._cache:
            return self._cache[key]
        target = self._names.get(key)
        if target is None:
            return None
        if target not in self.scheme.groups:
            result = frozenset([target])
        else:
            if key in seen:
                raise UnknownApplicability(name, [f"{name}（分组循环引用）"])
            members: set[str] = set()
            for member in self.scheme.groups[target]:
                expanded = self.expand(member, seen + (key,))
                if expanded is None:
                    raise UnknownApplicability(name, [f"{member}（分组“{target}”的成员）"])
                members |= expanded
            result = frozenset(members)
        self._cache[key] = result
        return result

    def resolve(self, note: str) -> frozenset[str] | None:
        """Units a note names; None when the note says nothing (applies to all)."""
        body = note_body(note)
        if not body:
            return None
        whole = self.expand(body)
        if whole is not None:
            return whole
        units: set[str] = set()
        unknown: list[str] = []
        for part in filter(None, _SEPARATORS.split(body)):
            expanded = self.expand(part)
            if expanded is None:
                unknown.append(part)
            else:
                units |= expanded
        if unknown:
            raise UnknownApplicability(note, unknown)
        return frozenset(units)


@dataclass
class Applicability:
    """Effective units per node of one scheme, plus the notes that did not resolve."""

    units: dict[int, frozenset[str]]
    unresolved: dict[int, UnknownApplicability]
    audience: frozenset[str]

    def of(self, node: Node) -> frozenset[str]:
        return self.units[id(node)]


def resolve_all(scheme: Scheme) -> Applicability:
    resolver = Resolver(scheme)
    audience = resolver.audience
    units: dict[int, frozenset[str]] = {}
    unresolved: dict[int, UnknownApplicability] = {}

    def visit(node: Node, inherited: frozenset[str]) -> None:
        own: frozenset[str] | None
        try:
            own = resolver.resolve(node.note)
        except UnknownApplicability as error:
            unresolved[id(node)] = error
            own = None  # treated as unrestricted so one bad note gives one finding, not a cascade
        effective = inherited if own is None else inherited & own
        units[id(node)] = effective
        for child in node.children:
            visit(child, effective)

    for dimension in scheme.dimensions:
        visit(dimension, audience)
    return Applicability(units=units, unresolved=unresolved, audience=audience)

