"""One self-contained HTML page (inline CSS, JS and SVG; no network) that draws the system."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from importlib import resources

from .layout import NODE_H, NODE_W, layout
from .style import LINK_STYLES, PINNED_COLOR, UNPINNED_COLOR
from .view import GraphView, view_data


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets").joinpath(name).read_text(encoding="utf-8")


def _script_json(data: object) -> str:
    # "<" never appears raw, so nothing in the data can close the <script> element.
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def render_html(view: GraphView) -> str:
    placed = layout(view)
    data = {
        **view_data(view),
        "layout": {
            "width": placed.width,
            "height": placed.height,
            "node": {"w": NODE_W, "h": NODE_H},
            "nodes": {name: asdict(box) for name, box in placed.nodes.items()},
            "groups": {name: asdict(box) for name, box in placed.groups.items()},
            "lanes": [asdict(lane) for lane in placed.lanes],
        },
        "styles": {name: asdict(style) for name, style in LINK_STYLES.items()},
        "colors": {"pinned": PINNED_COLOR, "unpinned": UNPINNED_COLOR},
    }
    page = _asset("page.html")
    for marker, value in (
        ("/*PTM_CSS*/", _asset("graph.css")),
        ("/*PTM_JS*/", _asset("graph.js")),
        ("/*PTM_DATA*/", _script_json(data)),
        ("<!--PTM_TITLE-->", html.escape(f"{view.title} · model graph")),
    ):
        page = page.replace(marker, value)
    return page
