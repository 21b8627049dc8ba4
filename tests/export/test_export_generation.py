"""Generation-ready exports: task = "text-generation-with-past" (one decoder graph with the KV cache) and
"text2text-generation-with-past" (an encoder graph and a decoder-with-past graph), each artifact locked
and verified, and a greedy decode by the graphs in onnxruntime that must equal PyTorch generate's ids."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from ptmlock.install.verify import installed_snapshot
from ptmlock.lockfile import read_lock
from tests.conftest import Ptm, one_line_error, validate, write_manifest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _gpt2(folder: Path) -> None:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    # Untied embeddings: a tied random model mostly repeats its last token, which tests little.
    config = GPT2Config(
        vocab_size=64, n_embd=16, n_layer=2, n_head=2, n_positions=64, tie_word_embeddings=False
    )
    GPT2LMHeadModel(config).save_pretrained(folder)


def _t5(folder: Path) -> None:
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(2)
    config = T5Config(
        vocab_size=64,
        d_model=16,
        d_kv=4,
        d_ff=32,
        num_layers=2,  # as many as the decoder's: generate sizes T5's cache by num_layers
        num_heads=2,
        tie_word_embeddings=False,
    )
    model = T5ForConditionalGeneration(config)
    with torch.no_grad():  # T5's initialisation makes a tiny model decode one token over and over
        for parameter in model.parameters():
            parameter.normal_(0, 0.5)
    model.save_pretrained(folder)


# torch's TorchScript-based exporter: seconds where dynamo takes most of a minute (and fails on T5).
MANIFEST = """
[models.gpt2]
hub = "local"
path = "gpt2"

[models.gpt2.export]
task = "text-generation-with-past"
exporter = "torchscript"

[models.t5]
hub = "local"
path = "t5"

[models.t5.export]
task = "text2text-generation-with-past"
exporter = "torchscript"

[models.gpt2-logits]
hub = "local"
path = "gpt2"

[models.gpt2-logits.export]
exporter = "torchscript"
"""


@dataclass(frozen=True)
class Exported:
    project: Path
    export: Result
    verify: Result
    frozen: Result
    lock: dict[str, Any]

    def onnx(self, name: str) -> dict[str, Any]:
        return self.lock["models"][name]["exports"]["onnx"]

    def generation(self, name: str) -> dict[str, Any]:
        return self.lock["models"][name]["verify"]["generation"]


@pytest.fixture(scope="module")
def module_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, pytest.MonkeyPatch]]:
    root = tmp_path_factory.mktemp("generation")
    (root / "project").mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PTM_HOME", str(root / "home" / "ptm"))
        env.setenv("HF_HOME", str(root / "home" / "hf"))
        yield root / "project", env


@pytest.fixture(scope="module")
def exported(module_env: tuple[Path, pytest.MonkeyPatch]) -> Exported:
    """GPT-2 and T5 exported for generation (and GPT-2 without a task), verified, verified --frozen."""
    project, env = module_env
    env.chdir(project)
    _gpt2(project / "gpt2")
    _t5(project / "t5")
    write_manifest(MANIFEST)
    ptm = Ptm()
    ptm("install")
    done = Exported(
        project,
        ptm("export"),
        ptm("verify"),
        ptm("verify --frozen"),
        tomllib.loads(Path("ptm.lock").read_text()),
    )
    validate("ptm-lock", done.lock)
    return done


@pytest.fixture
def in_project(exported: Exported, module_env: tuple[Path, pytest.MonkeyPatch]) -> Iterator[Exported]:
    """The exported project as the working folder (with the module's store), for tests that run ptm."""
    project, _ = module_env
    with pytest.MonkeyPatch.context() as here:
        here.setenv("PTM_HOME", str(project.parent / "home" / "ptm"))
        here.setenv("HF_HOME", str(project.parent / "home" / "hf"))
        here.chdir(project)
        yield exported


def names(tensors: list[dict[str, Any]]) -> list[str]:
    return [t["name"] for t in tensors]


def test_decoder_only_graph_takes_and_returns_the_kv_cache(exported: Exported) -> None:
    onnx = exported.onnx("gpt2")
    past = [f"past_key_values.{i}.{kind}" for i in range(2) for kind in ("key", "value")]
    assert names(onnx["inputs"]) == ["input_ids", *past]
    assert names(onnx["outputs"]) == ["logits", *(p.replace("past_key_values", "present") for p in past)]
    assert onnx["inputs"][1]["shape"] == ["batch", 2, "past_sequence", 8]  # heads, head size
    assert "ok    gpt2  onnx vs PyTorch at batch=1, sequence=1, past_sequence=1: " in exported.verify.stdout


def test_seq2seq_exports_an_encoder_and_a_decoder_with_past(exported: Exported) -> None:
    decoder, encoder = exported.onnx("t5"), exported.generation("t5")["encoder"]
    assert names(decoder["inputs"])[:3] == [
        "decoder_input_ids",
        "encoder_hidden_states",
        "encoder_attention_mask",
    ]
    assert names(encoder["inputs"]) == ["input_ids", "attention_mask"]
    assert names(encoder["outputs"]) == ["last_hidden_state"]
    assert (exported.project / encoder["path"]).is_file()
    assert encoder["path"] == "artifacts/t5/encoder_model.onnx"
    assert "t5  onnx  artifacts/t5/encoder_model.onnx  " in exported.export.stdout
    assert "ok    t5  encoder bytes: sha256 matches ptm.lock" in exported.frozen.stdout


def _pytorch_generate(folder: Path, prompt: list[int], steps: int) -> list[int]:
    """What transformers' own greedy generate gives, outside ptm."""
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    seq2seq = folder.name == "t5"
    model = (AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM).from_pretrained(folder).eval()
    ids = torch.tensor([prompt])
    output = model.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        do_sample=False,
        max_new_tokens=steps,
        min_new_tokens=steps,
        eos_token_id=None,
        pad_token_id=0,
        **({"decoder_start_token_id": 0} if seq2seq else {}),  # T5 starts from its pad token
    )
    return output[0, 1 if seq2seq else len(prompt) :].tolist()


