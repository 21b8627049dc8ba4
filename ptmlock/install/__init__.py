"""`ptm install`: put exactly the locked bytes into the Hugging Face cache, through the verified store.

Steps: a fast no-op check from file stats; make sure the lock is current (or fail, with --frozen); check
every path before anything is written; survey what is already in place; fetch the missing blobs into the
store with a bounded pool (hashed as they arrive); link them into the cache; record what was installed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..errors import IntegrityError, LockError, PtmError, combined
from ..files import fingerprint
from . import state as install_state

if TYPE_CHECKING:
    from ..lockfile import Lock, LockedModel
    from ..manifest import Manifest
    from ..progress import Reporter
    from ..project import Project
    from .layouts import ModelLayout
    from .plan import Target


@dataclass(frozen=True)
class Options:
    frozen: bool = False
    offline: bool = False
    only: tuple[str, ...] = ()
    verify_hashes: bool = False
    profile: str = "all"


@dataclass(frozen=True)
class ModelOutcome:
    name: str
    files: int
    size: int
    changed: bool
    pin: str = ""  # repo@commit (or where it comes from and its digest), when the lock was read


@dataclass(frozen=True)
class InstallResult:
    models: tuple[ModelOutcome, ...]
    downloaded_files: int = 0
    downloaded_bytes: int = 0
    linked_from_store: int = 0
    seconds: float = 0.0
    relocked: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()  # declared models the install profile does not install

    @property
    def noop(self) -> bool:
        return not any(m.changed for m in self.models)


def ensure_lock(project: Project, manifest: Manifest, options: Options) -> tuple[Lock, tuple[str, ...]]:
    """The current lock; without --frozen a missing or stale one is re-locked first (keeping kept pins).

    Stale also means a local model's files changed since they were locked.
    """
    from ..graph import require_consistent
    from ..lockfile import write_lock
    from ..resolve import lock_project, stale_reasons
    from .store import Store

    name = project.lock_path.name
    lock = project.lock()
    if lock is None:
        reasons: list[str] = [f"{name} did not exist"]
        if options.frozen or options.offline:
            flag = "--frozen" if options.frozen else "--offline"
            raise LockError(f"{name} does not exist and {flag} never resolves; run `ptm lock` first")
    else:
        reasons = list(stale_reasons(manifest, lock))
        if not reasons:
            return lock, ()
        if options.frozen or options.offline:
            flag = "--frozen" if options.frozen else "--offline"
            raise LockError(
                f"{name} is stale and {flag} never re-locks: {'; '.join(reasons)}. "
                f"Run `ptm lock` and commit {name}"
            )
    require_consistent(manifest, lock)  # what `ptm lock` refuses to lock, install does not lock either
    result = lock_project(manifest, lock, keeper=Store(config.ptm_home()))
    write_lock(project.lock_path, result.lock)
    return result.lock, tuple(reasons)


def select(lock: Lock, only: Sequence[str]) -> list[LockedModel]:
    unknown = sorted(set(only) - set(lock.models))
    if unknown:
        raise PtmError(
            f"--only: {', '.join(unknown)} not in ptm.lock (locked: {', '.join(sorted(lock.models))})",
            exit_code=2,
        )
    return [lock.models[name] for name in sorted(set(only) or lock.models)]


def _raise_errors(errors: Sequence[PtmError]) -> None:
    if errors:  # corruption first: it decides the exit code
        raise combined(sorted(errors, key=lambda e: not isinstance(e, IntegrityError)))


def profile_selection(project: Project, options: Options) -> tuple[Options, tuple[str, ...]]:
    """Narrow ``only`` to the models of the install profile (the manifest's graph decides which); with
    the models the profile leaves out."""
    if options.profile == "all":
        return options, ()
    from ..graph import profile_models

    manifest = project.manifest()
    chosen = profile_models(manifest, options.profile)
    outside = sorted(set(options.only) - chosen)
    if outside:
        raise PtmError(
            f"--only {', '.join(outside)}: not in the '{options.profile}' profile "
            "(used only for evaluation or to guide training); drop --profile to install them",
            exit_code=2,
        )
    if not chosen:
        raise PtmError(f"the '{options.profile}' profile selects no model of {project.manifest_path.name}")
    narrowed = dataclasses.replace(options, only=tuple(sorted(set(options.only) or chosen)))
    return narrowed, tuple(sorted(set(manifest.models) - chosen))


def install(project: Project, options: Options, reporter: Reporter | None = None) -> InstallResult:
    started = time.perf_counter()
    options, left_out = profile_selection(project, options)
    home, roots = config.ptm_home(), (config.hf_hub_cache(), config.torch_hub_dir())
    state_file = install_state.state_path(home, project.manifest_path, roots)
    state = install_state.load(state_file)
    manifest_digest = install_state.file_digest(project.manifest_path)
    if state is not None and not options.verify_hashes:
        names = state.installed(manifest_digest, install_state.file_digest(project.lock_path), options.only)
        if names is not None:
            records = [ModelOutcome(n, state.models[n].files, state.models[n].size, False) for n in names]
            return InstallResult(tuple(records), seconds=time.perf_counter() - started, left_out=left_out)

    # Past the no-op check: the plan, the store and the thread pool.
    from .fetch import fetch_and_link
    from .plan import Status, Target, check_safety, describe_missing, plan, survey
    from .store import Store

    lock, relocked = ensure_lock(project, project.manifest(), options)
    models = select(lock, options.only)
    layouts = check_safety(models)
    targets = [Target(m, p) for m in models for p in layouts[m.name].placements]
    store = Store(home)
    store.sweep_stale_temporaries()
    errors: list[PtmError] = []
    trusted = state.trusted() if state is not None else {}
    if options.verify_hashes:
        from .verify import verify_installed

        errors += verify_installed(targets, store, offline=options.offline)
        trusted = {}
    statuses = survey(targets, store, trusted)
    work = plan(statuses, [t.file.sha256 for t in targets])
    if options.offline and work.missing:
        errors.append(
            PtmError(
                f"--offline: {len({targets[i].file.sha256 for i in work.missing})} file(s) are not in the "
                f"store: {describe_missing(targets, work.missing)}; run `ptm install` with network access"
            )
        )
    fetched = fetch_and_link(targets, statuses, work, store, options.offline, reporter)
    errors += fetched.errors
    store.save_verified()

    incomplete = {targets[i].model.name for i in work.link if targets[i].file.sha256 in fetched.failed}
    refs = _write_refs([m for m in models if m.name not in incomplete], layouts, errors)
    lock_digest = install_state.file_digest(project.lock_path)
    current = install_state.State(manifest_digest or "", lock_digest or "", tuple(sorted(lock.models)))
    _record(state_file, state, current, models, layouts, targets, refs, incomplete)
    _raise_errors(errors)
    changed = {targets[i].model.name for i in work.link}
    sizes = {t.file.sha256: t.file.size for t in targets}
    return InstallResult(
        models=tuple(
            ModelOutcome(
                m.name,
                len(layouts[m.name].placements),
                m.size,
                m.name in changed,
                f"{m.repo}@{m.pin}" if m.repo else f"{m.origin}  {m.pin}",
            )
            for m in models
        ),
        downloaded_files=len(fetched.downloaded),
        downloaded_bytes=sum(sizes[sha] for sha in fetched.downloaded),
        linked_from_store=sum(
            1
            for i in work.link
            if statuses[i] in (Status.IN_STORE, Status.CHANGED)
            and targets[i].file.sha256 not in fetched.downloaded
        ),
        seconds=time.perf_counter() - started,
        relocked=relocked,
        left_out=left_out,
    )


def _write_refs(
    models: Sequence[LockedModel], layouts: dict[str, ModelLayout], errors: list[PtmError]
) -> dict[str, Path]:
    """refs/<branch or tag> = locked commit, for complete models, so lookups by revision name agree."""
    from .links import write_ref
    from .store import cannot_write

    refs = {}
    for model in models:
        if (ref := layouts[model.name].ref) is not None:
            repo_dir, revision = ref
            try:
                refs[model.name] = write_ref(repo_dir, revision, model.identity)
            except OSError as error:
                where = cannot_write(repo_dir / "refs" / revision, error, "HF_HUB_CACHE")
                errors.append(PtmError(f"model '{model.name}': the ref {revision!r}: {where}"))
    return refs


def _record(
    state_file: Path,
    previous: install_state.State | None,
    current: install_state.State,
    models: Sequence[LockedModel],
    layouts: dict[str, ModelLayout],
    targets: Sequence[Target],
    refs: dict[str, Path],
    incomplete: set[str],
) -> None:
    """Write down the stats of every complete model (and its ref), keeping still-valid older records."""
    if not current.manifest or not current.lock:
        return
    kept: dict[str, install_state.ModelRecord] = {}
    if previous is not None and (previous.lock, previous.manifest) == (current.lock, current.manifest):
        kept = dict(previous.models)
    for model in models:
        kept.pop(model.name, None)
        if model.name in incomplete or (layouts[model.name].ref is not None and model.name not in refs):
            continue
        stats = [_stat(t.dest, t.file.sha256) for t in targets if t.model is model]
        # The files a local model is copied from: when one changes, the install is out of date.
        stats += [
            _stat(t.placement.origin, f"origin:{t.file.sha256}")
            for t in targets
            if t.model is model and t.placement.origin
        ]
        if model.name in refs:
            stats.append(_stat(refs[model.name], f"ref:{model.identity}"))
        stats += [_stat(folder, "folder") for folder in layouts[model.name].watched]
        if all(s is not None for s in stats):
            files = len(layouts[model.name].placements)
            record = install_state.ModelRecord(files, model.size, tuple(s for s in stats if s))
            kept[model.name] = record
    install_state.save(state_file, dataclasses.replace(current, models=kept))


def _stat(path: Path, tag: str) -> install_state.StatRecord | None:
    stat = fingerprint(path)
    return install_state.StatRecord(str(path), tag, stat) if stat is not None else None
