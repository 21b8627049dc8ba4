"""What every drawing shows: nodes with their pins, links, groups and stage lanes, from manifest and lock."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ..graph import Problem, is_runtime, model_uses, system_problems
from ..impact import BASE, TRAINED_WITH
from ..lockfile import Lock
from ..manifest import Manifest, ModelSpec
from ..taxonomy import EVALUATION, FEATURE_HANDOFF, FEEDBACK_GUIDANCE, POST_PROCESSING, STAGES

SHORT_SHA = 7
LOCKED, STALE, UNLOCKED, UNPINNED = "locked", "stale", "unlocked", "unpinned"
MODEL, COMPONENT = "model", "component"


@dataclass(frozen=True)
class Pin:
    """Where a model's bytes are fixed: by the lock (``locked``), or not yet (the other states)."""

    state: str
    revision: str
    commit: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == LOCKED

    @property
    def label(self) -> str:
        short = self.commit[:SHORT_SHA] if self.commit else self.revision
        return short if self.ok else f"{short} {self.state}"


@dataclass(frozen=True)
class Node:
    name: str
    type: str
    line: int | None
    description: str | None = None
    kind: str | None = None
    hub: str | None = None
    repo: str | None = None
    pin: Pin | None = None
    role: str | None = None
    group: str | None = None
    task: str | None = None
    base: str | None = None
    adaptation: str | None = None
    adapter: str | None = None
    trained_with: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    runtime: bool = True
    files: int | None = None
    size: int | None = None
    license: str | None = None
    stage: str | None = None

    @property
    def source(self) -> str:
        """Where the model comes from, e.g. ``huggingface:org/name``; the kind for a component."""
        if self.type == COMPONENT:
            return f"component{': ' + self.kind if self.kind else ''}"
        return f"{self.hub}:{self.repo}" if self.repo else str(self.hub)


@dataclass(frozen=True)
class Link:
    """A declared edge, or a relation from the model entries (``base``, ``trained-with``)."""

    source: str
    target: str
    relation: str
    mode: str | None = None
    stage: str | None = None
    description: str | None = None
    line: int | None = None
    detail: str | None = None

    @property
    def label(self) -> str:
        stage = self.stage if self.stage != self.relation else None  # "evaluation · evaluation" says it once
        return " · ".join(p for p in (self.relation, self.mode or self.detail, stage) if p)


@dataclass(frozen=True)
class GraphView:
    title: str  # "<project folder>/ptm.toml": the same in every checkout, and no local path leaks out
    locked: bool
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    groups: dict[str, tuple[str, ...]]
    stages: tuple[str, ...]
    problems: tuple[Problem, ...]

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)


def _pin(spec: ModelSpec, lock: Lock | None) -> Pin:
    locked = lock.models.get(spec.name) if lock else None
    revision = spec.revision or "files"  # url and local models have no revision: their files are the pin
    if locked is not None:
        state = LOCKED if locked.declaration_hash == spec.declaration_hash else STALE
        return Pin(state, revision, locked.identity)
    return Pin(UNLOCKED, revision, revision) if spec.pinned else Pin(UNPINNED, revision)


# The end of an edge whose own work the edge's stage describes: the post-processor, the evaluator, the
# guide. A feature handoff describes both ends; the model at the other end is not drawn in that lane.
_ROLE_END = {POST_PROCESSING: "target", EVALUATION: "target", FEEDBACK_GUIDANCE: "source"}


def _stage_of(slot: frozenset[str], declared: str | None, links: tuple[Link, ...]) -> str | None:
    """The lane a slot (a node, or every member of an interchangeable group) is drawn in: its declared
    ``stage``; else the latest stage it post-processes, evaluates or guides in (evaluators and guides sit
    in their own lane, not in that of the model they point at); else the earliest stage of the features
    it hands on, else the latest of those it takes in; a derived model without staged links of its own
    sits in its base's lane.
    """
    if declared:
        return declared
    seen: set[str] = set()
    while slot - seen:  # a base chain may loop (an error reported elsewhere)
        seen |= slot
        staged = [link for link in links if link.stage]
        roles = [
            link.stage
            for link in staged
            if link.relation in _ROLE_END and getattr(link, _ROLE_END[link.relation]) in slot
        ]
        if roles:
            return max(roles, key=STAGES.index)
        handoffs = [link for link in staged if link.relation == FEATURE_HANDOFF]
        produced = [link.stage for link in handoffs if link.source in slot]
        if produced:
            return min(produced, key=STAGES.index)
        consumed = [link.stage for link in handoffs if link.target in slot]
        if consumed:
            return max(consumed, key=STAGES.index)
        slot = frozenset(link.source for link in links if link.relation == BASE and link.target in slot)
    return None


