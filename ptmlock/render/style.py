"""How each kind of link looks, shared by the DOT, Mermaid and HTML drawings so they read alike."""

from __future__ import annotations

from dataclasses import dataclass

from ..impact import BASE, TRAINED_WITH
from ..taxonomy import EVALUATION, FEATURE_HANDOFF, FEEDBACK_GUIDANCE, POST_PROCESSING

UNPINNED_COLOR = "#d62728"
PINNED_COLOR = "#2ca02c"


@dataclass(frozen=True)
class LinkStyle:
    color: str
    dash: str  # "solid", "dashed" or "dotted"
    width: float
    arrow: bool = True


LINK_STYLES = {
    FEATURE_HANDOFF: LinkStyle("#1f5fa8", "solid", 2.0),
    FEEDBACK_GUIDANCE: LinkStyle("#e07b00", "dashed", 2.0),
    EVALUATION: LinkStyle("#7b3fa0", "dotted", 2.0),
    POST_PROCESSING: LinkStyle("#2a8f4a", "solid", 3.0),
    BASE: LinkStyle("#8a8a8a", "dashed", 1.5),
    TRAINED_WITH: LinkStyle("#8a8a8a", "dotted", 1.5, arrow=False),
}
