"""`ptm lock`: pin every declared model concurrently, keeping existing pins unless told to move them."""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import config, hubs
from .errors import ManifestError, PtmError, ResolveError, SourceMissing, combined
from .lockfile import Lock, LockedModel, files_digest, keep_exports, staleness
from .manifest import Manifest, ModelSpec
from .paths import case_clash

if TYPE_CHECKING:
    from .hubs.base import Keeper

ADDED, UPDATED, UNCHANGED, KEPT, REMOVED = "added", "updated", "unchanged", "kept", "removed"


@dataclass(frozen=True)
class Change:
    name: str
    status: str
    old: LockedModel | None
    new: LockedModel | None


@dataclass(frozen=True)
class LockResult:
    lock: Lock
    changes: tuple[Change, ...]


def resolve_model(spec: ModelSpec, keeper: Keeper | None = None) -> LockedModel:
    resolution = hubs.source_for(spec.hub).resolve(spec, keeper)
    for group in (resolution.files, resolution.weights):
        if clash := case_clash(f.path for f in group):
            raise ResolveError(
                f"model '{spec.name}': {clash[0]!r} and {clash[1]!r} differ only in case (or Unicode "
                "form), so they would overwrite each other on macOS and Windows; keep one with "
                f"include/exclude in [models.{spec.name}] of ptm.toml"
            )
    return LockedModel(
        name=spec.name,
        hub=spec.hub,
        repo=spec.repo,
        revision=spec.revision,
        commit=resolution.commit,
        license=resolution.license,
        declaration_hash=spec.declaration_hash,
        files=resolution.files,
        entry=resolution.entry,
        weights=resolution.weights,
        digest=None if resolution.commit else files_digest(resolution.files),
        path=resolution.path,
        provenance=resolution.provenance,
        base_dir=spec.base_dir,
    )


def _needs_resolution(spec: ModelSpec, previous: Lock | None, upgrade: Collection[str] | None) -> bool:
    if upgrade is not None and (not upgrade or spec.name in upgrade):
        return True
    old = previous.models.get(spec.name) if previous else None
    return old is None or old.declaration_hash != spec.declaration_hash


def _pinned_by_local_files(spec: ModelSpec) -> bool:
    return hubs.source_for(spec.hub).pinned_by_local_files


def stale_reasons(manifest: Manifest, lock: Lock) -> tuple[str, ...]:
    """Why ``lock`` no longer pins what ``manifest`` declares (empty when it is current): the manifest
    changed, or files on this machine that pin a model changed since they were locked. No network."""
    return (*staleness(manifest, lock).describe(), *_local_files_changed(manifest, lock))


def _local_files_changed(manifest: Manifest, lock: Lock) -> tuple[str, ...]:
    """Why models pinned by files on this machine (local models) no longer match the lock, if they do not.

    A model whose files are not here is skipped: its locked bytes may still be in the store.
    """
    reasons = []
    for name, spec in sorted(manifest.models.items()):
        old = lock.models.get(name)
        if old is None or old.declaration_hash != spec.declaration_hash or not _pinned_by_local_files(spec):
            continue
        try:
            new = resolve_model(spec)
        except SourceMissing:
            continue
        if changed := sorted({f.path for f in set(new.files) ^ set(old.files)}):
            reasons.append(f"{name}: its files changed since it was locked ({changed[0]})")
    return tuple(reasons)


def _refuse_split(manifest: Manifest, upgrade: Collection[str]) -> None:
    from .graph import split_training_sets

    for moving, staying in split_training_sets(manifest, upgrade):
        # Point at a trained_with that couples the two sides.
        sides = (set(moving), set(staying))
        coupling = next(
            spec
            for spec in manifest.models.values()
            for here, there in (sides, sides[::-1])
            if spec.name in here and there & set(spec.trained_with)
        )
        together = " ".join(sorted({*upgrade, *staying}))
        raise ManifestError(
            manifest.path,
            coupling.line_of("trained_with"),
            f"cannot upgrade {', '.join(moving)} without {', '.join(staying)}: they are trained together "
            f"(trained_with); upgrade them together with `ptm lock --upgrade {together}`, "
            "or pass --allow-split to move them apart",
        )


def lock_project(
    manifest: Manifest,
    previous: Lock | None,
    upgrade: Collection[str] | None = None,
    on_resolved: Callable[[LockedModel], None] | None = None,
    allow_split: bool = False,
    *,
    keeper: Keeper | None,
) -> LockResult:
    """The new lock. ``upgrade`` is None (keep pins), empty (move every pin) or the names to move.

    Models trained together (``trained_with``) move together unless ``allow_split``. What the sources
    download to pin files goes to ``keeper`` (the store, so that installing the lock links it), if given.
    """
    unknown = sorted(set(upgrade or ()) - set(manifest.models))
    if unknown:
        raise PtmError(f"cannot upgrade {', '.join(unknown)}: not declared in {manifest.path}")
    if upgrade and not allow_split:
        _refuse_split(manifest, upgrade)
    todo = [s for s in manifest.models.values() if _needs_resolution(s, previous, upgrade)]
    # Models pinned by files on this machine are re-read on every lock, as their bytes may have changed.
    rereads = {s.name for s in manifest.models.values() if _pinned_by_local_files(s)} - {s.name for s in todo}
    todo += [manifest.models[name] for name in sorted(rereads)]

    def run(spec: ModelSpec) -> LockedModel | PtmError | None:
        try:
            model = resolve_model(spec, keeper)
        except SourceMissing as error:
            return None if spec.name in rereads else error  # None: not on this machine, keep the pin
        except PtmError as error:
            return error
        if on_resolved:
            on_resolved(model)
        return model

    with ThreadPoolExecutor(max_workers=config.pool_size(len(todo))) as pool:
        results = zip([s.name for s in todo], pool.map(run, todo), strict=True)
        outcomes = {name: outcome for name, outcome in results if outcome is not None}
    failures = [o for o in outcomes.values() if isinstance(o, PtmError)]
    if failures:
        raise combined(failures)

    models: dict[str, LockedModel] = {}
    changes = []
    for name in sorted(manifest.models):
        old = previous.models.get(name) if previous else None
        new = outcomes.get(name, old)
        assert isinstance(new, LockedModel)
        new = keep_exports(old, new)
        models[name] = new
        if old is None:
            status = ADDED
        elif name not in outcomes:
            status = KEPT
        else:
            status = UNCHANGED if old == new else UPDATED
        changes.append(Change(name, status, old, new))
    for name in sorted(set(previous.models) - set(manifest.models) if previous else ()):
        changes.append(Change(name, REMOVED, previous.models[name] if previous else None, None))
    return LockResult(Lock(manifest_hash=manifest.content_hash, models=models), tuple(changes))
