"""`ptm export` beyond one exporter: the TorchScript-based ONNX exporter where torch.export fails (T5),
opsets each exporter can write, and models exported in half precision."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import write_manifest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

T5 = """
[models.t5]
hub = "local"
path = "t5"

[models.t5.export]
loader = "transformers:AutoModelForSeq2SeqLM"
outputs = ["logits"]
inputs = [
    { name = "input_ids", dtype = "int64", shape = ["batch", "sequence"], range = [0, 64] },
    { name = "attention_mask", dtype = "int64", shape = ["batch", "sequence"], fill = 1 },
    { name = "decoder_input_ids", dtype = "int64", shape = ["batch", "target"], range = [0, 64] },
]
"""


def onnx_record(name: str) -> dict:
    return tomllib.loads(Path("ptm.lock").read_text())["models"][name]["exports"]["onnx"]


def save_tiny_t5(folder: str) -> None:
    """A T5 with random weights, a few kB: the architecture torch.export cannot capture (torch 2.13)."""
    from transformers import T5Config, T5ForConditionalGeneration

    config = T5Config(
        vocab_size=64, d_model=16, d_kv=4, d_ff=32, num_layers=1, num_decoder_layers=1, num_heads=2
    )
    T5ForConditionalGeneration(config).save_pretrained(folder)


def test_auto_exports_t5_with_the_torchscript_exporter_when_dynamo_fails(ptm) -> None:
    save_tiny_t5("t5")
    write_manifest(T5)
    ptm("install")
    result = ptm("export")
    line = next(line for line in result.stdout.splitlines() if line.startswith("t5  onnx  "))
    assert " opset 18 by torchscript (dynamo failed: " in line
    assert onnx_record("t5")["tools"]["exporter"] == "torchscript"
    assert "ok    t5  onnx vs PyTorch: " in ptm("verify").stdout
    assert "ok    t5  onnx vs ptm.lock: " in ptm("verify --frozen").stdout
