"""The system a manifest describes, as a graph: consistency checks, training couplings, install profiles.

Edges point the way information flows: ``from`` produces what ``to`` consumes (features handed on, a
guidance signal, outputs to be evaluated or refined).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from .errors import ManifestError, PtmError
from .manifest import Manifest, ModelSpec
from .taxonomy import (
    ADAPTER,
    EVALUATION,
    FEEDBACK_GUIDANCE,
    INSTALL_PROFILES,
    RUNTIME_PROFILE,
    TRAINING_STAGES,
)

ERROR, WARNING = "error", "warning"
RUNTIME, TRAINING = RUNTIME_PROFILE, "training"


@dataclass(frozen=True)
class Problem:
    severity: str
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


def node_names(manifest: Manifest) -> list[str]:
    return [*manifest.models, *manifest.components]


def flow_graph(manifest: Manifest, *, skip_kinds: Collection[str] = ()) -> nx.MultiDiGraph:
    """Models and components as nodes, ``[[edges]]`` as edges keyed by their index in the manifest."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(node_names(manifest))
    for index, edge in enumerate(manifest.edges):
        if edge.kind not in skip_kinds:
            graph.add_edge(edge.source, edge.target, key=index, edge=edge)
    return graph


def _cycles(graph: nx.MultiDiGraph) -> Iterable[list[tuple[str, str, int]]]:
    """One cycle per strongly connected part that has any, in a stable order."""
    for part in sorted(nx.strongly_connected_components(graph), key=min):
        sub = graph.subgraph(part)
        if sub.number_of_edges():
            yield nx.find_cycle(sub, source=min(part))


def _cycle_problems(manifest: Manifest) -> list[Problem]:
    problems = []
    for cycle in _cycles(flow_graph(manifest, skip_kinds=(FEEDBACK_GUIDANCE,))):
        edges = [manifest.edges[key] for _, _, key in cycle]
        loop = " -> ".join([edges[0].source, *(e.target for e in edges)])
        lines = ", ".join(str(e.line) for e in edges)
        problems.append(
            Problem(
                ERROR,
                manifest.path,
                edges[0].line,
                f"cycle {loop} (edges at lines {lines}) has no {FEEDBACK_GUIDANCE} edge; only feedback "
                f'guidance may loop back: make one of them kind = "{FEEDBACK_GUIDANCE}" or remove it',
            )
        )
    return problems


def _base_problems(manifest: Manifest) -> list[Problem]:
    derived = nx.MultiDiGraph()
    for spec in manifest.models.values():
        if spec.base:
            derived.add_edge(spec.base, spec.name, key=0)
    problems = []
    for cycle in _cycles(derived):
        spec = manifest.models[cycle[0][1]]
        loop = " -> ".join([cycle[0][0], *(v for _, v, _ in cycle)])
        problems.append(
            Problem(
                ERROR,
                manifest.path,
                spec.line_of("base"),
                f"base chain {loop} loops back on itself; a model cannot be derived from its own descendant",
            )
        )
    return problems


def _group_problems(manifest: Manifest, signatures: Mapping[str, Hashable]) -> list[Problem]:
    groups: dict[str, list[ModelSpec]] = defaultdict(list)
    for spec in manifest.models.values():
        if spec.group:
            groups[spec.group].append(spec)
    problems = []

    def error(spec: ModelSpec, key: str, message: str) -> None:
        problems.append(Problem(ERROR, manifest.path, spec.line_of(key), message))

    for group, members in sorted(groups.items()):
        first = members[0]
        if len(members) < 2:
            error(
                first,
                "group",
                f"group '{group}' has only one member ('{first.name}'); interchangeable models are "
                f'alternatives for one slot: declare another with group = "{group}" or make it complementary',
            )
            continue
        tasked = [m for m in members if m.task]
        for spec in members:
            if not spec.task:
                example = tasked[0].task if tasked else "feature-extraction"
                error(
                    spec,
                    "group",
                    f"'{spec.name}' in group '{group}' declares no task; interchangeable models must "
                    f'declare the same task, e.g. task = "{example}"',
                )
        for spec in tasked[1:]:
            if spec.task != tasked[0].task:
                error(
                    spec,
                    "task",
                    f"'{spec.name}' has task '{spec.task}' but '{tasked[0].name}' in group '{group}' has "
                    f"'{tasked[0].task}'; interchangeable models must do the same task",
                )
        problems += _signature_problems(manifest, group, members, signatures)
    return problems


def _signature_problems(
    manifest: Manifest, group: str, members: list[ModelSpec], signatures: Mapping[str, Hashable]
) -> list[Problem]:
    """Members whose known input/output signature differs from the group's first known one."""
    known = [(spec, signatures[spec.name]) for spec in members if spec.name in signatures]
    return [
        Problem(
            ERROR,
            manifest.path,
            spec.line_of("group"),
            f"'{spec.name}' and '{known[0][0].name}' in group '{group}' have different input/output "
            f"signatures ({signature} vs {known[0][1]}); interchangeable models must be drop-in replacements",
        )
        for spec, signature in known[1:]
        if signature != known[0][1]
    ]


