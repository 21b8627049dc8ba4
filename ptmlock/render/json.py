"""The graph as JSON for other tools: nodes with pins, links, groups, stages and problems."""

from __future__ import annotations

import json

from .view import GraphView, view_data


def render_json(view: GraphView) -> str:
    return json.dumps(view_data(view), indent=2, ensure_ascii=False) + "\n"
