"""`ptm install --locked` and `--frozen` as uv means them, what an install that re-locks says, and what a
failed `--offline` install leaves: nothing half in place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ptmlock.lockfile import read_lock, write_lock
from tests.conftest import one_line_error, write_manifest
from tests.installing import (
    MODELS,
    assert_installed,
    hf_cache,
    locked,
    repo_dir,
    snapshot,
    store_blobs,
    store_root,
    torchhub_model,
)
from tests.test_install_sources import checkpoints

STALE = MODELS.replace('revision = "v1.0"', 'revision = "dev"') + '[models.x]\nrepo = "a/b"\n'


def test_frozen_installs_ptm_lock_with_no_ptm_toml_and_answers_the_rerun_from_stats(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    Path("ptm.toml").unlink()  # a deploy that ships ptm.lock alone
    result = ptm("install --frozen")
    assert "Installed 3 models (14 files, " in result.stdout
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
    requests = hub.hub.request_count
    assert "All 3 models already installed" in ptm("install --frozen").stdout
    assert hub.hub.request_count == requests
    assert "ptm.toml" in one_line_error(ptm("install --locked", expect=2))


def test_frozen_installs_the_old_pins_of_a_ptm_toml_that_no_longer_matches(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    text = Path("ptm.lock").read_text()
    write_manifest(STALE)
    ptm("install --frozen")
    assert Path("ptm.lock").read_text() == text  # never re-locked
    assert snapshot("bert-v1").is_dir() and locked("bert-v1").revision == "v1.0"
    assert "x" not in read_lock(Path("ptm.lock")).models  # type: ignore[union-attr]

    line = one_line_error(ptm("install --locked", expect=1))
    assert "ptm.lock is stale and --locked never re-locks" in line and "x: declared in ptm.toml" in line
    # A plain install re-locks, and then the lock is current for --locked.
    write_manifest(STALE.split("[models.x]")[0])
    assert "Re-locked ptm.lock" in ptm("install").stdout
    assert "already installed" in ptm("install --locked").stdout


def test_frozen_without_a_lock_and_locked_with_frozen_are_one_line_errors(hub, ptm) -> None:
    write_manifest(MODELS)
    line = one_line_error(ptm("install --frozen", expect=1))
    assert "ptm.lock does not exist; --frozen installs it as it is: run `ptm lock`" in line
    line = one_line_error(ptm("install --locked --frozen", expect=2))
    assert "pass one of them" in line
    assert not Path("ptm.lock").exists() and not hf_cache().exists()


def test_offline_stale_lock_points_at_frozen(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    write_manifest(STALE)
    line = one_line_error(ptm("install --offline", expect=1))
    assert "--offline never re-locks" in line and "or install it as it is with --frozen" in line


def test_an_install_that_relocks_a_changed_local_model_says_it_dropped_its_export_record(ptm) -> None:
    Path("ranker").mkdir()
    Path("ranker/w.bin").write_bytes(b"v1")
    write_manifest('[models.ranker]\nhub = "local"\npath = "ranker"\n')
    ptm("lock")
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    export = {
        "path": "artifacts/ranker/model.onnx",
        "sha256": "0" * 64,
        "size": 1,
        "settings_hash": "sha256:" + "1" * 64,
        "tools": {},
        "inputs": [],
        "outputs": [],
        "preprocessing": [],
    }
    ranker = lock.models["ranker"]._replace(export_tables={"exports": {"onnx": export}})
    write_lock(Path("ptm.lock"), lock._replace(models={"ranker": ranker}))
    ptm("install")
    Path("ranker/w.bin").write_bytes(b"v2")  # retrained

    result = ptm("install")
    assert result.stderr == (
        "warning: re-locking ranker (its files changed) dropped its export record; "
        "run `ptm export ranker` to export it again\n"
    )
    assert "Re-locked ptm.lock (ranker: its files changed since it was locked (w.bin))" in result.stdout
    assert "exports" not in Path("ptm.lock").read_text()
    Path("ranker/w.bin").write_bytes(b"v3")
    assert json.loads(ptm("install --format json").stdout)["dropped_exports"] == []  # none left to drop


def test_failed_offline_install_leaves_the_model_it_cannot_complete_untouched(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    ptm("install")
    shutil.rmtree(hf_cache())
    only_bert = next(f for f in locked("bert").files if f.path == "README.md")
    store_blobs()[only_bert.sha256].unlink()

    line = one_line_error(ptm("install --offline", expect=1))
    assert "--offline: not in the store: bert: README.md; nothing of these models was installed" in line
    bert = repo_dir(locked("bert"))
    assert not snapshot("bert").exists() and not (bert / "refs" / "main").exists()
    # The models the store holds whole are installed.
    assert_installed("bert-v1", hub.hub.repo_files("fixtures/tiny-bert", "v1.0"))
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp", "main"))


def test_failed_offline_install_does_not_relink_a_shared_torch_checkpoint(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    ptm("install")
    checkpoint = checkpoints() / "tiny_mlp-v1.pth"
    assert checkpoint.is_file()
    checkpoint.unlink()  # e.g. cleaned up by hand; the store still holds the weights
    shutil.rmtree(store_root() / "models")
    hubconf = next(f for f in locked("mlp").files if f.path == "hubconf.py")
    store_blobs()[hubconf.sha256].unlink()

    line = one_line_error(ptm("install --offline", expect=1))
    assert "mlp: hubconf.py" in line
    assert not checkpoint.exists()
    assert not (store_root() / "models").exists() or not any((store_root() / "models").rglob("*.py"))


def test_frozen_profile_reads_only_the_edges_and_skips_models_ptm_lock_does_not_pin(hub, ptm) -> None:
    judged = MODELS + '[[edges]]\nfrom = "bert"\nto = "mlp"\nkind = "evaluation"\nstage = "evaluation"\n'
    judged += '[[edges]]\nfrom = "bert-v1"\nto = "bert"\nkind = "feature-handoff"\nmode = "sequential"\n'
    write_manifest(judged)
    ptm("lock")
    write_manifest(judged.replace("[[edges]]", '[models.x]\nrepo = "a/b"\n\n[[edges]]', 1))  # not locked
    result = ptm("install --frozen --profile runtime")
    assert "Installed 2 models (11 files, " in result.stdout
    assert "Left out by the 'runtime' profile: mlp." in result.stdout
    assert snapshot("bert").is_dir() and snapshot("bert-v1").is_dir() and not snapshot("mlp").exists()
