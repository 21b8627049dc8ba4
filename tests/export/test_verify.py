"""`ptm verify`: artifacts compared with PyTorch and with ptm.lock's reference, failing with numbers."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from safetensors.torch import load_file, save_file

from ptmlock.api import installed_snapshot
from ptmlock.export import artifacts
from ptmlock.lockfile import read_lock, write_lock
from tests.conftest import subprocess_env
from tests.export.support import cuda_usable, heavy_imports, run_ptm

LOCK = Path("ptm.lock")


def max_abs(stdout: str, subject: str) -> float:
    """The first 'max abs' figure on the line of ``subject``."""
    line = next(line for line in stdout.splitlines() if f"  {subject}: " in line)
    return float(re.search(r"max abs ([-+.e0-9]+)", line).group(1))


def edit_lock(name: str, **changes) -> None:
    lock = read_lock(LOCK)
    assert lock is not None
    model = dataclasses.replace(lock.models[name], **changes)
    write_lock(LOCK, dataclasses.replace(lock, models={**lock.models, name: model}))


def test_verify_compares_every_artifact_with_pytorch_and_the_lock(exported: Path, ptm) -> None:
    result = ptm("verify")
    provider = "CUDAExecutionProvider" if cuda_usable() else "CPUExecutionProvider"
    for line in (
        "ok    bert  onnx bytes: sha256 matches ptm.lock",
        f"ok    bert  onnx vs PyTorch: on {provider}: last_hidden_state: max abs",
        f"ok    bert  onnx vs ptm.lock: on {provider}: last_hidden_state: max abs",
        "ok    bert  torchscript vs PyTorch: last_hidden_state: max abs",
        "ok    bert  PyTorch vs ptm.lock: last_hidden_state:",
        "ok    bert  tokenizer: 4 probe texts give the locked ids (transformers ",
        "ok    mlp  onnx vs PyTorch: on ",
    ):
        assert line in result.stdout
    assert "top-1 100.0%" in result.stdout and "cosine 1.000000" in result.stdout
    assert max_abs(result.stdout, "onnx vs PyTorch") < 1e-4
    assert re.search(r"All \d+ checks passed\.", result.stdout)


def test_frozen_verify_runs_without_importing_torch(exported: Path) -> None:
    result = run_ptm("verify", "--frozen")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ok    bert  onnx vs ptm.lock" in result.stdout
    assert "ok    bert  tokenizer: 4 probe texts give the locked ids (tokenizers " in result.stdout
    assert "ok    mlp  torchscript bytes: sha256 matches ptm.lock (not run under --frozen" in result.stdout
    assert "onnxruntime" in result.stderr  # it did run the artifacts
    assert not heavy_imports(result.stderr)


def perturb_onnx_initializer(path: Path) -> None:
    """Add 0.5 to the largest float initializer of the stored graph, in place (the store is read-only)."""
    model = onnx.load(str(path))
    initializer = max(
        (i for i in model.graph.initializer if i.data_type == onnx.TensorProto.FLOAT),
        key=lambda i: int(np.prod(i.dims)),
    )
    initializer.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(initializer) + 0.5, initializer.name))
    path.chmod(0o644)
    onnx.save(model, str(path))


def test_perturbed_onnx_artifact_fails_with_numbers(exported: Path, ptm) -> None:
    lock = read_lock(LOCK)
    assert lock is not None
    perturb_onnx_initializer(artifacts.get(lock.models["mlp"].exports["onnx"].sha256))
    for command in ("verify mlp", "verify --frozen mlp"):
        result = ptm(command, expect=4)
        assert "FAIL  mlp  onnx bytes: sha256 " in result.stdout and "is not the locked" in result.stdout
        assert max_abs(result.stdout, "onnx vs ptm.lock") > 0.1
        assert "FAIL  mlp  onnx vs ptm.lock" in result.stdout
        assert result.stderr.startswith("error: ") and "checks failed, first mlp onnx bytes" in result.stderr
    result = ptm("verify mlp", expect=4)
    assert "FAIL  mlp  onnx vs PyTorch" in result.stdout and max_abs(result.stdout, "onnx vs PyTorch") > 0.1
    assert "ok    mlp  torchscript vs PyTorch" in result.stdout  # the other artifact is untouched


def test_perturbed_weight_fails_with_numbers(exported: Path, ptm) -> None:
    lock = read_lock(LOCK)
    assert lock is not None
    weights = installed_snapshot(lock.models["mlp"]) / "model.safetensors"
    size = weights.stat().st_size
    tensors = load_file(weights)
    tensors["0.weight"] += 0.05
    save_file(tensors, weights, metadata={"format": "pt"})  # through the snapshot link, into the blob
    assert weights.stat().st_size == size  # same size: only the numbers can tell
    result = ptm("verify mlp", expect=4)
    assert (
        "FAIL  mlp  PyTorch vs ptm.lock" in result.stdout
        and max_abs(result.stdout, "PyTorch vs ptm.lock") > 1e-3
    )
    assert "FAIL  mlp  onnx vs PyTorch" in result.stdout and max_abs(result.stdout, "onnx vs PyTorch") > 1e-3
    assert "ok    mlp  onnx vs ptm.lock" in result.stdout  # the artifact itself still matches its reference


def test_tighter_tolerance_on_the_command_line_fails(exported: Path, ptm) -> None:
    result = ptm("verify bert --atol 0 --rtol 0", expect=4)
    assert "FAIL  bert  onnx vs PyTorch" in result.stdout and "[atol 0e+00, rtol 0e+00]" in result.stdout
    assert max_abs(result.stdout, "onnx vs PyTorch") > 0  # onnxruntime and PyTorch round differently


def test_frozen_verify_detects_a_changed_runtime_output(exported: Path, ptm) -> None:
    # A new onnxruntime (or CPU) computing other numbers is simulated by moving the locked reference:
    # the bytes of the artifact stay the same, only its outputs no longer match.
    lock = read_lock(LOCK)
    assert lock is not None and lock.models["mlp"].verify is not None
    reference = lock.models["mlp"].verify
    output = reference.outputs[0]
    moved = dataclasses.replace(output, sample=tuple(v + 0.01 for v in output.sample))
    edit_lock("mlp", verify=dataclasses.replace(reference, outputs=(moved,)))
    result = ptm("verify --frozen mlp", expect=4)
    assert "ok    mlp  onnx bytes: sha256 matches ptm.lock" in result.stdout
    assert "FAIL  mlp  onnx vs ptm.lock" in result.stdout
    assert abs(max_abs(result.stdout, "onnx vs ptm.lock") - 0.01) < 1e-3


def test_tokenizer_drift_names_the_library_version(exported: Path, ptm) -> None:
    # We cannot install another transformers here, so the lock is edited to what an older transformers
    # would have recorded: other ids for the first probe text, under another version.
    lock = read_lock(LOCK)
    assert lock is not None and lock.models["bert"].verify is not None
    reference = lock.models["bert"].verify
    tokenizer = reference.tokenizer
    assert tokenizer is not None
    first = dataclasses.replace(tokenizer.probes[0], ids=(2, 7, 3))
    older = dataclasses.replace(
        tokenizer, probes=(first, *tokenizer.probes[1:]), tools={**tokenizer.tools, "transformers": "4.0.0"}
    )
    edit_lock("bert", verify=dataclasses.replace(reference, tokenizer=older))
    result = ptm("verify bert", expect=4)
    assert (
        "FAIL  bert  tokenizer: 'Hello world!' now gives [2, 99, 100, 1, 3], locked [2, 7, 3]"
        in result.stdout
    )
    assert "changed with transformers 4.0.0 -> 5." in result.stdout
    frozen = ptm("verify --frozen bert", expect=4)  # tokenizers is unchanged: then the files must differ
    assert "with the same library versions, so the tokenizer files changed" in frozen.stdout


def put_mlp_in_the_encoder_group() -> None:
    manifest = Path("ptm.toml")
    text = manifest.read_text().replace('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n', "")
    manifest.write_text(
        text + '\n[models.mlp]\nrepo = "fixtures/tiny-mlp"\nrole = "interchangeable"\ngroup = "encoder"\n'
        'task = "feature-extraction"\n'
    )


def test_group_members_share_a_contract_and_agreement_is_reported(exported: Path, ptm) -> None:
    result = ptm("verify --group encoder")
    assert "ok    bert-v1  group encoder contract: same inputs and outputs as bert" in result.stdout
    agreement = next(line for line in result.stdout.splitlines() if "agreement with bert" in line)
    cosine = float(re.search(r"last_hidden_state: .*?cosine ([-.0-9]+)", agreement).group(1))
    assert cosine < 0.99  # other weights: they agree on the contract, not on the numbers

    put_mlp_in_the_encoder_group()
    result = ptm("verify --group encoder", expect=4)
    assert (
        "FAIL  mlp  group encoder contract: input x: float32[batch, 8] instead of "
        "input_ids: int64[batch, sequence] (as bert has)"
    ) in result.stdout
    assert (
        "no model is in group 'decoder' (groups: encoder)" in ptm("verify --group decoder", expect=1).stderr
    )


def test_validate_refuses_a_group_whose_exported_contracts_differ(exported: Path, ptm) -> None:
    ptm("validate")
    put_mlp_in_the_encoder_group()
    result = ptm("validate", expect=2)
    assert "in group 'encoder' have different input/output signatures" in result.stderr
    assert "'mlp' and 'bert' in group 'encoder'" in result.stderr
    assert "(x: float32[batch, 8]) -> (output: float32[batch, 4]) vs (input_ids: int64[batch, sequence]" in (
        result.stderr
    )


@pytest.mark.skipif(cuda_usable(), reason="CUDA is usable here")
def test_requiring_cuda_without_it_fails_with_the_reason(exported: Path, ptm) -> None:
    result = ptm("verify mlp --require-provider cuda", expect=1)
    assert result.stderr.startswith("error: CUDA was required but is not usable: ")
    assert (
        "no CUDA execution provider; pip uninstall -y onnxruntime && pip install 'ptmlock[gpu]'"
        in result.stderr
    )
    assert "on CPUExecutionProvider" in ptm("verify mlp --require-provider cpu").stdout


@pytest.mark.gpu
def test_verify_runs_on_the_cuda_provider(exported: Path, ptm) -> None:
    result = ptm("verify --require-provider cuda")
    assert "onnx vs PyTorch: on CUDAExecutionProvider" in result.stdout
    assert "[atol 1e-03, rtol 1e-03]" in result.stdout  # CUDA's default tolerance


def test_both_onnxruntime_builds_installed_is_an_error(exported: Path, tmp_path: Path) -> None:
    # A second build, as pip would leave it: a dist-info folder on the path (nothing real is installed).
    fake = tmp_path / "site" / "onnxruntime_gpu-1.20.0.dist-info"
    fake.mkdir(parents=True)
    (fake / "METADATA").write_text("Metadata-Version: 2.1\nName: onnxruntime-gpu\nVersion: 1.20.0\n")
    env = subprocess_env()
    env["PYTHONPATH"] = f"{tmp_path / 'site'}:{env['PYTHONPATH']}"
    result = run_ptm("verify", "--frozen", "mlp", env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "error: onnxruntime and onnxruntime-gpu are installed together and overwrite each other's files; "
        "run `pip uninstall -y onnxruntime onnxruntime-gpu` then `pip install onnxruntime-gpu`"
    )


def test_verify_needs_an_export(hub, ptm) -> None:
    from tests.conftest import write_manifest
    from tests.export.support import MANIFEST

    write_manifest(MANIFEST)
    ptm("lock")
    assert "'mlp' has no onnx record in ptm.lock; run `ptm export mlp`" in ptm("verify mlp", expect=1).stderr
