"""`ptm export` with no declared inputs: a transformers model's inputs (and loader) inferred from its
config.json and forward, for seven architectures exported and verified once per module; declared inputs
override; a model without a config says what to declare."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import one_line_error, validate, write_manifest
from tests.export.support import auto_provider, local_models_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LAYERS = {"num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}
# The same tiny sizes, as the configs of encoder-decoder models (BART, Whisper) spell them.
ENCODER_DECODER = {
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
}


def _bert(folder: Path) -> None:
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(vocab_size=60, hidden_size=16, **LAYERS)).save_pretrained(folder)


def _gpt2(folder: Path) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(vocab_size=64, n_embd=16, n_layer=1, n_head=2, n_positions=64)
    GPT2LMHeadModel(config).save_pretrained(folder)


def _llama(folder: Path) -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=64, hidden_size=16, num_key_value_heads=1, max_position_embeddings=64, **LAYERS
    )
    LlamaForCausalLM(config).save_pretrained(folder)


def _vit(folder: Path) -> None:
    from transformers import ViTConfig, ViTForImageClassification

    config = ViTConfig(image_size=16, patch_size=8, hidden_size=16, num_labels=3, **LAYERS)
    ViTForImageClassification(config).save_pretrained(folder)


def _clip(folder: Path) -> None:
    from transformers import CLIPConfig, CLIPModel

    text = {"vocab_size": 64, "hidden_size": 16, "max_position_embeddings": 32, **LAYERS}
    vision = {"image_size": 16, "patch_size": 8, "hidden_size": 16, **LAYERS}
    CLIPModel(CLIPConfig(text_config=text, vision_config=vision, projection_dim=8)).save_pretrained(folder)


def _whisper(folder: Path) -> None:
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    config = WhisperConfig(
        vocab_size=64,
        num_mel_bins=8,
        **ENCODER_DECODER,
        max_source_positions=16,
        max_target_positions=32,
        decoder_start_token_id=1,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        suppress_tokens=[],
        begin_suppress_tokens=[],
    )
    WhisperForConditionalGeneration(config).save_pretrained(folder)


def _t5(folder: Path) -> None:
    from transformers import T5Config, T5ForConditionalGeneration

    config = T5Config(
        vocab_size=64, d_model=16, d_kv=4, d_ff=32, num_layers=1, num_decoder_layers=1, num_heads=2
    )
    T5ForConditionalGeneration(config).save_pretrained(folder)


# Each model, how it is built, the export table's body (nothing: inputs and loader from config.json) and
# the inputs inference must find, in the forward's order. CLIP and Whisper (the open architectures)
# and BERT go through the default exporter (dynamo); the others through the TorchScript-based one, which
# takes seconds where dynamo takes most of a minute (and fails on T5).
TORCHSCRIPT = 'exporter = "torchscript"'
MODELS: dict[str, tuple[Callable[[Path], None], str, list[str]]] = {
    "bert": (_bert, "", ["input_ids", "attention_mask", "token_type_ids"]),
    "gpt2": (
        _gpt2,
        f'loader = "transformers:AutoModelForCausalLM"\n{TORCHSCRIPT}',
        ["input_ids", "attention_mask"],
    ),
    "llama": (_llama, TORCHSCRIPT, ["input_ids", "attention_mask"]),
    "vit": (_vit, TORCHSCRIPT, ["pixel_values"]),
    "clip": (_clip, "", ["input_ids", "pixel_values", "attention_mask"]),
    "whisper": (_whisper, "", ["input_features", "decoder_input_ids"]),
    "t5": (_t5, TORCHSCRIPT, ["input_ids", "attention_mask", "decoder_input_ids"]),
}


# The tiny BERT again, with its inputs declared: they override what inference would find.
DECLARED = """
[models.bert-declared]
hub = "local"
path = "bert"

