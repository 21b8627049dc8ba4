"""`ptm verify`: artifacts compared with PyTorch and with ptm.lock's reference, failing with numbers."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from safetensors.torch import load_file, save_file

from ptmlock import config
from ptmlock.export.probes import read_reference, reference_bytes
from ptmlock.export.records import exports_of, verify_of, with_records
from ptmlock.install.store import Store
from ptmlock.install.verify import installed_snapshot
from ptmlock.lockfile import LockedFile, read_lock, write_lock
from tests.conftest import one_line_error, subprocess_env
from tests.export.support import BERT_INPUTS, auto_provider, heavy_imports, run_ptm

LOCK = Path("ptm.lock")


def max_abs(stdout: str, subject: str) -> float:
    """The first 'max abs' figure on the line of ``subject``."""
    line = next(line for line in stdout.splitlines() if f"  {subject}: " in line)
    return float(re.search(r"max abs ([-+.e0-9]+)", line).group(1))


def edit_lock(name: str, exports=None, verify=None) -> None:
    """Give model ``name`` these export records (or this verification reference) in ptm.lock."""
    lock = read_lock(LOCK)
    assert lock is not None
    old = lock.models[name]
    model = with_records(old, exports_of(old) if exports is None else exports, verify or verify_of(old))
    write_lock(LOCK, lock._replace(models={**lock.models, name: model}))


def repin(path: Path) -> LockedFile:
    """The lock entry of the project file ``path`` as its bytes are now."""
    data = path.read_bytes()
    return LockedFile(path.as_posix(), len(data), hashlib.sha256(data).hexdigest())


def move_reference(name: str, change: Callable[[np.ndarray], np.ndarray]) -> None:
    """Record ``change`` of the first output as the locked reference, as another export would have."""
    lock = read_lock(LOCK)
    assert lock is not None
    verify = verify_of(lock.models[name])
    assert verify is not None
    path = Path(verify.reference.path)
    values = read_reference(path.read_bytes(), verify.outputs)
    assert values is not None
    path.write_bytes(reference_bytes([change(values[0].copy()), *values[1:]]))
    edit_lock(name, verify=dataclasses.replace(verify, reference=repin(path)))


def swap_artifact(name: str, fmt: str, content: bytes) -> None:
    """Put ``content`` in place of the project copy, and pin it in ptm.lock: its bytes check out."""
    lock = read_lock(LOCK)
    assert lock is not None
    exports = exports_of(lock.models[name])
    record = exports[fmt]
    path = Path(record.path)
    path.write_bytes(content)
    pinned = repin(path)
    changed = dataclasses.replace(record, sha256=pinned.sha256, size=pinned.size)
    edit_lock(name, exports={**exports, fmt: changed})


def test_verify_compares_every_artifact_with_pytorch_and_the_lock(exported: Path, ptm) -> None:
    result = ptm("verify")
    provider = auto_provider()
    for line in (
        "ok    bert  onnx bytes: sha256 matches ptm.lock",
        f"ok    bert  onnx vs PyTorch: on {provider}: last_hidden_state: max abs",
        f"ok    bert  onnx vs ptm.lock: on {provider}: last_hidden_state: max abs",
        "ok    bert  torchscript vs PyTorch: last_hidden_state: max abs",
        "ok    bert  PyTorch vs ptm.lock: last_hidden_state:",
        "ok    bert  tokenizer: 4 probe texts give the locked ids (transformers ",
        "ok    mlp  onnx vs PyTorch: on ",
        # Two more sizes than the locked probe's (batch 3, sequence 8), against PyTorch on the same inputs.
        "ok    bert  onnx vs PyTorch at batch=1, sequence=1: last_hidden_state: max abs ",
        "ok    bert  onnx vs PyTorch at batch=6, sequence=16: ",
        "ok    bert  torchscript vs PyTorch at batch=1, sequence=1: ",
        "ok    mlp  torchscript vs PyTorch at batch=6: ",
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
    assert (
        "ok    mlp  torchscript bytes: sha256 matches ptm.lock (from the project); not run under --frozen"
        in result.stdout
    )
    assert "onnxruntime" in result.stderr  # it did run the artifacts
    assert not heavy_imports(result.stderr)


def test_a_fresh_clone_verifies_frozen_from_the_committed_artifacts(exported: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("ptm.toml", "ptm.lock"):
        shutil.copy(name, clone / name)
    shutil.copytree("artifacts", clone / "artifacts")
    shutil.rmtree(config.ptm_home())  # the store of the machine that exported is not there
    manifest = str(clone / "ptm.toml")
    result = run_ptm("--manifest", manifest, "verify", "--frozen")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "ok    bert  onnx bytes: sha256 matches ptm.lock (from the project)" in result.stdout
    assert "ok    bert  onnx vs ptm.lock: on " in result.stdout
    assert "ok    bert  tokenizer: 4 probe texts give the locked ids" in result.stdout  # installed here
    assert not heavy_imports(result.stderr)

    # Where nothing is installed, the artifacts and the tokenizer (its copied files) still verify.
    empty = tmp_path / "empty"
    env = subprocess_env(PTM_HOME=str(empty / "ptm"), HF_HOME=str(empty / "hf"))
    result = run_ptm("--manifest", manifest, "verify", "--frozen", env=env)
    assert result.returncode == 0, result.stdout
    assert "ok    mlp  onnx vs ptm.lock" in result.stdout and "ok    bert  onnx vs ptm.lock" in result.stdout
    assert "ok    bert  tokenizer: 4 probe texts give the locked ids (tokenizers " in result.stdout

    # A project copy that is missing, with no store copy either, says how to get it.
    (clone / "artifacts" / "mlp" / "model.onnx").unlink()
    result = run_ptm("--manifest", manifest, "verify", "--frozen", "mlp")
    assert result.returncode == 4
    assert (
        "FAIL  mlp  onnx bytes: artifacts/mlp/model.onnx is missing and the store "
        f"({config.ptm_home()}) does not have it; run `ptm export mlp` and commit artifacts/mlp/"
    ) in result.stdout


def perturb_onnx_initializer(path: Path) -> None:
    """Add 0.5 to the largest float initializer of the graph, in place (store copies are read-only)."""
    model = onnx.load(str(path))
    initializer = max(
        (i for i in model.graph.initializer if i.data_type == onnx.TensorProto.FLOAT),
        key=lambda i: int(np.prod(i.dims)),
    )
    initializer.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(initializer) + 0.5, initializer.name))
    path.chmod(0o644)
    onnx.save(model, str(path))


def test_a_changed_artifact_fails_and_is_not_run(exported: Path, ptm) -> None:
    perturb_onnx_initializer(Path("artifacts/mlp/model.onnx"))
    for command in ("verify mlp", "verify --frozen mlp"):
        result = ptm(command, expect=4)
        assert "FAIL  mlp  onnx bytes: artifacts/mlp/model.onnx has sha256 " in result.stdout
        assert "is not the locked" not in result.stdout and ", not the locked " in result.stdout
        assert "mlp  onnx vs" not in result.stdout and "mlp  onnx run" not in result.stdout  # not run
        assert result.stderr.startswith("error: ") and "checks failed, first mlp onnx bytes" in result.stderr
    assert "ok    mlp  torchscript vs PyTorch" in ptm("verify mlp", expect=4).stdout  # that one is intact

    # Without the project copies, the store's are checked the same way.
    shutil.rmtree("artifacts")
    lock = read_lock(LOCK)
    assert lock is not None
    perturb_onnx_initializer(Store(config.ptm_home()).path(exports_of(lock.models["mlp"])["onnx"].sha256))
    result = ptm("verify --frozen mlp", expect=4)
    assert "FAIL  mlp  onnx bytes: the store's copy of artifacts/mlp/model.onnx has sha256 " in result.stdout


def test_verify_as_json_is_one_object_with_every_check_and_keeps_the_exit_code(exported: Path, ptm) -> None:
    data = json.loads(ptm("verify --frozen mlp --format json").stdout)
    assert data["ok"] is True and data["failed"] == 0 and data["info"] == 0
    assert data["passed"] == len(data["checks"]) > 0
    first = data["checks"][0]
    assert set(first) == {"model", "subject", "status", "ok", "detail"}
    assert (first["model"], first["subject"], first["status"]) == ("mlp", "onnx bytes", "ok")

    perturb_onnx_initializer(Path("artifacts/mlp/model.onnx"))
    result = ptm("verify --frozen mlp --format json", expect=4)
    data = json.loads(result.stdout)  # stdout is the report alone; the error line goes to stderr
    assert data["ok"] is False and data["failed"] == 1
    failed = next(c for c in data["checks"] if c["status"] == "fail")
    assert failed["subject"] == "onnx bytes" and failed["ok"] is False
    assert "artifacts/mlp/model.onnx has sha256 " in failed["detail"]
    assert result.stderr.startswith("error: 1 of ")


def test_a_git_lfs_pointer_instead_of_the_artifact_names_the_fix(exported: Path, ptm) -> None:
    Path("artifacts/mlp/model.pt").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 11329\n"
    )
    result = ptm("verify mlp", expect=4)
    assert (
        "FAIL  mlp  torchscript bytes: artifacts/mlp/model.pt is a Git LFS pointer, not the artifact; "
        "run `git lfs pull`"
    ) in result.stdout
    assert "torchscript vs PyTorch" not in result.stdout


def test_an_artifact_that_cannot_be_loaded_or_run_is_a_failed_check(exported: Path, ptm) -> None:
    # ptm.lock pins another valid graph for mlp (bert's): its bytes check out, but it takes other inputs.
    swap_artifact("mlp", "onnx", Path("artifacts/bert/model.onnx").read_bytes())
    result = ptm("verify --frozen mlp", expect=4)
    assert "ok    mlp  onnx bytes" in result.stdout
    assert (
        "FAIL  mlp  onnx run: onnxruntime cannot run artifacts/mlp/model.onnx: " in result.stdout
        and "input_ids" in result.stdout
    )
    assert "ok    mlp  torchscript bytes" in result.stdout  # the other checks still ran
    swap_artifact("mlp", "onnx", Path("artifacts/mlp/model.onnx").read_bytes()[:100])
    result = ptm("verify --frozen mlp", expect=4)
    assert "FAIL  mlp  onnx run: onnxruntime cannot load model.onnx: " in result.stdout
    swap_artifact("mlp", "torchscript", Path("artifacts/mlp/model.pt").read_bytes()[:1000])
    result = ptm("verify mlp", expect=4)
    assert "FAIL  mlp  torchscript run: torch cannot load model.pt: " in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


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
    assert "(`ptm install --verify-hashes` restores the installed files)" in result.stdout


def test_tighter_tolerance_on_the_command_line_fails(exported: Path, ptm) -> None:
    result = ptm("verify bert --atol 0 --rtol 0", expect=4)
    assert "FAIL  bert  onnx vs PyTorch" in result.stdout and "[atol 0e+00, rtol 0e+00]" in result.stdout
    assert max_abs(result.stdout, "onnx vs PyTorch") > 0  # onnxruntime and PyTorch round differently
    # A bit-identical run meets even no tolerance at all, and a failing line never claims to be one.
    assert "ok    bert  PyTorch vs ptm.lock: last_hidden_state: max abs 0.0e+00" in result.stdout
    onnx_lock = next(line for line in result.stdout.splitlines() if "  onnx vs ptm.lock: " in line)
    assert onnx_lock.startswith("FAIL  ") and "bit-identical" not in onnx_lock
    assert "(the same output as the locked onnxruntime run, yet not within the tolerance" in onnx_lock
    for option in ("--atol nan", "--rtol inf", "--atol -1"):
        line = one_line_error(ptm(f"verify bert {option}", expect=2))
        assert (
            line
            == f"error: {option} is not a tolerance: it must be a finite number >= 0, e.g. {option[:6]} 1e-4"
        )


def test_frozen_verify_detects_a_changed_runtime_output(exported: Path, ptm) -> None:
    # A new onnxruntime (or CPU) computing other numbers is simulated by moving the locked reference:
    # the bytes of the artifact stay the same, only its outputs no longer match.
    move_reference("mlp", lambda values: values + 0.01)
    result = ptm("verify --frozen mlp", expect=4)
    assert "ok    mlp  onnx bytes: sha256 matches ptm.lock" in result.stdout
    assert "FAIL  mlp  onnx vs ptm.lock" in result.stdout
    assert abs(max_abs(result.stdout, "onnx vs ptm.lock") - 0.01) < 1e-3


def one_element_moved(values: np.ndarray) -> np.ndarray:
    values.reshape(-1)[1] += 1.0
    return values


def signs_flipped(values: np.ndarray) -> np.ndarray:
    flat = values.reshape(-1)
    flat[:704] *= -1  # of 768: the norm, and most sums of magnitudes, stay the same
    return values


@pytest.mark.parametrize("change", [one_element_moved, signs_flipped])
def test_frozen_verify_sees_a_change_of_any_single_value(exported: Path, ptm, change) -> None:
    move_reference("bert", change)
    result = ptm("verify --frozen bert", expect=4)
    assert "FAIL  bert  onnx vs ptm.lock" in result.stdout
    assert max_abs(result.stdout, "onnx vs ptm.lock") > 0.1


def test_frozen_verify_accepts_another_runtime_within_tolerance(exported: Path, ptm) -> None:
    move_reference("bert", lambda values: values + 5e-5)  # under the default atol of 1e-4
    result = ptm("verify --frozen bert")
    assert "ok    bert  onnx vs ptm.lock" in result.stdout
    assert 4e-5 < max_abs(result.stdout, "onnx vs ptm.lock") < 1e-4  # the difference was seen, and allowed


def test_tokenizer_drift_names_the_library_version(exported: Path, ptm) -> None:
    # We cannot install another transformers here, so the lock is edited to what an older transformers
    # would have recorded: other ids for the first probe text, under another version.
    lock = read_lock(LOCK)
    assert lock is not None
    reference = verify_of(lock.models["bert"])
    assert reference is not None
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
    # Figures reported, not judged: neither ok nor FAIL beside them, and not counted as a passed check.
    assert agreement.startswith("info  bert-v1  group encoder agreement with bert: ")
    checks = len([line for line in result.stdout.splitlines() if line.startswith("ok    ")])
    assert f"All {checks} checks passed." in result.stdout

    put_mlp_in_the_encoder_group()
    result = ptm("verify --group encoder", expect=4)
    assert (
        "FAIL  mlp  group encoder contract: input x: float32[batch, 8] instead of "
        "input_ids: int64[batch, sequence] (as bert has)"
    ) in result.stdout
    assert (
        "no model is in group 'decoder' (groups: encoder)" in ptm("verify --group decoder", expect=1).stderr
    )


def test_group_members_taking_other_id_ranges_are_not_interchangeable(exported: Path, ptm) -> None:
    manifest = Path("ptm.toml")
    narrower = BERT_INPUTS.replace("range = [0, 60]", "range = [0, 30]")  # a smaller vocabulary
    manifest.write_text(
        manifest.read_text().replace(
            f"[models.bert-v1.export]\n{BERT_INPUTS}", f"[models.bert-v1.export]\n{narrower}"
        )
    )
    ptm("export bert-v1")
    result = ptm("verify --group encoder", expect=4)
    assert (
        "FAIL  bert-v1  group encoder contract: input input_ids takes values in [0, 30) instead of [0, 60) "
        "(as bert has)"
    ) in result.stdout
    assert "agreement with bert" not in result.stdout


def test_a_group_member_without_an_export_table_says_how_to_add_it(exported: Path, ptm) -> None:
    manifest = Path("ptm.toml")
    manifest.write_text(
        manifest.read_text() + '\n[models.bert-v2]\nrepo = "fixtures/tiny-bert"\nrevision = "v1.0"\n'
        'role = "interchangeable"\ngroup = "encoder"\ntask = "feature-extraction"\n'
    )
    line = one_line_error(ptm("verify --group encoder", expect=1))
    assert line.startswith(
        "error: model 'bert-v2' in group 'encoder' has no [models.bert-v2.export] table in "
    )
    assert line.endswith(
        "ptm.toml; add one (its inputs as in [models.bert.export]), run `ptm export bert-v2`, "
        "then verify the group again"
    )


BLOCK_TORCH = """
import importlib.abc, sys