def _isolation_problems(manifest: Manifest) -> list[Problem]:
    if not manifest.edges:
        return []
    linked = {end for edge in manifest.edges for end in (edge.source, edge.target)}
    for spec in manifest.models.values():
        if spec.base or spec.trained_with:
            linked |= {spec.name, *([spec.base] if spec.base else []), *spec.trained_with}
    # Interchangeable models fill one slot: edges declared on one member stand for the whole group.
    linked_groups = {m.group for m in manifest.models.values() if m.group and m.name in linked}
    linked |= {m.name for m in manifest.models.values() if m.group in linked_groups}
    nodes = [("model", m.name, m.line) for m in manifest.models.values()]
    nodes += [("component", c.name, c.line) for c in manifest.components.values()]
    return [
        Problem(
            WARNING,
            manifest.path,
            line,
            f"{what} '{name}' is not connected to anything: add an [[edges]] entry for it, "
            "or remove it if the system does not use it",
        )
        for what, name, line in nodes
        if name not in linked
    ]


def check_system(manifest: Manifest, signatures: Mapping[str, Hashable] | None = None) -> tuple[Problem, ...]:
    """Every inconsistency of the declared system, errors and warnings, in file order.

    ``signatures`` maps model names to a comparable input/output contract (from the export step, once
    it records one in the lock); members of an interchangeable group must then agree.
    """
    problems = [
        *_cycle_problems(manifest),
        *_base_problems(manifest),
        *_group_problems(manifest, signatures or {}),
        *_isolation_problems(manifest),
    ]
    return tuple(sorted(problems, key=lambda p: (p.line or 0, p.severity, p.message)))


def raise_on_errors(problems: Iterable[Problem]) -> None:
    """Stop with the first error (and how many more there are); warnings pass."""
    errors = [p for p in problems if p.severity == ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more; see `ptm validate`)" if len(errors) > 1 else ""
        raise ManifestError(errors[0].path, errors[0].line, errors[0].message + more)


def training_sets(manifest: Manifest) -> tuple[frozenset[str], ...]:
    """Groups of models trained together (``trained_with``, taken both ways and transitively)."""
    coupled = nx.Graph()
    for spec in manifest.models.values():
        coupled.add_edges_from((spec.name, other) for other in spec.trained_with)
    return tuple(sorted((frozenset(c) for c in nx.connected_components(coupled)), key=sorted))


def split_training_sets(manifest: Manifest, moving: Collection[str]) -> list[tuple[list[str], list[str]]]:
    """(moving, staying) members of every training set that ``moving`` would split."""
    moving = set(moving)
    splits = []
    for members in training_sets(manifest):
        if members & moving and not members <= moving:
            splits.append((sorted(members & moving), sorted(members - moving)))
    return splits


def _edge_uses(kind: str, stage: str | None) -> tuple[str | None, str | None]:
    """What an edge says its (source, target) is used for; None when it says nothing.

    Guidance and evaluation are auxiliary only where the stage says so: a safety checker evaluating
    at post-processing, or guidance at inference, runs in the shipped system.
    """
    if kind == FEEDBACK_GUIDANCE and stage in TRAINING_STAGES:
        return TRAINING, None  # the guide is a training loss; the guided model is what ships
    if kind == EVALUATION and stage in TRAINING_STAGES:
        return None, TRAINING  # validation during training
    if stage == EVALUATION or (kind == EVALUATION and stage is None):
        return None, EVALUATION  # the evaluator is the target; being evaluated says nothing
    return RUNTIME, RUNTIME


def model_uses(manifest: Manifest) -> dict[str, frozenset[str]]:
    """For each model, what its edges use it for: runtime, evaluation and/or training."""
    uses: dict[str, set[str]] = {name: set() for name in manifest.models}
    for edge in manifest.edges:
        for end, use in zip((edge.source, edge.target), _edge_uses(edge.kind, edge.stage), strict=True):
            if use and end in uses:
                uses[end].add(use)
    for spec in manifest.models.values():
        if spec.base and spec.adaptation == ADAPTER:
            uses[spec.base].add(RUNTIME)  # an adapter is loaded on top of its base
    return {name: frozenset(u) for name, u in uses.items()}


def is_runtime(uses: frozenset[str]) -> bool:
    """Models with no edges, or any runtime use, are kept: leaving one out by mistake breaks the system."""
    return not uses or RUNTIME in uses


def profile_models(manifest: Manifest, profile: str) -> set[str]:
    """The models an install profile takes: ``all``, or ``runtime`` (no evaluation- or training-only ones)."""
    if profile == "all":
        return set(manifest.models)
    if profile == RUNTIME:
        return {name for name, uses in model_uses(manifest).items() if is_runtime(uses)}
    raise PtmError(
        f"unknown install profile '{profile}'; use one of: {', '.join(INSTALL_PROFILES)}", exit_code=2
    )
