"""`ptm install` refuses paths that escape the cache, and survives kills, concurrency and resumes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures.hub import ServerFeatures
from ptmlock.install import links as hf_cache_module
from tests.conftest import subprocess_env, write_manifest
from tests.installing import (
    MODELS,
    assert_installed,
    assert_store_consistent,
    hf_cache,
    locked,
    partials,
    repo_dir,
    sha256,
    snapshot,
    store_blobs,
    store_root,
)

BIG = '[models.big]\nrepo = "fixtures/big"\n'


def install_process(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ptmlock", "install", *args],
        env=subprocess_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lock_big_model(hub, ptm, size: int) -> bytes:
    """A project locking one repo with random weights of ``size`` bytes; the weights."""
    content = os.urandom(size)
    hub.hub.create_repo("fixtures/big")
    hub.hub.commit("fixtures/big", {"model.safetensors": content, "config.json": b"{}\n"})
    write_manifest(BIG)
    ptm("lock")
    return content


@pytest.mark.hand_edited_lock
@pytest.mark.parametrize(
    "bad", ["../x", "/etc/passwd", "C:/x", "a/../../x", "a\\..\\x", "a/", "a//b", " config.json", "x\x01y"]
)
def test_traversal_path_in_hand_edited_lock_is_rejected_before_any_write(hub, ptm, bad) -> None:
    write_manifest(MODELS)
    ptm("lock")
    text = Path("ptm.lock").read_text()
    Path("ptm.lock").write_text(text.replace('path = "config.json"', f"path = {json.dumps(bad)}"))
    message = ptm("install", expect=1).stderr.strip()
    assert len(message.splitlines()) == 1
    assert f"ptm.lock: model 'bert': file path {bad!r}" in message and "refused" in message
    assert not store_root().exists() and not hf_cache().exists()


def test_symlink_in_the_cache_pointing_outside_is_rejected_before_any_write(hub, ptm, tmp_path) -> None:
    write_manifest(MODELS)
    ptm("lock")
    outside = tmp_path / "outside"
    outside.mkdir()
    planted = snapshot("mlp")
    planted.parent.mkdir(parents=True)
    planted.symlink_to(outside)
    message = ptm("install", expect=1).stderr.strip()
    assert "refusing to install model 'mlp'" in message and str(planted) in message
    assert "remove it" in message
    assert list(outside.iterdir()) == [] and not store_root().exists()
    assert not snapshot("bert").exists()


def test_existing_file_symlink_is_replaced_not_written_through(hub, ptm, tmp_path) -> None:
    write_manifest(MODELS)
    ptm("lock")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    planted = snapshot("mlp") / "config.json"
    planted.parent.mkdir(parents=True)
    planted.symlink_to(victim)
    ptm("install")
    assert victim.read_text() == "keep me"
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp"))


def test_killed_install_leaves_no_corrupt_entry_and_a_rerun_finishes(hub, ptm) -> None:
    content = lock_big_model(hub, ptm, 4 << 20)
    hub.hub.features = ServerFeatures(throttle_bps=2 << 20)
    process = install_process()
    partial = store_root() / "tmp" / f"{sha256(content)}.partial"
    deadline = time.monotonic() + 30
    while not (partial.exists() and partial.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.02)
    process.kill()  # SIGKILL: no cleanup runs
    process.wait()
    assert 0 < partial.stat().st_size < len(content)
    assert sha256(content) not in store_blobs()
    assert not (snapshot("big") / "model.safetensors").exists()
    assert_store_consistent()

    hub.hub.features = ServerFeatures()
    ptm("install")
    assert_installed("big", hub.hub.repo_files("fixtures/big"))
    assert_store_consistent()
    assert not partials()
    ptm("install --verify-hashes")


def test_concurrent_installs_on_one_store_both_succeed(hub, ptm) -> None:
    write_manifest(MODELS + '[models.many]\nrepo = "fixtures/many-files"\n')
    ptm("lock")
    hub.hub.features = ServerFeatures(latency_s=0.02)
    processes = [install_process(PTM_MAX_WORKERS="4") for _ in range(2)]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "Installed 4 models" in out or "already installed" in out
    assert_store_consistent()
    assert not partials()
    assert not list(hf_cache().rglob(".*.tmp"))
    assert_installed("many", hub.hub.repo_files("fixtures/many-files"))
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
    hub.hub.features = ServerFeatures()
    ptm("install --verify-hashes")


def test_a_blob_another_install_linked_meanwhile_leaves_no_temporary_link(hub, ptm, monkeypatch) -> None:
    write_manifest(MODELS)
    ptm("lock")
    ptm("install")
    blob = repo_dir(locked("mlp")) / "blobs" / next(f.sha256 for f in locked("mlp").files)
    # As if the other install linked the blob between this one's check and its own link.
    monkeypatch.setattr(os.path, "samefile", lambda a, b: False)
    hf_cache_module.place_blob(store_blobs()[blob.name], blob)
    assert sorted(p.name for p in blob.parent.iterdir() if p.name.startswith(".")) == []
    assert blob.samefile(store_blobs()[blob.name])


def test_install_sweeps_small_file_temporaries_a_killed_run_left(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    scratch = store_root() / "tmp"
    scratch.mkdir(parents=True)
    old, fresh = scratch / f"{'a' * 64}.0123456789ab.whole", scratch / f"{'b' * 64}.0123456789ab.whole"
    old.write_bytes(b"left by kill -9")
    fresh.write_bytes(b"another install is renaming this right now")
    os.utime(old, (time.time() - 2 * 3600, time.time() - 2 * 3600))
    ptm("install")
    assert not old.exists() and fresh.exists()


def plant_partial(content: bytes, prefix: bytes) -> Path:
    partial = store_root() / "tmp" / f"{sha256(content)}.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(prefix)
    return partial


def test_rerun_resumes_a_partial_download_with_a_range_request(hub, ptm) -> None:
    content = lock_big_model(hub, ptm, 1 << 20)
    half = len(content) // 2
    plant_partial(content, content[:half])
    # The hub now serves garbage for the first half: only a request for the rest gives the right bytes.
    hub.hub.tamper("fixtures/big", "model.safetensors", b"\0" * half + content[half:])
    ptm("install")
    assert_installed("big", hub.hub.repo_files("fixtures/big"))
    assert not partials()


def test_server_without_range_support_restarts_the_download(hub, ptm) -> None:
    content = lock_big_model(hub, ptm, 1 << 20)
    plant_partial(content, b"\0" * 1000)
    hub.hub.features = ServerFeatures(range_requests=False)
    ptm("install")
    assert_installed("big", hub.hub.repo_files("fixtures/big"))


def test_a_bad_partial_is_discarded_and_the_file_fetched_whole(hub, ptm) -> None:
    content = lock_big_model(hub, ptm, 1 << 20)
    plant_partial(content, b"\0" * 1000)  # resumed with Range, the result mismatches: start over once
    ptm("install")
    assert_installed("big", hub.hub.repo_files("fixtures/big"))
    assert_store_consistent()
    assert not partials()


def test_a_partial_longer_than_the_file_is_ignored(hub, ptm) -> None:
    content = lock_big_model(hub, ptm, 1 << 16)
    plant_partial(content, content + b"extra")
    ptm("install")
    assert_installed("big", hub.hub.repo_files("fixtures/big"))
    assert locked("big").commit in str(snapshot("big")) and repo_dir(locked("big")).is_dir()


def test_a_complete_partial_is_published_without_fetching_it_again(hub, ptm) -> None:
    content = lock_big_model(hub, ptm, 1 << 16)
    plant_partial(content, content)  # killed after the last byte landed, before the rename
    hub.hub.tamper("fixtures/big", "model.safetensors", b"\0" * len(content))
    ptm("install")
    assert_installed("big", hub.hub.repo_files("fixtures/big"))


def test_a_partial_the_server_cannot_extend_ends_in_a_hash_error_not_an_http_one(hub, ptm) -> None:
    content = lock_big_model(hub, ptm, 1 << 16)
    plant_partial(content, content[:-10])
    hub.hub.tamper("fixtures/big", "model.safetensors", content[:-20])  # Range past its end: 416
    message = ptm("install", expect=3).stderr
    # A status 416 standing alone, not those digits inside a hash or commit of the random content.
    assert "file model.safetensors: sha256 mismatch" in message and not re.search(r"\b416\b", message)
    assert not partials() and sha256(content) not in store_blobs()
