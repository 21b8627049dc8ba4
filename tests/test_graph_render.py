"""`ptm graph` in every format: structure of what is drawn, pins from the lock, and the layout."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from ptmlock.export.records import ExportRecord, with_records
from ptmlock.lockfile import read_lock, write_lock
from ptmlock.manifest import load_manifest
from ptmlock.render.layout import layout
from ptmlock.render.view import build_view
from tests.conftest import REPO_ROOT, one_line_error, write_manifest

EXAMPLES = ("text-to-image", "text-to-audio", "retrieval")


def example(name: str) -> str:
    return str(REPO_ROOT / "examples" / name / "ptm.toml")


def graph(ptm, name: str, fmt: str) -> str:
    return ptm(["-m", example(name), "graph", "--format", fmt]).stdout


LOCKED = """\
[models.bert]
repo = "fixtures/tiny-bert"
revision = "v1.0"
role = "interchangeable"
group = "encoder"
task = "feature-extraction"

[models.bert-dev]
repo = "fixtures/tiny-bert"
revision = "dev"
role = "interchangeable"
group = "encoder"
task = "feature-extraction"

[models.mlp]
repo = "fixtures/tiny-mlp"
description = "</script><script>alert(1)</script>"

[[edges]]
from = "bert"
to = "mlp"
kind = "feature-handoff"
mode = "sequential"
stage = "inference"

