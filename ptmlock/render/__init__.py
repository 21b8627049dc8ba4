"""Drawings of the model graph; each format is one module with a ``render_<format>(view)`` function."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports FORMATS on every start: the formats load only when drawing
    from ..lockfile import Lock
    from ..manifest import Manifest

FORMATS = ("text", "dot", "mermaid", "html", "svg", "json")


def render(manifest: Manifest, lock: Lock | None, fmt: str, *, color: bool = False) -> str:
    """The system drawn in ``fmt``; ``color`` adds terminal colours to the text format."""
    from .view import build_view  # networkx and the renderers load only when something is drawn

    view = build_view(manifest, lock)
    renderer = getattr(importlib.import_module(f"{__name__}.{fmt}"), f"render_{fmt}")
    return renderer(view, color=color) if fmt == "text" else renderer(view)
