"""Exported artifacts live in the content-addressed store, named by sha256, and in the project folder.

The store hashes while it copies and publishes atomically, so a reader sees a whole artifact or none,
and equal bytes are stored once whichever command wrote them. The project copy (the export table's
``artifacts`` folder, relative to ptm.toml) is what a clone or a CI job has; ptm.lock names it with its
sha256, so `ptm verify` uses either copy only once its bytes are checked.

ptm.lock comes with a clone and may be hostile: the paths and digests it names are joined through
paths.contained, each project path inside its model's artifacts folder and each digest a plain hex file
name in the store, so no lock makes ptm read, write or delete anything else.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import atomic, config
from ..errors import PtmError, VerificationError
from ..files import hash_file
from ..hubs.base import open_local
from ..install.store import Store
from ..lockfile import LockedFile
from ..paths import UnsafePathError, contained, unsafe_path_reason
from ..pins import is_sha256

if TYPE_CHECKING:
    from ..manifest import ModelSpec

LFS_POINTER = b"version https://git-lfs.github.com/spec/"


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
    store = _store()
    with store.in_use():  # `ptm cache prune --apply` removes nothing while this is written
        # The store keeps a blob of the right size as it is; one changed since is replaced, not trusted.
        if store.has(sha256, size) and file_sha256(store.path(sha256)) != sha256:
            store.remove(sha256)
        store.ingest(sha256, size, open_local(path), label=f"artifact {path.name}")
        store.save_verified()
    return sha256, size


@dataclass(frozen=True)
class ArtifactsFolder:
    """A model's artifacts folder, as ptm.toml declares it: the only place its project copies may be."""

    root: Path  # the project (ptm.toml's folder)
    relative: str  # e.g. artifacts/bert
    model: str

    @classmethod
    def of(cls, root: Path, spec: ModelSpec) -> ArtifactsFolder:
        assert spec.export is not None
        return cls(root, spec.export.artifacts, spec.name)

    def refuse(self, what: str, problem: str) -> UnsafePathError:
        return UnsafePathError(
            f"{config.LOCK_NAME}: model '{self.model}': {what} {problem}; undo the edit "
            f"(`git checkout {config.LOCK_NAME}`) or run `ptm export {self.model}`"
        )

    def path(self, file: LockedFile) -> Path:
        """The project copy of ``file``."""
        inside = file.path.removeprefix(f"{self.relative}/")
        outside = f"is not in its artifacts folder {self.relative}/" if inside == file.path else None
        if reason := outside or unsafe_path_reason(inside):
            raise self.refuse(f"artifact path {file.path!r}", reason)
        return contained(self.root / self.relative, inside, f"model '{self.model}': artifact path")

    def holds(self, file: LockedFile) -> Path | None:
        """The project copy of ``file`` if the folder holds it, else None."""
        try:
            return self.path(file)
        except UnsafePathError:
            return None

    def stored(self, file: LockedFile) -> Path:
        """The store's copy of ``file``, named by its sha256."""
        if not is_sha256(file.sha256):
            raise self.refuse(f"the sha256 of {file.path!r}", "is not 64 lowercase hex digits")
        store = _store()
        relative = store.path(file.sha256).relative_to(store.root).as_posix()
        return contained(store.root, relative, f"model '{self.model}': store path")


def _same_bytes(path: Path, file: LockedFile) -> bool:
    try:
        return path.stat().st_size == file.size and file_sha256(path) == file.sha256
    except OSError:
        return False


def publish(folder: ArtifactsFolder, file: LockedFile, source: Path) -> None:
    """Copy ``source`` (the bytes of ``file``) to its project path, atomically; an equal copy is kept."""
    target = folder.path(file)
    if _same_bytes(target, file):
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.replace_with(target, lambda tmp: shutil.copyfile(source, tmp))
    except OSError as error:
        raise PtmError(f"cannot write {target}: {error.strerror or error}") from error


def remove_stale(folders: Sequence[ArtifactsFolder], old: Iterable[LockedFile], kept: set[str]) -> None:
    """Delete the project copies of a previous export that this one does not keep, if they are still the
    bytes ptm wrote (anything else there is the user's), then their folder once it is empty.

    Only inside ``folders``: the previous lock names the files, and a hand-edited one could name any
    file of the project with its hash. A copy left elsewhere is harmless; one deleted is lost.
    """
    for file in old:
        if file.path in kept:
            continue
        found = next(((f, p) for f in folders if (p := f.holds(file))), None)
        if found is not None and _same_bytes(found[1], file):
            folder, path = found
            path.unlink()
            # Then the folders left empty, up to the artifacts folder (preprocessing copies sit deeper).
            for parent in path.parents:
                if not parent.is_relative_to(folder.root / folder.relative):
                    break
                try:
                    parent.rmdir()
                except OSError:  # not empty: other files live there
                    break


@dataclass(frozen=True)
class Located:
    """Where verification reads an artifact's files from: all in the project, or all in the store."""

    paths: tuple[Path, ...]  # in the order of the locked files
    in_project: bool

    def source(self) -> str:
        return "from the project" if self.in_project else "from the store"

    def copy_of(self, file: LockedFile) -> str:
        return file.path if self.in_project else f"the store's copy of {file.path}"


def locate(folder: ArtifactsFolder, files: Sequence[LockedFile]) -> Located:
    """The project copies when they are all there (what a clone ships), else the store's."""
    in_project = tuple(folder.path(f) for f in files)
    if all(p.is_file() for p in in_project):
        return Located(in_project, in_project=True)
    stored = tuple(folder.stored(f) for f in files)
    if all(p.is_file() for p in stored):
        return Located(stored, in_project=False)
    missing = next(f.path for f, p in zip(files, in_project, strict=True) if not p.is_file())
    raise VerificationError(
        f"{missing} is missing and the store ({_store().root}) does not have it; run `ptm export "
        f"{folder.model}` and commit {folder.relative}/ (Git LFS suits large files)"
    )


def checked(folder: ArtifactsFolder, files: Sequence[LockedFile]) -> Located:
    """``files`` located and each hashed; VerificationError naming the first whose bytes differ."""
    located = locate(folder, files)
    for file, path in zip(files, located.paths, strict=True):
        if problem := bytes_problem(path, file):
            raise VerificationError(f"{located.copy_of(file)} {problem}")
    return located


def bytes_problem(path: Path, file: LockedFile) -> str | None:
    """Why the bytes at ``path`` are not the locked ``file``, or None when they are."""
    sha256, size = hash_file(path)
    if sha256 == file.sha256 and size == file.size:
        return None
    with path.open("rb") as handle:
        if handle.read(len(LFS_POINTER)) == LFS_POINTER:
            return "is a Git LFS pointer, not the artifact; run `git lfs pull`"
    return f"has sha256 {sha256[:12]}, not the locked {file.sha256[:12]}"
