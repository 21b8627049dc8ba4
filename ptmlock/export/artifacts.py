"""Exported artifacts live in the content-addressed store, named by sha256, and in the project folder.

The store hashes while it copies and publishes atomically, so a reader sees a whole artifact or none,
and equal bytes are stored once whichever command wrote them. The project copy (the export table's
``artifacts`` folder, relative to ptm.toml) is what a clone or a CI job has; ptm.lock names it with its
sha256, so `ptm verify` uses either copy only once its bytes are checked.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import PtmError, VerificationError
from ..lockfile import LockedFile
from ..paths import unsafe_path_reason
from ..store import Store, hash_file, open_local

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
    # The store keeps a blob of the right size as it is; one changed since is replaced, not trusted.
    if store.has(sha256, size) and file_sha256(store.path(sha256)) != sha256:
        store.remove(sha256)
    store.ingest(sha256, size, open_local(path), label=f"artifact {path.name}")
    return sha256, size


def _project_path(root: Path, file: LockedFile) -> Path:
    reason = unsafe_path_reason(file.path)
    if reason:
        raise VerificationError(
            f"ptm.lock names an artifact at {file.path!r}, which {reason}; run `ptm export`"
        )
    return root / file.path


def _same_bytes(path: Path, file: LockedFile) -> bool:
    try:
        return path.stat().st_size == file.size and file_sha256(path) == file.sha256
    except OSError:
        return False


def publish(root: Path, file: LockedFile, source: Path) -> None:
    """Copy ``source`` (the bytes of ``file``) to its project path, atomically; an equal copy is kept."""
    target = _project_path(root, file)
    if _same_bytes(target, file):
        return
    tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise PtmError(f"cannot write {target}: {error.strerror or error}") from None


def remove_stale(root: Path, old: Iterable[LockedFile], kept: set[str]) -> None:
    """Delete the project copies of a previous export that this one does not keep, if they are still the
    bytes ptm wrote (anything else there is the user's), then their folder once it is empty."""
    for file in old:
        if file.path in kept or unsafe_path_reason(file.path):
            continue
        path = root / file.path
        if _same_bytes(path, file):
            path.unlink()
            with contextlib.suppress(OSError):  # not empty: other files live there
                path.parent.rmdir()


@dataclass(frozen=True)
class Located:
    """Where verification reads an artifact's files from: all in the project, or all in the store."""

    paths: tuple[Path, ...]  # in the order of the locked files
    in_project: bool

    def source(self) -> str:
        return "from the project" if self.in_project else "from the store"

    def copy_of(self, file: LockedFile) -> str:
        return file.path if self.in_project else f"the store's copy of {file.path}"


def locate(root: Path, files: Sequence[LockedFile], model: str) -> Located:
    """The project copies when they are all there (what a clone ships), else the store's."""
    in_project = tuple(_project_path(root, f) for f in files)
    if all(p.is_file() for p in in_project):
        return Located(in_project, in_project=True)
    stored = tuple(_store().path(f.sha256) for f in files)
    if all(p.is_file() for p in stored):
        return Located(stored, in_project=False)
    missing = next(f.path for f, p in zip(files, in_project, strict=True) if not p.is_file())
    raise VerificationError(
        f"{missing} is missing and the store ({_store().root}) does not have it; run `ptm export {model}` "
        f"and commit {Path(missing).parent.as_posix()}/ (Git LFS suits large files)"
    )


def checked(root: Path, files: Sequence[LockedFile], model: str) -> Located:
    """``files`` located and each hashed; VerificationError naming the first whose bytes differ."""
    located = locate(root, files, model)
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
