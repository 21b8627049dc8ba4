"""What an install has to do: where each locked file goes, what is already there, what to fetch.

Checks paths before anything is written, and looks at the disk with stats only (no hashing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import hf_cache, install_state
from .errors import LockError, PtmError
from .install_layout import Layout, Placement, folders_written
from .lockfile import LockedFile, LockedModel
from .paths import unsafe_path_reason
from .store import Store

INSTALLED, IN_STORE, ON_DISK, MISSING = "installed", "in-store", "on-disk", "missing"


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
        return self.placement.entry

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
    link: tuple[int, ...]  # every target whose cache entry must be made
    missing: tuple[int, ...]  # targets whose blob exists nowhere on this machine


def plan(statuses: Sequence[str], shas: Sequence[str]) -> Plan:
    """Which blobs to fetch (once each, preferring a copy already on disk) and which entries to link."""
    source: dict[str, int] = {}
    link = []
    for i, (status, sha) in enumerate(zip(statuses, shas, strict=True)):
        if status == INSTALLED:
            continue
        link.append(i)
        if status in (ON_DISK, MISSING) and (sha not in source or statuses[source[sha]] == MISSING):
            source[sha] = i
    missing = tuple(i for i in link if statuses[source.get(shas[i], i)] == MISSING)
    return Plan(fetch=tuple(source.values()), link=tuple(link), missing=missing)


def check_safety(models: Sequence[LockedModel]) -> dict[str, Layout]:
    """Each model's layout, refusing before anything is written any path that could leave its folder."""
    from . import hubs

    layouts = {}
    for model in models:
        where = f"ptm.lock: model '{model.name}'"
        for file in (*model.files, *model.weights):
            if reason := unsafe_path_reason(file.path):
                raise LockError(f"{where}: file {file.path!r} {reason}; refusing to install it")
        layout = hubs.source_for(model.hub).layout(model)
        folders: dict[Path, set[str]] = {}
        for placement in layout.placements:
            folders.setdefault(placement.root, set()).update(folders_written(placement))
        if layout.ref is not None:
            repo_dir, ref = layout.ref
            if reason := unsafe_path_reason(ref):
                raise LockError(f"{where}: revision {ref!r} {reason}; refusing to install it")
            parts = f"refs/{ref}".split("/")[:-1]
            folders.setdefault(repo_dir, set()).update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        for root, below in folders.items():
            if escape := hf_cache.escaping_symlink(root, below):
                raise PtmError(
                    f"refusing to install model '{model.name}': {escape[0]} is a symlink to {escape[1]}, "
                    f"outside {root}; remove it and run `ptm install` again"
                )
        layouts[model.name] = layout
    _refuse_clashes(layouts)
    return layouts


def _refuse_clashes(layouts: dict[str, Layout]) -> None:
    """Two different files bound for one path (torch.hub names checkpoints by their URL's last segment)
    would overwrite each other, and each model would load the other's bytes."""
    seen: dict[Path, tuple[str, LockedFile]] = {}
    for name, layout in sorted(layouts.items()):
        for placement in layout.placements:
            other = seen.setdefault(placement.entry, (name, placement.file))
            if other[1].sha256 != placement.file.sha256:
                raise PtmError(
                    f"refusing to install: model '{other[0]}' file {other[1].path} and model '{name}' file "
                    f"{placement.file.path} both go to {placement.entry} with different bytes; install "
                    "them into separate folders (e.g. another TORCH_HOME), or with --only, one at a time"
                )


def survey(
    targets: Sequence[Target], store: Store, trusted: dict[tuple[str, str], install_state.Stat]
) -> list[str]:
    """Where each target's bytes are now, from stats only (no hashing)."""
    statuses = []
    for t in targets:
        sha, size = t.file.sha256, t.file.size
        recorded = trusted.get((str(t.dest), sha))
        if recorded is not None and recorded == install_state.fingerprint(t.dest):
            statuses.append(INSTALLED)
        elif store.has(sha, size):
            statuses.append(INSTALLED if _same_file(t.dest, store.path(sha)) else IN_STORE)
        elif (found := install_state.fingerprint(on_disk(t))) is not None and found[0] == size:
            statuses.append(ON_DISK)  # e.g. an LFS blob huggingface_hub downloaded earlier: hashed on ingest
        else:
            statuses.append(MISSING)
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
        parts.append(f"{name} (all {total} files)" if len(paths) == total else f"{name}: {', '.join(paths)}")
    return "; ".join(parts)
