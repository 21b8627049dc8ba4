"""`ptm verify` cannot be loosened silently: the locked tolerance judges, and a check that cannot run is a
failed check of its model (exit 4), not an abort."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file, save_file

from ptmlock.install.verify import installed_snapshot
from ptmlock.lockfile import read_lock
from tests.conftest import one_line_error
from tests.export.support import cuda_usable

LOCK = Path("ptm.lock")


def installed(name: str, file: str) -> Path:
    lock = read_lock(LOCK)
    assert lock is not None
    return installed_snapshot(lock.models[name]) / file


def scale_weights(name: str, factor: float) -> None:
    """Multiply every weight of ``name``'s installed safetensors by ``factor``: same size, other numbers."""
    path = installed(name, "model.safetensors")
    tensors = {key: value * factor for key, value in load_file(path).items()}
    save_file(tensors, path, metadata={"format": "pt"})  # through the snapshot link, into the blob


def test_a_looser_tolerance_than_the_locked_one_is_refused_unless_allowed(exported: Path, ptm) -> None:
    scale_weights("mlp", 1.05)
    assert "FAIL  mlp  PyTorch vs ptm.lock" in ptm("verify mlp", expect=4).stdout
    manifest = Path("ptm.toml")
    manifest.write_text(manifest.read_text() + "\n[models.mlp.verify]\natol = 1\n")
    line = one_line_error(ptm("verify mlp", expect=2))
    locked_atol = "0.001" if cuda_usable() else "0.0001"  # the default of the provider export ran on
    assert line == (
        f"error: ptm.toml [models.mlp.verify] atol 1 is looser than the locked atol {locked_atol} of 'mlp'; "
        "run `ptm export mlp` to lock the new tolerance, or pass --allow-looser"
    )
    line = one_line_error(ptm("verify --frozen mlp --atol 1e-9 --rtol 0.5", expect=2))
    assert line.startswith("error: --rtol 0.5 is looser than the locked rtol 0.001 of 'mlp'; ")

    result = ptm("verify mlp --allow-looser", expect=4)  # the weights' hash still fails, as it must
    assert [line for line in result.stdout.splitlines() if line.startswith("FAIL")] == [
        "FAIL  mlp  installed files: model.safetensors has other bytes than ptm.lock's sha256 (1 of 3 "
        "files changed); `ptm install --verify-hashes` restores the installed files"
    ]
    assert (
        "info  mlp  tolerance: ptm.toml [models.mlp.verify] atol 1 is looser than the locked "
        f"atol {locked_atol}: allowed by --allow-looser"
    ) in result.stdout
    assert "ok    mlp  PyTorch vs ptm.lock" in result.stdout and "[atol 1e+00, rtol 1e-03]" in result.stdout

    # A tighter value needs no flag, and judges.
    manifest.write_text(manifest.read_text().replace("atol = 1\n", "atol = 1e-9\n"))
    result = ptm("verify --frozen mlp")
    assert "[atol 1e-09, rtol 1e-03]" in result.stdout and "tolerance:" not in result.stdout


def test_a_model_that_cannot_be_run_fails_its_checks_and_the_others_still_run(exported: Path, ptm) -> None:
    tokenizer = installed("bert", "tokenizer.json")
    tokenizer.write_text(tokenizer.read_text() + " ")  # another size: the installed model is broken
    result = ptm("verify", expect=4)
    assert "FAIL  bert  PyTorch run: not run: model 'bert' is not installed (1 of " in result.stdout
    assert "FAIL  bert  tokenizer: not checked: model 'bert' is not installed" in result.stdout
    assert "ok    bert  onnx bytes" in result.stdout and "ok    bert  onnx vs ptm.lock" in result.stdout
    assert "ok    mlp  onnx vs PyTorch" in result.stdout  # the other models are verified as usual
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.skipif(cuda_usable(), reason="CUDA is usable here")
def test_requiring_an_unusable_provider_fails_each_model_with_the_reason(exported: Path, ptm) -> None:
    result = ptm("verify --frozen --require-provider cuda", expect=4)
    for model in ("bert", "bert-v1", "mlp"):
        assert f"FAIL  {model}  onnx run: CUDA was required but is not usable: " in result.stdout
    assert "no CUDA execution provider; pip uninstall -y onnxruntime && pip install 'ptmlock[gpu]'" in (
        result.stdout
    )
    assert "ok    mlp  torchscript bytes" in result.stdout
    assert "on CPUExecutionProvider: " in ptm("verify mlp --require-provider cpu").stdout


