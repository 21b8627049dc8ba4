"""Where an installed model's files go: each source lays its models out, `ptm install` follows the layout.

A placement puts one locked file in two steps: ``blob`` gets the bytes (a hardlink of the store's blob,
or a copy), then ``entry``, the path programs read, becomes a relative symlink to it (or is the blob
itself). Hugging Face models keep the Hugging Face cache layout; every other source uses the same
``blobs/`` + ``snapshots/<pin>/`` shape in a folder of the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import config
from .errors import LockError
from .lockfile import LockedFile, LockedModel
from .paths import contained


@dataclass(frozen=True)
class Placement:
    file: LockedFile
    root: Path  # nothing of this placement may be written outside this folder
    blob: Path  # holds the bytes
    entry: Path  # what programs open: a relative symlink to ``blob``, or ``blob`` itself
    # A file on this machine the bytes are copied from (a local model's working file). The install is
    # out of date when it changes, and reading it needs no network.
    origin: Path | None = None


@dataclass(frozen=True)
class Layout:
    folder: Path  # what ptmlock.path(name) returns
    placements: tuple[Placement, ...]
    ref: tuple[Path, str] | None = None  # (repo folder, revision) whose refs/<revision> names the commit
    # Folders whose entries the lock depends on (a local model's working tree): a file added or removed
    # there changes their stat, so the fast no-op gives way to a check of the lock.
    watched: tuple[Path, ...] = ()


def snapshot_layout(root: Path, snapshot: str, files: Iterable[LockedFile]) -> list[Placement]:
    """``root/blobs/<sha256>`` and ``root/snapshots/<snapshot>/<path>``, as in the Hugging Face cache.

    Every part comes from ptm.lock, so each is joined through ``contained`` (UnsafePathError otherwise).
    """
    folder = contained(root / "snapshots", snapshot, "snapshot (commit or digest)")
    blobs = root / "blobs"
    return [
        Placement(f, root, contained(blobs, f.sha256, "sha256"), contained(folder, f.path, "file"))
        for f in files
    ]


def store_layout(model: LockedModel, folder_name: str) -> Layout:
    """The snapshot layout in ``<store>/models/<folder_name>``, for sources without a cache of their own."""
    root = config.ptm_home() / "models" / folder_name
    placements = tuple(snapshot_layout(root, model.identity, model.files))
    return Layout(root / "snapshots" / model.identity, placements)


def bad_lock(model: LockedModel, message: str) -> LockError:
    return LockError(f"ptm.lock: model '{model.name}': {message}; regenerate the lock with `ptm lock`")


def folders_written(placement: Placement) -> set[str]:
    """Every folder (relative to the placement's root) that placing it writes into."""
    folders: set[str] = set()
    for path in (placement.blob, placement.entry):
        parts = path.relative_to(placement.root).parts[:-1]
        folders.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return folders
