"""`ptm install`: put exactly the locked bytes into the Hugging Face cache, through the verified store.

Steps: a fast no-op check from file stats; make sure the lock is current (or fail, with --locked; or
take it as it is, with --frozen); check every path before anything is written; survey what is already in
place; fetch the missing blobs into the store with a bounded pool (hashed as they arrive); link them into
the cache; record what was installed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..errors import IntegrityError, LockError, PtmError, combined
from ..files import fingerprint
from . import state as install_state
from .projects import remember

if TYPE_CHECKING:
    from ..lockfile import Lock, LockedModel
    from ..manifest import Manifest
    from ..progress import Reporter
    from ..project import Project
    from ..signing import Trust
    from .fetch import Gate
    from .layouts import ModelLayout
    from .mirrors import Mirrors
    from .plan import Plan, Status, Target
    from .store import Store


@dataclass(frozen=True)
class Options:
    locked: bool = False  # as uv's --locked: fail when ptm.lock is missing or out of date with ptm.toml
    frozen: bool = False  # as uv's --frozen: install ptm.lock as it is, never read ptm.toml
    offline: bool = False
    only: tuple[str, ...] = ()
    verify_hashes: bool = False
    profile: str = "all"
    mirror_only: bool = False  # a blob no mirror has is an error, not a hub download
    cache_push: bool = True  # write what came from a hub back to the S3 cache
    # --require-signature: every model of ptm.lock signed by this key, CA chain or identity (ptm sign);
    # the lock is then never re-locked here, since a new lock would carry no signature.
    signed_by: Trust | None = None


@dataclass(frozen=True)
class FileCounts:
    """Where each locked file of a model came from in one install: every file counted exactly once."""

    in_place: int = 0  # already installed: nothing done
    downloaded: int = 0  # its bytes came over the network in this run
    from_store: int = 0  # linked from a blob the store held (or one this run fetched for another path)
    from_disk: int = 0  # copied in from a file already on this machine (a local model's, the HF cache's)
    from_mirror: int = 0  # its bytes came from an OCI registry or the S3 cache, not from the hub

    @property
    def total(self) -> int:
        return self.in_place + self.downloaded + self.from_store + self.from_disk + self.from_mirror

    def __add__(self, other: FileCounts) -> FileCounts:
        pairs = zip(dataclasses.astuple(self), dataclasses.astuple(other), strict=True)
        return FileCounts(*(a + b for a, b in pairs))


@dataclass(frozen=True)
class ModelOutcome:
    name: str
    size: int
    counts: FileCounts
    pin: str = ""  # repo@commit (or where it comes from and its digest), when the lock was read

    @property
    def files(self) -> int:
        return self.counts.total

    @property
    def changed(self) -> bool:
        return self.counts.in_place < self.counts.total


@dataclass(frozen=True)
class InstallResult:
    models: tuple[ModelOutcome, ...]
    downloaded_bytes: int = 0
    seconds: float = 0.0
    relocked: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()  # declared models the install profile does not install
    dropped_exports: tuple[str, ...] = ()  # models whose export records re-locking dropped
    notes: tuple[str, ...] = ()  # warnings that did not stop the install (a mirror's refused bytes)

    @property
    def noop(self) -> bool:
        return not any(m.changed for m in self.models)


@dataclass(frozen=True)
class CurrentLock:
    lock: Lock
    relocked: tuple[str, ...] = ()  # why it was re-locked, if it was
    dropped_exports: tuple[str, ...] = ()


def ensure_lock(project: Project, options: Options) -> CurrentLock:
    """The lock to install. --frozen takes ptm.lock as it is (ptm.toml is not read); otherwise a missing
    or stale lock is re-locked first (keeping kept pins), or an error with --locked or --offline.

    Stale also means a local model's files changed since they were locked.
    """
    name = project.lock_path.name
    lock = project.lock()
    if options.frozen:
        if lock is None:
            raise LockError(
                f"{project.lock_path} does not exist; --frozen installs it as it is: run `ptm lock`"
            )
        return CurrentLock(lock)
    from ..resolve import stale_reasons

    manifest = project.manifest()
    never = "--locked" if options.locked else "--offline"
    if lock is None:
        reasons: list[str] = [f"{name} did not exist"]
        if options.locked or options.offline:
            raise LockError(f"{name} does not exist and {never} never locks; run `ptm lock` first")
    else:
        reasons = list(stale_reasons(manifest, lock))
        if not reasons:
            return CurrentLock(lock)
        if options.locked or options.offline:
            as_is = "" if options.locked else ", or install it as it is with --frozen"
            raise LockError(
                f"{name} is stale and {never} never re-locks: {'; '.join(reasons)}. "
                f"Run `ptm lock` and commit {name}{as_is}"
            )
    return _relock(project, manifest, lock, tuple(reasons))


def _relock(project: Project, manifest: Manifest, lock: Lock | None, reasons: tuple[str, ...]) -> CurrentLock:
    from ..graph import require_consistent
    from ..lockfile import write_lock
    from ..resolve import lock_project
    from .store import Store

    require_consistent(manifest, lock)  # what `ptm lock` refuses to lock, install does not lock either
    result = lock_project(manifest, lock, keeper=Store(config.ptm_home()))
    write_lock(project.lock_path, result.lock)
    # An export record belongs to the exact files it was made from: a model whose files moved loses it.
    dropped = tuple(
        sorted(
            c.name
            for c in result.changes
            if c.old and c.old.export_tables and c.new and not c.new.export_tables
        )
    )
    return CurrentLock(result.lock, reasons, dropped)


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
    the models the profile leaves out. With --frozen, ptm.toml is read for its graph only, and a model it
    declares that ptm.lock does not pin is not asked for."""
    if options.profile == "all":
        return options, ()
    from ..graph import profile_models

    manifest = project.declared() if options.frozen else project.manifest()
    chosen = profile_models(manifest, options.profile)
    outside = sorted(set(options.only) - chosen)
    if outside:
        raise PtmError(
            f"--only {', '.join(outside)}: not in the '{options.profile}' profile "
            "(used only for evaluation or to guide training); drop --profile to install them",
            exit_code=2,
        )
    left_out = tuple(sorted(set(manifest.models) - chosen))
    if options.frozen and not options.only and (lock := project.lock()) is not None:
        chosen &= set(lock.models)
    if not chosen:
        raise PtmError(f"the '{options.profile}' profile selects no model of {project.manifest_path.name}")
    return dataclasses.replace(options, only=tuple(sorted(set(options.only) or chosen))), left_out


