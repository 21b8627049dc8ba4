"""Impact: what depends on a model (`ptm why`) and what a lock change touches (`ptm diff`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .graph import flow_graph
from .lockfile import Lock, LockedModel
from .manifest import Edge, Manifest

BASE, TRAINED_WITH = "base", "trained-with"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Dependent:
    """A node reached downstream; ``path`` runs from the changed model to it, ``via`` labels each step."""

    name: str
    path: tuple[str, ...]
    via: tuple[str, ...]


def impact_graph(manifest: Manifest, follows: Callable[[Edge], bool] | None = None) -> nx.MultiDiGraph:
    """Who is affected when a node changes: flow edges (those ``follows`` keeps), base -> derived, and
    training partners both ways."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(flow_graph(manifest).nodes)
    for edge in manifest.edges:
        if follows is None or follows(edge):
            graph.add_edge(edge.source, edge.target, relation=edge.kind)
    for spec in manifest.models.values():
        if spec.base:
            graph.add_edge(spec.base, spec.name, relation=BASE)
        for other in spec.trained_with:
            graph.add_edge(spec.name, other, relation=TRAINED_WITH)
            graph.add_edge(other, spec.name, relation=TRAINED_WITH)
    return graph


def dependents(
    manifest: Manifest, starts: Iterable[str], follows: Callable[[Edge], bool] | None = None
) -> tuple[Dependent, ...]:
    """Everything downstream of ``starts`` (not themselves), each with a shortest path from one of them;
    ``follows`` says which declared edges lead on (all of them by default)."""
    graph = impact_graph(manifest, follows)
    starts = [s for s in starts if s in graph]
    paths: dict[str, tuple[str, ...]] = {s: (s,) for s in starts}
    queue = deque(sorted(starts))
    found = []
    while queue:
        node = queue.popleft()
        for successor in sorted(graph.successors(node)):
            if successor not in paths:
                paths[successor] = (*paths[node], successor)
                queue.append(successor)
                found.append(successor)
    return tuple(
        Dependent(
            name,
            paths[name],
            tuple(_relation(graph, a, b) for a, b in zip(paths[name], paths[name][1:], strict=False)),
        )
        for name in found
    )


def _relation(graph: nx.MultiDiGraph, source: str, target: str) -> str:
    kinds = dict.fromkeys(data["relation"] for data in graph.get_edge_data(source, target).values())
    return "+".join(kinds)


@dataclass(frozen=True)
class ModelChange:
    name: str
    status: str
    old: LockedModel | None
    new: LockedModel | None
    files_added: tuple[str, ...] = ()
    files_removed: tuple[str, ...] = ()
    files_changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class LockDiff:
    changes: tuple[ModelChange, ...]
    affected: tuple[Dependent, ...]


def model_change(name: str, old: LockedModel | None, new: LockedModel | None) -> ModelChange | None:
    """How a model's pin or files changed between two locks; None when they did not."""
    if old is None or new is None:
        return ModelChange(name, ADDED if old is None else REMOVED, old, new)
    before = {f.path: f for f in old.files}
    after = {f.path: f for f in new.files}
    change = ModelChange(
        name,
        CHANGED,
        old,
        new,
        files_added=tuple(sorted(after.keys() - before.keys())),
        files_removed=tuple(sorted(before.keys() - after.keys())),
        files_changed=tuple(sorted(p for p in before.keys() & after.keys() if before[p] != after[p])),
    )
    moved = (old.hub, old.repo, old.pin, old.weights) != (new.hub, new.repo, new.pin, new.weights)
    return change if moved or change.files_added or change.files_removed or change.files_changed else None


def diff_locks(old: Lock, new: Lock, manifest: Manifest | None) -> LockDiff:
    """Models whose pin or files changed between two locks, and (given the manifest) what they affect."""
    changes = []
    for name in sorted(old.models.keys() | new.models.keys()):
        change = model_change(name, old.models.get(name), new.models.get(name))
        if change:
            changes.append(change)
    affected = dependents(manifest, [c.name for c in changes]) if manifest else ()
    return LockDiff(tuple(changes), affected)


def describe_path(dependent: Dependent) -> str:
    """``a -feature-handoff-> b -evaluation-> c``: how a change reaches ``dependent``."""
    steps = [dependent.path[0]]
    for relation, node in zip(dependent.via, dependent.path[1:], strict=True):
        steps.append(f"-{relation}-> {node}")
    return " ".join(steps)


def describe_change(change: ModelChange) -> str:
    """One line: ``~ name  old -> new  (files: 1 changed)``, ``+ name added at ...`` or ``- name removed``."""
    if change.new is None:
        assert change.old is not None
        return f"- {change.name:<20} removed (was {change.old.pin})"
    if change.old is None:
        return f"+ {change.name:<20} added at {change.new.pin}"
    counts = (
        (change.files_changed, "changed"),
        (change.files_added, "added"),
        (change.files_removed, "removed"),
    )
    files = ", ".join(f"{len(paths)} {what}" for paths, what in counts if paths) or "same"
    return f"~ {change.name:<20} {change.old.pin} -> {change.new.pin}  (files: {files})"


def describe_files(change: ModelChange) -> tuple[str, ...]:
    """One line a file, ``~ path`` changed, ``+ path`` added, ``- path`` removed, in path order."""
    marked = (
        *(("~", path) for path in change.files_changed),
        *(("+", path) for path in change.files_added),
        *(("-", path) for path in change.files_removed),
    )
    return tuple(f"{mark} {path}" for mark, path in sorted(marked, key=lambda item: item[1]))


def dependent_data(dependent: Dependent) -> dict[str, Any]:
    return {"name": dependent.name, "path": list(dependent.path), "via": list(dependent.via)}


def change_data(change: ModelChange) -> dict[str, Any]:
    return {
        "name": change.name,
        "status": change.status,
        "old_commit": change.old.commit if change.old else None,
        "new_commit": change.new.commit if change.new else None,
        "files_added": list(change.files_added),
        "files_removed": list(change.files_removed),
        "files_changed": list(change.files_changed),
    }
