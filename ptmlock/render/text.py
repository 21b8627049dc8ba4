"""The system as a tree for the terminal: each node once, reached along the links it takes part in."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from ..impact import TRAINED_WITH
from .view import COMPONENT, GraphView, Node


def _node_label(node: Node) -> Text:
    label = Text()
    label.append(node.name, style="bold cyan" if node.type != COMPONENT else "bold magenta")
    label.append(f"  {node.source}", style="dim")
    if node.pin:
        label.append(f"  {node.pin.label}", style="green" if node.pin.ok else "bold red")
    if node.group:
        label.append(f"  interchangeable[{node.group}]", style="yellow")
    elif node.role:
        label.append(f"  {node.role}")
    if node.task:
        label.append(f"  task={node.task}", style="dim")
    if not node.runtime:
        label.append(f"  ({' and '.join(node.uses)} only)", style="yellow")
    return label


def render_text(view: GraphView, *, color: bool = False) -> str:
    directed = [link for link in view.links if link.relation != TRAINED_WITH]
    has_input = {link.target for link in directed}
    order = [n.name for n in view.nodes]
    roots = [name for name in order if name not in has_input]
    shown: set[str] = set()

    def grow(tree: Tree, name: str) -> None:
        shown.add(name)
        for link in sorted((x for x in directed if x.source == name), key=lambda x: order.index(x.target)):
            step = Text(f"─{link.label}─▶ ", style="blue")
            if link.target in shown:
                tree.add(step + Text(link.target, style="bold") + Text("  (shown above)", style="dim"))
            else:
                grow(tree.add(step + _node_label(view.node(link.target))), link.target)

    components = sum(n.type == COMPONENT for n in view.nodes)
    counts = ", ".join(
        f"{count} {word}{'' if count == 1 else 's'}"
        for count, word in (
            (len(view.nodes) - components, "model"),
            (components, "component"),
            (len(view.links), "link"),
        )
    )
    trees = []
    # Nodes only reachable around a loop have no root; start from the first one not yet drawn.
    for name in roots + order:
        if name not in shown:
            trees.append(Tree(_node_label(view.node(name)), guide_style="dim"))
            grow(trees[-1], name)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=200, highlight=False)
    lock_note = "" if view.locked else "  (no ptm.lock: run `ptm lock` to pin)"
    console.print(Text(f"{view.title}: {counts}{lock_note}", style="bold"), soft_wrap=True)
    for tree in trees:
        console.print(tree, soft_wrap=True)
    for group, members in view.groups.items():
        console.print(f"interchangeable group {group}: {', '.join(members)}", soft_wrap=True)
    for link in view.links:
        if link.relation == TRAINED_WITH:
            console.print(f"trained together: {link.source}, {link.target}", soft_wrap=True)
    for problem in view.problems:
        style = "bold red" if problem.severity == "error" else "yellow"
        console.print(Text(f"{problem.severity}: {problem}", style=style), soft_wrap=True)
    return buffer.getvalue()
