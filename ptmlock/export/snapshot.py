"""The installed files a model is exported from, checked byte for byte against ptm.lock first.

Installing checks the bytes once; a file changed since (same size, other numbers) would otherwise be
exported, and the export would pin what the lock does not.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import config, hubs
from ..api import installed_snapshot
from ..errors import IntegrityError
from ..lockfile import LockedModel
from ..store import hash_file


def _sha256(path: Path) -> str:
    try:
        return hash_file(path)[0]
    except OSError as error:
        return f"unreadable ({error.strerror})"


def checked_snapshot(model: LockedModel) -> Path:
    """The installed folder of ``model``, every file hashed; IntegrityError naming the first that differs."""
    folder = installed_snapshot(model)
    placements = hubs.source_for(model.hub).layout(model).placements
    with ThreadPoolExecutor(max_workers=config.pool_size(len(placements))) as pool:
        hashes = list(pool.map(_sha256, [p.entry for p in placements]))
    for placement, sha256 in zip(placements, hashes, strict=True):
        if sha256 != placement.file.sha256:
            raise IntegrityError(
                f"model '{model.name}': the installed {placement.file.path} ({placement.entry}) has sha256 "
                f"{sha256[:12]}, not the locked {placement.file.sha256[:12]}; nothing was exported. "
                "`ptm install --verify-hashes` repairs it"
            )
    return folder
