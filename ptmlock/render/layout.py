"""Where the HTML page draws each node: columns follow the flow, rows are the pipeline stages (lanes).

Members of an interchangeable group share one slot, stacked inside their cluster box. Links that would
close a loop (feedback, or an error the checks report) are left out of the column order and drawn
as arcs back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from ..impact import BASE, TRAINED_WITH
from ..taxonomy import EVALUATION, FEEDBACK_GUIDANCE
from .view import GraphView

NODE_W, NODE_H = 210, 86
GAP_X, GAP_Y = 150, 26
# The left gutter leaves room for arcs between nodes stacked in one column.
GUTTER, LANE_PAD, MARGIN = 56, 34, 24
GROUP_PAD, GROUP_TITLE = 12, 22


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Lane:
    stage: str | None
    y: float
    h: float


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    nodes: dict[str, Box]
    groups: dict[str, Box]
    lanes: tuple[Lane, ...]


def _columns(view: GraphView, unit_of: dict[str, str]) -> dict[str, int]:
    """Longest-path column of every unit over the links that keep the flow acyclic.

    A guide sits in its own lane (see view._stage_of): it is drawn above or below the model it guides,
    in that model's column where nothing else of it comes first, rather than pushing that model right.
    """
    flow = nx.DiGraph()
    flow.add_nodes_from(unit_of.values())
    # Handoffs set the order first, then derivations; evaluation last, as it often looks back at an
    # upstream model's output.
    order = {BASE: 1, EVALUATION: 2}
    ranked = sorted(
        (link for link in view.links if link.relation not in (TRAINED_WITH, FEEDBACK_GUIDANCE)),
        key=lambda link: order.get(link.relation, 0),
    )
    for link in ranked:
        source, target = unit_of[link.source], unit_of[link.target]
        if source != target and not nx.has_path(flow, target, source):
            flow.add_edge(source, target)
    column: dict[str, int] = {}
    for unit in nx.topological_sort(flow):
        column[unit] = max((column[p] + 1 for p in flow.predecessors(unit)), default=0)
    for link in view.links:
        guide, guided = unit_of[link.source], unit_of[link.target]
        if link.relation == FEEDBACK_GUIDANCE and guide != guided and flow.in_degree(guide) == 0:
            # Left of whatever it hands on, so that its own links still run left to right.
            limit = min((column[s] - 1 for s in flow.successors(guide)), default=column[guided])
            column[guide] = max(column[guide], min(column[guided], limit))
    return column


def layout(view: GraphView) -> Layout:
    unit_of = {n.name: f"group:{n.group}" if n.group else n.name for n in view.nodes}
    members: dict[str, list[str]] = defaultdict(list)
    for node in view.nodes:
        members[unit_of[node.name]].append(node.name)
    column = _columns(view, unit_of)
    # One lane per stage something is drawn in, then one unlabelled lane for what has no stage.
    lanes: list[str | None] = list(view.stages)
    if not lanes or any(n.stage is None for n in view.nodes):
        lanes.append(None)
    # The members of a group share their slot's stage (see view._stage_of), so a unit has one lane.
    lane_of = {unit: lanes.index(view.node(names[0]).stage) for unit, names in members.items()}

    def height(unit: str) -> float:
        count = len(members[unit])
        inner = count * NODE_H + (count - 1) * GAP_Y
        return inner + 2 * GROUP_PAD + GROUP_TITLE if unit.startswith("group:") else inner

    cells: dict[tuple[int, int], list[str]] = defaultdict(list)
    for unit in members:  # manifest order within a cell
        cells[lane_of[unit], column[unit]].append(unit)

    def cell_height(units: list[str]) -> float:
        return sum(height(u) for u in units) + GAP_Y * (len(units) - 1)

    lane_heights = [
        max((cell_height(units) for (lane, _), units in cells.items() if lane == index), default=NODE_H)
        + 2 * LANE_PAD
        for index in range(len(lanes))
    ]
    nodes: dict[str, Box] = {}
    groups: dict[str, Box] = {}
    lane_boxes = []
    top = 0.0
    for index, stage in enumerate(lanes):
        lane_boxes.append(Lane(stage, top, lane_heights[index]))
        for (lane, col), units in sorted(cells.items()):
            if lane != index:
                continue
            x = MARGIN + GUTTER + GROUP_PAD + col * (NODE_W + GAP_X)
            y = top + (lane_heights[index] - cell_height(units)) / 2
            for unit in units:
                inner_y = y + (GROUP_PAD + GROUP_TITLE if unit.startswith("group:") else 0)
                if unit.startswith("group:"):
                    groups[unit[6:]] = Box(x - GROUP_PAD, y, NODE_W + 2 * GROUP_PAD, height(unit))
                for name in members[unit]:
                    nodes[name] = Box(x, inner_y, NODE_W, NODE_H)
                    inner_y += NODE_H + GAP_Y
                y += height(unit) + GAP_Y
        top += lane_heights[index]
    columns = max(column.values(), default=0) + 1
    width = MARGIN * 2 + GUTTER + 2 * GROUP_PAD + columns * NODE_W + (columns - 1) * GAP_X
    # Links that point back to an earlier column are drawn as arcs under the nodes: leave room for them.
    loops_back = any(nodes[link.target].x < nodes[link.source].x for link in view.links)
    return Layout(width, top + (3 * LANE_PAD if loops_back else 0), nodes, groups, tuple(lane_boxes))
