"""SVG through Graphviz's `dot`, when it is installed."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import PtmError
from .dot import render_dot
from .view import GraphView


def render_svg(view: GraphView) -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise PtmError(
            "--format svg needs Graphviz's `dot` on PATH; install Graphviz (e.g. `apt-get install "
            "graphviz`), or use --format html, which needs nothing else"
        )
    result = subprocess.run(
        [dot, "-Tsvg"], input=render_dot(view), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise PtmError(f"Graphviz `dot` failed: {last}")
    return result.stdout