class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("torch", "transformers"):
            raise ModuleNotFoundError(f"No module named {name!r}")

sys.meta_path.insert(0, Absent())
from ptmlock.cli import main
sys.argv = ["ptm", *sys.argv[1:]]
main()
"""


def test_verify_without_torch_suggests_frozen(exported: Path) -> None:
    run = [sys.executable, "-c", BLOCK_TORCH]
    result = subprocess.run([*run, "verify", "mlp"], capture_output=True, text=True, env=subprocess_env())
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        "error: `ptm verify` runs 'mlp' in PyTorch, which needs torch: pip install 'ptmlock[export,cpu]'; "
        "or compare with ptm.lock only: `ptm verify --frozen`\n"
    )
    frozen = subprocess.run(
        [*run, "verify", "--frozen", "mlp"], capture_output=True, text=True, env=subprocess_env()
    )
    assert frozen.returncode == 0, frozen.stderr


def test_validate_refuses_a_group_whose_exported_contracts_differ(exported: Path, ptm) -> None:
    ptm("validate")
    put_mlp_in_the_encoder_group()
    result = ptm("validate", expect=2)
    assert "in group 'encoder' have different input/output signatures" in result.stderr
    assert "'mlp' and 'bert' in group 'encoder'" in result.stderr
    assert "(x: float32[batch, 8]) -> (output: float32[batch, 4]) vs (input_ids: int64[batch, sequence]" in (
        result.stderr
    )


@pytest.mark.gpu
def test_verify_runs_on_the_cuda_provider(exported: Path, ptm) -> None:
    result = ptm("verify --require-provider cuda")
    assert "onnx vs PyTorch: on CUDAExecutionProvider" in result.stdout
    assert "[atol 1e-03, rtol 1e-03]" in result.stdout  # CUDA's default tolerance


@pytest.mark.gpu
def test_cuda_sessions_compute_in_float32_not_tf32(tmp_path: Path) -> None:
    from ptmlock.export.runtime import open_session

    # 1024-long dot products of N(0, 1) values: with TF32 inputs they are ~0.1 off, in float32 ~1e-4.
    a, b = (onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [256, 1024]) for n in "ab")
    graph = onnx.helper.make_graph(
        [
            onnx.helper.make_node("Transpose", ["b"], ["bt"]),
            onnx.helper.make_node("MatMul", ["a", "bt"], ["y"]),
        ],
        "matmul",
        [a, b],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [256, 256])],
    )
    model = tmp_path / "matmul.onnx"
    onnx.save(
        onnx.helper.make_model(graph, ir_version=9, opset_imports=[onnx.helper.make_opsetid("", 18)]), model
    )
    rng = np.random.default_rng(0)
    inputs = {n: rng.standard_normal((256, 1024)).astype(np.float32) for n in "ab"}
    (result,) = open_session(model, "cuda").run(None, inputs)
    exact = inputs["a"].astype(np.float64) @ inputs["b"].astype(np.float64).T
    assert np.abs(result - exact).max() < 1e-3


@pytest.mark.gpu
def test_frozen_verify_runs_on_the_cuda_provider(exported: Path, ptm) -> None:
    result = ptm("verify --frozen --require-provider cuda")
    on_cuda = [
        line.split()
        for line in result.stdout.splitlines()
        if "onnx vs ptm.lock: on CUDAExecutionProvider:" in line
    ]
    assert sorted(words[1] for words in on_cuda) == ["bert", "bert-v1", "mlp"]
    assert all(words[0] == "ok" for words in on_cuda)


@pytest.mark.gpu
def test_export_on_a_gpu_locks_the_cuda_provider_and_a_cpu_run_says_it_differs(exported: Path, ptm) -> None:
    # auto on a machine with a usable CUDA provider: the lock records where the reference run really ran.
    assert 'provider = "CUDAExecutionProvider"' in (exported / "ptm.lock").read_text()
    result = ptm("verify --require-provider cpu mlp")
    assert "onnx vs ptm.lock: on CPUExecutionProvider, not the locked CUDAExecutionProvider:" in result.stdout


def test_both_onnxruntime_builds_installed_is_an_error(exported: Path, tmp_path: Path) -> None:
    # A second build, as pip would leave it: a dist-info folder on the path (nothing real is installed);
    # the CPU build where the GPU one is installed, else the GPU one.
    installed = {(d.metadata["Name"] or "").lower() for d in metadata.distributions()}
    other = "onnxruntime" if "onnxruntime-gpu" in installed else "onnxruntime-gpu"
    fake = tmp_path / "site" / f"{other.replace('-', '_')}-1.20.0.dist-info"
    fake.mkdir(parents=True)
    (fake / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {other}\nVersion: 1.20.0\n")
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


def test_verify_shows_progress_on_a_terminal_only_and_keeps_json_clean(exported: Path) -> None:
    from tests.test_progress import run_with_terminal_stderr

    code, stdout, terminal = run_with_terminal_stderr("verify", "--frozen", "mlp", "--format", "json")
    assert code == 0, terminal
    assert "Verifying" in terminal and "mlp: checking and running the onnx export" in terminal
    assert json.loads(stdout)["ok"] is True  # the bars never reach stdout
    code, stdout, terminal = run_with_terminal_stderr("verify", "--frozen", "mlp", "--quiet")
    assert code == 0 and terminal == "" and "All 3 checks passed." in stdout
