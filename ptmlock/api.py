"""The Python API for application code: where a locked model is on disk, and which commit it is."""

from __future__ import annotations

import os
from pathlib import Path

from . import hf_cache
from .errors import LockError, PtmError
from .lockfile import LockedModel
from .project import find_project


def _locked(name: str, manifest: Path | str | None) -> LockedModel:
    project = find_project(Path(manifest) if manifest is not None else None)
    lock = project.lock()
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
    return _locked(name, manifest).commit


def path(name: str, manifest: Path | str | None = None) -> Path:
    """The installed snapshot folder of model ``name`` at its locked commit; every locked file is there."""
    return installed_snapshot(_locked(name, manifest))


def installed_snapshot(model: LockedModel) -> Path:
    """The snapshot folder of a locked model, checked to hold every locked file (by size: no hashing)."""
    name = model.name
    folder = hf_cache.snapshot_dir(model.repo or "", model.commit)
    missing = []
    for file in model.files:
        try:
            if os.stat(folder / file.path).st_size == file.size:
                continue
        except OSError:
            pass
        missing.append(file.path)
    if missing:
        raise PtmError(
            f"model '{name}' is not installed ({len(missing)} of {len(model.files)} files missing or "
            f"wrong under {folder}, e.g. {missing[0]}); run `ptm install`"
        )
    return folder
