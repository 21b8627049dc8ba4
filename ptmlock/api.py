"""The Python API for application code: where a locked model is on disk, and which commit it is."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from . import config
from .errors import LockError, PtmError
from .files import Stat, fingerprint
from .lockfile import Lock, LockedModel
from .project import Project, find_project

# ptm.lock as last parsed, by path, with its stat then: application code asks for many models, often in
# a loop, and a lock is parsed again only when the file changed (a write moves its ctime, whatever its
# mtime says).
_locks: dict[Path, tuple[Stat, Lock]] = {}
_locks_guard = threading.Lock()


def _read_lock(project: Project) -> Lock | None:
    seen = fingerprint(project.lock_path)  # taken first: a write while it is parsed leaves another stat
    with _locks_guard:
        cached = _locks.get(project.lock_path)
    if seen is not None and cached is not None and cached[0] == seen:
        return cached[1]
    lock = project.lock()
    if seen is not None and lock is not None:
        with _locks_guard:
            _locks[project.lock_path] = (seen, lock)
    return lock


def _locked(name: str, manifest: Path | str | None) -> LockedModel:
    # As the `ptm` command does, PTM_MANIFEST names the project when no manifest is passed.
    given = manifest if manifest is not None else os.environ.get("PTM_MANIFEST") or None
    project = find_project(Path(given) if given is not None else None)
    lock = _read_lock(project)
    if lock is None and not project.manifest_path.is_file():
        where = "given" if given is not None else "found in this folder or above"
        raise LockError(
            f"no {project.manifest_path.name} {where} ({project.manifest_path}); "
            "run from the project, or pass manifest='path/to/ptm.toml'"
        )
    if lock is None:
        raise LockError(f"{project.lock_path} does not exist; run `ptm lock` and `ptm install`")
    model = lock.models.get(name)
    if model is None:
        locked = ", ".join(sorted(lock.models)) or "none"
        raise LockError(
            f"model '{name}' is not in {project.lock_path} (locked: {locked}); "
            "declare it with `ptm add`, then run `ptm install`"
        )
    return model


def revision(name: str, manifest: Path | str | None = None) -> str:
    """The commit sha ptm.lock pins model ``name`` to (for ``from_pretrained(repo, revision=...)``)."""
    model = _locked(name, manifest)
    if model.commit is None:
        raise PtmError(
            f"model '{name}' is a {model.hub} model: it has no commit, only a digest of its files; "
            f"load it from ptmlock.path({name!r})"
        )
    return model.commit


def path(name: str, manifest: Path | str | None = None) -> Path:
    """The installed folder of model ``name`` at its locked pin; every locked file is in place.

    For a Hugging Face model, the snapshot folder of the locked commit in the Hugging Face cache; for a
    torch.hub repository, its tree at the locked commit; for url and local models, their files.
    """
    from .install.verify import installed_snapshot

    return installed_snapshot(_locked(name, manifest))


def torch_hub_load(name: str, *args: Any, manifest: Path | str | None = None, **kwargs: Any) -> Any:
    """``torch.hub.load`` of a locked torch.hub model, from its installed tree and weights, offline.

    Arguments after ``name`` go to the hubconf entry, e.g. ``torch_hub_load("backbone", pretrained=True)``.
    """
    model = _locked(name, manifest)
    if model.hub != "torchhub" or model.entry is None:
        raise PtmError(
            f"model '{name}' is a {model.hub} model, not a torch.hub one; load it from ptmlock.path({name!r})"
        )
    from .install.verify import installed_snapshot

    folder = installed_snapshot(model)
    import torch

    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    for weights in model.weights:
        if not (checkpoints / weights.path).is_file():
            installed = config.torch_hub_dir() / "checkpoints"
            raise PtmError(
                f"model '{name}': torch looks for its weights in {checkpoints}, but `ptm install` put them "
                f"in {installed}; use the same TORCH_HOME (or torch.hub.set_dir) for both"
            )
    return torch.hub.load(str(folder), model.entry, *args, source="local", **kwargs)
