"""Which projects installed from this store: the ptm.lock paths `ptm cache ls` and `ptm cache prune` read.

One small JSON file, ``<store>/projects.json``, changed under a file lock and replaced atomically, so two
installs finishing at once both get in. Standard library and filelock only.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection
from pathlib import Path

from ..errors import PtmError

PROJECTS = "projects.json"
VERSION = 1


def _read(path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return []
        return [lock for lock in data["locks"] if isinstance(lock, str)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []  # a missing or unreadable record only costs `ptm cache` the names of the projects


def known_locks(home: Path) -> list[Path]:
    """The ptm.lock paths that installed from the store at ``home``, as recorded (some may be gone)."""
    return [Path(lock) for lock in _read(home / PROJECTS)]


def remember(home: Path, lock_path: Path) -> None:
    """Add ``lock_path`` to the record, if it is not there; nothing where the store cannot be written."""
    lock = str(lock_path.absolute())
    path = home / PROJECTS
    if lock in _read(path):
        return
    update(home, add=[lock])


def update(home: Path, add: Collection[str] = (), forget: Collection[str] = ()) -> None:
    """Rewrite the record with ``add`` in it and ``forget`` out of it."""
    from filelock import FileLock

    from .. import atomic

    path = home / PROJECTS
    with contextlib.suppress(OSError, PtmError):
        (home / "locks").mkdir(parents=True, exist_ok=True)
        with FileLock(home / "locks" / f"{PROJECTS}.lock", timeout=30):
            locks = [lock for lock in _read(path) if lock not in forget]
            locks += [lock for lock in add if lock not in locks]
            data = {"version": VERSION, "locks": sorted(locks)}
            atomic.write_text(path, json.dumps(data, indent=1) + "\n")
