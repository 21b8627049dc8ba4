"""`ptm graph --from-code` draws the models the code loads and the edges between them, in every format,
without reading ptm.toml and without writing anything but -o."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ptmlock.render import FORMATS

PIPELINE = """\
import os
from diffusers import StableDiffusionPipeline
from transformers import CLIPModel

pipe = StableDiffusionPipeline.from_pretrained("org/sd")
judge = CLIPModel.from_pretrained(os.environ["JUDGE"])


def generate(prompt):
    images = pipe(prompt).images
    return images


def evaluate(prompts):
    scores = []
    for prompt in prompts:
        image = pipe(prompt).images[0]
        scores.append(judge(pixel_values=image).logits_per_image)
    return scores
"""
CHAIN = """\
from transformers import AutoModel

encoder = AutoModel.from_pretrained("org/encoder")
decoder = AutoModel.from_pretrained("org/decoder")


def run(batch):
    hidden = encoder(**batch).last_hidden_state
    return decoder(inputs_embeds=hidden)
"""


def _files() -> set[str]:
    return {str(p) for p in Path().rglob("*")}


def test_graph_from_code_draws_the_handoff_and_names_a_run_time_model_after_its_variable(ptm) -> None:
    Path("src").mkdir()
    Path("src/app.py").write_text(PIPELINE)
    Path("src/chain.py").write_text(CHAIN)
    before = _files()
    data = json.loads(ptm("graph --from-code src --format json").stdout)
    assert _files() == before
    nodes = {n["name"]: n for n in data["nodes"]}
    assert {"sd", "encoder", "decoder", "judge"} <= set(nodes)
    assert nodes["judge"]["type"] == "component" and "src/app.py:6" in nodes["judge"]["description"]
    links = {(link["source"], link["target"]) for link in data["links"]}
    assert ("encoder", "decoder") in links
    assert ("sd", "judge") in links  # the evaluated model's output flows into its evaluator
    assert data["title"] == "src/(from code)"
    text = ptm("graph --from-code src").stdout
    assert "encoder" in text and "decoder" in text and "feature-handoff" in text


NO_DOT = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


@pytest.mark.parametrize("fmt", [pytest.param(f, marks=NO_DOT) if f == "svg" else f for f in FORMATS])
def test_graph_from_code_draws_every_format(ptm, fmt: str) -> None:
    Path("chain.py").write_text(CHAIN)
    out = ptm(f"graph --from-code --format {fmt}").stdout
    assert "encoder" in out and "decoder" in out


@NO_DOT
def test_graph_from_code_ignores_ptm_toml_and_writes_only_its_output(ptm) -> None:
    Path("chain.py").write_text(CHAIN)
    Path("ptm.toml").write_text('[models.declared-only]\nrepo = "org/elsewhere"\n')
    before = _files()
    result = ptm("graph --from-code -o graph.svg")
    assert _files() == before | {"graph.svg"}
    assert result.stderr.strip().splitlines() == [
        "ptm graph: drawn from the code in . alone; ptm.toml is not read"
    ]
    svg = Path("graph.svg").read_text()
    assert "encoder" in svg and "declared-only" not in svg
    # Without --from-code the graph is ptm.toml's, as before.
    assert "declared-only" in ptm("graph").stdout


def test_graph_from_code_draws_no_edge_between_models_whose_outputs_never_meet(ptm) -> None:
    Path("app.py").write_text(
        "from transformers import AutoModel\n"
        'encoder = AutoModel.from_pretrained("org/encoder")\n'
        'decoder = AutoModel.from_pretrained("org/decoder")\n'
        "a = encoder(x)\n"
        "b = decoder(y)\n"
    )
    data = json.loads(ptm("graph --from-code --format json").stdout)
    assert {n["name"] for n in data["nodes"]} == {"encoder", "decoder"}
    assert data["links"] == []


def test_graph_from_code_skips_a_file_nested_too_deeply_to_follow_and_draws_the_rest(ptm) -> None:
    Path("chain.py").write_text(CHAIN)
    chain = "x" + ".a" * 900  # a generated (or hostile) file: deeper than Python's recursion limit
    Path("deep.py").write_text(
        "from transformers import AutoModel\n"
        'm = AutoModel.from_pretrained("org/m")\n'
        'n = AutoModel.from_pretrained("org/n")\n'
        f"y = n(m({chain}))\n"
    )
    data = json.loads(ptm("graph --from-code . --format json").stdout)
    links = {(link["source"], link["target"]) for link in data["links"]}
    assert links == {("encoder", "decoder")}
