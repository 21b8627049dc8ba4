"""`ptm check` keeps ptm.toml's edges and the code in step: PTM030 where the code hands one declared
model's output to another with no edge declared, PTM031 at a declared edge the code does not show, both
when the whole project is checked. Both are notes: they never fail the check by default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MODELS = """\
[models.encoder]
repo = "org/encoder"

[models.decoder]
repo = "org/decoder"
"""
EDGE = """
[[edges]]
from = "encoder"
to = "decoder"
kind = "feature-handoff"
mode = "sequential"
"""
LOADS = """\
import ptmlock
from transformers import AutoModel

encoder = AutoModel.from_pretrained(ptmlock.path("encoder"))
decoder = AutoModel.from_pretrained(ptmlock.path("decoder"))
"""
HANDOFF = (
    LOADS
    + """

def run(batch):
    hidden = encoder(**batch).last_hidden_state
    return decoder(inputs_embeds=hidden)
"""
)
APART = (
    LOADS
    + """
a = encoder(x)
b = decoder(y)
"""
)
CONSUMER_LINE = HANDOFF.splitlines().index("    return decoder(inputs_embeds=hidden)") + 1


def _edge_findings(ptm, args: str = "") -> list[dict[str, Any]]:
    result = ptm(f"check --format json {args}", expect=None)
    findings = json.loads(result.stdout)["findings"]
    return [f for f in findings if f["code"] in ("PTM030", "PTM031")]


def test_check_notes_an_edge_in_code_that_ptm_toml_does_not_declare(ptm) -> None:
    Path("app.py").write_text(HANDOFF)
    assert _edge_findings(ptm) == []  # no ptm.toml: nothing to keep in step
    Path("ptm.toml").write_text(MODELS)
    (finding,) = _edge_findings(ptm)
    assert (finding["path"], finding["line"], finding["severity"]) == ("app.py", CONSUMER_LINE, "info")
    assert "the code shows encoder -> decoder (feature-handoff) here" in finding["message"]
    assert (
        'from = "encoder", to = "decoder", kind = "feature-handoff", mode = "sequential"'
        in finding["message"]
    )
    # The note is counted on stderr, apart from notes on loads: pre-commit shows no passing hook's output.
    stderr = ptm("check", expect=None).stderr
    assert stderr == "ptm check: 1 note on edges ptm.toml and the code disagree on (not blocking)\n"
    # Only the whole project's check compares the code with ptm.toml: not a pre-commit run on the file.
    assert _edge_findings(ptm, "app.py") == []
    # Declared, it is in step.
    Path("ptm.toml").write_text(MODELS + EDGE)
    assert _edge_findings(ptm) == []


def test_check_notes_a_declared_edge_the_code_does_not_show(ptm) -> None:
    Path("ptm.toml").write_text(MODELS + EDGE)
    Path("app.py").write_text(APART)
    (finding,) = _edge_findings(ptm)
    edge_line = (MODELS + EDGE).splitlines().index("[[edges]]") + 1
    assert (finding["code"], finding["path"], finding["line"]) == ("PTM031", "ptm.toml", edge_line)
    assert "edge encoder -> decoder (feature-handoff)" in finding["message"]
    # Checking some files cannot tell that the evidence is missing: pre-commit passes the files changed.
    assert _edge_findings(ptm, "app.py") == []


def test_check_edge_rules_take_their_severity_from_ptm_toml(ptm) -> None:
    Path("ptm.toml").write_text(MODELS + '\n[check]\nseverity = { PTM030 = "warning" }\n')
    Path("app.py").write_text(HANDOFF)
    assert [f["severity"] for f in _edge_findings(ptm)] == ["warning"]
    Path("ptm.toml").write_text(MODELS + '\n[check]\nseverity = { PTM030 = "off" }\n')
    assert _edge_findings(ptm) == []
    sarif = json.loads(ptm("check --format sarif", expect=None).stdout)
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"PTM030", "PTM031"} <= set(rules)
    assert "declares no edge" in rules["PTM030"]["shortDescription"]["text"]


SCORED = """\
import ptmlock
from diffusers import StableDiffusionPipeline
from transformers import CLIPModel

pipe = StableDiffusionPipeline.from_pretrained(ptmlock.path("sd"))
judge = CLIPModel.from_pretrained(ptmlock.path("clip"))


def evaluate(prompts):
    scores = []
    for prompt in prompts:
        image = pipe(prompt).images[0]
        scores.append(judge(pixel_values=image).logits_per_image)
    return scores
"""


def test_check_takes_an_evaluation_edge_declared_either_way(ptm) -> None:
    models = '[models.sd]\nrepo = "org/sd"\n\n[models.clip]\nrepo = "org/clip"\n'
    Path("eval.py").write_text(SCORED)
    Path("ptm.toml").write_text(models)
    assert [f["code"] for f in _edge_findings(ptm)] == ["PTM030"]
    for source, target in (("sd", "clip"), ("clip", "sd")):
        edge = f'\n[[edges]]\nfrom = "{source}"\nto = "{target}"\nkind = "evaluation"\n'
        Path("ptm.toml").write_text(models + edge)
        assert _edge_findings(ptm) == []
