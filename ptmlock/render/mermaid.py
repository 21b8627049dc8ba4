"""Mermaid flowcharts: GitHub and most docs sites draw a ```mermaid block in Markdown."""

from __future__ import annotations

import html

from .style import LINK_STYLES, UNPINNED_COLOR
from .view import COMPONENT, GraphView, Node

_ARROWS = {"solid": "-->", "dashed": "-.->", "dotted": "-.->"}
_DASHES = {"solid": "", "dashed": ",stroke-dasharray: 6 4", "dotted": ",stroke-dasharray: 2 3"}


def _text(text: str) -> str:
    # Mermaid labels are HTML inside double quotes: escape both.
    return html.escape(text, quote=False).replace('"', "#quot;")


def _node(node_id: str, node: Node) -> str:
    rows = [f"<b>{_text(node.name)}</b>", _text(node.source)]
    if node.pin:
        rows.append(_text(("● " if node.pin.ok else "▲ ") + node.pin.label))
    if node.task:
        rows.append(f"<i>{_text(node.task)}</i>")
    if not node.runtime:
        rows.append(_text(" and ".join(node.uses) + " only"))
    open_, close = ("[/", "/]") if node.type == COMPONENT else ("(", ")")
    return f'{node_id}{open_}"{"<br/>".join(rows)}"{close}'


def render_mermaid(view: GraphView) -> str:
    ids = {node.name: f"n{index}" for index, node in enumerate(view.nodes)}
    lines = ["flowchart LR"]
    grouped = {name for members in view.groups.values() for name in members}
    for index, (group, members) in enumerate(view.groups.items()):
        lines.append(f'  subgraph g{index}["{_text(group)} (interchangeable)"]')
        lines += [f"    {_node(ids[name], view.node(name))}" for name in members]
        lines.append("  end")
        lines.append(f"  style g{index} stroke-dasharray: 6 4,stroke:#b58900,fill:#fffbea")
    lines += [f"  {_node(ids[node.name], node)}" for node in view.nodes if node.name not in grouped]
    for index, link in enumerate(view.links):
        style = LINK_STYLES[link.relation]
        arrow = _ARROWS[style.dash] if style.arrow else "-.-"
        lines.append(f'  {ids[link.source]} {arrow}|"{_text(link.label)}"| {ids[link.target]}')
        lines.append(
            f"  linkStyle {index} stroke:{style.color},stroke-width:{style.width}px{_DASHES[style.dash]}"
        )
    unpinned = [ids[n.name] for n in view.nodes if n.pin and not n.pin.ok]
    lines.append(f"  classDef unpinned stroke:{UNPINNED_COLOR},stroke-width:2px")
    lines.append("  classDef component fill:#f1f1f1,stroke:#777")
    if unpinned:
        lines.append(f"  class {','.join(unpinned)} unpinned")
    components = [ids[n.name] for n in view.nodes if n.type == COMPONENT]
    if components:
        lines.append(f"  class {','.join(components)} component")
    return "\n".join(lines) + "\n"
