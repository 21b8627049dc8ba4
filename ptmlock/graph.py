"""The system a manifest describes, as a graph: consistency checks, training couplings, install profiles.

Edges point the way information flows: ``from`` produces what ``to`` consumes (features handed on, a
guidance signal, outputs to be evaluated or refined).
"""

from __future__ import annotations

import difflib
import itertools
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    import networkx as nx

    from .lockfile import Lock

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


def require_node(manifest: Manifest, name: str) -> None:
    """Stop unless ``name`` is a declared model or component, suggesting the closest one."""
    known = node_names(manifest)
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"declared: {', '.join(known) or 'none'}"
        raise PtmError(f"'{name}' is not a model or component in {manifest.path.name}; {hint}", exit_code=2)


def flow_graph(manifest: Manifest, *, skip_kinds: Collection[str] = ()) -> nx.MultiDiGraph:
    """Models and components as nodes, ``[[edges]]`` as edges keyed by their index in the manifest."""
    import networkx as nx  # loaded only where a graph algorithm runs: most manifests need none at lock

    graph = nx.MultiDiGraph()
    graph.add_nodes_from(node_names(manifest))
    for index, edge in enumerate(manifest.edges):
        if edge.kind not in skip_kinds:
            graph.add_edge(edge.source, edge.target, key=index, edge=edge)
    return graph


# Cycles are reported one by one up to this many; beyond it they are counted (up to _COUNT_LIMIT).
MAX_CYCLES = 20
_COUNT_LIMIT = 1000


def _cycles(graph: nx.MultiDiGraph) -> tuple[list[list[tuple[str, str, int]]], int]:
    """Simple cycles as lists of edges, each starting at its first edge in the manifest, in file order.

    Parallel edges make distinct cycles: fixing one still leaves the other. The first ``MAX_CYCLES`` are
    returned, with how many more there are (counted up to ``_COUNT_LIMIT``, as there can be
    exponentially many).
    """

    import networkx as nx

    def every() -> Iterator[list[tuple[str, str, int]]]:
        for nodes in nx.simple_cycles(nx.DiGraph(graph)):
            steps = list(zip(nodes, [*nodes[1:], nodes[0]], strict=True))
            for keys in itertools.product(*(sorted(graph[u][v]) for u, v in steps)):
                cycle = [(u, v, key) for (u, v), key in zip(steps, keys, strict=True)]
                first = keys.index(min(keys))
                yield cycle[first:] + cycle[:first]

    found = every()
    listed = sorted(itertools.islice(found, MAX_CYCLES), key=lambda cycle: [key for _, _, key in cycle])
    return listed, sum(1 for _ in itertools.islice(found, _COUNT_LIMIT))


def _more_cycles(manifest: Manifest, listed: list[Problem], more: int, what: str) -> list[Problem]:
    """Problems for the listed cycles, and one saying how many more were left out (at the last one's line)."""
    if not more:
        return listed
    count = f"{more}+" if more == _COUNT_LIMIT else str(more)
    message = f"{count} more {what} are not listed here; fix those listed and run `ptm validate` again"
    return [*listed, Problem(ERROR, manifest.path, listed[-1].line, message)]


def _cycle_problems(manifest: Manifest) -> list[Problem]:
    if not manifest.edges:
        return []
    problems = []
    cycles, more = _cycles(flow_graph(manifest, skip_kinds=(FEEDBACK_GUIDANCE,)))
    for cycle in cycles:
        edges = [manifest.edges[key] for _, _, key in cycle]
        loop = " -> ".join([edges[0].source, *(e.target for e in edges)])
        lines = ", ".join(str(e.line) for e in edges)
        at = f"edge at line {lines}" if len(edges) == 1 else f"edges at lines {lines}"
        problems.append(
            Problem(
                ERROR,
                manifest.path,
                edges[0].line,
                f"cycle {loop} ({at}) has no {FEEDBACK_GUIDANCE} edge; only feedback "
                f'guidance may loop back: make one of them kind = "{FEEDBACK_GUIDANCE}" or remove it',
            )
        )
    return _more_cycles(manifest, problems, more, f"cycles without a {FEEDBACK_GUIDANCE} edge")


def _base_problems(manifest: Manifest) -> list[Problem]:
    if not any(spec.base for spec in manifest.models.values()):
        return []
    import networkx as nx

    derived = nx.MultiDiGraph()
    for position, spec in enumerate(manifest.models.values()):
        if spec.base:  # keyed by position, so a loop is told from the model declared first
            derived.add_edge(spec.base, spec.name, key=position)
    problems = []
    cycles, more = _cycles(derived)
    for cycle in cycles:
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
    return _more_cycles(manifest, problems, more, "looping base chains")


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
    # Stable on one line: a cycle's "N more are not listed" stays after the cycle it follows.
    return tuple(sorted(problems, key=lambda p: (p.line or 0, p.severity)))


def system_problems(manifest: Manifest, lock: Lock | None) -> tuple[Problem, ...]:
    """What `ptm validate` reports: `check_system` with the input/output contracts that `ptm export`
    recorded in the lock, when there is one."""
    if lock is None or not any(model.export_tables for model in lock.models.values()):
        return check_system(manifest)
    from .export.records import contract_signatures

    return check_system(manifest, contract_signatures(lock.models))


def require_consistent(manifest: Manifest, lock: Lock | None) -> tuple[Problem, ...]:
    """The warnings of `system_problems`, for a command that goes on; its first error stops it."""
    problems = system_problems(manifest, lock)
    raise_on_errors(problems)
    return tuple(p for p in problems if p.severity == WARNING)


def raise_on_errors(problems: Iterable[Problem]) -> None:
    """Stop with the first error (and how many more there are); warnings pass."""
    errors = [p for p in problems if p.severity == ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more; see `ptm validate`)" if len(errors) > 1 else ""
        raise ManifestError(errors[0].path, errors[0].line, errors[0].message + more)


def training_sets(manifest: Manifest) -> tuple[frozenset[str], ...]:
    """Groups of models trained together (``trained_with``, taken both ways and transitively)."""
    import networkx as nx

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
    """For each model, what its edges use it for (runtime, evaluation and/or training), and for the base
    of an adapter also what the adapter is used for."""
    uses: dict[str, set[str]] = {name: set() for name in manifest.models}
    for edge in manifest.edges:
        for end, use in zip((edge.source, edge.target), _edge_uses(edge.kind, edge.stage), strict=True):
            if use and end in uses:
                uses[end].add(use)
    on_top: dict[str, list[str]] = defaultdict(list)
    for spec in manifest.models.values():
        if spec.base and spec.adaptation == ADAPTER:
            on_top[spec.base].append(spec.name)

    def needed(name: str, chain: frozenset[str]) -> set[str]:
        # An adapter is loaded on top of its base: the base is needed wherever an adapter on it is (and
        # at runtime for one kept for having no edges), down chains of adapters.
        found = set(uses[name])
        for adapter in on_top[name]:
            if adapter not in chain:  # a looping base chain is an error reported elsewhere
                found |= needed(adapter, chain | {adapter}) or {RUNTIME}
        return found

    return {name: frozenset(needed(name, frozenset([name]))) for name in uses}


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
