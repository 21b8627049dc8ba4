"""Drawings of the model graph; each format is one module with a ``render_<format>(view)`` function."""

from __future__ import annotations

import importlib
from pathlib import PurePath
from typing import TYPE_CHECKING

from ..errors import PtmError

if TYPE_CHECKING:  # the CLI imports FORMATS on every start: the formats load only when drawing
    from ..lockfile import Lock
    from ..manifest import Manifest

FORMATS = ("text", "dot", "mermaid", "html", "svg", "json")
EXTENSIONS = {
    ".txt": "text",
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".html": "html",
    ".svg": "svg",
    ".json": "json",
}


def output_format(output: PurePath | None, fmt: str | None) -> str:
    """The format to draw: ``fmt`` as given, else the one ``output``'s extension names, else text.

    A ``g.svg`` holding a text tree is a mistake no reader of the file would catch, so an extension that
    names no format, or another one than ``fmt``, is refused; a name without one takes ``fmt``.
    """
    if output is None:
        return fmt or "text"
    suffix = output.suffix.lower()
    inferred = EXTENSIONS.get(suffix)
    if suffix and inferred is None:
        raise PtmError(
            f"cannot draw {output.name}: its extension is none of {' '.join(EXTENSIONS)}",
            exit_code=2,
        )
    if fmt is None:
        if inferred is None:
            raise PtmError(f"pass --format to write {output.name}, or give it an extension", exit_code=2)
        return inferred
    if inferred is not None and fmt != inferred:
        raise PtmError(
            f"--format {fmt} does not match {output.name}, whose extension means {inferred}; "
            "drop --format or change the extension",
            exit_code=2,
        )
    return fmt


def render(manifest: Manifest, lock: Lock | None, fmt: str, *, color: bool = False) -> str:
    """The system drawn in ``fmt``; ``color`` adds terminal colours to the text format."""
    from .view import build_view  # networkx and the renderers load only when something is drawn

    view = build_view(manifest, lock)
    renderer = getattr(importlib.import_module(f"{__name__}.{fmt}"), f"render_{fmt}")
    return renderer(view, color=color) if fmt == "text" else renderer(view)
