"""What the store holds and which locks need it: `ptm cache ls`, `ptm cache prune`, `ptm cache verify`.

The store is shared by every project of a user, so which of its blobs are still needed is known only from
ptm.lock files: the ones that installed from it (``projects.json``), or the ones a user names. A blob is
needed by a lock when it is one of a model's files or torch.hub weights, or an artifact `ptm export`
recorded; a laid-out snapshot (``models/<folder>/snapshots/<pin>``) and a torch.hub archive when a model
of the lock is installed there or was pinned from it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config
from ..errors import IntegrityError, PtmError
from ..files import fingerprint, sha256_or_reason
from ..lockfile import Lock, LockedModel, read_lock
from ..pins import is_sha256
from .store import Store

# Folders never searched for ptm.lock files: version control, environments, caches.
_SKIPPED = ("node_modules", "__pycache__", "site-packages")


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    path: Path
    links: int  # hardlinks to its bytes: above 1, a cache entry shares them, and removing it frees nothing


@dataclass(frozen=True)
class User:
    lock: Path
    name: str


@dataclass(frozen=True)
class Pinned:
    """One pinned model as the store sees it: the same pin in several projects is one entry."""

    hub: str
    origin: str
    pin: str
    files: int
    size: int
    needs: frozenset[str]  # the sha256 of every blob it needs
    users: tuple[User, ...]


@dataclass(frozen=True)
class Locks:
    """The ptm.lock files read, and those that could not be (gone, or unreadable: why)."""

    read: tuple[tuple[Path, Lock], ...]
    gone: tuple[Path, ...] = ()
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inventory:
    root: Path
    blobs: Mapping[str, Blob]
    models: tuple[Pinned, ...]
    locks: Locks
    # Laid-out url, local and torch.hub snapshots no lock read installs there: (folder, files, bytes).
    unknown_snapshots: tuple[tuple[Path, int, int], ...] = ()

    @property
    def unreferenced(self) -> list[Blob]:
        needed = {sha for model in self.models for sha in model.needs}
        return [blob for sha, blob in sorted(self.blobs.items()) if sha not in needed]


@dataclass(frozen=True)
class PrunePlan:
    blobs: tuple[Blob, ...]
    folders: tuple[Path, ...]  # laid-out snapshots, archives and partial downloads no kept lock needs
    kept: Locks

    @property
    def freed(self) -> int:
        """Bytes given back to the disk: a blob that a cache entry also links keeps its bytes there."""
        return sum(blob.size for blob in self.blobs if blob.links <= 1)


@dataclass(frozen=True)
class Corrupt:
    path: Path
    sha256: str
    actual: str


@dataclass(frozen=True)
class Checked:
    blobs: int
    size: int
    corrupt: tuple[Corrupt, ...]
    kept: tuple[str, ...] = ()  # corrupt files that could not be removed (why)


def find_locks(folders: Iterable[Path]) -> list[Path]:
    """Every ptm.lock below ``folders``, leaving out hidden folders (.git, .venv) and caches."""
    found = []
    for folder in folders:
        if not folder.is_dir():
            raise PtmError(f"{folder}: no such folder to look for ptm.lock files in", exit_code=2)
        for where, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED)
            if config.LOCK_NAME in files:
                found.append(Path(where, config.LOCK_NAME).absolute())
    return found


def read_locks(paths: Iterable[Path]) -> Locks:
    read, gone, unreadable = [], [], []
    for path in dict.fromkeys(path.absolute() for path in paths):
        try:
            lock = read_lock(path)
        except PtmError as error:
            unreadable.append(error.message)
            continue
        if lock is None:
            gone.append(path)
        else:
            read.append((path, lock))
    return Locks(tuple(read), tuple(gone), tuple(unreadable))


def _export_shas(tables: Any) -> Iterator[str]:
    """Every sha256 in a model's export records (artifacts, external data, preprocessing files)."""
    if isinstance(tables, Mapping):
        for key, value in tables.items():
            if key == "sha256" and isinstance(value, str) and is_sha256(value):
                yield value
            else:
                yield from _export_shas(value)
    elif isinstance(tables, list | tuple):
        for value in tables:
            yield from _export_shas(value)


def needs(model: LockedModel) -> frozenset[str]:
    files = (*model.files, *model.weights)
    return frozenset([*(f.sha256 for f in files), *_export_shas(model.export_tables)])


def pinned_models(locks: Locks) -> tuple[Pinned, ...]:
    grouped: dict[tuple[str, str, str], list[tuple[Path, LockedModel]]] = {}
    for path, lock in locks.read:
        for model in lock.models.values():
            grouped.setdefault((model.hub, model.origin, model.identity), []).append((path, model))
    return tuple(
        Pinned(
            hub,
            origin,
            identity[:12],
            len(pairs[0][1].files) + len(pairs[0][1].weights),
            pairs[0][1].size,
            frozenset().union(*(needs(model) for _, model in pairs)),
            tuple(sorted((User(path, model.name) for path, model in pairs), key=lambda u: (u.lock, u.name))),
        )
        for (hub, origin, identity), pairs in sorted(grouped.items())
    )


def scan_blobs(root: Path) -> dict[str, Blob]:
    """The store's blobs by sha256 (stats only); anything in blobs/ not named like one is left out."""
    blobs = {}
    for path in sorted((root / "blobs" / "sha256").glob("*/*")):
        try:
            st = path.lstat()
        except OSError:
            continue
        if is_sha256(path.name) and path.parent.name == path.name[:2] and not path.is_symlink():
            blobs[path.name] = Blob(path.name, st.st_size, path, st.st_nlink)
    return blobs


