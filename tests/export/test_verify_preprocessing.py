"""Preprocessing verified like the model: an image processor's or feature extractor's files re-hashed, and
its outputs on a fixed synthetic image or waveform compared with those locked at export.

Each model is a tiny MLP (the project's loader) saved beside a real transformers processor config, built
here: what is judged is the processor, and the MLP keeps the export fast.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ptmlock.export.processor import processor_of, with_processor
from ptmlock.install.verify import installed_snapshot
from ptmlock.lockfile import read_lock, write_lock
from tests.conftest import write_manifest
from tests.export.test_verify_frozen_clean import failed, without

LOCK = Path("ptm.lock")
MANIFEST = """
[models.{name}]
hub = "local"
path = "{name}"

[models.{name}.export]
loader = "fixtures.export:tiny_mlp"
inputs = [{{ name = "x", dtype = "float32", shape = ["batch", 8] }}]
"""


def vit_processor() -> Any:
    from transformers import ViTImageProcessor

    return ViTImageProcessor(size={"height": 32, "width": 32})


def whisper_feature_extractor() -> Any:
    from transformers import WhisperFeatureExtractor

    return WhisperFeatureExtractor(feature_size=16, sampling_rate=16000, chunk_length=1)


def exported_with(name: str, processor: Callable[[], Any], ptm) -> str:
    """A local model ``name`` (an MLP and ``processor``'s config) installed and exported: export's output."""
    import torch
    from safetensors.torch import save_file

    folder = Path(name)
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"in_features": 8, "hidden": 16, "out_features": 4}))
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    save_file(mlp.state_dict(), folder / "model.safetensors")
    processor().save_pretrained(folder)
    write_manifest(MANIFEST.format(name=name))
    ptm("install")
    return ptm("export").stdout


def test_an_image_processor_is_rehashed_and_run_on_a_synthetic_image_where_pillow_is(ptm) -> None:
    exported = exported_with("vit", vit_processor, ptm)
    assert "vit  processor  a synthetic 45x61 image gives pixel_values float32[1, 3, 32, 32] (" in exported
    assert Path("artifacts/vit/preprocessing/preprocessor_config.json").is_file()
    result = ptm("verify")
    assert (
        "ok    vit  preprocessing files: 1 file matches ptm.lock's sha256 (from the project)" in result.stdout
    )
    assert "ok    vit  processor: a synthetic 45x61 image gives pixel_values float32[1, 3, 32, 32] (" in (
        result.stdout
    )
    frozen = ptm("verify --frozen")
    assert "info  vit  processor: not run under --frozen" in frozen.stdout
    assert "ok    vit  preprocessing files: 1 file matches" in frozen.stdout

    # Without pillow (nor torchvision) the processor cannot run: that check fails, and only that one.
    blocked = without("PIL,torchvision", "verify")
    assert blocked.returncode == 4, blocked.stderr[-2000:]
    assert failed(blocked.stdout) == [
        "FAIL  vit  processor: not checked: needs PIL, which is not installed: pip install 'ptmlock[export]'"
    ]
    assert "ok    vit  onnx vs PyTorch: on " in blocked.stdout

    # The installed config, changed in place to other numbers of the same size: re-hashing tells, and the
    # processor's outputs change with the same library versions.
    lock = read_lock(LOCK)
    assert lock is not None
    installed = installed_snapshot(lock.models["vit"]) / "preprocessor_config.json"
    text = installed.read_text()
    installed.unlink()  # a link to the store's read-only blob
    installed.write_text(text.replace("0.5", "0.6", 1))
    result = ptm("verify", expect=4)
    assert "FAIL  vit  installed files: preprocessor_config.json has other bytes than ptm.lock's sha256" in (
        result.stdout
    )
    assert (
        "FAIL  vit  processor: pixel_values of the synthetic 45x61 image has other values: with the same "
        "library versions, so the processor files changed (`ptm install --verify-hashes` restores them)"
    ) in result.stdout
    assert "ok    vit  preprocessing files: 1 file matches" in result.stdout  # the project's copy is intact


def test_a_feature_extractor_change_names_the_library_that_changed(ptm) -> None:
    exported = exported_with("whisper", whisper_feature_extractor, ptm)
    shape = "input_features float32[1, 16, 100]"
    assert f"whisper  processor  a synthetic waveform of 8000 samples gives {shape} (" in exported
    assert f"ok    whisper  processor: a synthetic waveform of 8000 samples gives {shape}" in (
        ptm("verify").stdout
    )

    # The lock as an export with another transformers, whose features differed, would have written it.
    lock = read_lock(LOCK)
    assert lock is not None
    model = lock.models["whisper"]
    record = processor_of(model)
    assert record is not None
    other = dataclasses.replace(record.outputs[0], sha256="0" * 64)
    older = dataclasses.replace(record, outputs=(other,), tools={**record.tools, "transformers": "4.0.0"})
    write_lock(LOCK, lock._replace(models={"whisper": with_processor(model, older)}))
    result = ptm("verify", expect=4)
    assert (
        "FAIL  whisper  processor: input_features of the synthetic waveform of 8000 samples has other "
        "values: changed with transformers 4.0.0 -> "
    ) in result.stdout
