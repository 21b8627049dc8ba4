"""The architectures of the issue's twelve that `test_export_inferred_inputs.py` does not export: a BERT
sequence classifier, RoBERTa, BART and ResNet (tiny, random, built at test time), each exported with no
declared inputs (loader and inputs from config.json), verified and verified --frozen through the CLI.
`bench/export.py` times the twelve against optimum-cli."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import validate
from tests.export import architectures
from tests.export.support import local_models_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Each model's builder, the loader config.json names and the inputs inference must find, in the forward's
# order. The TorchScript-based exporter takes seconds where dynamo takes tens (the bench runs dynamo).
MODELS: dict[str, tuple[Callable[[Path], None], str, list[str]]] = {
    "bert-classifier": (
        architectures.bert_classifier,
        "BertForSequenceClassification",
        ["input_ids", "attention_mask", "token_type_ids"],
    ),
    "roberta": (architectures.roberta, "RobertaModel", ["input_ids", "attention_mask", "token_type_ids"]),
    "bart": (
        architectures.bart,
        "BartForConditionalGeneration",
        ["input_ids", "attention_mask", "decoder_input_ids"],
    ),
    "resnet": (architectures.resnet, "ResNetForImageClassification", ["pixel_values"]),
}


@dataclass(frozen=True)
class Verified:
    """Each model's own `ptm export`, `ptm verify` and `ptm verify --frozen`, and ptm.lock after them."""

    runs: dict[str, tuple[Result, Result, Result]]
    lock: dict[str, Any]

    def inferred(self, name: str) -> dict[str, Any]:
        inferred: dict[str, Any] = self.lock["models"][name]["verify"]["inferred"]
        return inferred


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory) -> Verified:
    root = tmp_path_factory.mktemp("architectures")
    torchscript = 'exporter = "torchscript"'
    built = {name: (build, torchscript) for name, (build, _, _) in MODELS.items()}
    with local_models_project(root, built) as ptm:
        # One model at a time, so that one architecture failing leaves the others' checks standing.
        runs = {
            name: (
                ptm(["export", name], expect=None),
                ptm(["verify", name], expect=None),
                ptm(["verify", "--frozen", name], expect=None),
            )
            for name in MODELS
        }
        lock = tomllib.loads(Path("ptm.lock").read_text())
    validate("ptm-lock", lock)
    return Verified(runs, lock)


@pytest.mark.parametrize("name", MODELS)
def test_export_infers_the_loader_and_inputs_of_each_architecture(verified: Verified, name: str) -> None:
    export = verified.runs[name][0]
    assert export.exit_code == 0, export.stdout + export.stderr
    assert f"{name}  onnx  artifacts/{name}/model.onnx  " in export.stdout
    assert verified.inferred(name)["loader"] == f"transformers:{MODELS[name][1]}"
    assert [i["name"] for i in verified.inferred(name)["inputs"]] == MODELS[name][2]


@pytest.mark.parametrize("name", MODELS)
def test_each_architecture_verifies_against_pytorch_and_the_lock(verified: Verified, name: str) -> None:
    _, verify, frozen = verified.runs[name]
    assert verify.exit_code == 0, verify.stdout
    assert f"ok    {name}  onnx vs PyTorch: " in verify.stdout
    assert f"ok    {name}  onnx vs PyTorch at batch=1" in verify.stdout
    assert frozen.exit_code == 0, frozen.stdout
    assert f"ok    {name}  onnx vs ptm.lock: " in frozen.stdout


def test_a_convolutional_network_without_an_image_size_gets_optimums_default(verified: Verified) -> None:
    (pixels,) = verified.inferred("resnet")["inputs"]
    assert pixels == {"name": "pixel_values", "dtype": "float32", "shape": ["batch", 3, 64, 64]}
