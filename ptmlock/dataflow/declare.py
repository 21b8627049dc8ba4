"""What an Inference declares in ptm.toml: the models the code loads, the ``[[edges]]`` between them with
the code that shows each, and adaptations as derived models (a loaded adapter) or notes on the model.

`ptm init --from-code` writes it; `ptm graph --from-code` draws it, with the models the code loads but
ptm.toml cannot declare (an id known only at run time) as components named after their variable.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..check.catalog import TORCHHUB
from ..check.inventory import declare_loads, free_name, slug
from ..check.loads import Load, Uncheckable
from ..manifest_edit import EdgeEntry, manifest_text
from ..taxonomy import (
    ADAPTER,
    EDGE_KINDS,
    FEATURE_HANDOFF,
    FEEDBACK_GUIDANCE,
    HANDOFF_MODES,
    STAGES,
)
from . import Inference, InferredAdaptation, InferredEdge, Site

# Evidence comments above an edge: enough to find it, not a listing of the file.
MAX_SITES = 3
# The adapter type (ptm.toml's `adapter`) of an adapter loaded by each method.
_ADAPTER_TYPES = {
    "load_lora_weights": "lora",
    "load_ip_adapter": "ip-adapter",
}
DEFAULT_ADAPTER_TYPE = "peft"


def site_text(site: Site) -> str:
    return f"{site.path}:{site.line} `{site.text}`"


@dataclass(frozen=True)
class FoundEdge:
    """An edge between two named models (or components), merged from every inferred edge of that kind
    between them, with where the code shows it."""

    source: str
    target: str
    kind: str
    mode: str | None
    stage: str | None
    description: str | None
    evidence: tuple[Site, ...]

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.mode}" if self.mode else self.kind

    def entry(self) -> EdgeEntry:
        comments = tuple(f"from code: {site_text(site)}" for site in self.evidence[:MAX_SITES])
        return EdgeEntry(
            self.source, self.target, self.kind, self.mode, self.stage, self.description, comments
        )


@dataclass(frozen=True)
class CodeManifest:
    models: dict[str, dict[str, str]]
    notes: dict[
        str, tuple[str, ...]
    ]  # comment lines under a model's header: adaptations ptm.toml has no key for
    edges: tuple[FoundEdge, ...]
    components: dict[str, dict[str, str]] = field(default_factory=dict)
    left_out: tuple[str, ...] = ()  # inferred edges not declared, each with why

    def text(self) -> str:
        """ptm.toml declaring it all, from the commented template."""
        return manifest_text(
            self.models,
            notes=self.notes,
            components=self.components,
            edges=[edge.entry() for edge in self.edges],
        )


def _relative(path: str, root: Path) -> str:
    return Path(os.path.relpath(os.path.realpath(path), os.path.realpath(root))).as_posix()


def _variable(load: Load, root: Path) -> str | None:
    """The name the code assigns the load's result to (``x`` of ``self.x = ...``), if any."""
    from ..check.files import read_source
    from ..check.scanner import parse

    try:
        tree = parse(read_source(load.path, str(root)), load.path)
    except Uncheckable:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            value, target = node.value, node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            value, target = node.value, node.target
        else:
            continue
        if not value.lineno <= load.line <= (value.end_lineno or value.lineno):
            continue
        if isinstance(target, ast.Name):
            return target.id
        if isinstance(target, ast.Attribute):
            return target.attr
    return None


def _component(load: Load, root: Path, taken: Collection[str]) -> tuple[str, dict[str, str]]:
    """A model the code loads that ptm.toml cannot declare, named after its variable, else its line."""
    where = f"{_relative(load.path, root)}:{load.line}"
    named = slug(_variable(load, root) or "")
    name = free_name([c for c in (named, slug(where)) if c], taken)
    why = load.pin.reason or "not a hub model ptm.toml can declare"
    return name, {"kind": "model", "description": f"{load.call} at {where} ({why})"}


def _adapter_type(load: Load) -> str:
    method = next((m for m in _ADAPTER_TYPES if f".{m}(" in load.call), None)
    return _ADAPTER_TYPES[method] if method else DEFAULT_ADAPTER_TYPE


def _ancestors(name: str, models: Mapping[str, Mapping[str, str]]) -> set[str]:
    seen: set[str] = set()
    while name in models and (base := models[name].get("base")) and base not in seen:
        seen.add(base)
        name = base
    return seen


def _adapt(
    adaptations: Iterable[InferredAdaptation],
    names: Mapping[Load, str],
    models: dict[str, dict[str, str]],
    root: Path,
) -> dict[str, tuple[str, ...]]:
    """What is loaded onto a declared model (an adapter, an embedding) becomes a model derived from it
    (base, adaptation, and adapter for an adapter); every other adaptation, a note on the model (ptm.toml
    has no key for a head replaced in code). Returns the notes."""
    notes: dict[str, list[str]] = {}
    for item in adaptations:
        base = names.get(item.model)
        if base is None:
            continue
        site = item.evidence
        # Bytes loaded onto the model have a load of their own at the adaptation's site
        # (PeftModel.from_pretrained(base, "org/adapter"), pipe.load_lora_weights("org/lora")): a model
        # derived from the base.
        loaded = next(
            (
                (load, name)
                for load, name in names.items()
                if name != base
                and load.line == site.line
                and _relative(load.path, root) == site.path
                and "base" not in models[name]
                and name not in _ancestors(base, models)
            ),
            None,
        )
        if loaded is not None:
            load, name = loaded
            models[name].update(base=base, adaptation=item.adaptation)
            if item.adaptation == ADAPTER:
                models[name]["adapter"] = _adapter_type(load)
            continue
        notes.setdefault(base, []).append(
            f"from code: {item.adaptation} ({item.detail}) at {site_text(site)}"
        )
    return {name: tuple(lines) for name, lines in notes.items()}


