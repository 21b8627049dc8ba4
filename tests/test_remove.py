"""`ptm remove NAME...`: the entry, its edges, its lock entry and the artifacts ptm exported, nothing else."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from ptmlock.export.records import ExportRecord, with_records
from ptmlock.lockfile import read_lock, write_lock
from ptmlock.manifest import load_manifest
from tests.conftest import one_line_error, write_manifest

KEPT = """\
# The project's models.
[models.bert]
repo = "fixtures/tiny-bert"  # the encoder

[models.tuned]
repo = "fixtures/no-license"
base = "bert"
adaptation = "weights"

[components.scorer]
kind = "glue"

[[edges]]  # bert feeds the scorer
from = "bert"
to = "scorer"
kind = "post-processing"
"""

MLP = """
[models.mlp]
repo = "fixtures/tiny-mlp"
task = "tabular-classification"

[models.mlp.export]
inputs = [{ name = "x", dtype = "float32", shape = ["batch", 8] }]
"""

MLP_EDGES = """
[[edges]]
from = "mlp"
to = "bert"
kind = "evaluation"
stage = "evaluation"

[[edges]]  # the scorer reads both
from = "mlp"
to = "scorer"
kind = "post-processing"
"""


def export_record(path: str, data: bytes) -> ExportRecord:
    """The record `ptm export` writes for an artifact with these bytes at this project path."""
    signature = [{"name": "x", "dtype": "float32", "shape": ["batch", 8]}]
    record = {
        "path": path,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "settings_hash": "sha256:" + "0" * 64,
        "tools": {},
        "inputs": signature,
        "outputs": signature,
        "preprocessing": [],
    }
    return ExportRecord.from_data("onnx", record)


def test_remove_takes_out_the_entry_its_edges_lock_entry_and_exported_files(hub, ptm) -> None:
    write_manifest(KEPT + MLP + MLP_EDGES)
    ptm("lock")
    kept_lock = {name: model for name, model in read_lock(Path("ptm.lock")).models.items() if name != "mlp"}
    # What `ptm export mlp` leaves: an artifact the lock names, beside a file of the user's and a copy
    # the user has changed since; only the first is ptm's to delete.
    folder = Path("artifacts/mlp")
    folder.mkdir(parents=True)
    (folder / "mlp.onnx").write_bytes(b"onnx graph")
    (folder / "edited.onnx").write_bytes(b"the user's own bytes")
    (folder / "notes.txt").write_text("mine\n")
    lock = read_lock(Path("ptm.lock"))
    records = {
        "onnx": export_record("artifacts/mlp/mlp.onnx", b"onnx graph"),
        "torchscript": replace(
            export_record("artifacts/mlp/edited.onnx", b"what ptm wrote"), format="torchscript"
        ),
    }
    write_lock(
        Path("ptm.lock"),
        lock._replace(models={**lock.models, "mlp": with_records(lock.models["mlp"], records, None)}),
    )

    result = ptm("remove mlp")
    assert result.stdout.splitlines() == [
        "- model mlp",
        "- edge mlp -> bert (evaluation)",
        "- edge mlp -> scorer (post-processing)",
        "- ptm.lock entry mlp",
        "- file artifacts/mlp/mlp.onnx",
        "Removed 1 model from ptm.toml and ptm.lock.",
    ]
    assert Path("ptm.toml").read_text() == KEPT
    assert read_lock(Path("ptm.lock")).models == kept_lock
    assert sorted(p.name for p in folder.iterdir()) == ["edited.onnx", "notes.txt"]
    # Exactly what `ptm lock` keeps: the lock is current and relocking rewrites nothing.
    text = Path("ptm.lock").read_text()
    assert ptm("lock --check").stdout == "ptm.lock is up to date (2 models).\n"
    assert ptm("lock").stdout.endswith("Up to date: ptm.lock (2 models).\n")
    assert Path("ptm.lock").read_text() == text


def test_a_lock_stale_for_other_reasons_stays_stale(hub, ptm) -> None:
    write_manifest(KEPT + MLP)
    ptm("lock")
    write_manifest(
        (KEPT + MLP).replace('repo = "fixtures/tiny-bert"', 'repo = "fixtures/tiny-bert"\nrevision = "v1.0"')
    )
    ptm("remove mlp")
    assert set(read_lock(Path("ptm.lock")).models) == {"bert", "tuned"}
    assert "bert: its entry in ptm.toml changed" in one_line_error(ptm("lock --check", expect=1))


def test_remove_refuses_a_model_others_derive_from_unless_forced(ptm) -> None:
    manifest = KEPT + MLP + '\n[models.partner]\nrepo = "fixtures/tiny-mlp"\ntrained_with = ["bert", "mlp"]\n'
    write_manifest(manifest)
    error = one_line_error(ptm("remove bert", expect=1))
    assert error == (
        'error: ptm remove: tuned: base = "bert"; partner: trained_with "bert"; remove those models too, '
        "or pass --force to drop the references; ptm.toml was left unchanged"
    )
    assert Path("ptm.toml").read_text() == manifest
    # Removing the derived models with it needs no --force.
    ptm("remove bert tuned partner")
    write_manifest(manifest)

    lines = ptm("remove bert --force").stdout.splitlines()
    assert lines == [
        "- model bert",
        "- edge bert -> scorer (post-processing)",
        '- reference tuned: base = "bert"',
        '- reference partner: trained_with "bert"',
        "Removed 1 model from ptm.toml.",
    ]
    models = load_manifest(Path("ptm.toml")).models
    assert models["tuned"].base is None and models["tuned"].adaptation is None
    assert models["partner"].trained_with == ("mlp",)
    assert "# The project's models." in Path("ptm.toml").read_text()


def test_unknown_name_is_one_line_listing_the_declared_models(ptm) -> None:
    write_manifest(KEPT)
    assert one_line_error(ptm("remove bert nope scorer", expect=2)) == (
        "error: ptm remove: no model 'nope', 'scorer' in ptm.toml; declared: bert, tuned"
    )
    assert Path("ptm.toml").read_text() == KEPT
