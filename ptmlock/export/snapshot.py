"""Where a locked model's files are on disk: the one place to point at `ptm install`'s API."""

from __future__ import annotations

from pathlib import Path

from .. import hf_cache
from ..errors import PtmError
from ..lockfile import LockedModel


def installed_snapshot(model: LockedModel) -> Path:
    """The folder holding every locked file of ``model`` (the Hugging Face cache layout install fills)."""
    if model.repo is None:
        raise PtmError(f"model '{model.name}' has no repository snapshot to export from")
    folder = hf_cache.snapshot_dir(model.repo, model.commit)
    for file in model.files:
        path = folder / file.path
        if not path.is_file() or path.stat().st_size != file.size:
            raise PtmError(f"model '{model.name}' is not installed; run `ptm install`")
    return folder
