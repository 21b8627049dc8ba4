"""`ptm cache ls|prune|verify`: what the shared store holds, which projects need it, pruning what none
needs (a dry run first, never under a running install), and re-hashing all of it."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from ptmlock.install.store import Store
from tests.conftest import one_line_error, write_manifest
from tests.installing import (
    MODELS,
    assert_installed,
    assert_store_consistent,
    locked,
    overwrite_in_place,
    store_blobs,
    store_root,
)
from tests.test_install_sources import url_model

MLP = '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n'


def project(tmp_path: Path, name: str, manifest: str, monkeypatch: pytest.MonkeyPatch, ptm) -> Path:
    """A project folder with ``manifest``, locked and installed."""
    folder = tmp_path / "projects" / name
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    write_manifest(manifest)
    ptm("install")
    return folder


def test_ls_lists_each_pinned_model_with_its_size_and_the_projects_that_need_it(
    hub, ptm, tmp_path, monkeypatch
) -> None:
    first = project(tmp_path, "first", MODELS, monkeypatch, ptm)
    second = project(
        tmp_path, "second", MLP + '[models.bert]\nrepo = "fixtures/tiny-bert"\n', monkeypatch, ptm
    )
    data = json.loads(ptm("cache ls --format json").stdout)
    assert data["store"] == str(store_root())
    assert data["locks"] == [str(first / "ptm.lock"), str(second / "ptm.lock")]
    assert data["blobs"] == len(store_blobs()) and data["unreferenced"] == {"blobs": 0, "bytes": 0}
    assert data["bytes"] == sum(p.stat().st_size for p in store_blobs().values())
    by_origin = {m["origin"]: m for m in data["models"]}
    mlp = by_origin["fixtures/tiny-mlp@main"]
    assert mlp["used_by"] == [
        {"lock": str(first / "ptm.lock"), "name": "mlp"},
        {"lock": str(second / "ptm.lock"), "name": "mlp"},
    ]
    assert (mlp["files"], mlp["bytes"]) == (3, locked("mlp").size) and mlp["blobs_in_store"] == 3
    assert [u["name"] for u in by_origin["fixtures/tiny-bert@v1.0"]["used_by"]] == ["bert-v1"]

    lines = ptm("cache ls").stdout.splitlines()
    summary = rf"{re.escape(str(store_root()))}: {len(store_blobs())} blobs, [0-9.]+ kB; 2 locks read\."
    assert re.fullmatch(summary, lines[0])
    [row] = [line for line in lines if line.startswith("fixtures/tiny-mlp@main")]
    assert "3 files, " in row and f"{first / 'ptm.lock'} (mlp), {second / 'ptm.lock'} (mlp)" in row


def test_prune_is_a_dry_run_until_apply_and_keeps_what_the_named_locks_need(
    hub, files, ptm, tmp_path, monkeypatch
) -> None:
    keep = project(tmp_path, "keep", MLP, monkeypatch, ptm)
    project(
        tmp_path,
        "old",
        MODELS + url_model(files.url).replace("[models.head]", "[models.urls]"),
        monkeypatch,
        ptm,
    )
    before = dict(store_blobs())
    mlp = {f.sha256 for f in locked("mlp").files}
    laid_out = store_root() / "models" / "url--urls"
    assert laid_out.is_dir()

    dry = ptm(f"cache prune --keep-lock {keep / 'ptm.lock'}")
    assert dry.stdout.splitlines()[-1].startswith(f"Would remove {len(before) - len(mlp)} blobs (")
    assert "\n- models/url--urls\n" in dry.stdout
    assert store_blobs() == before and laid_out.is_dir()  # nothing removed

    data = json.loads(ptm(f"cache prune --keep-lock {keep / 'ptm.lock'} --apply --format json").stdout)
    assert data["applied"] and data["locks"] == [str(keep / "ptm.lock")]
    assert {b["sha256"] for b in data["blobs"]} == set(before) - mlp
    assert set(store_blobs()) == mlp and not laid_out.exists()
    assert_store_consistent()
    # The kept project installs with no network: everything it needs is still there.
    monkeypatch.chdir(keep)
    shutil.rmtree(Path(os.environ["HF_HOME"]) / "hub")
    assert "3 from the store" in ptm("install --offline").stdout
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp", "main"))


def test_prune_without_locks_keeps_what_the_projects_that_installed_need(
    hub, ptm, tmp_path, monkeypatch
) -> None:
    keep = project(tmp_path, "keep", MLP, monkeypatch, ptm)
    gone = project(tmp_path, "gone", MODELS, monkeypatch, ptm)
    monkeypatch.chdir(tmp_path)
    shutil.rmtree(gone)
    result = ptm("cache prune --yes")
    assert f"warning: {gone / 'ptm.lock'} is gone" in result.stderr
    assert set(store_blobs()) == {f.sha256 for f in _lock_files(keep)}
    # The record forgets the project that is gone.
    data = json.loads(ptm("cache ls --format json").stdout)
    assert data["locks"] == [str(keep / "ptm.lock")] and data["locks_gone"] == []


def test_prune_finds_the_locks_under_folders_and_refuses_folders_without_any(
    hub, ptm, tmp_path, monkeypatch
) -> None:
    keep = project(tmp_path, "keep", MLP, monkeypatch, ptm)
    project(tmp_path, "other", MODELS, monkeypatch, ptm)
    empty = tmp_path / "empty"
    empty.mkdir()
    line = one_line_error(ptm(f"cache prune {empty} --apply", expect=2))
    assert f"no ptm.lock under {empty}" in line
    ptm(f"cache prune {keep} --apply")
    assert set(store_blobs()) == {f.sha256 for f in _lock_files(keep)}


def test_prune_removes_nothing_while_an_install_is_running(hub, ptm, tmp_path, monkeypatch) -> None:
    keep = project(tmp_path, "keep", MLP, monkeypatch, ptm)
    project(tmp_path, "other", MODELS, monkeypatch, ptm)
    before = dict(store_blobs())
    with Store(store_root()).in_use():  # what a running `ptm install` holds
        line = one_line_error(ptm(f"cache prune --keep-lock {keep / 'ptm.lock'} --apply", expect=1))
        assert "in use by a running `ptm install`" in line
        assert store_blobs() == before
        assert "Would remove" in ptm(f"cache prune --keep-lock {keep / 'ptm.lock'}").stdout  # a dry run reads
    ptm(f"cache prune --keep-lock {keep / 'ptm.lock'} --apply")
    assert set(store_blobs()) == {f.sha256 for f in _lock_files(keep)}


def test_prune_refuses_a_kept_lock_that_does_not_exist(ptm, tmp_path) -> None:
    line = one_line_error(ptm(f"cache prune --keep-lock {tmp_path / 'nowhere.lock'} --apply", expect=2))
    assert line == f"error: --keep-lock {tmp_path / 'nowhere.lock'}: no such file"


def test_verify_rehashes_the_whole_store_and_removes_what_is_corrupt(hub, ptm, tmp_path, monkeypatch) -> None:
    project(tmp_path, "p", MODELS, monkeypatch, ptm)
    blobs = store_blobs()
    assert ptm("cache verify").stdout.startswith(f"{len(blobs)} files in {store_root()} (")
    weights = next(f for f in locked("mlp").files if f.path == "model.safetensors")
    overwrite_in_place(blobs[weights.sha256], b"\0" * weights.size)

    result = ptm("cache verify --format json", expect=3)
    data = json.loads(result.stdout)
    assert data["checked"] == len(blobs)
    assert [(c["sha256"], c["path"]) for c in data["corrupt"]] == [
        (weights.sha256, str(blobs[weights.sha256]))
    ]
    line = one_line_error(result)
    assert line.startswith(f"error: corrupt in the store (1 of {len(blobs)}): {blobs[weights.sha256]}")
    assert line.endswith("removed them; `ptm install` fetches them again")
    assert weights.sha256 not in store_blobs()
    assert_store_consistent()
    assert "all intact" in ptm("cache verify").stdout
    assert "1 downloaded" in ptm("install").stdout  # the install restores it from the hub


def _lock_files(folder: Path):
    from ptmlock.lockfile import read_lock

    lock = read_lock(folder / "ptm.lock")
    assert lock is not None
    return [f for model in lock.models.values() for f in (*model.files, *model.weights)]


def test_a_noop_install_records_a_project_the_store_did_not_know(hub, ptm, tmp_path, monkeypatch) -> None:
    folder = project(tmp_path, "p", MLP, monkeypatch, ptm)
    (store_root() / "projects.json").unlink()  # as a store from before ptm kept the record
    assert json.loads(ptm("cache ls --format json").stdout)["locks"] == []
    assert "already installed" in ptm("install").stdout
    assert json.loads(ptm("cache ls --format json").stdout)["locks"] == [str(folder / "ptm.lock")]


def test_prune_refuses_to_empty_a_store_when_it_knows_no_lock_to_keep(
    hub, ptm, tmp_path, monkeypatch
) -> None:
    project(tmp_path, "p", MLP, monkeypatch, ptm)
    (store_root() / "projects.json").unlink()  # as a store filled before ptm kept the record
    before = dict(store_blobs())
    assert ptm("cache prune").stdout.splitlines()[-1].startswith("Would remove 3 blobs (")
    line = one_line_error(ptm("cache prune --apply", expect=2))
    assert "no ptm.lock to keep" in line and "--keep-lock or FOLDERS" in line
    assert store_blobs() == before
    assert ptm("cache prune --keep-lock ptm.lock --apply").stdout.startswith(
        f"= {Path.cwd() / 'ptm.lock'} (kept)"
    )
    assert store_blobs() == before


def test_ls_names_laid_out_snapshots_no_known_lock_installs(files, ptm, tmp_path, monkeypatch) -> None:
    folder = project(tmp_path, "p", url_model(files.url), monkeypatch, ptm)
    (folder / "ptm.lock").unlink()
    result = ptm("cache ls")
    [row] = [line for line in result.stdout.splitlines() if line.endswith("(no known lock)")]
    assert row.startswith("models/url--head/snapshots/") and "  2 files, " in row
    assert f"warning: {folder / 'ptm.lock'} is gone" in result.stderr
    [unknown] = json.loads(ptm("cache ls --format json").stdout)["unknown_snapshots"]
    assert unknown["files"] == 2 and unknown["path"].startswith(str(store_root() / "models" / "url--head"))