def _reaches(start: str, goal: str, edges: Iterable[FoundEdge]) -> bool:
    """Whether ``goal`` is reached from ``start`` along edges that are not feedback guidance (only
    guidance may loop back: `ptm validate` refuses any other cycle)."""
    successors: dict[str, set[str]] = {}
    for edge in edges:
        if edge.kind != FEEDBACK_GUIDANCE:
            successors.setdefault(edge.source, set()).add(edge.target)
    todo, seen = [start], {start}
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt in successors.get(node, set()) - seen:
            seen.add(nxt)
            todo.append(nxt)
    return False


def _found(edge: InferredEdge, source: str, target: str) -> FoundEdge | None:
    """The inferred edge as ptm.toml takes it: a known kind, a mode on a handoff only, a known stage."""
    if edge.kind not in EDGE_KINDS:
        return None
    mode = edge.mode if edge.kind == FEATURE_HANDOFF else None
    if edge.kind == FEATURE_HANDOFF and mode not in HANDOFF_MODES:
        mode = "sequential"  # a handoff needs a mode; chained calls are the plainest reading
    description = None
    if edge.kind == FEEDBACK_GUIDANCE and edge.guide_frozen is not None:
        description = "frozen guide" if edge.guide_frozen else "co-updated guide"
    stage = edge.stage if edge.stage in STAGES else None
    return FoundEdge(source, target, edge.kind, mode, stage, description, edge.evidence)


def _edges(
    inferred: Iterable[InferredEdge], names: Mapping[Load, str], models: Mapping[str, Mapping[str, str]]
) -> tuple[list[FoundEdge], list[str]]:
    """One edge per (source, target, kind) with the evidence of all, and the edges left out. A base
    built into what is derived from it (PeftModel.from_pretrained(base, "org/adapter")) is that
    derivation, declared by `base`, not a handoff."""
    merged: dict[tuple[str, str, str], FoundEdge] = {}
    for inferred_edge in inferred:
        source, target = names.get(inferred_edge.source), names.get(inferred_edge.target)
        if source is None or target is None or source == target:
            continue
        if inferred_edge.mode == "hierarchical" and models.get(target, {}).get("base") == source:
            continue
        found = _found(inferred_edge, source, target)
        if found is None:
            continue
        key = (source, target, found.kind)
        if key in merged:
            known = merged[key]
            more = tuple(s for s in found.evidence if s not in known.evidence)
            merged[key] = replace(known, evidence=known.evidence + more)
        else:
            merged[key] = found
    kept: list[FoundEdge] = []
    left_out: list[str] = []
    for edge in merged.values():
        if edge.kind != FEEDBACK_GUIDANCE and _reaches(edge.target, edge.source, kept):
            where = site_text(edge.evidence[0]) if edge.evidence else "the code"
            left_out.append(
                f"edge {edge.source} -> {edge.target} {edge.label} ({where}) would close a cycle "
                "without feedback guidance; declare it by hand if it is one"
            )
            continue
        kept.append(edge)
    return kept, left_out


def code_manifest(inference: Inference, root: Path, *, undeclared: bool = False) -> CodeManifest:
    """The models, edges and adaptation notes ``inference`` declares; with ``undeclared``, models at an
    edge's end that ptm.toml cannot declare become components (named after their variable), else those
    edges are dropped. Paths of loads are read relative to ``root``, as sites are."""
    loads = {
        *inference.loads,
        *(end for edge in inference.edges for end in (edge.source, edge.target)),
        *(item.model for item in inference.adaptations),
    }
    declared = declare_loads(loads)
    models = {name: dict(fields) for name, fields in declared.models.items()}
    names = dict(declared.names)
    # a load ptm.toml cannot declare alone (a revision known at run time) of a repo another load of the
    # same hub declares (its tokenizer) is that model: AutoModel.from_pretrained(repo, **kwargs)
    by_repo = {(fields.get("hub"), fields["repo"]): name for name, fields in models.items()}
    for load in loads - names.keys():
        same = by_repo.get((TORCHHUB if load.hub == TORCHHUB else None, load.pin.repo or ""))
        if same is not None and load.pin.kind == "model":
            names[load] = same
    components: dict[str, dict[str, str]] = {}
    if undeclared:
        ends = sorted(
            {end for edge in inference.edges for end in (edge.source, edge.target) if end not in names},
            key=lambda load: (load.path, load.line, load.column),
        )
        for load in ends:
            name, fields = _component(load, root, {*models, *components})
            components[name] = fields
            names[load] = name
    notes = _adapt(inference.adaptations, declared.names, models, root)
    edges, left_out = _edges(inference.edges, names, models)
    return CodeManifest(models, notes, tuple(edges), components, tuple(left_out))
