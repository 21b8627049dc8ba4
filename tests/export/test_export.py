"""`ptm export`: artifacts in the store, records in ptm.lock, clear errors when it cannot export."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from ptmlock import config
from ptmlock.export import artifacts
from ptmlock.export.probes import make_inputs
from ptmlock.export.records import exports_of
from ptmlock.install.store import Store
from ptmlock.install.verify import installed_snapshot
from ptmlock.lockfile import parse_lock, read_lock, render_lock
from ptmlock.manifest import load_manifest
from tests.conftest import one_line_error, validate, write_manifest
from tests.export.support import MANIFEST, MLP_EXPORT, cuda_usable, heavy_imports, run_ptm
from tests.installing import torchhub_model

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def lock_data() -> dict:
    data = tomllib.loads(Path("ptm.lock").read_text())
    validate("ptm-lock", data)
    return data


def stored(sha256: str) -> Path:
    return Store(config.ptm_home()).path(sha256)


def assert_in_store_and_project(file: dict) -> None:
    """``file`` (a lock record: path, size, sha256) is in the store and at its path in the project."""
    for path in (stored(file["sha256"]), Path(file["path"])):
        assert artifacts.file_sha256(path) == file["sha256"] and path.stat().st_size == file["size"]


def test_export_records_artifacts_and_signatures_in_the_lock(exported: Path) -> None:
    data = lock_data()
    bert = data["models"]["bert"]
    onnx_record, script_record = bert["exports"]["onnx"], bert["exports"]["torchscript"]
    assert onnx_record["path"] == "artifacts/bert/model.onnx"
    assert script_record["path"] == "artifacts/bert/model.pt"
    for record in (onnx_record, script_record):
        assert_in_store_and_project(record)
    assert onnx_record["opset"] == 18
    assert set(onnx_record["tools"]) == {"torch", "onnx", "onnxscript", "transformers", "exporter"}
    assert onnx_record["tools"]["exporter"] == "dynamo"  # auto's first choice, which succeeded
    assert onnx_record["inputs"] == [
        {"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence"]},
        {"name": "attention_mask", "dtype": "int64", "shape": ["batch", "sequence"]},
    ]
    assert onnx_record["outputs"] == [
        {"name": "last_hidden_state", "dtype": "float32", "shape": ["batch", "sequence", 32]},
        {"name": "pooler_output", "dtype": "float32", "shape": ["batch", 32]},
    ]
    assert script_record["outputs"] == onnx_record["outputs"]  # named from two runs at other sizes
    locked_files = {f["path"]: f for f in bert["files"]}
    preprocessing = {f["path"] for f in onnx_record["preprocessing"]}
    assert preprocessing == {"tokenizer.json", "tokenizer_config.json", "vocab.txt"}
    assert all(locked_files[f["path"]] == f for f in onnx_record["preprocessing"])

    verify = bert["verify"]
    assert verify["provider"] == ("CUDAExecutionProvider" if cuda_usable() else "CPUExecutionProvider")
    assert [i["shape"] for i in verify["inputs"]] == [[3, 8], [3, 8]]  # the export example was [2, 6]
    reference = verify["outputs"]["last_hidden_state"]
    assert reference["shape"] == [3, 8, 32] and reference["dtype"] == "float32"
    # Every value of every output is kept, in a file beside the artifacts: float32, in the lock's order.
    assert list(verify["outputs"]) == ["last_hidden_state", "pooler_output"]
    assert verify["reference"]["path"] == "artifacts/bert/reference.bin"
    assert verify["reference"]["size"] == (3 * 8 * 32 + 3 * 32) * 4
    assert_in_store_and_project(verify["reference"])
    assert data["models"]["mlp"]["verify"]["outputs"]["output"]["shape"] == [3, 4]
    assert verify["tokenizer"]["probes"][0]["text"] == "Hello world!"
    assert set(verify["tokenizer"]["tools"]) == {"transformers", "tokenizers"}
    assert "transformers" not in data["models"]["mlp"]["exports"]["onnx"]["tools"]  # not built with it

    lock = read_lock(Path("ptm.lock"))
    assert lock is not None and parse_lock(render_lock(lock)) == lock


def test_lock_commands_stay_light_with_export_records(exported: Path) -> None:
    result = run_ptm("lock", "--check")
    assert result.returncode == 0 and "is up to date" in result.stdout
    assert not heavy_imports(result.stderr)
    assert "numpy" not in result.stderr and "onnxruntime" not in result.stderr


def test_onnx_export_is_reproducible(exported: Path, ptm) -> None:
    before = lock_data()["models"]["mlp"]
    result = ptm("export mlp")
    after = lock_data()["models"]["mlp"]
    assert "mlp  onnx  artifacts/mlp/model.onnx  " in result.stdout
    assert before["exports"]["onnx"]["sha256"][:12] in result.stdout
    assert after["exports"]["onnx"] == before["exports"]["onnx"] and after["verify"] == before["verify"]
    # No machine paths inside. (TorchScript archives hold a random serialization id: never reproducible.)
    assert b"stack_trace" not in Path("artifacts/mlp/model.onnx").read_bytes()
    assert_in_store_and_project(after["exports"]["torchscript"])  # the new archive replaced the old


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated")
def test_torchscript_artifact_round_trips_to_pytorch_outputs(exported: Path) -> None:
    import torch

    from fixtures.export import tiny_mlp

    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    settings = load_manifest(Path("ptm.toml")).models["mlp"].export
    assert settings is not None
    probe = make_inputs(settings.inputs, settings.verify.probe_axes, settings.verify.seed)
    script = torch.jit.load(exports_of(lock.models["mlp"])["torchscript"].path)
    snapshot = installed_snapshot(lock.models["mlp"])
    with torch.no_grad():
        expected = tiny_mlp(snapshot)(torch.from_numpy(probe["x"])).numpy()
        (loaded,) = script(torch.from_numpy(probe["x"]))
    np.testing.assert_allclose(loaded.numpy(), expected, atol=1e-6)


def test_export_refuses_a_model_that_is_not_installed(hub, ptm) -> None:
    write_manifest(MANIFEST)
    ptm("lock")
    before = Path("ptm.lock").read_text()
    result = ptm("export mlp", expect=1)
    [line] = result.stderr.splitlines()
    assert line.startswith("error: model 'mlp' is not installed (3 of 3 files missing") and line.endswith(
        "; run `ptm install`"
    )
    assert Path("ptm.lock").read_text() == before


def test_export_needs_a_lock_and_an_export_table(hub, ptm) -> None:
    write_manifest(MANIFEST + '\n[models.plain]\nrepo = "fixtures/tiny-mlp"\n')
    assert "ptm.lock does not exist; run `ptm lock`" in ptm("export mlp", expect=1).stderr
    ptm("lock")
    result = ptm("export plain", expect=1)
    assert "model 'plain' has no [models.plain.export] table" in result.stderr
    assert "model 'nope' is not declared" in ptm("export nope", expect=1).stderr


def test_exporter_failure_is_one_line_and_writes_nothing(hub, ptm) -> None:
    write_manifest(
        '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n'
        + MLP_EXPORT.replace("fixtures.export:tiny_mlp", "tests.export.loaders:data_dependent").replace(
            '"onnx", "torchscript"', '"onnx"'
        )
    )
    Path("ptm.toml").write_text(Path("ptm.toml").read_text() + 'exporter = "dynamo"\n')
    ptm("install")
    before = Path("ptm.lock").read_text()
    result = ptm("export", expect=1)
    assert result.stderr.startswith("error: ONNX export of 'mlp' failed with exporter dynamo (dynamo: ")
    assert "data-dependent" in result.stderr and result.stderr.count("\n") == 1
    assert result.stderr.endswith(
        'exporter = "auto" tries both exporters; or declare a loader = "package.module:function" '
        "returning a module the exporter can capture\n"
    )
    assert Path("ptm.lock").read_text() == before


def test_unknown_output_name_is_reported(hub, ptm) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n' + MLP_EXPORT + 'outputs = ["logits"]\n')
    ptm("install")
    assert ptm("export", expect=1).stderr == "error: 'mlp' has no output 'logits'; its outputs are: output\n"


def test_loader_from_the_project_folder_and_external_data(hub, ptm) -> None:
    Path("local_loaders.py").write_text("from fixtures.export import tiny_mlp as build\n")
    export = MLP_EXPORT.replace("fixtures.export:tiny_mlp", "local_loaders:build")
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n' + export + "external_data = true\n")
    ptm("install")
    ptm("export")
    record = lock_data()["models"]["mlp"]["exports"]["onnx"]
    data_file = record["external_data"]
    assert data_file["path"] == "model.onnx.data" and data_file["size"] > 0
    assert_in_store_and_project({**data_file, "path": "artifacts/mlp/model.onnx.data"})
    result = ptm("verify --frozen")
    assert "ok    mlp  onnx data bytes: sha256 matches ptm.lock (from the project)" in result.stdout
    shutil.rmtree(Path("artifacts"))  # without the project copies, the store's are linked side by side
    result = ptm("verify --frozen")
    assert "ok    mlp  onnx data bytes: sha256 matches ptm.lock (from the store)" in result.stdout
    assert "ok    mlp  onnx vs ptm.lock" in result.stdout


def test_changed_export_settings_make_the_records_stale(exported: Path, ptm) -> None:
    manifest = Path("ptm.toml")
    manifest.write_text(
        manifest.read_text().replace('shape = ["batch", 8] }]', 'shape = ["batch", 8] }]\nopset = 19')
    )
    result = ptm("verify mlp", expect=1)
    assert "the export settings of 'mlp' changed since its export; run `ptm export mlp`" in result.stderr
    ptm("export mlp")
    assert lock_data()["models"]["mlp"]["exports"]["onnx"]["opset"] == 19
    ptm("verify mlp")
    ptm("lock --check")  # export also brought the manifest hash up to date


def test_tolerances_are_not_export_settings(exported: Path, ptm) -> None:
    manifest = Path("ptm.toml")
    manifest.write_text(manifest.read_text() + "\n[models.mlp.verify]\natol = 0.00001\n")
    assert "atol 1e-05" in ptm("verify mlp").stdout


def test_relocking_keeps_exports_until_the_pin_moves(exported: Path, hub, tiny_models, ptm) -> None:
    ptm("lock --upgrade")
    assert "exports" in lock_data()["models"]["mlp"]
    hub.hub.commit("fixtures/tiny-mlp", tiny_models.mlp_v2, message="new weights")
    ptm("lock --upgrade mlp")
    data = lock_data()
    assert "exports" not in data["models"]["mlp"] and "verify" not in data["models"]["mlp"]
    assert "exports" in data["models"]["bert"]
    assert "'mlp' has no onnx record in ptm.lock; run `ptm export mlp`" in ptm("verify mlp", expect=1).stderr


def change_one_weight(path: Path) -> None:
    """Add 0.5 to one float of a safetensors file in place: same size, other numbers."""
    from safetensors.torch import load_file, save_file

    size = path.stat().st_size
    tensors = load_file(path)
    tensors["0.weight"][0, 0] += 0.5
    save_file(tensors, path, metadata={"format": "pt"})  # through the snapshot link, into the blob
    assert path.stat().st_size == size


def test_export_refuses_installed_files_changed_since_install(exported: Path, hub, ptm) -> None:
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    change_one_weight(installed_snapshot(lock.models["mlp"]) / "model.safetensors")
    before, artifact = Path("ptm.lock").read_text(), Path("artifacts/mlp/model.onnx").read_bytes()
    line = one_line_error(ptm("export mlp", expect=3))
    assert line.startswith("error: model 'mlp': the installed model.safetensors (") and "has sha256 " in line
    assert line.endswith("nothing was exported. `ptm install --verify-hashes` repairs it")
    assert Path("ptm.lock").read_text() == before  # the tampered weights were not pinned
    assert Path("artifacts/mlp/model.onnx").read_bytes() == artifact
    assert "corrupted file(s)" in ptm("install --verify-hashes", expect=3).stderr  # ... and fetched again
    ptm("export mlp")
    ptm("verify mlp")


def test_export_copies_into_the_artifacts_folder_and_removes_what_it_replaced(exported: Path, ptm) -> None:
    manifest = Path("ptm.toml")
    text = manifest.read_text()
    mlp_formats = 'formats = ["onnx", "torchscript"]\nloader = "fixtures.export:tiny_mlp"'
    manifest.write_text(text.replace(mlp_formats, mlp_formats + '\nartifacts = "artifacts/bert"'))
    line = one_line_error(ptm("export mlp", expect=2))
    assert "'mlp' and 'bert' both export into artifacts/bert/; give [models.mlp.export] its own" in line

    manifest.write_text(
        text.replace(
            mlp_formats, 'formats = ["onnx"]\nartifacts = "shipped/mlp/"\nloader = "fixtures.export:tiny_mlp"'
        )
    )
    Path("artifacts/mlp/notes.txt").write_text("mine")
    ptm("export mlp")
    model = lock_data()["models"]["mlp"]
    assert (
        model["exports"]["onnx"]["path"] == "shipped/mlp/model.onnx" and "torchscript" not in model["exports"]
    )
    assert model["verify"]["reference"]["path"] == "shipped/mlp/reference.bin"
    for file in (model["exports"]["onnx"], model["verify"]["reference"]):
        assert_in_store_and_project(file)
    # What the previous export wrote is gone; what ptm did not write stays.
    assert sorted(p.name for p in Path("artifacts/mlp").iterdir()) == ["notes.txt"]
    shutil.rmtree(config.ptm_home())
    assert (
        "ok    mlp  onnx bytes: sha256 matches ptm.lock (from the project)"
        in ptm("verify --frozen mlp").stdout
    )


TORCH_HUB_EXPORT = """
[models.mlp.export]
loader_kwargs = { pretrained = true }
inputs = [{ name = "x", dtype = "float32", shape = ["batch", 8] }]
"""


def test_torch_hub_model_is_built_by_its_hubconf_entry(github, files, ptm) -> None:
    import torch

    import ptmlock

    write_manifest(torchhub_model(files.url) + TORCH_HUB_EXPORT)
    ptm("install")
    ptm("export")
    model = lock_data()["models"]["mlp"]
    assert set(model["exports"]["onnx"]["tools"]) == {"torch", "onnx", "onnxscript", "exporter"}
    # The reference is the pretrained entry's output: the pinned weights, not a random initialisation.
    settings = load_manifest(Path("ptm.toml")).models["mlp"].export
    assert settings is not None
    probe = make_inputs(settings.inputs, settings.verify.probe_axes, settings.verify.seed)
    with torch.no_grad():
        expected = ptmlock.torch_hub_load("mlp", pretrained=True)(torch.from_numpy(probe["x"])).numpy()
    reference = np.frombuffer(Path(model["verify"]["reference"]["path"]).read_bytes(), dtype="<f4")
    np.testing.assert_array_equal(reference.reshape(expected.shape), expected)
    result = ptm("verify")
    assert "ok    mlp  PyTorch vs ptm.lock: output: max abs 0.0e+00" in result.stdout


ADDED = "\n# added by the test\n"


def declare_for_mlp(settings: str) -> None:
    """Set these export settings of mlp (only these, of those the tests add)."""
    manifest = Path("ptm.toml")
    text = manifest.read_text().split(ADDED)[0]  # [models.mlp.export] is the last table
    manifest.write_text(text.replace('shape = ["batch", 8] }]', 'shape = ["batch", 8] }]' + ADDED + settings))


def test_each_exporter_writes_the_opsets_it_can_and_others_are_refused_with_the_range(
    exported: Path, ptm
) -> None:
    before = Path("ptm.lock").read_text()
    declare_for_mlp("opset = 30")
    line = one_line_error(ptm("export mlp", expect=1))
    assert line.startswith("error: opset 30 of 'mlp' is outside what torch ")
    assert line.endswith(
        "'s ONNX exporter can write (dynamo 18-23, torchscript 7-20); declare an opset in that range"
    )
    declare_for_mlp('exporter = "dynamo"\nopset = 17')
    line = one_line_error(ptm("export mlp", expect=1))
    assert '(dynamo 18-23); declare an opset in that range, or exporter = "auto"' in line
    assert Path("ptm.lock").read_text() == before

    # Below dynamo's range, auto exports with the TorchScript-based exporter.
    declare_for_mlp("opset = 17")
    assert "mlp  onnx  artifacts/mlp/model.onnx  " in ptm("export mlp").stdout
    record = lock_data()["models"]["mlp"]["exports"]["onnx"]
    assert record["opset"] == 17 and record["tools"]["exporter"] == "torchscript"
    assert "ok    mlp  onnx vs ptm.lock" in ptm("verify --frozen mlp").stdout


def test_export_in_half_precision_locks_the_half_precision_tolerance(exported: Path, ptm) -> None:
    manifest = Path("ptm.toml")
    manifest.write_text(
        manifest.read_text().replace(
            '[{ name = "x", dtype = "float32", shape = ["batch", 8] }]',
            '[{ name = "x", dtype = "float16", shape = ["batch", 8] }]\ndtype = "float16"',
        )
    )
    assert "by dynamo" in ptm("export mlp").stdout
    data = lock_data()["models"]["mlp"]
    assert data["exports"]["onnx"]["outputs"][0]["dtype"] == "float16"
    assert (data["verify"]["atol"], data["verify"]["rtol"]) == (0.01, 0.01)
    result = ptm("verify mlp")
    assert "ok    mlp  onnx vs PyTorch" in result.stdout and "[atol 1e-02, rtol 1e-02]" in result.stdout
