"""A content-addressed store for exported artifacts: files named by their sha256 under PTM_HOME.

Writes go to a temporary file beside the target and are renamed into place, so a reader sees a whole
artifact or none; equal bytes are stored once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from .. import config
from ..errors import PtmError

_CHUNK = 1 << 20


def store_root() -> Path:
    return config.ptm_home() / "artifacts"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _location(sha256: str) -> Path:
    return store_root() / sha256[:2] / sha256


def put(path: Path) -> tuple[str, int]:
    """Store a copy of ``path``; its (sha256, size)."""
    sha256, size = file_sha256(path), path.stat().st_size
    target = _location(sha256)
    if target.is_file() and target.stat().st_size == size:
        return sha256, size
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{sha256[:12]}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, path.open("rb") as source:
            shutil.copyfileobj(source, out, _CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o444)  # artifacts are immutable; a stray write fails instead of corrupting
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256, size


def get(sha256: str) -> Path:
    """The stored file with this hash (its bytes are not re-hashed here)."""
    target = _location(sha256)
    if not target.is_file():
        raise PtmError(f"artifact {sha256[:12]} is not in the store ({store_root()}); run `ptm export`")
    return target
