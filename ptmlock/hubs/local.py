"""hub = "local": models trained in this repository (or kept on a shared path), pinned by their bytes.

The lock records every file's sha256 and the provenance the manifest gives (training script, dataset,
code commit, free-form notes), so a retrained model shows up as a change in ptm.lock.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import config
from ..config import LOCK_NAME, MANIFEST_NAME
from ..errors import IntegrityError, ManifestError, ResolveError, SourceMissing
from ..files import hash_file
from ..lockfile import LockedFile
from ..manifest import PROVENANCE_KEYS
from ..paths import unsafe_path_reason
from .base import Download, Keeper, ReadsEachFile, Resolution, open_local

if TYPE_CHECKING:
    from ..lockfile import LockedModel
    from ..manifest import ModelSpec

_CODE_COMMIT_RE = re.compile(r"^[0-9a-f]{7,40}$")
# Kernel and device files: reading them yields secrets (/proc/self/environ), endless bytes or a hang.
_SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def location(path: str, base_dir: Path) -> Path:
    """The file or folder ``path`` names: absolute as written, else under ptm.toml's folder."""
    written = Path(path).expanduser()
    return written if written.is_absolute() else base_dir / written


def special_file_reason(path: Path) -> str | None:
    """Why ``path`` is no model file or folder (a system file, a device, a FIFO, a socket), or None.

    Stats only: opening a FIFO blocks until something writes to it.
    """
    real = path.resolve()
    if any(real.is_relative_to(folder) for folder in _SYSTEM_FOLDERS):
        return f"is {real}, a system file, not model bytes"
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return None  # missing: the caller says so
    return next((f"is {kind}, not a regular file" for test, kind in _SPECIAL_KINDS if test(mode)), None)


def outside_project(model: LockedModel) -> Path | None:
    """The first file or folder a local model reads that is not inside its project folder (the folder of
    ptm.toml, symlinks and ``~`` resolved), or None."""
    where = location(model.path or "", model.base_dir)
    paths = [where / f.path for f in model.files] if where.is_dir() else []
    return _first_outside(model.base_dir, [where, *paths])


def outside_notes(models: Iterable[LockedModel]) -> list[str]:
    """One line for each local model reading files outside its project, for `ptm lock` to show."""
    return [
        f"note: model '{model.name}' reads files outside the project: {outside} (allow_outside = true)"
        for model in models
        if model.hub == "local" and (outside := outside_project(model)) is not None
    ]


def _first_outside(base_dir: Path, paths: Iterable[Path]) -> Path | None:
    project = base_dir.resolve()
    return next((real for p in paths if not (real := p.resolve()).is_relative_to(project)), None)


