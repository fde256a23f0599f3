"""What changed between two schemes (e.g. last year's and next year's): `diff(a, b)`.

Nodes are matched in three passes: first by their path of (level, title, note) from the top;
then, among the rest, by (level, title, note) anywhere (a moved node); then children left over
under a matched parent are paired by title (a changed note), then in order (a reworded node). What remains was removed or added;
only the topmost removed or added node of a subtree is reported. Matched nodes are compared for
points, departments, applicability (the units a note resolves to), content and title.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kaohe.core.applicability import normalize_name, resolve_all
from kaohe.core.points import format_points
from kaohe.core.scheme import Node, Scheme, effective_departments, title_path

KINDS = ("added", "removed", "moved", "title", "points", "departments", "applicability", "content")
KIND_LABELS = {
    "added": "新增", "removed": "删除", "moved": "移动", "title": "标题", "points": "分值",
    "departments": "考核单位", "applicability": "适用范围", "content": "内容",
}


@dataclass(frozen=True)
class Change:
    kind: str
    level: str
    code_a: str
    code_b: str
    path: str
    old: str = ""
    new: str = ""

    def as_dict(self) -> dict[str, str]:
        return dict(vars(self))

    def describe(self) -> str:
        codes = self.code_a if self.code_a == self.code_b else " → ".join(c or "—" for c in (self.code_a, self.code_b))
        detail = f"：{self.old} → {self.new}" if (self.old or self.new) else ""
        return f"[{KIND_LABELS[self.kind]}] {codes} {self.path}{detail}"


def _key(node: Node) -> tuple[str, str, str]:
    return node.level.value, normalize_name(node.title), normalize_name(node.note)


Path = tuple[tuple[str, str, str], ...]  # the keys of a node and its parents, from the top


def _index(scheme: Scheme) -> dict[int, tuple[Node, tuple[Node, ...], Path]]:
    result = {}
    for node, parents in scheme.walk_with_parents():
        result[id(node)] = (node, parents, tuple(_key(n) for n in (*parents, node)))
    return result


def diff(a: Scheme, b: Scheme) -> list[Change]:
    index_a, index_b = _index(a), _index(b)
    pairs: dict[int, int] = {}  # id in a -> id in b

    by_path_b: dict[Path, list[int]] = defaultdict(list)
    for node_id, (_, _, path) in index_b.items():
        by_path_b[path].append(node_id)
    for node_id, (_, _, path) in index_a.items():
        candidates = by_path_b.get(path)
        if candidates:
            pairs[node_id] = candidates.pop(0)

    matched_b = set(pairs.values())
    rest_a = defaultdict(list)
    for node_id, (node, _, _) in index_a.items():
        if node_id not in pairs:
            rest_a[_key(node)].append(node_id)
    rest_b = defaultdict(list)
    for node_id, (node, _, _) in index_b.items():
        if node_id not in matched_b:
            rest_b[_key(node)].append(node_id)
    for key, ids_a in rest_a.items():
        ids_b = rest_b.get(key, [])
        if len(ids_a) == 1 and len(ids_b) == 1:
            pairs[ids_a[0]] = ids_b[0]
            matched_b.add(ids_b[0])

    # Children left over under a matched parent pair: first the same title (its note changed),
    # then the same level and note in the same order (reworded).
    for id_a, id_b in list(pairs.items()):
        node_a, node_b = index_a[id_a][0], index_b[id_b][0]
        for same in (_same_title, _same_place):
            free_a = [c for c in node_a.children if id(c) not in pairs]
            free_b = [c for c in node_b.children if id(c) not in matched_b]
            for child_a in free_a:
                match = next((c for c in free_b if same(child_a, c)), None)
                if match is not None:
                    pairs[id(child_a)] = id(match)
                    matched_b.add(id(match))
                    free_b.remove(match)

    # Moved: the node's parent is not the counterpart of its counterpart's parent (children that
    # travel with a moved parent are not listed again).
    moved = {id_a for id_a, id_b in pairs.items() if _moved(pairs, _parent_id(index_a, id_a), _parent_id(index_b, id_b))}

    units_a, units_b = resolve_all(a), resolve_all(b)
    changes: list[Change] = []
    for node, parents in a.walk_with_parents():
        if id(node) not in pairs:
            if not parents or id(parents[-1]) in pairs:
                changes.append(Change("removed", node.level.value, node.code, "", title_path(parents, node),
                                      old=_summary(node)))
            continue
        other, other_parents, _ = index_b[pairs[id(node)]]
        where = title_path(other_parents, other)
        change = _changer(node, other, where)
        if id(node) in moved:
            change("moved", title_path(parents, node), where)
        if normalize_name(node.title) != normalize_name(other.title):
            change("title", node.title, other.title)
        if node.points != other.points:
            change("points", format_points(node.points), format_points(other.points))
        owners, other_owners = effective_departments(node, parents), effective_departments(other, other_parents)
        inherited = not node.departments and not other.departments  # a change of the parent's, shown there
        if owners != other_owners and not inherited:
            change("departments", "、".join(owners), "、".join(other_owners))
        if normalize_name(node.note) != normalize_name(other.note) or \
                units_a.of(node) != units_b.of(other):
            change("applicability", _applicability(node, units_a.of(node)),
                   _applicability(other, units_b.of(other)))
        if normalize_name(node.content) != normalize_name(other.content):
            change("content", node.content, other.content)
        changes.extend(change.made)

    reverse = set(pairs.values())
    for node, parents in b.walk_with_parents():
        if id(node) not in reverse and (not parents or id(parents[-1]) in reverse):
            changes.append(Change("added", node.level.value, "", node.code, title_path(parents, node),
                                  new=_summary(node)))
    return changes


def _moved(pairs: dict[int, int], parent_a: int | None, parent_b: int | None) -> bool:
    """Whether a paired node's parent in b is not its parent's partner (or one of them has none)."""
    if parent_a is None:
        return parent_b is not None
    return pairs.get(parent_a) != parent_b


def _parent_id(index: dict[int, tuple[Node, tuple[Node, ...], Path]], node_id: int) -> int | None:
    parents = index[node_id][1]
    return id(parents[-1]) if parents else None


def _same_title(a: Node, b: Node) -> bool:
    return a.level is b.level and normalize_name(a.title) == normalize_name(b.title)


def _same_place(a: Node, b: Node) -> bool:
    return a.level is b.level and normalize_name(a.note) == normalize_name(b.note)


class _changer:
    def __init__(self, a: Node, b: Node, path: str):
        self.a, self.b, self.path = a, b, path
        self.made: list[Change] = []

    def __call__(self, kind: str, old: str, new: str) -> None:
        self.made.append(Change(kind, self.a.level.value, self.a.code, self.b.code, self.path, old, new))


def _summary(node: Node) -> str:
    descendants = sum(1 for _ in node.walk()) - 1
    text = f"{format_points(node.points)}分"
    return f"{text}，含{descendants}个下级节点" if descendants else text


def _applicability(node: Node, units: frozenset[str]) -> str:
    note = node.note or "全部单位"
    return f"{note}（{len(units)}个单位）"