def inventory(root: Path, lock_paths: Iterable[Path]) -> Inventory:
    locks = read_locks(lock_paths)
    used = _kept_folders(locks, root, strict=False)
    unknown = tuple(
        (folder, *_tree_size(folder))
        for folder in sorted(root.glob("models/*/snapshots/*"))
        if folder not in used
    )
    return Inventory(root, scan_blobs(root), pinned_models(locks), locks, unknown)


def _tree_size(folder: Path) -> tuple[int, int]:
    """(files, bytes) below ``folder``, following its links to blobs."""
    sizes = [st[0] for path in folder.rglob("*") if (st := fingerprint(path)) is not None and path.is_file()]
    return len(sizes), sum(sizes)


def _kept_folders(locks: Locks, root: Path, strict: bool = True) -> set[Path]:
    """The laid-out snapshots and torch.hub archives the locks' models use. A model whose lock names an
    unusable place is a LockError when ``strict`` (nothing can be pruned safely), else left out."""
    from ..hubs.torchhub import archive_path
    from .layouts import layout

    kept = set()
    for _, lock in locks.read:
        for model in lock.models.values():
            try:
                folder = layout(model).folder
            except PtmError:
                if strict:
                    raise
                continue
            if folder.is_relative_to(root):
                kept.add(folder)
            if model.hub == "torchhub" and model.repo and model.commit:
                kept.add(archive_path(model.repo, model.commit))
    return kept


def _unneeded_entries(root: Path, keep: set[Path], needed: set[str]) -> list[Path]:
    """Laid-out models (whole, or the snapshots and blob links of one), archives and partial downloads
    that nothing kept uses."""
    entries = []
    for model_dir in sorted(root.glob("models/*")):
        if not any(folder.is_relative_to(model_dir) for folder in keep):
            entries.append(model_dir)
            continue
        entries += [p for p in sorted(model_dir.glob("snapshots/*")) if p not in keep]
        entries += [p for p in sorted(model_dir.glob("blobs/*")) if p.name not in needed]
    entries += [p for p in sorted(root.glob("archives/*/*.zip")) if p not in keep]
    entries += [
        p for p in sorted(root.glob("tmp/*.partial")) if p.name.removesuffix(".partial") not in needed
    ]
    return entries


def prune_plan(root: Path, kept: Locks) -> PrunePlan:
    """What no kept lock needs: blobs, laid-out snapshots (and the blob links beside them), archives, and
    partial downloads."""
    if kept.unreadable:
        raise PtmError(f"cannot tell what to keep: {kept.unreadable[0]}", exit_code=2)
    needed = {sha for model in pinned_models(kept) for sha in model.needs}
    blobs = tuple(blob for sha, blob in sorted(scan_blobs(root).items()) if sha not in needed)
    return PrunePlan(blobs, tuple(_unneeded_entries(root, _kept_folders(kept, root), needed)), kept)


def prune(store: Store, plan: PrunePlan) -> None:
    """Remove what ``plan`` lists (taken while no install runs), then the folders left empty."""
    for blob in plan.blobs:
        store.remove(blob.sha256)
    store.save_verified()
    for path in plan.folders:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
            Path(f"{path}.lock").unlink(missing_ok=True)  # an archive's own lock
    for top in ("models", "archives"):
        for where, _, _ in os.walk(store.root / top, topdown=False):
            if Path(where) != store.root / top and not os.listdir(where):
                os.rmdir(where)


def verify_store(store: Store) -> Checked:
    """Hash every blob of the store (and every copy in a laid-out model's blobs/, once per file) against
    its name; remove the corrupt ones, which the next install fetches again."""
    files: dict[tuple[int, int], tuple[Path, str]] = {}
    for path in (*(b.path for b in scan_blobs(store.root).values()), *store.root.glob("models/*/blobs/*")):
        try:
            st = os.stat(path)
        except OSError:
            continue
        if is_sha256(path.name):
            files.setdefault((st.st_dev, st.st_ino), (path, path.name))
    paths = [path for path, _ in files.values()]
    with ThreadPoolExecutor(max_workers=config.pool_size(len(paths))) as pool:
        hashes = list(pool.map(_hash_seen, paths))
    corrupt, kept, size = [], [], 0
    for (path, sha256), (seen, (actual, got)) in zip(files.values(), hashes, strict=True):
        size += max(got, 0)
        if actual == sha256:
            if path == store.path(sha256):
                store.vouch(sha256, seen)
            continue
        corrupt.append(Corrupt(path, sha256, actual))
        try:
            if path == store.path(sha256):
                store.remove(sha256)
            else:
                path.unlink()
        except OSError as error:
            kept.append(f"{path} ({error.strerror})")
    store.save_verified()
    return Checked(len(paths), size, tuple(corrupt), tuple(kept))


def _hash_seen(path: Path) -> tuple[Any, tuple[str, int]]:
    seen = fingerprint(path)  # taken first: a write while it is hashed leaves a stat that differs
    return seen, sha256_or_reason(path)


def corruption(checked: Checked) -> IntegrityError:
    """One line naming the corrupt files (the first ten) and what was done about them."""
    listed = ", ".join(f"{c.path} (sha256 {c.actual[:12]})" for c in checked.corrupt[:10])
    more = f" and {len(checked.corrupt) - 10} more" if len(checked.corrupt) > 10 else ""
    if checked.kept:
        fix = f"could not remove {', '.join(checked.kept)}: remove them (or make their folders writable)"
    else:
        fix = "removed them; `ptm install` fetches them again"
    return IntegrityError(
        f"corrupt in the store ({len(checked.corrupt)} of {checked.blobs}): {listed}{more}; {fix}"
    )
