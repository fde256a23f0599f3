"""The scheme model (指标体系): dimension → indicator → criterion → item, as plain dataclasses.

A scheme is a tree of `Node`s under `Scheme.dimensions`. Every node has a `Level`; an indicator
holds either criteria or items (a criterion may be absent), and a node without children is scored
itself (a criterion with no numbered items is its own single item). Points are `Decimal`.
Departments and applicability are inherited down the tree; `kaohe.core.applicability` resolves
notes to units and `kaohe.core.codes` gives every node its code. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from kaohe.core.messages import gettext_noop


class Level(StrEnum):
    DIMENSION = "dimension"
    INDICATOR = "indicator"
    CRITERION = "criterion"
    ITEM = "item"

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]


LEVEL_LABELS = {  # marked for the site's catalogue (kaohe.core.messages)
    Level.DIMENSION: gettext_noop("一级指标"),
    Level.INDICATOR: gettext_noop("二级指标"),
    Level.CRITERION: gettext_noop("三级指标"),
    Level.ITEM: gettext_noop("考核内容"),
}

# Which levels may hang under which: an indicator may hold items directly (no criterion).
ALLOWED_CHILDREN = {
    Level.DIMENSION: (Level.INDICATOR,),
    Level.INDICATOR: (Level.CRITERION, Level.ITEM),
    Level.CRITERION: (Level.ITEM,),
    Level.ITEM: (),
}


@dataclass(frozen=True)
class Location:
    """Where a node was read from: a file and a line, or a sheet, row and column."""

    file: str | None = None
    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet is not None:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column is not None:
            parts.append(f"{self.column}列")
        if self.line is not None:
            parts.append(f"第{self.line}行")
        return " ".join(parts) if parts else ""


@dataclass
class Repair:
    """A repair of the source, recorded beside the node: what it said, what changed, why."""

    source: str
    change: str
    reason: str


@dataclass
class Gap:
    """A known inconsistency of the source that cannot be repaired; the checker downgrades it."""

    finding: str
    note: str


@dataclass(eq=False)
class Node:
    level: Level
    title: str
    points: Decimal | None
    code: str = ""
    content: str = ""
    departments: list[str] = field(default_factory=list)
    note: str = ""
    children: list[Node] = field(default_factory=list)
    origin: str = ""
    repairs: list[Repair] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    location: Location | None = None  # where it was read from; not part of the scheme's data
    written_code: str = ""  # the code the input stated, if any; compared with the derived code

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(eq=False)
class Scheme:
    name: str
    title: str
    year: int
    total: Decimal
    audience: str = ""
    source: str = ""
    units: list[str] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    departments: list[str] = field(default_factory=list)
    dimensions: list[Node] = field(default_factory=list)
    location: Location | None = None

    def walk(self) -> Iterator[Node]:
        for dimension in self.dimensions:
            yield from dimension.walk()

    def walk_with_parents(self) -> Iterator[tuple[Node, tuple[Node, ...]]]:
        """Every node with its ancestors (outermost first), in document order."""

        def visit(node: Node, parents: tuple[Node, ...]) -> Iterator[tuple[Node, tuple[Node, ...]]]:
            yield node, parents
            for child in node.children:
                yield from visit(child, parents + (node,))

        for dimension in self.dimensions:
            yield from visit(dimension, ())

    def leaves(self) -> Iterator[Node]:
        """The nodes that are scored: items, and criteria (or higher) without children."""
        return (node for node in self.walk() if node.is_leaf)

    def node(self, code: str) -> Node:
        for candidate in self.walk():
            if candidate.code == code:
                return candidate
        raise KeyError(code)

    def counts(self) -> dict[Level, int]:
        result = {level: 0 for level in Level}
        for node in self.walk():
            result[node.level] += 1
        return result


def effective_departments(node: Node, parents: tuple[Node, ...]) -> list[str]:
    """The departments that own `node`: its own, else the nearest ancestor's (items inherit)."""
    for candidate in (node, *reversed(parents)):
        if candidate.departments:
            return list(candidate.departments)
    return []


def title_path(parents: tuple[Node, ...], node: Node) -> str:
    """'政治建设 › 加强党内政治文化建设 › 加强理想信念教育' — how a node is named in messages."""
    return " › ".join(short(n.title) for n in (*parents, node))


def short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
