"""Node codes: `1.2.1.3`, derived from position so a published scheme's codes never move.

Siblings with the same title and different notes are variants of one node for different unit
groups: they share a number and are told apart by a letter (`1.3.2a`, `1.3.2b`, items
`1.3.2a.1`). Codes are what the UI, sheets, API and audit trail use to name a node.
"""

from __future__ import annotations

from string import ascii_lowercase

from kaohe.core.applicability import normalize_name
from kaohe.core.scheme import Node, Scheme


def variant_key(node: Node) -> str:
    return normalize_name(node.title)


def variant_groups(siblings: list[Node]) -> list[list[Node]]:
    """Siblings grouped by title, in order of first appearance; a group of two or more with
    differing notes is a set of variants."""
    groups: dict[str, list[Node]] = {}
    for node in siblings:
        groups.setdefault(variant_key(node), []).append(node)
    return list(groups.values())


def is_variant_set(group: list[Node]) -> bool:
    notes = {normalize_name(node.note) for node in group}
    return len(group) > 1 and len(notes) == len(group)


def number_children(prefix: str, siblings: list[Node]) -> None:
    number = 0
    for group in variant_groups(siblings):
        if is_variant_set(group):
            number += 1
            for letter, node in zip(ascii_lowercase, group, strict=False):
                _assign(node, f"{prefix}{number}{letter}")
        else:
            for node in group:
                number += 1
                _assign(node, f"{prefix}{number}")
    # Variants that are not adjacent still share the number of the first one.


def _assign(node: Node, code: str) -> None:
    node.code = code
    number_children(code + ".", node.children)


def assign_codes(scheme: Scheme) -> None:
    number_children("", scheme.dimensions)