def install(project: Project, options: Options, reporter: Reporter | None = None) -> InstallResult:
    if options.locked and options.frozen:
        raise PtmError(
            "--locked checks ptm.lock against ptm.toml and --frozen does not read ptm.toml; pass one of them",
            exit_code=2,
        )
    started = time.perf_counter()
    if options.signed_by is not None:
        _require_signed(project, options)
        if not options.frozen:
            options = dataclasses.replace(options, locked=True)
    options, left_out = profile_selection(project, options)
    home, roots = config.ptm_home(), (config.hf_hub_cache(), config.torch_hub_dir())
    state_file = install_state.state_path(home, project.manifest_path, roots)
    state = install_state.load(state_file)
    # --frozen installs the lock whatever ptm.toml says: what it records was not checked against ptm.toml.
    manifest_digest = "" if options.frozen else install_state.file_digest(project.manifest_path)
    if state is not None and not options.verify_hashes:
        lock_digest = install_state.file_digest(project.lock_path)
        names = state.installed(manifest_digest, lock_digest, options.only, frozen=options.frozen)
        if names is not None:
            remember(home, project.lock_path)  # a project installed before the store kept a record
            records = [_in_place(n, state.models[n]) for n in names]
            return InstallResult(tuple(records), seconds=time.perf_counter() - started, left_out=left_out)

    # Past the no-op check: the plan, the store and the thread pool.
    from .fetch import fetch_and_link
    from .plan import Target, check_safety, plan, survey
    from .store import Store

    current = ensure_lock(project, options)
    lock = current.lock
    models = select(lock, options.only)
    layouts = check_safety(models)
    mirrors = _open_mirrors(project, options)
    targets = [Target(m, p) for m in models for p in layouts[m.name].placements]
    store = Store(home)
    store.sweep_stale_temporaries()
    errors: list[PtmError] = []
    trusted = state.trusted() if state is not None else {}
    with store.in_use():  # `ptm cache prune --apply` removes nothing while this install links
        if options.verify_hashes:
            from .verify import verify_installed

            errors += verify_installed(targets, store, offline=options.offline)
            trusted = {}
        statuses = survey(targets, store, trusted)
        work = plan(statuses, [t.file.sha256 for t in targets])
        if options.offline and work.missing:
            errors.append(_offline_missing(targets, work.missing))
        # Offline, a model the store cannot complete is not touched: half of one in place (a snapshot
        # without its ref, a shared TORCH_HOME checkpoint re-linked for a tree that cannot follow) is
        # worse than none.
        try:
            gate = _policy_gate(project, options, lock, [m.name for m in models])
            fetched = fetch_and_link(targets, statuses, work, store, options.offline, reporter, mirrors, gate)
        finally:
            if mirrors is not None:
                mirrors.close()
        errors += fetched.errors
        store.save_verified()

        incomplete = {targets[i].model.name for i in work.link if targets[i].file.sha256 in fetched.failed}
        incomplete |= fetched.refused
        refs = _write_refs([m for m in models if m.name not in incomplete], layouts, errors)
    lock_digest = install_state.file_digest(project.lock_path)
    recorded = install_state.State(manifest_digest or "", lock_digest or "", tuple(sorted(lock.models)))
    _record(state_file, state, recorded, models, layouts, targets, refs, incomplete)
    _raise_errors(errors)
    remember(home, project.lock_path)
    counts = _counts(targets, statuses, work, fetched.downloaded, fetched.from_mirror)
    return InstallResult(
        models=tuple(
            ModelOutcome(
                m.name,
                m.size,
                counts.get(m.name, FileCounts()),
                shown_pin(m),
            )
            for m in models
        ),
        downloaded_bytes=sum(
            {
                t.file.sha256: t.file.size
                for t in targets
                if t.file.sha256 in fetched.downloaded and t.file.sha256 not in fetched.from_mirror
            }.values()
        ),
        notes=(*(mirrors.notes if mirrors is not None else ()), *fetched.notes),
        seconds=time.perf_counter() - started,
        relocked=current.relocked,
        left_out=left_out,
        dropped_exports=current.dropped_exports,
    )


