"""Graphviz DOT: paste into docs, or render with `dot -Tsvg` (the `svg` format does that)."""

from __future__ import annotations

import html
import json

from .style import LINK_STYLES, PINNED_COLOR, UNPINNED_COLOR
from .view import COMPONENT, GraphView, Node


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _label(node: Node) -> str:
    rows = [f"<b>{html.escape(node.name)}</b>", f'<font point-size="9">{html.escape(node.source)}</font>']
    if node.pin:
        color = PINNED_COLOR if node.pin.ok else UNPINNED_COLOR
        rows.append(f'<font point-size="9" color="{color}">{html.escape(node.pin.label)}</font>')
    facts = [node.task or "", "" if node.runtime else " and ".join(node.uses) + " only"]
    if any(facts):
        rows.append(f'<font point-size="8">{html.escape("  ".join(f for f in facts if f))}</font>')
    return "<" + "<br/>".join(rows) + ">"


def _node(node: Node) -> str:
    shape = 'shape=component, fillcolor="#f1f1f1"' if node.type == COMPONENT else 'fillcolor="#ffffff"'
    return f"{_quote(node.name)} [{shape}, label={_label(node)}];"


def render_dot(view: GraphView) -> str:
    lines = [
        f"digraph {_quote(view.title)} {{",
        "  rankdir=LR;",
        '  graph [fontname="Helvetica", fontsize=11, nodesep=0.4, ranksep=0.7];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, margin="0.15,0.06"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    grouped = {name for members in view.groups.values() for name in members}
    for index, (group, members) in enumerate(view.groups.items()):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(
            f'    label={_quote(f"{group} (interchangeable)")}; style="dashed,rounded"; color="#b58900";'
        )
        lines += [f"    {_node(view.node(name))}" for name in members]
        lines.append("  }")
    lines += [f"  {_node(node)}" for node in view.nodes if node.name not in grouped]
    for link in view.links:
        style = LINK_STYLES[link.relation]
        attrs = [
            f"label={_quote(link.label)}",
            f'color="{style.color}"',
            f'fontcolor="{style.color}"',
            f"style={style.dash}",
            f"penwidth={style.width}",
        ]
        if not style.arrow:
            attrs += ["dir=none", "constraint=false"]
        lines.append(f"  {_quote(link.source)} -> {_quote(link.target)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
