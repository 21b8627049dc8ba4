"""Where an installed model's files go: one layout per source, which `ptm install` follows.

A placement puts one locked file in two steps: ``blob`` gets the bytes (a hardlink of the store's blob,
or a copy), then ``path``, the path programs open, becomes a relative symlink to it (or is the blob
itself). Hugging Face models keep the Hugging Face cache layout; every other source uses the same
``blobs/`` + ``snapshots/<pin>/`` shape in a folder of the store, and torch.hub weights go where
torch.hub looks for checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from .. import config
from ..errors import LockError
from ..lockfile import LockedFile, LockedModel
from ..paths import UnsafePathError, contained
from ..pins import COMMIT_RE, is_commit


@dataclass(frozen=True)
class Placement:
    file: LockedFile
    root: Path  # nothing of this placement may be written outside this folder
    blob: Path  # holds the bytes
    path: Path  # what programs open: a relative symlink to ``blob``, or ``blob`` itself
    # A file on this machine the bytes are copied from (a local model's working file). The install is
    # out of date when it changes, and reading it needs no network.
    origin: Path | None = None


@dataclass(frozen=True)
class ModelLayout:
    """Where one model's locked files go (render.layout.Layout, by contrast, places the boxes of a graph)."""

    folder: Path  # what ptmlock.path(name) returns
    placements: tuple[Placement, ...]
    ref: tuple[Path, str] | None = None  # (repo folder, revision) whose refs/<revision> names the commit
    # Folders whose entries the lock depends on (a local model's working tree): a file added or removed
    # there changes their stat, so the fast no-op gives way to a check of the lock.
    watched: tuple[Path, ...] = ()


def layout(model: LockedModel) -> ModelLayout:
    """Where `ptm install` puts the model's files; a LockError if the lock names an unusable place."""
    from .. import hubs

    hubs.source_for(model.hub)  # an unknown hub is named as such
    return _LAYOUTS[model.hub](model)


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


def store_layout(model: LockedModel, folder_name: str) -> ModelLayout:
    """The snapshot layout in ``<store>/models/<folder_name>``, for sources without a cache of their own."""
    root = config.ptm_home() / "models" / folder_name
    placements = tuple(snapshot_layout(root, model.identity, model.files))
    return ModelLayout(root / "snapshots" / model.identity, placements)


def bad_lock(model: LockedModel, message: str) -> LockError:
    return LockError(f"ptm.lock: model '{model.name}': {message}; regenerate the lock with `ptm lock`")


def folders_written(placement: Placement) -> set[str]:
    """Every folder (relative to the placement's root) that placing it writes into."""
    folders: set[str] = set()
    for path in (placement.blob, placement.path):
        parts = path.relative_to(placement.root).parts[:-1]
        folders.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return folders


def huggingface(model: LockedModel) -> ModelLayout:
    """The Hugging Face cache's own layout, with refs/<revision> naming the locked commit."""
    from ..hubs.huggingface import SOURCE
    from .links import repo_folder

    if problem := SOURCE.check_options({"repo": model.repo}):
        raise bad_lock(model, problem[1])
    root = repo_folder(model.repo or "")
    revision = model.revision
    ref = (root, revision) if revision and not COMMIT_RE.match(revision) else None
    placements = tuple(snapshot_layout(root, model.identity, model.files))
    return ModelLayout(root / "snapshots" / model.identity, placements, ref)


def torchhub(model: LockedModel) -> ModelLayout:
    """The tree as a snapshot in the store (for torch.hub.load(<folder>, source="local")), and the
    weights in torch's checkpoint folder, where torch.hub.load_state_dict_from_url looks first."""
    from ..hubs.base import OptionError
    from ..hubs.torchhub import check_repo, folder_name

    try:
        check_repo(model.repo)
    except OptionError as error:
        raise bad_lock(model, error.message) from None
    if not is_commit(model.commit):
        raise bad_lock(model, f"commit {model.commit!r} is not 40 lowercase hex digits")
    try:
        tree = store_layout(model, folder_name(model.repo or ""))
        checkpoints = config.torch_hub_dir() / "checkpoints"
        weights: list[Placement] = []
        for w in model.weights:
            checkpoint = contained(checkpoints, w.path, "weights file")
            weights.append(Placement(w, checkpoints, checkpoint, checkpoint))
    except UnsafePathError as error:
        raise bad_lock(model, str(error)) from None
    return replace(tree, placements=tree.placements + tuple(weights))


def url(model: LockedModel) -> ModelLayout:
    return store_layout(model, f"url--{model.name}")


def local(model: LockedModel) -> ModelLayout:
    """A snapshot in the store, copied from the working files (which installs check for changes)."""
    from ..hubs.local import SOURCE, location, special_file_reason

    snapshot = store_layout(model, f"local--{model.name}")
    placements = tuple(replace(p, origin=SOURCE.working_file(model, p.file)) for p in snapshot.placements)
    # A hand-made lock may point at a FIFO or a device: refused before an install opens it.
    where = location(model.path or "", model.base_dir)
    for origin in dict.fromkeys([where, *(p.origin for p in placements if p.origin)]):
        if reason := special_file_reason(origin):
            raise bad_lock(model, f"{origin} {reason}")
    return replace(snapshot, placements=placements, watched=SOURCE.folders(model))


_LAYOUTS: dict[str, Callable[[LockedModel], ModelLayout]] = {
    "huggingface": huggingface,
    "torchhub": torchhub,
    "url": url,
    "local": local,
}
