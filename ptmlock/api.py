"""The Python API for application code: where a locked model is on disk, and which commit it is."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import config
from .errors import LockError, PtmError
from .lockfile import LockedModel
from .project import find_project


def _locked(name: str, manifest: Path | str | None) -> LockedModel:
    project = find_project(Path(manifest) if manifest is not None else None)
    lock = project.lock()
    if lock is None and not project.manifest_path.is_file():
        where = "given" if manifest is not None else "found in this folder or above"
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
    return installed_snapshot(_locked(name, manifest))


def installed_snapshot(model: LockedModel) -> Path:
    """The installed folder of a locked model, checked to hold every locked file (by size: no hashing)."""
    from . import hubs

    layout = hubs.source_for(model.hub).layout(model)
    missing = []
    for placement in layout.placements:
        try:
            if os.stat(placement.entry).st_size == placement.file.size:
                continue
        except OSError:
            pass
        missing.append(placement.entry)
    if missing:
        raise PtmError(
            f"model '{model.name}' is not installed ({len(missing)} of {len(layout.placements)} files "
            f"missing or wrong, e.g. {missing[0]}); run `ptm install`"
        )
    return layout.folder


def torch_hub_load(name: str, *args: Any, manifest: Path | str | None = None, **kwargs: Any) -> Any:
    """``torch.hub.load`` of a locked torch.hub model, from its installed tree and weights, offline.

    Arguments after ``name`` go to the hubconf entry, e.g. ``torch_hub_load("backbone", pretrained=True)``.
    """
    model = _locked(name, manifest)
    if model.hub != "torchhub" or model.entry is None:
        raise PtmError(
            f"model '{name}' is a {model.hub} model, not a torch.hub one; load it from ptmlock.path({name!r})"
        )
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
