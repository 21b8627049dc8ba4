"""Whether what is installed is intact: a locked model's folder checked by size or byte for byte (for
`ptmlock.path()`, `ptm export` and `ptm verify`), and `ptm install --verify-hashes`, which re-hashes
everything installed and drops what is corrupt so that it is fetched again."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..errors import IntegrityError, PtmError
from ..files import Stat, sha256_or_reason, stat_fingerprint
from .layouts import layout

if TYPE_CHECKING:
    from ..lockfile import LockedModel
    from .plan import Target
    from .store import Store


def _hash_all(paths: Sequence[Path]) -> list[tuple[str, int]]:
    """(sha256, size) of every file, in parallel; an unreadable one hashes to the reason it cannot be
    read, so that it matches no locked sha256."""
    with ThreadPoolExecutor(max_workers=config.pool_size(len(paths))) as pool:
        return list(pool.map(sha256_or_reason, paths))


def installed_snapshot(model: LockedModel, hashed: bool = False) -> Path:
    """The installed folder of a locked model, checked to hold every locked file: by size (no hashing),
    and with ``hashed`` byte for byte, since a file changed after it was installed (same size, other
    numbers) would otherwise be exported, and the export would pin what the lock does not."""
    laid_out = layout(model)
    placements = laid_out.placements
    missing = []
    for placement in placements:
        try:
            if os.stat(placement.path).st_size == placement.file.size:
                continue
        except OSError:
            pass
        missing.append(placement.path)
    if missing:
        raise PtmError(
            f"model '{model.name}' is not installed ({len(missing)} of {len(placements)} files "
            f"missing or wrong, e.g. {missing[0]}); run `ptm install`"
        )
    if hashed:
        hashes = _hash_all([p.path for p in placements])
        for placement, (sha256, _) in zip(placements, hashes, strict=True):
            if sha256 != placement.file.sha256:
                raise IntegrityError(
                    f"model '{model.name}': the installed {placement.file.path} ({placement.path}) has "
                    f"sha256 {sha256[:12]}, not the locked {placement.file.sha256[:12]}; nothing was "
                    "exported. `ptm install --verify-hashes` repairs it"
                )
    return laid_out.folder


@dataclass
class _Inode:
    """One file on disk, possibly reached as a store blob and as several cache entries (hardlinks)."""

    path: Path
    sha256: str
    size: int
    seen: Stat  # its stat before it was hashed
    users: list[tuple[str, Target]] = field(default_factory=list)


def verify_installed(targets: Sequence[Target], store: Store, offline: bool) -> list[IntegrityError]:
    """Hash every distinct file behind the targets once; remove the corrupt ones; one error if any."""
    inodes: dict[tuple[int, int, str], _Inode] = {}
    for target in targets:
        sha = target.file.sha256
        for where, path in (("store", store.path(sha)), ("cache", target.dest)):
            try:
                st = os.stat(path)
            except OSError:
                continue  # absent: the install that follows puts it back
            key = (st.st_dev, st.st_ino, sha)
            inode = _Inode(path, sha, target.file.size, stat_fingerprint(st))
            inodes.setdefault(key, inode).users.append((where, target))
    files = list(inodes.values())
    hashes = _hash_all([f.path for f in files])

    corrupt: dict[str, str] = {}
    kept = False
    for inode, (actual, size) in zip(files, hashes, strict=True):
        if actual == inode.sha256 and size == inode.size:
            if any(where == "store" for where, _ in inode.users):
                store.vouch(inode.sha256, inode.seen)
            continue
        for where, target in inode.users:
            detail = f"expected {inode.sha256[:12]}…, got {actual[:12]}…"
            try:
                if where == "store":
                    store.remove(inode.sha256)
                else:
                    target.dest.unlink(missing_ok=True)
                    target.cache_blob.unlink(missing_ok=True)
            except OSError as error:  # e.g. a read-only shared store
                detail += f", cannot remove it ({error.strerror})"
                kept = True
            corrupt[f"{target.model.name}/{target.file.path} ({where})"] = detail
    if not corrupt:
        return []
    listed = ", ".join(f"{name}: {detail}" for name, detail in sorted(corrupt.items()))
    if kept:
        fix = "remove the ones that could not be removed (or make their folders writable); run `ptm install`"
    elif offline:
        fix = "removed them; run `ptm install` with network access to restore them"
    else:
        fix = "removed them and fetched them again"
    return [IntegrityError(f"--verify-hashes found {len(corrupt)} corrupted file(s): {listed}; {fix}")]
