"""The HTML graph in a real headless Chromium: its script runs offline and draws every node, link and lane
where they belong, measured in the browser (boxes inside the drawing and their lanes, groups around their
members, links that run from one node's box to the other's)."""

from __future__ import annotations

import itertools
import json
import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from ptmlock.lockfile import read_lock
from ptmlock.manifest import load_manifest
from ptmlock.render.view import GraphView, build_view
from tests.conftest import REPO_ROOT, write_manifest

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed"),
]

# What the browser laid out (client rectangles, path lengths and end points), in the drawing's own units.
MEASURE = """
function measure() {
  const svg = document.querySelector("svg.graph");
  const frame = svg.getBoundingClientRect();
  const k = svg.viewBox.baseVal.width / frame.width;
  const at = (x, y) => [(x - frame.left) * k, (y - frame.top) * k];
  const box = (el) => {
    const r = el.getBoundingClientRect();
    const [x, y] = at(r.left, r.top);
    return { x, y, w: r.width * k, h: r.height * k };
  };
  const point = (path, length) => {
    const p = path.getPointAtLength(length).matrixTransform(path.getScreenCTM());
    return at(p.x, p.y);
  };
  const all = (selector) => [...svg.querySelectorAll(selector)];
  return {
    drawing: box(svg),
    nodes: Object.fromEntries(all("g.node").map((g) => [g.dataset.name, box(g.querySelector("rect.box"))])),
    lanes: all("g.lane").map((g) => ({ stage: g.dataset.stage, ...box(g.querySelector("rect")) })),
    groups: Object.fromEntries(all("g.cluster").map(g => [g.dataset.group, box(g.querySelector("rect"))])),
    links: all("path.link").map((path) => {
      const length = path.getTotalLength();
      return { source: path.dataset.source, target: path.dataset.target, length,
        start: point(path, 0), end: point(path, length), box: box(path) };
    }),
  };
}
"""


def probe(steps: str) -> str:
    """A script appended to a copy of the page, run after its own script has drawn: ``steps`` (JavaScript
    that may call measure()) gives what is written, as JSON, into an element the test reads back."""
    return f"""
{MEASURE}
(function () {{
  const out = document.createElement("script");
  out.type = "application/json";
  out.id = "ptm-geometry";
  try {{
    out.textContent = JSON.stringify(({steps})());
  }} catch (error) {{
    out.textContent = JSON.stringify({{ error: String(error) }});
  }}
  document.body.appendChild(out);
}})();
"""


PROBE = probe("measure")

SLACK = 1.0  # drawing units: rounding of client rectangles
NEAR = 3.0  # how far a link may start or end from its node's box


class Elements(HTMLParser):
    """Every element of the rendered DOM as (tag, attributes)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(markup)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))

    def having(self, tag: str, css_class: str) -> list[dict[str, str]]:
        return [a for t, a in self.found if t == tag and css_class in a.get("class", "").split()]


def chromium(page: Path, profile: Path, *args: str) -> str:
    """Run headless Chromium on ``page`` with every host unresolvable, so nothing can load from outside."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=5000",
        "--window-size=1600,1000",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


@dataclass(frozen=True)
class Drawn:
    dom: Elements
    geometry: dict[str, Any]
    shot: Path


def drawn(ptm, tmp_path: Path, manifest: Path, script: str = PROBE) -> Drawn:
    page = tmp_path / "graph.html"
    ptm(["-m", str(manifest), "graph", "--format", "html", "-o", str(page)])
    head, end, tail = page.read_text(encoding="utf-8").rpartition("</body>")
    probed = tmp_path / "probed.html"
    probed.write_text(f"{head}<script>{script}</script>{end}{tail}", encoding="utf-8")
    markup = chromium(probed, tmp_path / "profile", "--dump-dom")
    found = re.search(r'<script type="application/json" id="ptm-geometry">(.*?)</script>', markup, re.S)
    assert found, "the probe did not run"
    shot = tmp_path / "graph.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}")
    return Drawn(Elements(markup), json.loads(found.group(1)), shot)


