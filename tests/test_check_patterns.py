"""The loading code the README recommends passes `ptm check`: ptmlock.path, ptmlock.revision and
ptmlock.torch_hub_load are pinned by ptm.lock by construction, and checked against ptm.toml by name."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write_manifest
from tests.installing import torchhub_model
from tests.test_lock import THREE_MODELS

# The loads against the lock, not the edges (whose evidence PTM031 wants: tests/test_check_edges.py).
MANIFEST = THREE_MODELS[: THREE_MODELS.index("\n[[edges]]")] + "\n"

RECOMMENDED = """\
import ptmlock
import torch
from ptmlock import path as model_path
from transformers import AutoModel

AutoModel.from_pretrained(ptmlock.path("bert"))
AutoModel.from_pretrained("fixtures/tiny-bert", revision=ptmlock.revision("bert"))
AutoModel.from_pretrained(str(model_path("mlp")))
AutoModel.from_pretrained(ptmlock.path("bert-v1") / "subfolder", local_files_only=True)
folder = ptmlock.path("mlp")
AutoModel.from_pretrained(folder)
"""


def _findings(ptm, *args: str) -> tuple[int, dict[int, list[str]]]:
    result = ptm(["check", "--format", "json", *args], expect=None)
    by_line: dict[int, list[str]] = {}
    for item in json.loads(result.stdout)["findings"]:
        by_line.setdefault(item["line"], []).append(item["code"])
    return result.exit_code, by_line


def test_recommended_patterns_pass_without_a_manifest(ptm) -> None:
    Path("app.py").write_text(RECOMMENDED + 'ptmlock.torch_hub_load("backbone", pretrained=True)\n')
    data = json.loads(ptm("check --format json app.py").stdout)
    assert data["findings"] == []
    assert [load["line"] for load in data["loads"] if load["state"] == "pinned"] == [6, 7, 8, 9, 11, 12]


def test_recommended_patterns_pass_against_the_lock(hub, ptm) -> None:
    write_manifest(MANIFEST)
    ptm("lock")
    Path("app.py").write_text(RECOMMENDED)
    assert _findings(ptm) == (0, {})


def test_names_in_recommended_patterns_are_checked_against_ptm_toml_and_lock(hub, ptm) -> None:
    write_manifest(MANIFEST)
    ptm("lock")
    write_manifest(MANIFEST + '\n[models.new]\nrepo = "fixtures/tiny-mlp"\n')  # declared, not locked
    Path("app.py").write_text(
        "import ptmlock\n"
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained(ptmlock.path("encoder"))\n'
        'AutoModel.from_pretrained("fixtures/tiny-mlp", revision=ptmlock.revision("bert"))\n'
        'ptmlock.torch_hub_load("bert")\n'
        'AutoModel.from_pretrained(ptmlock.path("new"))\n'
        'AutoModel.from_pretrained(ptmlock.path("mlp"))\n'
    )
    code, found = _findings(ptm)
    assert code == 1
    assert found == {3: ["PTM010"], 4: ["PTM011"], 5: ["PTM011"], 6: ["PTM012"]}
    text = ptm("check", expect=1).stdout
    assert "'encoder' is not declared in ptm.toml" in text
    assert (
        'ptmlock.revision("bert") is the commit of "fixtures/tiny-bert", not of "fixtures/tiny-mlp"' in text
    )
    assert "'bert' is a huggingface model in ptm.toml, not a torch.hub one" in text
    assert "'new' is declared but not locked" in text


def test_torch_hub_recommended_patterns_are_tied_to_the_lock(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    Path("app.py").write_text(
        "import ptmlock\n"
        "import torch\n"
        'ptmlock.torch_hub_load("mlp")\n'
        'torch.hub.load(ptmlock.path("mlp"), "tiny_mlp", source="local")\n'
        'ptmlock.torch_hub_load("backbone")\n'
    )
    assert _findings(ptm) == (1, {5: ["PTM010"]})


def test_hugging_face_urls_are_tied_to_the_lock(hub, ptm) -> None:
    write_manifest(MANIFEST)
    ptm("lock")
    bert = hub.hub.resolve("fixtures/tiny-bert", "main")
    Path("app.py").write_text(
        "import requests\n"
        f'requests.get("https://huggingface.co/fixtures/tiny-bert/resolve/{bert}/config.json")\n'
        'requests.get("https://huggingface.co/org/undeclared/resolve/main/config.json")\n'
        f'requests.get("https://huggingface.co/fixtures/tiny-bert/resolve/{"f" * 40}/config.json")\n'
    )
    assert _findings(ptm) == (1, {3: ["PTM002", "PTM010"], 4: ["PTM011"]})
