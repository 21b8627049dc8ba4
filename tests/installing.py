"""Helpers for the `ptm install` tests: where things land, and what a consistent store looks like."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from fixtures.github import HUBCONF_REPO
from ptmlock.lockfile import LockedModel, read_lock

MODELS = """\
[models.bert]
repo = "fixtures/tiny-bert"

[models.bert-v1]
repo = "fixtures/tiny-bert"
revision = "v1.0"
include = ["*.json", "*.safetensors", "vocab.txt"]

[models.mlp]
repo = "fixtures/tiny-mlp"
"""


def torchhub_model(files_url: str) -> str:
    return (
        '[models.mlp]\nhub = "torchhub"\n'
        f'repo = "{HUBCONF_REPO}"\nrevision = "v1.0"\nentry = "tiny_mlp"\n'
        f'weights = ["{files_url}/weights/tiny_mlp-v1.pth"]\n'
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hf_cache() -> Path:
    return Path(os.environ["HF_HOME"]) / "hub"


def store_root() -> Path:
    return Path(os.environ["PTM_HOME"])


def locked(name: str) -> LockedModel:
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    return lock.models[name]


def repo_dir(model: LockedModel) -> Path:
    return hf_cache() / ("models--" + (model.repo or "").replace("/", "--"))


def snapshot(name: str) -> Path:
    model = locked(name)
    return repo_dir(model) / "snapshots" / model.commit


def store_blobs() -> dict[str, Path]:
    folder = store_root() / "blobs" / "sha256"
    return {p.name: p for p in folder.rglob("*") if p.is_file()} if folder.exists() else {}


def partials() -> list[Path]:
    folder = store_root() / "tmp"
    return list(folder.iterdir()) if folder.exists() else []


def assert_store_consistent() -> None:
    """Every blob in the store holds exactly the bytes its name promises."""
    for name, path in store_blobs().items():
        assert sha256(path.read_bytes()) == name, f"store blob {path} is corrupt"


def assert_installed(name: str, served: dict[str, bytes]) -> None:
    """Every locked file of model ``name`` is in its snapshot with exactly the bytes the hub committed."""
    model = locked(name)
    folder = snapshot(name)
    for file in model.files:
        content = (folder / file.path).read_bytes()
        assert content == served[file.path], f"{name}/{file.path} differs from the hub"
        assert sha256(content) == file.sha256 and len(content) == file.size


def overwrite_in_place(path: Path, content: bytes) -> None:
    """Change a file's bytes without changing its size, inode or mtime (only its ctime moves)."""
    target = Path(os.path.realpath(path))
    st = target.stat()
    target.chmod(0o644)
    with open(target, "r+b") as handle:
        handle.write(content)
    target.chmod(st.st_mode)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def without_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process's file system refuse hardlinks and symlinks, as across devices or on some
    network and Windows file systems, so that installs must copy."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", refuse)
    monkeypatch.setattr(os, "symlink", refuse)