@pytest.mark.parametrize("name", ["gpt2", "t5"])
def test_greedy_decode_by_the_graphs_equals_pytorch_generate(exported: Exported, name: str) -> None:
    generation = exported.generation(name)
    assert generation["steps"] == 8 and len(generation["ids"]) == 8
    assert len(set(generation["ids"])) > 1  # not a degenerate repetition
    assert generation["ids"] == _pytorch_generate(exported.project / name, generation["prompt"], 8)
    ids = ", ".join(map(str, generation["ids"]))
    assert f"{name}  greedy decode  8 tokens [{ids}] equal PyTorch generate's" in exported.export.stdout
    assert f"ok    {name}  greedy decode vs PyTorch: 8 tokens [{ids}]" in exported.verify.stdout
    assert f"ok    {name}  greedy decode vs ptm.lock: 8 tokens [{ids}]" in exported.frozen.stdout
    assert exported.verify.exit_code == 0 and exported.frozen.exit_code == 0


def test_an_output_left_out_of_the_graph_is_said(exported: Exported) -> None:
    # transformers 5.17 calls the output past_key_values, 5.25 cache.
    assert re.search(
        r"^gpt2-logits  note: output (cache|past_key_values) left out \(not a tensor\); "
        r'task = "text-generation-with-past" ',
        exported.export.stdout,
        re.MULTILINE,
    )
    assert names(exported.onnx("gpt2-logits")["outputs"]) == ["logits"]


def test_changed_weights_fail_the_greedy_decode_check_with_exit_4(in_project: Exported, ptm) -> None:
    from safetensors.torch import load_file, save_file

    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    weights = installed_snapshot(lock.models["gpt2"]) / "model.safetensors"
    kept = weights.read_bytes()
    try:
        tensors = load_file(weights)
        tensors["lm_head.weight"] = tensors["lm_head.weight"].roll(1, dims=0)  # every token's logit moves
        save_file(tensors, weights, metadata={"format": "pt"})  # through the snapshot link, into the blob
        result = ptm("verify gpt2", expect=4)
    finally:
        weights.write_bytes(kept)
    assert "FAIL  gpt2  greedy decode vs PyTorch: token 0 differs: " in result.stdout
    assert "ok    gpt2  greedy decode vs ptm.lock: " in result.stdout  # the graphs still decode as locked


def test_a_changed_encoder_graph_fails_the_decode_check_with_exit_4(in_project: Exported, ptm) -> None:
    encoder = Path(in_project.generation("t5")["encoder"]["path"])
    kept = encoder.read_bytes()
    shutil.copyfile(Path(in_project.onnx("t5")["path"]), encoder)  # another graph in its place
    try:
        result = ptm("verify --frozen t5", expect=4)
    finally:
        encoder.write_bytes(kept)
    assert "FAIL  t5  greedy decode: not run: artifacts/t5/encoder_model.onnx " in result.stdout


def test_a_model_without_a_kv_cache_is_refused_in_one_line(ptm) -> None:
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=60, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32
    )
    BertModel(config).save_pretrained("bert")
    write_manifest(
        '[models.bert]\nhub = "local"\npath = "bert"\n\n'
        '[models.bert.export]\ntask = "text-generation-with-past"\n'
    )
    ptm("install")
    error = one_line_error(ptm("export", expect=1))
    assert "task = \"text-generation-with-past\" cannot export 'bert': " in error
    assert "not plain key/value tensors per layer (DynamicCache); export it without task" in error