def _links(manifest: Manifest) -> tuple[Link, ...]:
    links = [Link(e.source, e.target, e.kind, e.mode, e.stage, e.description, e.line) for e in manifest.edges]
    pairs: set[frozenset[str]] = set()
    for spec in manifest.models.values():
        if spec.base:
            detail = f"{spec.adaptation}: {spec.adapter}" if spec.adapter else spec.adaptation
            links.append(Link(spec.base, spec.name, BASE, line=spec.line_of("base"), detail=detail))
        for other in spec.trained_with:
            if frozenset((spec.name, other)) not in pairs:
                pairs.add(frozenset((spec.name, other)))
                links.append(Link(spec.name, other, TRAINED_WITH, line=spec.line_of("trained_with")))
    return tuple(links)


def build_view(manifest: Manifest, lock: Lock | None) -> GraphView:
    links = _links(manifest)
    uses = model_uses(manifest)
    groups: dict[str, list[str]] = {}
    for spec in manifest.models.values():
        if spec.group:
            groups.setdefault(spec.group, []).append(spec.name)
    # Interchangeable models fill one slot: they are drawn together, in the lane of the slot's links.
    slots = {name: frozenset(members) for members in groups.values() for name in members}
    nodes = []
    stages = {name: spec.stage for name, spec in manifest.models.items()}
    for spec in manifest.models.values():
        locked = lock.models.get(spec.name) if lock else None
        slot = slots.get(spec.name, frozenset([spec.name]))
        nodes.append(
            Node(
                name=spec.name,
                type=MODEL,
                line=spec.line,
                description=spec.description,
                hub=spec.hub,
                repo=spec.repo,
                pin=_pin(spec, lock),
                role=spec.role,
                group=spec.group,
                task=spec.task,
                base=spec.base,
                adaptation=spec.adaptation,
                adapter=spec.adapter,
                trained_with=spec.trained_with,
                uses=tuple(sorted(uses[spec.name])),
                runtime=is_runtime(uses[spec.name]),
                files=len(locked.files) if locked else None,
                size=locked.size if locked else None,
                license=locked.license if locked else None,
                stage=_stage_of(slot, next((stages[n] for n in sorted(slot) if stages[n]), None), links),
            )
        )
    for component in manifest.components.values():
        nodes.append(
            Node(
                name=component.name,
                type=COMPONENT,
                line=component.line,
                description=component.description,
                kind=component.kind,
                stage=_stage_of(frozenset([component.name]), None, links),
            )
        )
    title = "/".join(filter(None, (manifest.path.parent.name, manifest.path.name)))
    return GraphView(
        title=title,
        locked=lock is not None,
        nodes=tuple(nodes),
        links=links,
        groups={g: tuple(members) for g, members in sorted(groups.items())},
        stages=tuple(s for s in STAGES if any(n.stage == s for n in nodes)),
        problems=tuple(replace(p, path=Path(title)) for p in system_problems(manifest, lock)),
    )


def view_data(view: GraphView) -> dict[str, Any]:
    """The view as plain JSON-ready data (the `json` format, and what the HTML page draws from)."""

    def node(n: Node) -> dict[str, Any]:
        data = {k: v for k, v in asdict(n).items() if v not in (None, ())}
        data["source"] = n.source
        if n.pin:
            data["pin"] = {**asdict(n.pin), "label": n.pin.label, "ok": n.pin.ok}
        return data

    return {
        "title": view.title,
        "locked": view.locked,
        "nodes": [node(n) for n in view.nodes],
        "links": [
            {**{k: v for k, v in asdict(link).items() if v is not None}, "label": link.label}
            for link in view.links
        ],
        "groups": {g: list(members) for g, members in view.groups.items()},
        "stages": list(view.stages),
        "problems": [
            {"severity": p.severity, "line": p.line, "message": p.message, "text": str(p)}
            for p in view.problems
        ],
    }
