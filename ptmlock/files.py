"""Reading files on this machine: their sha256, and a stat that tells when they changed.

Standard library only: sources pin files with it, installs check them with it, and the fast no-op of
`ptm install` imports it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import IO

CHUNK = 1 << 20
# (size, mtime_ns, ctime_ns, inode)
Stat = tuple[int, int, int, int]


def hash_file(path: Path) -> tuple[str, int]:
    """(sha256, size) of a file, read in large chunks (hashlib releases the GIL, so threads scale)."""
    with open(path, "rb", buffering=0) as handle:
        return hash_stream(handle)


def hash_stream(handle: IO[bytes]) -> tuple[str, int]:
    """(sha256, size) of what is left to read in ``handle``."""
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_or_reason(path: Path) -> tuple[str, int]:
    """hash_file, or ("unreadable (<why>)", -1) for a file that cannot be read: a value that matches no
    locked sha256, for checks that report every file rather than stop at the first."""
    try:
        return hash_file(path)
    except OSError as error:
        return f"unreadable ({error.strerror})", -1


def fingerprint(path: Path | str) -> Stat | None:
    """(size, mtime_ns, ctime_ns, inode) of what ``path`` resolves to; a replaced file, a re-pointed link
    and a file written in place (the write moves its ctime) differ."""
    try:
        return stat_fingerprint(os.stat(path))
    except OSError:
        return None


def stat_fingerprint(st: os.stat_result) -> Stat:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