def finite(*numbers: Any) -> bool:
    return all(isinstance(n, (int, float)) and math.isfinite(n) for n in numbers)


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        outer["x"] - SLACK <= inner["x"]
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + SLACK
        and outer["y"] - SLACK <= inner["y"]
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + SLACK
    )


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def distance(point: list[float], box: dict[str, float]) -> float:
    x, y = point
    dx = max(box["x"] - x, 0.0, x - box["x"] - box["w"])
    dy = max(box["y"] - y, 0.0, y - box["y"] - box["h"])
    return math.hypot(dx, dy)


def assert_geometry(view: GraphView, geometry: dict[str, Any]) -> None:
    """Everything the view has is drawn where it belongs, as the browser measured it."""
    assert "error" not in geometry, geometry.get("error")
    drawing, nodes, lanes = geometry["drawing"], geometry["nodes"], geometry["lanes"]
    assert finite(*drawing.values()) and drawing["w"] > 0 and drawing["h"] > 0
    assert set(nodes) == {n.name for n in view.nodes}
    for name, box in nodes.items():
        assert finite(*box.values()) and box["w"] > 50 and box["h"] > 20, (name, box)
        assert inside(box, drawing), f"{name} is drawn outside the drawing: {box} vs {drawing}"
    names = sorted(nodes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not overlap(nodes[a], nodes[b]), f"{a} and {b} are drawn on top of each other"

    lane_of = {lane["stage"]: lane for lane in lanes}
    assert len(lane_of) == len(lanes)
    for lane in lanes:
        assert inside(lane, drawing) and lane["h"] > 0, lane
        assert any(inside(box, lane) for box in nodes.values()), f"lane {lane['stage']!r} is drawn empty"
    for a, b in itertools.pairwise(lanes):
        assert a["y"] + a["h"] <= b["y"] + SLACK, "lanes overlap"
    for node in view.nodes:
        lane = lane_of[node.stage or ""]
        assert inside(nodes[node.name], lane), f"{node.name} is not inside its lane {lane['stage']!r}"

    assert set(geometry["groups"]) == set(view.groups)
    for group, members in view.groups.items():
        outer = geometry["groups"][group]
        assert finite(*outer.values()) and inside(outer, drawing)
        for member in members:
            assert inside(nodes[member], outer), f"{member} is drawn outside its group box {group}"

    links = geometry["links"]
    assert [(x["source"], x["target"]) for x in links] == [(link.source, link.target) for link in view.links]
    for link in links:
        what = f"link {link['source']} -> {link['target']}"
        assert finite(link["length"], *link["start"], *link["end"], *link["box"].values()), what
        assert link["length"] > 20, f"{what} is degenerate (length {link['length']})"
        assert distance(link["start"], nodes[link["source"]]) <= NEAR, f"{what} does not start at its source"
        assert distance(link["end"], nodes[link["target"]]) <= NEAR, f"{what} does not end at its target"
        assert inside(link["box"], drawing), f"{what} runs outside the drawing"


@pytest.mark.parametrize("example", ["text-to-image", "text-to-audio", "retrieval", "autonomous-driving"])
def test_page_draws_every_node_link_group_and_lane_in_place(ptm, tmp_path: Path, example: str) -> None:
    manifest = REPO_ROOT / "examples" / example / "ptm.toml"
    view = build_view(load_manifest(manifest), None)
    page = drawn(ptm, tmp_path, manifest)
    dom = page.dom

    [body] = [a for t, a in dom.found if t == "body"]
    assert "data-error" not in body
    assert body["data-rendered"] == f"{len(view.nodes)} nodes, {len(view.links)} links"
    nodes = {a["data-name"]: a for a in dom.having("g", "node")}
    assert set(nodes) == {n.name for n in view.nodes}
    assert {n for n, a in nodes.items() if "component" in a["class"]} == {
        n.name for n in view.nodes if n.type == "component"
    }
    links = [(a["data-source"], a["data-target"], a["data-relation"]) for a in dom.having("path", "link")]
    assert links == [(link.source, link.target, link.relation) for link in view.links]
    assert {a["data-group"] for a in dom.having("g", "cluster")} == set(view.groups)
    # Links bringing one node the same kind of input (detectors into a fusion step) are labelled once.
    inputs = {(link.target, link.relation, link.mode or link.detail, link.stage) for link in view.links}
    assert len(dom.having("g", "link-label")) == len(inputs)
    assert [a["data-stage"] for a in dom.having("g", "lane")] == list(view.stages)
    unpinned = [n for n in view.nodes if n.pin and not n.pin.ok]
    assert len(dom.having("text", "bad")) == len(unpinned) > 0
    assert {a["data-relation"] for t, a in dom.found if t == "li" and "data-relation" in a} == {
        link.relation for link in view.links
    }
    assert_geometry(view, page.geometry)
    assert page.shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and page.shot.stat().st_size > 20_000


def model(name: str, extra: str = "") -> str:
    return f'[models.{name}]\nrepo = "org/{name}"\n{extra}\n'


def edge(source: str, target: str, kind: str, stage: str | None = None) -> str:
    text = f'[[edges]]\nfrom = "{source}"\nto = "{target}"\nkind = "{kind}"\n'
    text += 'mode = "sequential"\n' if kind == "feature-handoff" else ""
    return text + (f'stage = "{stage}"\n' if stage else "") + "\n"


def test_arcs_loops_and_a_partly_staged_group_are_drawn_in_place(ptm, tmp_path: Path) -> None:
    member = 'role = "interchangeable"\ngroup = "enc"\ntask = "feature-extraction"\n'
    manifest = write_manifest(
        model("enc-a", member)
        + model("enc-b", member)  # no edges of its own: it fills the slot enc-a's edges are drawn in
        + model("gen")
        + model("post")
        + model("judge")
        + model("guide", 'trained_with = ["enc-a"]\n')  # in enc's column: an arc out to the left
        + edge("enc-a", "gen", "feature-handoff", "inference")
        + edge("gen", "post", "feature-handoff", "inference")
        + edge("enc-a", "post", "feature-handoff", "inference")  # over gen, in the top lane
        + edge("post", "post", "evaluation", "inference")  # a self-loop in the last column (an error)
        + edge("gen", "judge", "evaluation", "post-processing")
        + edge("judge", "gen", "feedback-guidance", "post-processing")  # an arc back to an earlier column
        + edge("guide", "judge", "feature-handoff", "post-processing")
    )
    view = build_view(load_manifest(manifest), None)
    assert {n.stage for n in view.nodes} == {"inference", "post-processing"}
    assert_geometry(view, drawn(ptm, tmp_path, manifest).geometry)


def test_locked_models_are_drawn_with_their_short_commit(hub, ptm, tmp_path: Path) -> None:
    manifest = write_manifest(
        '[models.bert]\nrepo = "fixtures/tiny-bert"\n\n[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n'
        '[[edges]]\nfrom = "bert"\nto = "mlp"\nkind = "feature-handoff"\nmode = "sequential"\n'
    )
    ptm("lock")
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    page = drawn(ptm, tmp_path, manifest)
    assert {a["data-name"]: a["data-pin"] for a in page.dom.having("g", "node")} == {
        "bert": "locked",
        "mlp": "locked",
    }
    assert len(page.dom.having("text", "ok")) == 2 and page.dom.having("text", "bad") == []
    assert {f"● {m.commit[:7]}" for m in lock.models.values()} <= set(page.dom.text)
    assert_geometry(build_view(load_manifest(manifest), None), page.geometry)


AUTONOMOUS_DRIVING = REPO_ROOT / "examples" / "autonomous-driving" / "ptm.toml"

# Types in the search box, folds every group, unfolds one, then finds a model inside a folded group.
SEARCH_AND_FOLD = """() => {
  const search = document.getElementById("search");
  const type = (text) => { search.value = text; search.dispatchEvent(new Event("input")); };
  const names = (selector) => [...document.querySelectorAll(selector)].map((g) => g.dataset.name);
  const steps = {};
  type("LiDAR");
  const dim = document.querySelector("svg.graph g.node:not(.match)");
  steps.search = { count: document.getElementById("search-count").textContent,
    matches: names("svg.graph g.node.match"), dimmed: getComputedStyle(dim).opacity };
  type("");
  document.getElementById("fold-all").click();
  steps.folded = { ...measure(), button: document.getElementById("fold-all").textContent };
  const toggle = document.querySelector('g.cluster[data-group="lidar-detector"] .toggle');
  toggle.dispatchEvent(new MouseEvent("click"));
  steps.unfolded = measure();
  type("wayformer");
  search.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
  const details = document.querySelector("#details h2").textContent;
  steps.found = { details, nodes: names("svg.graph g.node") };
  return steps;
}"""


def folded_links(view: GraphView, folded: set[str]) -> list[tuple[str, str]]:
    """The links the page draws with ``folded`` groups: members' ends moved onto their group's box,
    one link per end pair and relation, none inside a folded group."""

    def shown(name: str) -> str:
        group = view.node(name).group
        return f"group:{group}" if group in folded else name

    seen, drawn = set(), []
    for link in view.links:
        ends = (shown(link.source), shown(link.target))
        moved = ends != (link.source, link.target)
        if moved and ((*ends, link.relation) in seen or ends[0] == ends[1]):
            continue
        seen.add((*ends, link.relation))
        drawn.append(ends)
    return drawn


def assert_links_end_at_their_boxes(geometry: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    nodes = geometry["nodes"]
    assert [(x["source"], x["target"]) for x in geometry["links"]] == expected
    for link in geometry["links"]:
        what = f"link {link['source']} -> {link['target']}"
        assert distance(link["start"], nodes[link["source"]]) <= NEAR, f"{what} does not start at its source"
        assert distance(link["end"], nodes[link["target"]]) <= NEAR, f"{what} does not end at its target"
    names = sorted(nodes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not overlap(nodes[a], nodes[b]), f"{a} and {b} are drawn on top of each other"


def test_search_dims_what_does_not_match_and_groups_fold_into_one_box(ptm, tmp_path: Path) -> None:
    view = build_view(load_manifest(AUTONOMOUS_DRIVING), None)
    steps = drawn(ptm, tmp_path, AUTONOMOUS_DRIVING, probe(SEARCH_AND_FOLD)).geometry
    assert "error" not in steps, steps.get("error")

    # "LiDAR" is in two detectors' descriptions and in the fusion model's, whatever the case.
    assert steps["search"]["count"] == f"3 of {len(view.nodes)} match"
    assert sorted(steps["search"]["matches"]) == ["bev-fusion", "centerpoint", "pointpillars"]
    assert float(steps["search"]["dimmed"]) < 0.5

    folded = steps["folded"]
    assert folded["button"] == "Expand groups"
    members = {name for names in view.groups.values() for name in names}
    assert set(folded["nodes"]) == {n.name for n in view.nodes} - members | {
        f"group:{g}" for g in view.groups
    }
    for group in view.groups:
        assert inside(folded["nodes"][f"group:{group}"], folded["groups"][group])
    assert_links_end_at_their_boxes(folded, folded_links(view, set(view.groups)))

    unfolded = steps["unfolded"]
    assert {"pointpillars", "centerpoint"} <= set(
        unfolded["nodes"]
    ) and "group:lidar-detector" not in unfolded["nodes"]
    assert_links_end_at_their_boxes(unfolded, folded_links(view, set(view.groups) - {"lidar-detector"}))

    # Enter shows the first match, unfolding the group it is in.
    assert steps["found"]["details"] == "wayformer"
    assert (
        "wayformer" in steps["found"]["nodes"] and "group:trajectory-predictor" not in steps["found"]["nodes"]
    )