[[edges]]
from = "bert-dev"
to = "mlp"
kind = "feature-handoff"
mode = "sequential"
stage = "inference"
"""


def test_text_is_a_tree_with_pins_roles_and_edge_labels(ptm) -> None:
    out = graph(ptm, "text-to-image", "text")
    lines = out.splitlines()
    assert lines[0].endswith("6 models, 1 component, 7 links  (no ptm.lock: run `ptm lock` to pin)")
    assert lines[1].startswith("text-encoder  huggingface:openai/clip-vit-large-patch14  32bd642 unlocked")
    assert "└── ─feature-handoff · hierarchical · inference─▶ denoiser  " in lines[2]
    assert "main unpinned" in lines[2] and "task=text-to-image" in lines[2]
    assert any("─base · adapter: lora─▶ lcm-lora" in line for line in lines)
    assert any("clip-scorer" in line and "(evaluation only)" in line for line in lines)
    assert any("release-filter  (shown above)" in line for line in lines)
    assert "\x1b[" not in out  # no colour codes when not writing to a terminal


def test_text_lists_groups_training_pairs_and_problems(ptm) -> None:
    out = graph(ptm, "retrieval", "text")
    assert "interchangeable[dense-embedder]" in out
    assert "interchangeable group dense-embedder: bge-small, e5-small" in out
    assert "trained together: dpr-question, dpr-context" in out
    write_manifest(
        '[models.a]\nrepo = "o/a"\n\n[models.b]\nrepo = "o/b"\n\n'
        '[[edges]]\nfrom = "a"\nto = "a"\nkind = "evaluation"\n'
    )
    out = ptm("graph").stdout
    assert "error: " in out and "cycle a -> a" in out and "warning: " in out and "model 'b'" in out


def test_pins_come_from_the_lock_and_go_stale_when_the_entry_changes(hub, ptm) -> None:
    write_manifest(LOCKED)
    ptm("lock")
    commit = hub.hub.resolve("fixtures/tiny-bert", "v1.0")
    out = ptm("graph").stdout
    assert f"bert  huggingface:fixtures/tiny-bert  {commit[:7]}  interchangeable[encoder]" in out
    assert "unpinned" not in out and "no ptm.lock" not in out
    write_manifest(LOCKED.replace('revision = "v1.0"', 'revision = "main"'))
    data = json.loads(ptm("graph -f json").stdout)
    pins = {n["name"]: n["pin"] for n in data["nodes"]}
    assert pins["bert"]["state"] == "stale" and pins["bert"]["label"] == f"{commit[:7]} stale"
    assert pins["mlp"]["state"] == "locked" and pins["mlp"]["ok"] is True
    assert data["locked"] is True


def test_json_has_nodes_links_groups_stages_and_problems(ptm) -> None:
    data = json.loads(graph(ptm, "text-to-audio", "json"))
    nodes = {n["name"]: n for n in data["nodes"]}
    assert set(nodes) == {"clap", "clap-text", "ldm", "vae", "vocoder", "loudness"}
    assert nodes["loudness"]["type"] == "component" and "pin" not in nodes["loudness"]
    assert nodes["clap"]["runtime"] is False and nodes["clap"]["uses"] == ["evaluation", "training"]
    assert nodes["clap-text"]["base"] == "clap" and nodes["clap-text"]["adaptation"] == "deletion"
    assert nodes["ldm"]["pin"] == {
        "state": "unpinned",
        "revision": "main",
        "commit": None,
        "label": "main unpinned",
        "ok": False,
    }
    relations = [(link["source"], link["target"], link["relation"]) for link in data["links"]]
    assert ("clap", "ldm", "feedback-guidance") in relations and ("clap", "clap-text", "base") in relations
    assert data["stages"] == ["inference", "post-processing", "evaluation", "delivery"]
    assert data["problems"] == [] and data["locked"] is False


def test_dot_clusters_groups_and_styles_edge_kinds(ptm) -> None:
    out = graph(ptm, "retrieval", "dot")
    assert out.startswith('digraph "') and out.rstrip().endswith("}")
    cluster = re.search(r"subgraph cluster_0 \{(.*?)\n  \}", out, re.S)
    assert cluster and '"bge-small" [' in cluster.group(1) and '"e5-small" [' in cluster.group(1)
    assert 'label="dense-embedder (interchangeable)"' in cluster.group(1)
    assert len(re.findall(r"^  \"[^\"]+\" -> \"[^\"]+\" \[", out, re.M)) == 8
    assert re.search(r'"dpr-question" -> "dpr-context" \[.*style=dotted.*dir=none', out)
    assert '"rank-fusion" [shape=component' in out
    assert '<font point-size="9" color="#d62728">main unpinned</font>' in out
    audio = graph(ptm, "text-to-audio", "dot")
    assert re.search(
        r'"clap" -> "ldm" \[label="feedback-guidance · fine-tuning", color="#e07b00".*style=dashed', audio
    )


def test_mermaid_has_subgraphs_one_link_style_per_link_and_marks_unpinned(ptm) -> None:
    out = graph(ptm, "retrieval", "mermaid")
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  subgraph g0["dense-embedder (interchangeable)"]' in lines
    arrows = [line for line in lines if re.match(r"  n\d+ (-->|-\.->|-\.-)\|", line)]
    styles = [line for line in lines if line.startswith("  linkStyle ")]
    assert len(arrows) == len(styles) == 8
    assert [s.split()[1] for s in styles] == [str(i) for i in range(8)]
    assert any(line.startswith("  class ") and line.endswith(" unpinned") for line in lines)
    assert 'n3 -.-|"trained-with"| n2' in out or 'n2 -.-|"trained-with"| n3' in out
    assert "▲ main unpinned" in out


def test_html_is_self_contained_and_carries_the_graph(ptm) -> None:
    page = graph(ptm, "text-to-image", "html")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "@import" not in page and "url(http" not in page
    data = json.loads(
        re.search(r'<script type="application/json" id="ptm-data">(.*?)</script>', page, re.S).group(1)
    )
    assert {n["name"] for n in data["nodes"]} == set(data["layout"]["nodes"])
    assert len(data["links"]) == 7 and data["layout"]["lanes"][0]["stage"] == "inference"


def test_html_escapes_text_that_could_close_the_script(hub, ptm) -> None:
    write_manifest(LOCKED)
    page = ptm("graph -f html").stdout
    assert "</script><script>alert(1)" not in page
    data = json.loads(re.search(r'id="ptm-data">(.*?)</script>', page, re.S).group(1))
    assert next(n for n in data["nodes"] if n["name"] == "mlp")["description"].startswith("</script>")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_svg_is_drawn_by_graphviz(ptm) -> None:
    out = html.unescape(graph(ptm, "text-to-audio", "svg"))
    assert "<svg" in out and out.rstrip().endswith("</svg>")
    for name in ("clap", "clap-text", "ldm", "vae", "vocoder", "loudness"):
        assert f">{name}</text>" in out
    assert out.count('class="edge"') == 7


def test_svg_without_graphviz_is_one_clear_line(ptm, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = ptm(["-m", example("retrieval"), "graph", "-f", "svg", "-o", str(tmp_path / "g.svg")], expect=1)
    assert result.stderr.strip() == (
        "error: --format svg needs Graphviz's `dot` on PATH; install Graphviz (e.g. `apt-get install "
        "graphviz`), or use --format html, which needs nothing else"
    )
    assert not (tmp_path / "g.svg").exists()


def test_output_file_is_written_whole(ptm, tmp_path) -> None:
    target = tmp_path / "graph.mmd"
    result = ptm(["-m", example("retrieval"), "graph", "-f", "mermaid", "-o", str(target)])
    assert result.stdout == f"Wrote {target} (mermaid).\n"
    assert target.read_text() == graph(ptm, "retrieval", "mermaid")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def overlaps(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


@pytest.mark.parametrize("name", EXAMPLES)
def test_layout_never_overlaps_nodes_and_boxes_groups_around_members(name: str) -> None:
    view = build_view(load_manifest(Path(example(name))), None)
    placed = layout(view)
    boxes = list(placed.nodes.values())
    assert len(boxes) == len(view.nodes)
    assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    for group, members in view.groups.items():
        outer = placed.groups[group]
        for member in members:
            box = placed.nodes[member]
            assert outer.x <= box.x and box.x + box.w <= outer.x + outer.w
            assert outer.y <= box.y and box.y + box.h <= outer.y + outer.h
    lanes = {lane.stage: lane for lane in placed.lanes}
    for node in view.nodes:
        lane, box = lanes[node.stage], placed.nodes[node.name]
        assert lane.y <= box.y and box.y + box.h <= lane.y + lane.h
        assert box.x + box.w <= placed.width and box.y + box.h <= placed.height


def test_layout_puts_handoffs_left_to_right() -> None:
    view = build_view(load_manifest(Path(example("text-to-image"))), None)
    placed = layout(view)
    for link in view.links:
        if link.relation == "feature-handoff":
            assert placed.nodes[link.source].x < placed.nodes[link.target].x


def test_models_without_edges_or_stages_share_one_unlabelled_lane(ptm) -> None:
    write_manifest('[models.a]\nrepo = "o/a"\n\n[models.b]\nrepo = "o/b"\n')
    placed = layout(build_view(load_manifest(Path("ptm.toml")), None))
    assert [lane.stage for lane in placed.lanes] == [None]
    assert placed.nodes["a"].x == placed.nodes["b"].x and placed.nodes["a"].y < placed.nodes["b"].y
    assert "a  huggingface:o/a  main unpinned" in ptm("graph").stdout


def test_an_unstaged_member_of_a_staged_group_is_drawn_in_its_groups_lane(ptm) -> None:
    member = 'role = "interchangeable"\ngroup = "enc"\ntask = "feature-extraction"\n'
    write_manifest(
        f'[models.enc-a]\nrepo = "o/a"\n{member}\n[models.enc-b]\nrepo = "o/b"\n{member}\n'
        '[models.head]\nrepo = "o/head"\n\n'
        '[[edges]]\nfrom = "enc-a"\nto = "head"\nkind = "feature-handoff"\nmode = "sequential"\n'
        'stage = "inference"\n'
    )
    view = build_view(load_manifest(Path("ptm.toml")), None)
    assert {n.name: n.stage for n in view.nodes} == {
        "enc-a": "inference",
        "enc-b": "inference",
        "head": "inference",
    }
    assert [lane.stage for lane in layout(view).lanes] == ["inference"]


@pytest.mark.parametrize(
    "fmt",
    [
        "text",
        "dot",
        "html",
        "json",
        pytest.param("svg", marks=pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz")),
    ],
)
def test_drawings_name_the_project_folder_not_the_local_path(ptm, fmt: str) -> None:
    write_manifest(LOCKED + '\n[models.stray]\nrepo = "o/stray"\n')  # a warning, quoted with its file
    out = ptm(["-m", str(Path("ptm.toml").absolute()), "graph", "--format", fmt]).stdout
    assert str(Path.cwd()) not in out
    assert "project/ptm.toml" in out
    if fmt == "dot":
        assert out.startswith('digraph "project/ptm.toml" {')


def test_graph_shows_the_problems_validate_reports_with_the_locked_contracts(hub, ptm) -> None:
    write_manifest(LOCKED)
    ptm("lock")
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None

    def exported(model: str, width: int):
        signature = [{"name": "x", "dtype": "float32", "shape": ["batch", width]}]
        record = {
            "path": f"exports/{model}.onnx",
            "sha256": "0" * 64,
            "size": 1,
            "settings_hash": "sha256:" + "0" * 64,
            "tools": {},
            "inputs": signature,
            "outputs": signature,
            "preprocessing": [],
        }
        return with_records(lock.models[model], {"onnx": ExportRecord.from_data("onnx", record)}, None)

    models = {**lock.models, "bert": exported("bert", 8), "bert-dev": exported("bert-dev", 16)}
    write_lock(Path("ptm.lock"), lock._replace(models=models))
    reported = [line.split(": ", 2) for line in ptm("validate", expect=2).stderr.strip().splitlines()]
    problems = json.loads(ptm("graph -f json").stdout)["problems"]
    assert [(p["severity"], p["message"]) for p in problems] == [(s, m) for s, _, m in reported]
    assert (
        "'bert-dev' and 'bert' in group 'encoder' have different input/output signatures"
        in problems[0]["message"]
    )


def staged_view(text: str):
    write_manifest(text)
    return build_view(load_manifest(Path("ptm.toml")), None)


def edge(source: str, target: str, kind: str, stage: str) -> str:
    mode = 'mode = "sequential"\n' if kind == "feature-handoff" else ""
    return f'[[edges]]\nfrom = "{source}"\nto = "{target}"\nkind = "{kind}"\n{mode}stage = "{stage}"\n\n'


def test_a_planner_stays_in_its_lane_when_an_evaluator_points_at_it() -> None:
    view = staged_view(
        "".join(
            f'[models.{name}]\nrepo = "o/{name}"\n\n' for name in ("predictor", "planner", "critic", "judge")
        )
        + edge("predictor", "planner", "feature-handoff", "inference")
        + edge("critic", "planner", "feedback-guidance", "evaluation")  # closed-loop scores fed back
        + edge("planner", "judge", "evaluation", "evaluation")
    )
    stages = {n.name: n.stage for n in view.nodes}
    assert stages == {
        "predictor": "inference",
        "planner": "inference",
        "critic": "evaluation",
        "judge": "evaluation",
    }
    placed = layout(view)
    lanes = {lane.stage: lane for lane in placed.lanes}
    assert lanes["inference"].y <= placed.nodes["planner"].y < lanes["inference"].y + lanes["inference"].h
    # The guide is drawn in the guided planner's column, in its own lane, not left of a pushed planner.
    assert placed.nodes["critic"].x == placed.nodes["planner"].x


def test_a_models_lane_is_the_stage_of_what_it_produces_and_its_own_stage_key_wins() -> None:
    view = staged_view(
        '[models.encoder]\nrepo = "o/encoder"\n\n'
        '[models.decoder]\nrepo = "o/decoder"\n\n'
        '[models.upscaler]\nrepo = "o/upscaler"\n\n'
        '[models.backbone]\nrepo = "o/backbone"\nstage = "initialization"\n\n'
        '[models.head]\nrepo = "o/head"\nbase = "backbone"\nadaptation = "addition"\n'
        'stage = "preprocessing"\n\n'
        + edge("encoder", "decoder", "feature-handoff", "feature-extraction")
        + edge("decoder", "upscaler", "post-processing", "post-processing")
        + edge("head", "encoder", "feature-handoff", "inference")
    )
    assert {n.name: n.stage for n in view.nodes} == {
        "encoder": "feature-extraction",  # what it hands on, not the later stage of what it takes in
        "decoder": "feature-extraction",  # post-processed by another: the upscaler's lane, not its own
        "upscaler": "post-processing",
        "backbone": "initialization",
        "head": "preprocessing",  # its stage key, over the edge it produces
    }


def test_a_stage_key_on_a_group_member_places_the_whole_group() -> None:
    member = 'role = "interchangeable"\ngroup = "enc"\ntask = "feature-extraction"\n'
    view = staged_view(
        f'[models.enc-a]\nrepo = "o/a"\n{member}\n'
        f'[models.enc-b]\nrepo = "o/b"\n{member}stage = "prompting"\n\n'
        '[models.head]\nrepo = "o/head"\n\n' + edge("enc-a", "head", "feature-handoff", "inference")
    )
    assert {n.name: n.stage for n in view.nodes} == {
        "enc-a": "prompting",
        "enc-b": "prompting",
        "head": "inference",
    }


def test_a_model_stage_must_be_a_known_stage(ptm) -> None:
    write_manifest('[models.a]\nrepo = "o/a"\nstage = "training"\n')
    line = one_line_error(ptm("validate", expect=2))
    assert line.startswith("error: ") and "ptm.toml:3:" in line and "stage" in line and "fine-tuning" in line