def provenance(options: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    notes = {key: options[key] for key in PROVENANCE_KEYS if key in options}
    return tuple(sorted({**options.get("provenance", {}), **notes}.items()))


def list_files(root: Path, include: Sequence[str], exclude: Sequence[str], label: str) -> list[str]:
    """Relative POSIX paths of the regular files under ``root``, selected; symlinked files are followed,
    and so are symlinked folders that stay inside ``root`` (a ResolveError for one that does not)."""
    found = [name for name, is_folder in _tree(root, label) if not is_folder]
    if include or exclude:
        from huggingface_hub.utils import filter_repo_objects  # the same glob rules as Hub models

        found = list(
            filter_repo_objects(
                found, allow_patterns=list(include) or None, ignore_patterns=list(exclude) or None
            )
        )
    return sorted(found)


def _tree(root: Path, label: str) -> Iterator[tuple[str, bool]]:
    """(relative POSIX path, is a folder) of every entry under ``root``, with list_files' symlink rules."""
    top = root.resolve()
    return _walk(root, "", top, frozenset({top}), label)


def _walk(
    folder: Path, prefix: str, top: Path, above: frozenset[Path], label: str
) -> Iterator[tuple[str, bool]]:
    """The entries under ``folder``; ``above`` holds the real folders walked into to get here."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as error:
        raise ResolveError(f"{label}: cannot read the folder {folder} ({error.strerror})") from error
    for entry in entries:
        name = prefix + entry.name
        if entry.is_dir():
            real = Path(entry.path).resolve()
            if entry.is_symlink() and not real.is_relative_to(top):
                raise ResolveError(
                    f"{label}: {name} is a symlink to {real}, outside the model folder {top}; "
                    "replace the link with a copy of that folder, or remove it"
                )
            if real in above:
                raise ResolveError(f"{label}: {name} is a symlink to a folder it is in (a loop); remove it")
            yield name, True
            yield from _walk(Path(entry.path), f"{name}/", top, above | {real}, label)
        elif entry.is_file():
            yield name, False


class LocalSource(ReadsEachFile):
    name = "local"
    pinned_by_local_files = True

    def check_options(self, options: Mapping[str, Any]) -> tuple[str, str] | None:
        path = options.get("path")
        if path is None:
            return (
                "path",
                'a local model needs path = "models/my_model" (a file or folder, relative to ptm.toml)',
            )
        if not isinstance(path, str) or not path.strip():
            return (
                "path",
                "path must be a non-empty string: a file or folder, relative to ptm.toml or absolute",
            )
        if not isinstance(options.get("allow_outside", False), bool):
            return "allow_outside", "allow_outside must be true or false"
        for key in PROVENANCE_KEYS:
            if key in options and not isinstance(options[key], str):
                return key, f"'{key}' must be a string"
        commit = options.get("code_commit")
        if commit is not None and not _CODE_COMMIT_RE.match(commit):
            return "code_commit", (
                f"code_commit '{commit}' is not a git commit; use 7 to 40 lowercase hex digits, "
                "e.g. the output of `git rev-parse HEAD`"
            )
        notes = options.get("provenance", {})
        if not isinstance(notes, Mapping) or not all(isinstance(v, str) for v in notes.values()):
            return (
                "provenance",
                'provenance must be a table of strings, e.g. provenance = { run = "wandb:abc123" }',
            )
        if clash := sorted(set(notes) & set(PROVENANCE_KEYS) & set(options)):
            return "provenance", f"'{clash[0]}' is given twice: as a key of the model and inside provenance"
        return None

    def resolve(self, spec: ModelSpec, keeper: Keeper | None = None) -> Resolution:
        path = spec.options["path"]
        where = location(path, spec.base_dir)
        label = f"model '{spec.name}' ({path})"
        if reason := special_file_reason(where):
            raise ResolveError(f"{label}: {where} {reason}; point path at the model's own files")
        _refuse_outside(spec, [where])  # before walking: path may be "/" or "~"
        if where.is_file():
            names = [where.name]
            root = where.parent
        elif where.is_dir():
            root = where
            # The project's own manifest and lock change with every lock: never part of a model.
            project = {(spec.base_dir / name).resolve() for name in (MANIFEST_NAME, LOCK_NAME)}
            listed = list_files(where, spec.include, spec.exclude, label)
            names = [name for name in listed if (where / name).resolve() not in project]
            # Symlinked files are followed: never to a system file, nor out of the project unless allowed.
            for name in names:
                if reason := special_file_reason(where / name):
                    raise ResolveError(f"{label}: {name} {reason}; remove it, or exclude it")
            _refuse_outside(spec, [where / name for name in names])
        else:
            raise SourceMissing(
                f"{label}: {where} does not exist; train or copy the model there, or fix path in ptm.toml"
            )
        if not names:
            raise ResolveError(f"{label}: {where} holds no files (after include/exclude); nothing to lock")
        for name in names:
            if reason := unsafe_path_reason(name):
                raise ResolveError(f"{label}: file name {name!r} {reason}; rename it")

        def lock_one(name: str) -> LockedFile:
            sha256, size = hash_file(root / name)
            return LockedFile(name, size, sha256)

        with ThreadPoolExecutor(max_workers=config.pool_size(len(names))) as pool:
            files = tuple(pool.map(lock_one, names))
        return Resolution(commit=None, files=files, path=path, provenance=provenance(spec.options))

    @staticmethod
    def working_file(model: LockedModel, file: LockedFile) -> Path:
        where = location(model.path or "", model.base_dir)
        return where / file.path if where.is_dir() else where  # a folder, or the model is one file

    @contextmanager
    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> Iterator[Download]:
        source = self.working_file(model, file)
        if not source.is_file():
            raise IntegrityError(
                f"model '{model.name}': {source} is missing and the store does not hold the bytes ptm.lock "
                "pins; restore the file (or fix path in ptm.toml and run `ptm lock`)"
            )
        with open_local(source)(offset) as download:
            yield download

    @staticmethod
    def folders(model: LockedModel) -> tuple[Path, ...]:
        """The folders of a model kept as a folder, walked as `ptm lock` walks them: a file added or
        removed there changes their stat."""
        where = location(model.path or "", model.base_dir)
        if not where.is_dir():
            return ()
        try:
            inner = [where / name for name, is_folder in _tree(where, model.name) if is_folder]
        except ResolveError:
            return ()  # e.g. a link out of the folder: the next `ptm lock` says so
        return (where, *inner)


def _refuse_outside(spec: ModelSpec, paths: Sequence[Path]) -> None:
    """A cloned ptm.toml must not pin (and copy into the store) files from elsewhere on this machine,
    such as ~/.ssh, unless the model's table opts in."""
    if spec.options.get("allow_outside", False):
        return
    outside = _first_outside(spec.base_dir, paths)
    if outside is None:
        return
    raise ManifestError(
        spec.base_dir / MANIFEST_NAME,
        spec.line_of("path"),
        f"model '{spec.name}': path '{spec.options['path']}' reads {outside}, outside the project folder "
        f"{spec.base_dir.resolve()}; set allow_outside = true in [models.{spec.name}] if you trust this path",
    )


SOURCE = LocalSource()
