"""Edges and adaptations inferred from code: which model's output reaches which other model's call, and
how a loaded model was changed, read from the source with `ptm check`'s scanner and value tracing, never
by importing or running the code.

The data below is what every consumer (`ptm init --from-code`, `ptm graph --from-code`, `ptm check`'s
edge rule, bench/edge_recall.py) reads; ``infer`` in ``ptmlock.dataflow.infer`` produces it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..check.loads import Load


@dataclass(frozen=True)
class Site:
    """A place in the scanned code: the path (relative to the scanned root, with /), the 1-based line,
    and the statement there, shortened for a message or a comment."""

    path: str
    line: int
    text: str


@dataclass(frozen=True)
class InferredEdge:
    """``source``'s output reaches ``target``: kind is one of taxonomy.EDGE_KINDS, mode one of
    taxonomy.HANDOFF_MODES for a feature-handoff (else None), stage one of taxonomy.STAGES when the code
    says it. ``evidence`` holds where the value passes, strongest first."""

    source: Load
    target: Load
    kind: str
    mode: str | None
    stage: str | None
    evidence: tuple[Site, ...]
    # feedback-guidance only: True when the guide is frozen (no_grad, eval(), requires_grad False, not in
    # the optimizer), False when it is co-updated, None when the code does not say.
    guide_frozen: bool | None = None


@dataclass(frozen=True)
class InferredAdaptation:
    """``model`` was changed after loading: adaptation is one of taxonomy.ADAPTATIONS; detail says how
    ("classifier replaced by nn.Linear", "LoRA adapter via get_peft_model", "layers frozen")."""

    model: Load
    adaptation: str
    detail: str
    evidence: Site


@dataclass(frozen=True)
class Inference:
    loads: tuple[Load, ...]
    edges: tuple[InferredEdge, ...]
    adaptations: tuple[InferredAdaptation, ...]
