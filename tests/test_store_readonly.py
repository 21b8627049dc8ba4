"""`ptm install` with a store it cannot write: a read-only shared store (a read-only mount, or folders
without write permission) that holds every blob still installs into a writable cache; a missing blob or
a full disk is one line naming the path, the cause and the fix, never a traceback.

Real mechanisms, no mocks: `ptm install` runs in a child process inside a mount namespace of its own
(``unshare --mount``), where the store is bind-mounted read-only or is a tiny tmpfs (skipped where that
is not allowed), or against a store without write permission, as root without capabilities (``setpriv``)
so that the permission bits bind it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_env, write_manifest
from tests.installing import (
    MODELS,
    assert_installed,
    assert_store_consistent,
    hf_cache,
    locked,
    overwrite_in_place,
    snapshot,
    store_blobs,
    store_root,
)
from tests.test_install_safety import lock_big_model

PTM = [sys.executable, "-m", "ptmlock"]


def _works(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.fixture
def mounts(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.mkdir()
    if not _works(["unshare", "--mount", "sh", "-c", f"mount -t tmpfs tmpfs {shlex.quote(str(probe))}"]):
        pytest.skip("needs `unshare --mount` and mount (root, or a user namespace)")


def in_namespace(prelude: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`ptm *args` after the shell commands ``prelude`` in a mount namespace of its own: what is mounted
    there vanishes with it. "$STORE" is the store."""
    script = f'{prelude}\nexec "$@"'
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-euc", script, "sh", *PTM, *args],
        env=subprocess_env(STORE=str(store_root())),
        capture_output=True,
        text=True,
        timeout=300,
    )


def read_only_store(*args: str) -> subprocess.CompletedProcess[str]:
    return in_namespace('mount --bind "$STORE" "$STORE"\nmount -o remount,bind,ro "$STORE"', *args)


def store_listing() -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in store_root().rglob("*")}


@pytest.fixture
def populated(hub, ptm) -> Iterator[None]:
    """Every blob in the store, and an empty Hugging Face cache to install into."""
    write_manifest(MODELS)
    ptm("lock")
    ptm("install")
    shutil.rmtree(hf_cache())
    yield


def test_a_read_only_store_holding_every_blob_installs_into_a_writable_cache(hub, populated, mounts) -> None:
    before, requests = store_listing(), hub.hub.request_count
    for _ in range(2):  # the second run cannot have found an install record: it checks everything again
        run = read_only_store("install")
        assert run.returncode == 0 and run.stderr == "", run.stderr
        assert "Installed 3 models (14 files, " in run.stdout and ": 14 from the store." in run.stdout
    assert hub.hub.request_count == requests and store_listing() == before
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
    assert_installed("bert-v1", hub.hub.repo_files("fixtures/tiny-bert", "v1.0"))
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp"))
    assert (hf_cache() / "models--fixtures--tiny-bert" / "refs" / "main").read_text() == locked("bert").commit


def test_a_read_only_store_missing_a_blob_says_which_path_and_why(hub, populated, mounts) -> None:
    weights = next(f for f in locked("mlp").files if f.path == "model.safetensors")
    store_blobs()[weights.sha256].unlink()
    run = read_only_store("install")
    assert run.returncode == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert "model 'mlp'" in lines[0] and "model.safetensors" in lines[0]
    assert f"cannot write {store_root()} (Read-only file system)" in lines[0]
    assert "set PTM_HOME to a writable folder" in lines[0]
    assert not (snapshot("mlp") / "model.safetensors").exists()
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
    assert not list(hf_cache().rglob(".*.tmp"))


def test_a_store_without_write_permission_still_installs(hub, populated) -> None:
    # Root ignores permission bits; root without capabilities (after `setpriv`) is bound by them, as any
    # other user is by a store shared with `chmod -R a-w`.
    as_bound = ["setpriv", "--bounding-set=-all"] if os.geteuid() == 0 else []
    if as_bound and not _works([*as_bound, "true"]):
        pytest.skip("needs setpriv to drop root's capabilities")
    folders = [store_root(), *(p for p in store_root().rglob("*") if p.is_dir())]
    for folder in folders:
        folder.chmod(0o555)
    try:
        for _ in range(2):
            run = subprocess.run(
                [*as_bound, *PTM, "install"],
                env=subprocess_env(),
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert run.returncode == 0 and run.stderr == "", run.stderr
        assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
        assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp"))
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert_store_consistent()


def test_a_full_store_disk_says_which_path_and_why(hub, ptm, mounts) -> None:
    lock_big_model(hub, ptm, 2 << 20)
    store_root().mkdir(parents=True)
    run = in_namespace('mount -t tmpfs -o size=1m tmpfs "$STORE"', "install")
    assert run.returncode == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert "model 'big'" in lines[0] and "model.safetensors" in lines[0]
    assert f"cannot write {store_root()} (No space left on device)" in lines[0]
    assert "free space on that disk" in lines[0] and "installed/" not in lines[0]
    assert not (snapshot("big") / "model.safetensors").exists()


def test_a_read_only_store_with_a_blob_written_in_place_says_it_cannot_remove_it(
    hub, populated, mounts
) -> None:
    weights = next(f for f in locked("mlp").files if f.path == "model.safetensors")
    blob = store_blobs()[weights.sha256]
    overwrite_in_place(blob, b"\0" * blob.stat().st_size)
    run = read_only_store("install")
    assert run.returncode == 3, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert f"the store's blob {blob} was changed on disk" in lines[0]
    assert "cannot be removed (Read-only file system)" in lines[0] and "PTM_HOME" in lines[0]
    assert not (snapshot("mlp") / "model.safetensors").exists()  # the corrupt bytes were not linked
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