def flip_lowest_bit_of_first_weight(path: Path) -> None:
    """The lowest mantissa bit of the first float32 of a safetensors file: a change of one ulp."""
    data = bytearray(path.read_bytes())
    start = 8 + int.from_bytes(data[:8], "little")  # after the header's length and the header
    data[start] ^= 1
    path.write_bytes(bytes(data))  # through the snapshot link, into the blob: same size


def test_verify_rehashes_the_installed_weights_and_preprocessing_files(exported: Path, ptm) -> None:
    assert "ok    mlp  installed files: 3 files match ptm.lock's sha256" in ptm("verify mlp").stdout
    flip_lowest_bit_of_first_weight(installed("mlp", "model.safetensors"))
    config = installed("bert", "tokenizer_config.json")
    config.write_text(config.read_text().replace("838656", "838657"))  # same size, other bytes
    assert "838657" in config.read_text()
    result = ptm("verify mlp bert", expect=4)
    assert (
        "FAIL  mlp  installed files: model.safetensors has other bytes than ptm.lock's sha256 (1 of 3 "
        "files changed); `ptm install --verify-hashes` restores the installed files"
    ) in result.stdout
    assert "FAIL  bert  installed files: tokenizer_config.json has other bytes" in result.stdout
    assert "ok    mlp  PyTorch vs ptm.lock" in result.stdout  # one ulp: only the hash can tell


def test_a_right_padded_mask_is_probed_and_padded_positions_are_not_compared(exported: Path, ptm) -> None:
    from ptmlock.export.probes import probe_inputs
    from ptmlock.manifest import load_manifest
    from tests.export.test_verify import move_reference

    manifest = Path("ptm.toml")
    manifest.write_text(
        manifest.read_text().replace(
            'dtype = "int64", shape = ["batch", "sequence"], fill = 1 },\n]\n\n[models.bert-v1]',
            'dtype = "int64", shape = ["batch", "sequence"], mask = "right-padded" },\n]\n\n[models.bert-v1]',
        )
    )
    assert "padded positions skipped" in ptm("export bert").stdout
    settings = load_manifest(manifest).models["bert"].export
    assert settings is not None
    mask = probe_inputs(settings)["attention_mask"]
    assert 0 < mask.sum() < mask.size and (mask[:, 0] == 1).all()  # padded rows, each with a token
    padded, kept = (tuple(np.argwhere(mask == value)[0]) for value in (0, 1))

    def moved_at(position: tuple[int, ...]):
        def change(values: np.ndarray) -> np.ndarray:
            values[position] += 1.0
            return values

        return change

    move_reference("bert", moved_at(padded))  # what the model computes at padding is never used
    assert "ok    bert  onnx vs ptm.lock" in ptm("verify --frozen bert").stdout
    move_reference("bert", moved_at(kept))
    assert "FAIL  bert  onnx vs ptm.lock" in ptm("verify --frozen bert", expect=4).stdout


@pytest.mark.skipif(cuda_usable(), reason="the run here would be on CUDA, as the edited lock says")
def test_a_run_on_another_provider_than_the_locked_one_says_so(exported: Path, ptm) -> None:
    from ptmlock.export.records import verify_of
    from tests.export.test_verify import edit_lock

    lock = read_lock(LOCK)
    assert lock is not None
    reference = verify_of(lock.models["mlp"])
    assert reference is not None and reference.provider == "CPUExecutionProvider"
    edit_lock("mlp", verify=dataclasses.replace(reference, provider="CUDAExecutionProvider"))
    result = ptm("verify --frozen mlp")
    assert (
        "ok    mlp  onnx vs ptm.lock: on CPUExecutionProvider, not the locked CUDAExecutionProvider: "
        in result.stdout
    )
    assert "[atol 1e-04, rtol 1e-03]" in result.stdout  # the locked tolerance, whatever the provider
