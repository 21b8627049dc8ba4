"""What an install has to do: where each locked file goes, what is already there, what to fetch.

Checks paths before anything is written, and looks at the disk with stats only (no hashing).
"""

from __future__ import annotations

import enum
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import LockError, PtmError
from ..files import Stat, fingerprint, hash_file
from ..lockfile import LockedFile, LockedModel
from ..paths import unsafe_path_reason
from ..wording import count
from . import links, state
from .layouts import ModelLayout, Placement, folders_written, layout
from .store import Store


class Status(enum.Enum):
    """Where a target's bytes are before the install, from stats only."""

    INSTALLED = "installed"  # in place: nothing to do
    IN_STORE = "in-store"  # the store holds the blob: link it
    ON_DISK = "on-disk"  # a copy is on this machine (a local model's file, an earlier cache blob): ingest it
    MISSING = "missing"  # nowhere on this machine: fetch it from its source
    # In the store, but its stat changed since ptm last hashed or linked it: hashed before it is linked,
    # and fetched again if it no longer holds the locked bytes.
    CHANGED = "changed"


@dataclass(frozen=True)
class Target:
    """One locked file of one model, and where its source's layout puts it."""

    model: LockedModel
    placement: Placement

    @property
    def file(self) -> LockedFile:
        return self.placement.file

    @property
    def dest(self) -> Path:
        return self.placement.path

    @property
    def cache_blob(self) -> Path:
        return self.placement.blob

    @property
    def label(self) -> str:
        model = self.model
        return f"model '{model.name}' ({model.repo or model.hub}@{model.pin}) file {self.file.path}"


@dataclass(frozen=True)
class Plan:
    fetch: tuple[int, ...]  # one target per blob to bring into the store
    link: tuple[int, ...]  # every target whose path must be made
    missing: tuple[int, ...]  # targets whose blob exists nowhere on this machine


def plan(statuses: Sequence[Status], shas: Sequence[str]) -> Plan:
    """Which blobs to fetch (once each, preferring a copy already on disk) and which paths to link."""
    fetched = (Status.ON_DISK, Status.MISSING, Status.CHANGED)
    source: dict[str, int] = {}
    link = []
    for i, (status, sha) in enumerate(zip(statuses, shas, strict=True)):
        if status == Status.INSTALLED:
            continue
        link.append(i)
        if status in fetched and (sha not in source or statuses[source[sha]] == Status.MISSING):
            source[sha] = i
    missing = tuple(i for i in link if statuses[source.get(shas[i], i)] == Status.MISSING)
    return Plan(fetch=tuple(source.values()), link=tuple(link), missing=missing)


def check_safety(models: Sequence[LockedModel]) -> dict[str, ModelLayout]:
    """Each model's layout, refusing before anything is written any path that could leave its folder."""
    layouts = {}
    for model in models:
        where = f"ptm.lock: model '{model.name}'"
        for file in (*model.files, *model.weights):
            if reason := unsafe_path_reason(file.path):
                raise LockError(f"{where}: file {file.path!r} {reason}; refusing to install it")
        laid_out = layout(model)
        folders: dict[Path, set[str]] = {}
        for placement in laid_out.placements:
            folders.setdefault(placement.root, set()).update(folders_written(placement))
        if laid_out.ref is not None:
            repo_dir, ref = laid_out.ref
            if reason := unsafe_path_reason(ref):
                raise LockError(f"{where}: revision {ref!r} {reason}; refusing to install it")
            parts = f"refs/{ref}".split("/")[:-1]
            folders.setdefault(repo_dir, set()).update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        for root, below in folders.items():
            if escape := links.escaping_symlink(root, below):
                raise PtmError(
                    f"refusing to install model '{model.name}': {escape[0]} is a symlink to {escape[1]}, "
                    f"outside {root}; remove it and run `ptm install` again"
                )
        layouts[model.name] = laid_out
    _refuse_clashes(layouts)
    _refuse_foreign_files(layouts)
    return layouts


def _refuse_clashes(layouts: dict[str, ModelLayout]) -> None:
    """Two different files bound for one path (torch.hub names checkpoints by their URL's last segment)
    would overwrite each other, and each model would load the other's bytes."""
    seen: dict[Path, tuple[str, LockedFile]] = {}
    for name, laid_out in sorted(layouts.items()):
        for placement in laid_out.placements:
            other = seen.setdefault(placement.path, (name, placement.file))
            if other[1].sha256 != placement.file.sha256:
                raise PtmError(
                    f"refusing to install: model '{other[0]}' file {other[1].path} and model '{name}' file "
                    f"{placement.file.path} both go to {placement.path} with different bytes; install "
                    "them into separate folders (e.g. another TORCH_HOME), or with --only, one at a time"
                )


