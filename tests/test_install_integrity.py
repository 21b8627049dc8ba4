"""What `ptm install` trusts in the store and the cache: a file written in place (as root, whose writes
read-only modes do not stop) is noticed from its stat, hashed again and replaced; a blob is no more
readable than the local file it came from; digests and revisions never lead out of their folders."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ptmlock.install import links as hf_cache_module
from ptmlock.install import store as store_module
from ptmlock.install.store import Store
from ptmlock.paths import UnsafePathError
from tests.conftest import one_line_error, write_manifest
from tests.installing import (
    MODELS,
    assert_installed,
    assert_store_consistent,
    locked,
    overwrite_in_place,
    snapshot,
    store_blobs,
    store_root,
    without_links,
)


@pytest.fixture
def installed(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    ptm("install")


def weights_blob() -> Path:
    """The store blob of the tiny MLP's weights (named by their sha256)."""
    return store_blobs()[next(f.sha256 for f in locked("mlp").files if f.path == "model.safetensors")]


def second_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Path:
    """Another project with the same ptm.toml and ptm.lock, installing into its own Hugging Face cache
    from the same store."""
    first = Path.cwd()
    project = tmp_path / name
    project.mkdir()
    for file in ("ptm.toml", "ptm.lock"):
        (project / file).write_bytes((first / file).read_bytes())
    monkeypatch.setenv("HF_HOME", str(tmp_path / f"{name}-hf"))
    monkeypatch.chdir(project)
    return first


def count_hashing(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the store hashes from now on (the real hashing runs)."""
    hashed: list[Path] = []
    real = store_module.hash_file

    def counting(path: Path) -> tuple[str, int]:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(store_module, "hash_file", counting)
    return hashed


def test_rerun_notices_an_installed_file_written_in_place_and_fetches_it_again(hub, ptm, installed) -> None:
    weights = snapshot("mlp") / "model.safetensors"
    # Other bytes, same size, inode and mtime: only the ctime moved (chmod, write, utime all move it).
    overwrite_in_place(weights, b"\0" * weights.stat().st_size)
    requests = hub.hub.request_count
    result = ptm("install")
    assert "1 downloaded" in result.stdout and hub.hub.request_count > requests
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp"))
    assert_store_consistent()
    assert "already installed" in ptm("install").stdout


def test_a_second_project_never_links_a_store_blob_written_in_place(
    hub, ptm, installed, tmp_path, monkeypatch
) -> None:
    blob = weights_blob()
    overwrite_in_place(blob, b"\0" * blob.stat().st_size)
    first = second_project(tmp_path, monkeypatch, "second")
    ptm("install")
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp"))
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
    assert_store_consistent()

    # The first project's entries were that same corrupt inode: its rerun sees their ctime moved and
    # relinks them from the store, with no download, and without hashing the blobs the second project
    # merely linked (a new hardlink moves a blob's ctime too).
    monkeypatch.chdir(first)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home" / "hf"))
    hashed = count_hashing(monkeypatch)
    requests = hub.hub.request_count
    result = ptm("install")
    assert ": 1 from the store, 2 already in place; " in result.stdout, result.stdout
    assert hub.hub.request_count == requests and hashed == []
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp"))


def test_offline_install_refuses_a_store_blob_written_in_place(
    hub, ptm, installed, tmp_path, monkeypatch
) -> None:
    blob = weights_blob()
    overwrite_in_place(blob, b"\0" * blob.stat().st_size)
    second_project(tmp_path, monkeypatch, "second")
    message = one_line_error(ptm("install --offline", expect=3))
    assert "model 'mlp'" in message and "model.safetensors" in message and "changed on disk" in message
    assert "network access" in message
    assert not (snapshot("mlp") / "model.safetensors").exists()  # nothing corrupt was linked
    assert_store_consistent()  # and the corrupt blob is gone
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))


def test_a_blob_changed_before_verify_hashes_is_trusted_again_once_hashed(hub, ptm, installed) -> None:
    blob = weights_blob()
    os.utime(blob)  # a new mtime, the same bytes
    ptm("install --verify-hashes")
    assert Store(store_root()).unchanged(blob.name)


PRIVATE = '[models.private]\nhub = "local"\npath = "models/private"\n'


@pytest.mark.parametrize("links", [True, False], ids=["hardlinked", "copied"])
def test_a_private_local_file_stays_private_in_the_store_and_the_cache(ptm, monkeypatch, links) -> None:
    folder = Path("models/private")
    folder.mkdir(parents=True)
    files = {
        "key.bin": (os.urandom(100), 0o600),  # fetched whole
        "weights.bin": (os.urandom((1 << 20) + 10), 0o600),  # through a resumable partial
        "group.json": (b"{}", 0o640),
        "public.json": (b"[]", 0o644),
    }
    for name, (data, mode) in files.items():
        (folder / name).write_bytes(data)
        (folder / name).chmod(mode)
    if not links:
        without_links(monkeypatch)
    write_manifest(PRIVATE)
    ptm("lock")
    ptm("install")
    model = locked("private")
    installed_at = store_root() / "models" / "local--private" / "snapshots" / model.identity
    for file in model.files:
        expected = files[file.path][1] & 0o444
        assert stat.S_IMODE(store_blobs()[file.sha256].stat().st_mode) == expected, file.path
        assert stat.S_IMODE((installed_at / file.path).stat().st_mode) == expected, file.path
        assert (installed_at / file.path).read_bytes() == files[file.path][0]


def test_the_store_refuses_a_digest_that_leads_outside_it(tmp_path) -> None:
    store = Store(tmp_path / "store")
    for bad in ("../../../../etc/passwd", "ab/../../../x", "/etc/passwd"):
        with pytest.raises(UnsafePathError):
            store.path(bad)
        with pytest.raises(UnsafePathError):
            store.partial_path(bad)


def test_the_cache_refuses_a_revision_or_commit_that_leads_outside_it(tmp_path) -> None:
    repo = hf_cache_module.repo_folder("org/name", tmp_path / "hub")
    with pytest.raises(UnsafePathError):
        hf_cache_module.write_ref(repo, "../../../outside", "0" * 40)
    with pytest.raises(UnsafePathError):
        hf_cache_module.snapshot_dir("org/name", "../../..", tmp_path / "hub")
    assert not (tmp_path / "outside").exists() and not (tmp_path / "hub").exists()
