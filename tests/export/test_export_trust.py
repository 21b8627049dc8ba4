"""Export runs code by design, so what runs code from the model's files needs --trust; and a hand-edited
ptm.lock cannot make `ptm export`/`ptm verify` read, write or delete outside an artifacts folder."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ptmlock.export.artifacts import file_sha256
from ptmlock.export.records import exports_of, verify_of, with_records
from ptmlock.lockfile import LockedFile, LockedModel, read_lock, render_lock
from ptmlock.tomlpos import locate
from tests.conftest import one_line_error, write_manifest
from tests.export.support import MANIFEST

MLP_LOADER = 'loader = "fixtures.export:tiny_mlp"'
FIX = "pass --trust if you trust this ptm.toml and the model's files"


def with_mlp_export(text: str, extra: str) -> str:
    """MANIFEST with ``extra`` lines added to [models.mlp.export]."""
    assert MLP_LOADER in text
    return text.replace(MLP_LOADER, f"{MLP_LOADER}\n{extra}")


@pytest.mark.parametrize(
    ("text", "key", "shown", "risk"),
    [
        (
            with_mlp_export(MANIFEST, "loader_kwargs = { weights_only = false }"),
            "weights_only",
            "false",
            "unpickles the weights, and a pickle can run any code",
        ),
        (
            MANIFEST + "\n[models.mlp.export.loader_kwargs]\nrevision = 'x'\ntrust_remote_code = true\n",
            "trust_remote_code",
            "true",
            "runs the Python code of the model's repository",
        ),
    ],
    ids=["inline", "table"],
)
def test_loader_kwargs_that_run_the_models_code_need_trust(ptm, text, key, shown, risk) -> None:
    # Refused before anything is read or built: no lock, nothing installed, nothing imported.
    write_manifest(text)
    line = locate(text, ("models", "mlp", "export", "loader_kwargs"), key)
    assert line is not None and text.splitlines()[line - 1].lstrip().startswith(("loader_kwargs", key))
    for command in ("export", "export mlp", "verify mlp"):
        message = one_line_error(ptm(command, expect=2))
        assert message == (
            f"error: {Path('ptm.toml').absolute()}:{line}: model 'mlp' sets loader_kwargs {key} = {shown}, "
            f"which {risk} when the model is loaded; {FIX}"
        )
    assert not Path("ptm.lock").exists()


LOADER_MODULE = '''
from fixtures.export import tiny_mlp


def build(snapshot, weights_only=True):
    """The project's own loader, beside ptm.toml: it takes the risky keyword as a real loader would."""
    assert weights_only is False
    return tiny_mlp(snapshot)
'''


def test_trust_lets_the_export_run_and_frozen_verify_needs_none(exported: Path, ptm) -> None:
    Path("trusted_loader.py").write_text(LOADER_MODULE)
    text = Path("ptm.toml").read_text()
    project_loader = 'loader = "trusted_loader:build"\nloader_kwargs = { weights_only = false }'
    Path("ptm.toml").write_text(text.replace(MLP_LOADER, project_loader))
    assert FIX in one_line_error(ptm("export mlp", expect=2))
    assert "mlp  onnx  artifacts/mlp/model.onnx" in ptm("export mlp --trust").stdout
    # --frozen only runs the checked artifacts: nothing of the model's files is loaded in Python.
    assert "All " in ptm("verify --frozen mlp").stdout
    assert FIX in one_line_error(ptm("verify mlp", expect=2))
    assert "ok    mlp  PyTorch vs ptm.lock" in ptm("verify mlp --trust").stdout


def edit_mlp(edit: Callable[[LockedModel], LockedModel]) -> str:
    """Hand-edit mlp's entry in ptm.lock (rendered as ptm writes it, but not checked); the new text."""
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    text = render_lock(lock._replace(models={**lock.models, "mlp": edit(lock.models["mlp"])}))
    Path("ptm.lock").write_text(text)
    return text


def onnx_file(change: dict[str, str]) -> Callable[[LockedModel], LockedModel]:
    def edit(model: LockedModel) -> LockedModel:
        exports = exports_of(model)
        onnx = dataclasses.replace(exports["onnx"], **change)
        return with_records(model, {**exports, "onnx": onnx}, verify_of(model))

    return edit


@pytest.mark.hand_edited_lock
@pytest.mark.parametrize(
    "change",
    [{"path": "../../outside.onnx"}, {"sha256": "../../../../outside.onnx"}],
    ids=["path-outside", "sha256-not-hex"],
)
def test_a_hostile_export_record_is_refused_in_one_line(exported: Path, ptm, change) -> None:
    edited = edit_mlp(onnx_file(change))
    shutil.rmtree("artifacts/mlp")  # so that the store's copy, named by the sha256, would be looked for
    outside = [exported.parent.parent / "outside.onnx", exported.parent / "outside.onnx"]
    for command in ("verify --frozen mlp", "export mlp"):
        message = one_line_error(ptm(command, expect=1))
        assert message.startswith(f"error: {Path('ptm.lock').absolute()}: ") and "mlp.exports.onnx" in message
        assert not any(p.exists() for p in outside)
        assert Path("ptm.lock").read_text() == edited


@pytest.mark.hand_edited_lock
def test_a_lock_naming_a_project_file_outside_the_artifacts_folder_never_touches_it(
    exported: Path, ptm
) -> None:
    # A clone's ptm.lock names the user's data file, with its hash, as mlp's reference: `ptm verify` must
    # not read it and `ptm export` must not delete it as a stale copy of its own.
    precious = Path("data/precious.bin")
    precious.parent.mkdir()
    precious.write_bytes(b"the user's data")
    user_file = LockedFile(str(precious), precious.stat().st_size, file_sha256(precious))

    def edit(model: LockedModel) -> LockedModel:
        verify = verify_of(model)
        assert verify is not None
        return with_records(model, exports_of(model), dataclasses.replace(verify, reference=user_file))

    edit_mlp(edit)
    message = one_line_error(ptm("verify --frozen mlp", expect=1))
    assert message == (
        "error: ptm.lock: model 'mlp': artifact path 'data/precious.bin' is not in its artifacts folder "
        "artifacts/mlp/; undo the edit (`git checkout ptm.lock`) or run `ptm export mlp`"
    )
    ptm("export mlp")
    assert precious.read_bytes() == b"the user's data"
    assert Path("artifacts/mlp/reference.bin").is_file()
    assert "All " in ptm("verify --frozen mlp").stdout