def _require_signed(project: Project, options: Options) -> None:
    """Refuse, before anything is read from a source, a ptm.lock whose models are not all signed."""
    from ..signing import require_signatures

    lock = project.lock()
    if lock is None:
        raise LockError(
            f"{project.lock_path.name} does not exist; --require-signature installs a signed lock only"
        )
    assert options.signed_by is not None
    require_signatures(lock, project.lock_path, options.signed_by)


def _policy_gate(project: Project, options: Options, lock: Lock, names: Sequence[str]) -> Gate | None:
    """ptm.toml's [policy] (ptm audit's) as install's gate: a model with an error finding (a pickle importing
    what the allow-list does not name, a format the policy refuses, a denied licence) is not linked; its
    warnings are printed. --frozen reads no ptm.toml, so it has none."""
    if options.frozen or not project.manifest_path.is_file() or "policy" not in project.declared().data:
        return None

    def gate(store: Store) -> tuple[set[str], list[PtmError], list[str]]:
        from ..audit.run import enforce_policy

        verdict = enforce_policy(
            project.manifest_path, lock, store, names, consequence="nothing of it installed"
        )
        return set(verdict.refused), list(verdict.errors), list(verdict.warnings)

    return gate


def _open_mirrors(project: Project, options: Options) -> Mirrors | None:
    """The registry and cache to ask before the hubs, if any is set (never offline)."""
    from .mirrors import Mirrors, mirror_settings

    if options.offline:
        return None
    # --frozen reads no ptm.toml: its mirrors come from the environment only.
    data = {} if options.frozen or not project.manifest_path.is_file() else project.declared().data
    settings = mirror_settings(data, push=options.cache_push, only=options.mirror_only)
    return Mirrors(settings) if settings.any else None


def _in_place(name: str, record: install_state.ModelRecord) -> ModelOutcome:
    return ModelOutcome(name, record.size, FileCounts(in_place=record.files), record.pin)


def shown_pin(model: LockedModel) -> str:
    return f"{model.repo}@{model.pin}" if model.repo else f"{model.origin}  {model.pin}"


def _offline_missing(targets: Sequence[Target], missing: Sequence[int]) -> PtmError:
    from .plan import describe_missing

    return PtmError(
        f"--offline: not in the store: {describe_missing(targets, missing)}; nothing of these models was "
        "installed. Run `ptm install` with network access"
    )


def _counts(
    targets: Sequence[Target],
    statuses: Sequence[Status],
    work: Plan,
    downloaded: Collection[str],
    from_mirror: Collection[str] = (),
) -> dict[str, FileCounts]:
    """Each model's files by where their bytes came from: the one target a blob was fetched for counts it
    as downloaded (or copied from disk); every other path is linked from the store."""
    from .plan import Status

    source = {targets[i].file.sha256: i for i in work.fetch}
    linked = set(work.link)
    counts: dict[str, FileCounts] = {}
    for i, target in enumerate(targets):
        sha = target.file.sha256
        if i not in linked:
            one = FileCounts(in_place=1)
        elif source.get(sha) == i and sha in from_mirror:
            one = FileCounts(from_mirror=1)
        elif source.get(sha) == i and sha in downloaded:
            one = FileCounts(downloaded=1)
        elif source.get(sha) == i and statuses[i] == Status.ON_DISK:
            one = FileCounts(from_disk=1)
        else:
            one = FileCounts(from_store=1)
        counts[target.model.name] = counts.get(target.model.name, FileCounts()) + one
    return counts


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
    if not current.lock:
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
            record = install_state.ModelRecord(
                files, model.size, tuple(s for s in stats if s), shown_pin(model)
            )
            kept[model.name] = record
    install_state.save(state_file, dataclasses.replace(current, models=kept))


def _stat(path: Path, tag: str) -> install_state.StatRecord | None:
    stat = fingerprint(path)
    return install_state.StatRecord(str(path), tag, stat) if stat is not None else None
