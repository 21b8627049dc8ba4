"""`ptm init --from-code` writes the edges the code shows between the models it declares, each with the
lines that show it, and what is loaded onto a model as a model derived from it."""

from __future__ import annotations

import json
from pathlib import Path

from ptmlock.manifest import load_manifest

HANDOFF = """\
from transformers import AutoModel

encoder = AutoModel.from_pretrained("org/encoder")
decoder = AutoModel.from_pretrained("org/decoder")


def run(batch):
    hidden = encoder(**batch).last_hidden_state
    return decoder(inputs_embeds=hidden)
"""


def _edges(path: Path = Path("ptm.toml")) -> list[tuple[str, str, str, str | None]]:
    return [(e.source, e.target, e.kind, e.mode) for e in load_manifest(path).edges]


def test_init_from_code_writes_the_edge_between_two_models_with_its_evidence(ptm) -> None:
    Path("app.py").write_text(HANDOFF)
    result = ptm("init --from-code")
    assert _edges() == [("encoder", "decoder", "feature-handoff", "sequential")]
    text = Path("ptm.toml").read_text()
    lines = text.splitlines()
    header = lines.index("[[edges]]")
    evidence = [line for line in lines[:header] if line.startswith("# from code: ")]
    assert evidence and lines[header - 1] == evidence[-1]
    assert all(line.startswith("# from code: app.py:") for line in evidence)
    consumer = next(n for n, line in enumerate(HANDOFF.splitlines(), 1) if "decoder(inputs_embeds" in line)
    assert f"# from code: app.py:{consumer} `" in text
    assert f"+ edge encoder -> decoder feature-handoff/sequential (app.py:{consumer})" in result.stdout
    assert "declaring 2 models and 1 edge found in ." in result.stdout
    # Read back without a lock by the commands that check and draw the system.
    assert json.loads(ptm("validate --format json").stdout)["edges"] == 1
    drawn = json.loads(ptm("graph --format json").stdout)
    assert [(link["source"], link["target"]) for link in drawn["links"]] == [("encoder", "decoder")]


def test_init_from_code_writes_no_edge_between_models_whose_outputs_never_meet(ptm) -> None:
    Path("app.py").write_text(
        HANDOFF
        + 'other = AutoModel.from_pretrained("org/other")\na = other(x)\nb = decoder(y)\nc = encoder(z)\n'
    )
    result = ptm("init --from-code")
    assert set(load_manifest(Path("ptm.toml")).models) == {"encoder", "decoder", "other"}
    assert _edges() == [("encoder", "decoder", "feature-handoff", "sequential")]
    assert "+ edge encoder -> decoder" in result.stdout and "other ->" not in result.stdout


def test_init_from_code_drops_an_edge_whose_other_end_it_cannot_declare(ptm) -> None:
    Path("app.py").write_text(
        "import sys\n"
        "from transformers import AutoModel\n"
        'encoder = AutoModel.from_pretrained("org/encoder")\n'
        "head = AutoModel.from_pretrained(sys.argv[1])\n"
        "def run(x):\n"
        "    return head(encoder(x).last_hidden_state)\n"
    )
    result = ptm("init --from-code")
    assert set(load_manifest(Path("ptm.toml")).models) == {"encoder"}
    assert _edges() == [] and "+ edge" not in result.stdout
    # graph --from-code still shows the hand-off, to the model named after its variable.
    drawn = json.loads(ptm("graph --from-code --format json").stdout)
    assert [(link["source"], link["target"]) for link in drawn["links"]] == [("encoder", "head")]


def test_init_from_code_declares_a_loaded_adapter_as_derived_from_its_base(ptm) -> None:
    Path("tune.py").write_text(
        "import torch.nn as nn\n"
        "from peft import PeftModel\n"
        "from transformers import AutoModelForSequenceClassification\n"
        'base = AutoModelForSequenceClassification.from_pretrained("org/base")\n'
        'tuned = PeftModel.from_pretrained(base, "org/lora-adapter")\n'
        'other = AutoModelForSequenceClassification.from_pretrained("org/other")\n'
        "other.classifier = nn.Linear(768, 3)\n"
        "from diffusers import StableDiffusionPipeline\n"
        'pipe = StableDiffusionPipeline.from_pretrained("org/sd")\n'
        'pipe.load_lora_weights("org/sd-lora")\n'
        'pipe.load_textual_inversion("org/embedding")\n'
    )
    result = ptm("init --from-code")
    models = load_manifest(Path("ptm.toml")).models
    adapter = models["lora-adapter"]
    assert (adapter.base, adapter.adaptation, adapter.adapter) == ("base", "adapter", "peft")
    assert models["base"].base is None and models["other"].base is None
    lora, embedding = models["sd-lora"], models["embedding"]
    assert (lora.base, lora.adaptation, lora.adapter) == ("sd", "adapter", "lora")
    assert (embedding.base, embedding.adaptation, embedding.adapter) == ("sd", "addition", None)
    assert "(adapter peft of base)" in result.stdout and "(addition of sd)" in result.stdout
    # A head replaced in code has no key in ptm.toml: a note under the model's header, with its line.
    lines = Path("ptm.toml").read_text().splitlines()
    header = lines.index("[models.other]")
    assert lines[header + 1].startswith("# from code: ")
    assert "tune.py:7 `other.classifier = nn.Linear(768, 3)`" in lines[header + 1]
    assert "~ other: " in result.stdout
    # The base built into its adapter is that derivation, not a handoff edge besides it.
    assert load_manifest(Path("ptm.toml")).edges == ()
    ptm("validate")


def test_init_from_code_names_a_model_loaded_with_run_time_options_after_its_declared_repo(ptm) -> None:
    Path("app.py").write_text(
        "import json\n"
        "from transformers import AutoModel, AutoTokenizer\n"
        'encoder = AutoModel.from_pretrained("org/encoder")\n'
        'tokenizer = AutoTokenizer.from_pretrained("org/decoder")\n'
        'options = json.load(open("options.json"))\n'
        'decoder = AutoModel.from_pretrained("org/decoder", **options)\n'
        "def run(batch):\n"
        "    return decoder(inputs_embeds=encoder(**batch).last_hidden_state)\n"
    )
    ptm("init --from-code")
    assert set(load_manifest(Path("ptm.toml")).models) == {"encoder", "decoder"}
    assert _edges() == [("encoder", "decoder", "feature-handoff", "sequential")]
