"""Exported artifacts live in the same content-addressed store as model files, named by sha256.

The store hashes while it copies and publishes atomically, so a reader sees a whole artifact or none,
and equal bytes are stored once whichever command wrote them.
"""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..errors import PtmError
from ..store import Store, hash_file, open_local


def _store() -> Store:
    return Store(config.ptm_home())


def scratch_dir() -> Path:
    """A folder on the store's file system, where artifacts can be hard-linked under other names."""
    folder = _store().root / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_sha256(path: Path) -> str:
    return hash_file(path)[0]


def put(path: Path) -> tuple[str, int]:
    """Store a copy of ``path``; its (sha256, size)."""
    sha256, size = hash_file(path)
    _store().ingest(sha256, size, open_local(path), label=f"artifact {path.name}")
    return sha256, size


def get(sha256: str) -> Path:
    """The stored file with this hash (its bytes are not re-hashed here)."""
    target = _store().path(sha256)
    if not target.is_file():
        raise PtmError(f"artifact {sha256[:12]} is not in the store ({_store().root}); run `ptm export`")
    return target
