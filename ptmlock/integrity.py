"""`ptm install --verify-hashes`: re-hash what is installed; drop what is corrupt so it is fetched again."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import config
from .errors import IntegrityError
from .install_state import Stat, stat_fingerprint
from .store import Store, hash_file

if TYPE_CHECKING:
    from .install_plan import Target


@dataclass
class _Inode:
    """One file on disk, possibly reached as a store blob and as several cache entries (hardlinks)."""

    path: Path
    sha256: str
    size: int
    seen: Stat  # its stat before it was hashed
    users: list[tuple[str, Target]] = field(default_factory=list)


def _hash(path: Path) -> tuple[str, int]:
    try:
        return hash_file(path)
    except OSError as error:
        return f"unreadable ({error.strerror})", -1


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
    with ThreadPoolExecutor(max_workers=config.pool_size(len(files))) as pool:
        hashes = list(pool.map(_hash, [f.path for f in files]))

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