[models.bert-declared.export]
loader = "transformers:AutoModel"
inputs = [
    { name = "input_ids", dtype = "int64", shape = ["batch", "sequence"], range = [0, 10] },
    { name = "attention_mask", dtype = "int64", shape = ["batch", "sequence"], fill = 1 },
]
"""


@dataclass(frozen=True)
class Exported:
    export: Result
    verify: Result
    frozen: Result
    lock: dict[str, Any]

    def inferred(self, name: str) -> dict[str, Any] | None:
        return self.lock["models"][name]["verify"].get("inferred")

    def onnx_inputs(self, name: str) -> list[str]:
        return [i["name"] for i in self.lock["models"][name]["exports"]["onnx"]["inputs"]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """The seven tiny models and the declared BERT, installed, exported, verified and verified --frozen."""
    root = tmp_path_factory.mktemp("inferred")
    built = {name: (build, body) for name, (build, body, _) in MODELS.items()}
    with local_models_project(root, built, DECLARED) as ptm:
        done = Exported(
            ptm("export"), ptm("verify"), ptm("verify --frozen"), tomllib.loads(Path("ptm.lock").read_text())
        )
    validate("ptm-lock", done.lock)
    return done


@pytest.mark.parametrize("name", MODELS)
def test_export_infers_the_inputs_from_the_config_and_records_them(exported: Exported, name: str) -> None:
    expected = MODELS[name][2]
    inferred = exported.inferred(name)
    assert inferred is not None
    assert [i["name"] for i in inferred["inputs"]] == expected
    assert exported.onnx_inputs(name) == expected
    line = next(line for line in exported.export.stdout.splitlines() if line.startswith(f"{name}  onnx  "))
    exporter = "torchscript" if TORCHSCRIPT in MODELS[name][1] else "dynamo"
    assert f" opset 18 by {exporter}  {auto_provider()}: " in line


def test_inferred_values_stay_within_the_config(exported: Exported) -> None:
    bert = {i["name"]: i for i in exported.inferred("bert")["inputs"]}  # type: ignore[index]
    assert bert["input_ids"]["range"] == [0, 60]  # vocab_size
    assert bert["token_type_ids"]["range"] == [0, 2]  # type_vocab_size
    assert bert["attention_mask"]["mask"] == "right-padded"
    clip = {i["name"]: i for i in exported.inferred("clip")["inputs"]}  # type: ignore[index]
    assert clip["pixel_values"] == {"name": "pixel_values", "dtype": "float32", "shape": ["batch", 3, 16, 16]}
    whisper = {i["name"]: i for i in exported.inferred("whisper")["inputs"]}  # type: ignore[index]
    assert whisper["input_features"]["shape"] == ["batch", 8, 32]  # mel bins, 2 x max_source_positions
    assert exported.inferred("bert")["loader"] == "transformers:BertModel"  # type: ignore[index]
    assert exported.inferred("gpt2")["loader"] == "transformers:AutoModelForCausalLM"  # type: ignore[index]


@pytest.mark.parametrize("name", MODELS)
def test_verify_probes_with_the_inferred_inputs(exported: Exported, name: str) -> None:
    assert exported.verify.exit_code == 0, exported.verify.stdout
    assert f"ok    {name}  onnx vs PyTorch: " in exported.verify.stdout
    assert f"ok    {name}  onnx vs PyTorch at batch=1" in exported.verify.stdout
    assert exported.frozen.exit_code == 0, exported.frozen.stdout
    assert f"ok    {name}  onnx vs ptm.lock: " in exported.frozen.stdout


def test_declared_inputs_override_inference(exported: Exported) -> None:
    assert exported.inferred("bert-declared") is None
    assert exported.onnx_inputs("bert-declared") == ["input_ids", "attention_mask"]
    assert "ok    bert-declared  onnx vs PyTorch: " in exported.verify.stdout


def test_a_model_without_a_config_names_the_inputs_to_declare(ptm) -> None:
    Path("weights").mkdir()
    Path("weights/model.bin").write_bytes(b"not a transformers model")
    write_manifest('[models.bare]\nhub = "local"\npath = "weights"\n\n[models.bare.export]\n')
    ptm("install")
    error = one_line_error(ptm("export", expect=1))
    assert "'bare' has no config.json to infer its inputs from; declare inputs = [" in error
    assert "in [models.bare.export]" in error
