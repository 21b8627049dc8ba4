"""`ptm lock`: pin every declared model concurrently, keeping existing pins unless told to move them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from . import config, hubs
from .errors import ManifestError, PtmError, ResolveError, SourceMissing, combined
from .lockfile import Lock, LockedModel, files_digest, keep_exports, staleness
from .manifest import Manifest, ModelSpec
from .paths import case_clash

if TYPE_CHECKING:
    from .hubs.base import Keeper

ADDED, UPDATED, UNCHANGED, KEPT, REMOVED = "added", "updated", "unchanged", "kept", "removed"
RENAMED = "renamed"
# What `ptm lock` does with one declared model (see plan_models).
KEEP, RELIST, RESOLVE, RENAME = "keep", "relist", "resolve", "rename"


@dataclass(frozen=True)
class Change:
    name: str
    status: str
    old: LockedModel | None  # for a renamed model, its entry under the old name
    new: LockedModel | None
    renamed_from: str | None = None


@dataclass(frozen=True)
class Plan:
    """What to do with one declared model, and the locked entry it starts from (its own, or the one it
    was renamed from; None for a new model)."""

    action: str
    old: LockedModel | None = None


@dataclass(frozen=True)
class LockResult:
    lock: Lock
    changes: tuple[Change, ...]


def resolve_model(spec: ModelSpec, keeper: Keeper | None = None, at_commit: str | None = None) -> LockedModel:
    """Pin ``spec``; with ``at_commit``, list its files at that commit rather than where its revision
    points now, keeping the requested revision in the entry."""
    resolution = hubs.source_for(spec.hub).resolve(_at(spec, at_commit) if at_commit else spec, keeper)
    if at_commit and resolution.commit != at_commit:
        raise ResolveError(
            f"model '{spec.name}': asked for the files of commit {at_commit[:12]}, the hub answered "
            f"commit {str(resolution.commit)[:12]}; check the hub's address"
        )
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


def _at(spec: ModelSpec, commit: str) -> ModelSpec:
    # Sources read the revision from the spec (huggingface) or its options (torchhub): set both.
    options = MappingProxyType({**spec.options, "revision": commit})
    return spec._replace(revision=commit, options=options)


def plan_models(
    specs: Mapping[str, ModelSpec], previous: Lock | None, upgrade: Collection[str] | None = None
) -> dict[str, Plan]:
    """Per declared model, from ptm.toml and the previous lock alone (no I/O): keep its pin; re-list its
    files at the pinned commit (only what selects them changed: include, exclude, entry, weights);
    resolve it anew (new, upgraded, or its hub, repo or revision changed); or take over the pin of the
    one removed model declared exactly like it (a rename), when no other removed or added model is."""
    locked = previous.models if previous else {}
    upgraded = set(specs) if upgrade is not None and not upgrade else set(upgrade or ())
    plans: dict[str, Plan] = {}
    for name, spec in specs.items():
        old = locked.get(name)
        if name in upgraded or old is None:
            plans[name] = Plan(RESOLVE, old)
        elif old.declaration_hash == spec.declaration_hash:
            plans[name] = Plan(KEEP, old)
        elif old.commit and (old.hub, old.repo, old.revision) == (spec.hub, spec.repo, spec.revision):
            plans[name] = Plan(RELIST, old)
        else:
            plans[name] = Plan(RESOLVE, old)
    removed: dict[str, list[LockedModel]] = defaultdict(list)
    for name, model in locked.items():
        if name not in specs:
            removed[model.declaration_hash].append(model)
    added: dict[str, list[str]] = defaultdict(list)
    for name, spec in specs.items():
        if name not in locked:
            added[spec.declaration_hash].append(name)
    for declaration, names in added.items():
        olds = removed.get(declaration, [])
        if len(names) == len(olds) == 1 and names[0] not in upgraded:
            plans[names[0]] = Plan(RENAME, olds[0])
    return plans


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
    plans = plan_models(manifest.models, previous, upgrade)
    todo = [manifest.models[name] for name, plan in sorted(plans.items()) if plan.action in (RESOLVE, RELIST)]
    # Models pinned by files on this machine are re-read on every lock, as their bytes may have changed.
    rereads = {s.name for s in manifest.models.values() if _pinned_by_local_files(s)} - {s.name for s in todo}
    todo += [manifest.models[name] for name in sorted(rereads)]

    def run(spec: ModelSpec) -> LockedModel | PtmError | None:
        plan = plans[spec.name]
        try:
            model = resolve_model(
                spec, keeper, plan.old.commit if plan.action == RELIST and plan.old else None
            )
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
        plan = plans[name]
        old = plan.old
        renamed_from = old.name if plan.action == RENAME and old else None
        # The pin kept when nothing was resolved: a renamed model's goes over under its new name.
        kept = old and old._replace(name=name, base_dir=manifest.models[name].base_dir)
        new = outcomes.get(name, kept)
        assert isinstance(new, LockedModel)
        new = keep_exports(old, new)  # a rename keeps them: they belong to the same files
        models[name] = new
        if old is None:
            status = ADDED
        elif renamed_from:
            status = RENAMED if new == kept else UPDATED
        elif name not in outcomes:
            status = KEPT
        else:
            status = UNCHANGED if old == new else UPDATED
        changes.append(Change(name, status, old, new, renamed_from))
    renamed = {c.renamed_from for c in changes}
    for name in sorted(set(previous.models) - set(manifest.models) - renamed if previous else ()):
        changes.append(Change(name, REMOVED, previous.models[name] if previous else None, None))
    return LockResult(Lock(models=models), tuple(changes))