def _refuse_foreign_files(layouts: dict[str, ModelLayout]) -> None:
    """A placement that is its own blob (torch.hub weights in $TORCH_HOME/hub/checkpoints, a folder every
    project and torch.hub itself share) replaces whatever file has its name: torch.hub never overwrites
    one, and neither do we, unless it already holds the locked bytes."""
    store = Store(config.ptm_home())
    seen: set[Path] = set()
    for name, laid_out in sorted(layouts.items()):
        for placement in laid_out.placements:
            if placement.blob != placement.path or placement.path in seen:
                continue
            seen.add(placement.path)
            if problem := _foreign(placement, store):
                raise PtmError(
                    f"refusing to install model '{name}' file {placement.file.path}: {placement.path} "
                    f"{problem}; remove that file if nothing needs it, or set TORCH_HOME to another folder"
                )


def _foreign(placement: Placement, store: Store) -> str | None:
    """What is wrong with the file already at ``placement.path``, or None (nothing there, our own
    hardlink of the store's blob, the very bytes ptm.lock pins, or an install of ours since damaged).
    Stats first: a FIFO is never opened."""
    try:
        found = os.stat(placement.path)
    except OSError:
        return None  # nothing there (placing the file reports any other cause)
    if not stat.S_ISREG(found.st_mode):
        return "exists and is not a regular file"
    try:
        ours = os.stat(store.path(placement.file.sha256))
        if (found.st_dev, found.st_ino) == (ours.st_dev, ours.st_ino):
            return None
    except OSError:
        pass  # not in the store yet
    try:
        sha256, _ = hash_file(placement.path)
    except OSError as error:
        return f"exists and cannot be read ({error.strerror})"
    if sha256 == placement.file.sha256 or _placed_by_ptm(placement.path, placement.file.sha256):
        return None
    return f"already holds other bytes (sha256 {sha256} on disk, {placement.file.sha256} in ptm.lock)"


def _placed_by_ptm(path: Path, sha256: str) -> bool:
    """Whether an install (of any project) recorded putting these locked bytes at ``path``: other bytes
    there now are that install gone bad, which this one repairs. Read only when a file differs."""
    key = (str(path), sha256)
    records = (config.ptm_home() / "installed").glob("*.json")  # where state.state_path puts them
    return any((found := state.load(record)) is not None and key in found.trusted() for record in records)


def survey(targets: Sequence[Target], store: Store, trusted: dict[tuple[str, str], Stat]) -> list[Status]:
    """Where each target's bytes are now, from stats only (no hashing).

    A path is installed when its stat is the one recorded when it was placed, or when it is the store's
    blob itself and that blob's stat is the one the store recorded: a write into it, even with its mtime
    set back, moves its ctime."""
    statuses = []
    for t in targets:
        sha, size = t.file.sha256, t.file.size
        recorded = trusted.get((str(t.dest), sha))
        if recorded is not None and recorded == fingerprint(t.dest):
            statuses.append(Status.INSTALLED)
        elif store.has(sha, size):
            if not store.unchanged(sha):
                statuses.append(Status.CHANGED)
            else:
                statuses.append(Status.INSTALLED if _same_file(t.dest, store.path(sha)) else Status.IN_STORE)
        elif (found := fingerprint(on_disk(t))) is not None and found[0] == size:
            statuses.append(Status.ON_DISK)  # e.g. an LFS blob huggingface_hub downloaded earlier
        else:
            statuses.append(Status.MISSING)
    return statuses


def on_disk(target: Target) -> Path:
    """Where a copy of the bytes may already be on this machine: the file it is made from, or its blob."""
    return target.placement.origin or target.cache_blob


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def describe_missing(targets: Sequence[Target], indices: Sequence[int]) -> str:
    by_model: dict[str, list[str]] = {}
    for i in indices:
        by_model.setdefault(targets[i].model.name, []).append(targets[i].file.path)
    parts = []
    for name, paths in by_model.items():
        total = sum(1 for t in targets if t.model.name == name)
        parts.append(
            f"{name} (all {count(total, 'file')})" if len(paths) == total else f"{name}: {', '.join(paths)}"
        )
    return "; ".join(parts)
