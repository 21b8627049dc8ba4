"""`ptm install`: put exactly the locked bytes into the Hugging Face cache, through the verified store.

Steps: a fast no-op check from file stats; make sure the lock is current (or fail, with --frozen); check
every path before anything is written; survey what is already in place; fetch the missing blobs into the
store with a bounded pool (hashed as they arrive); link them into the cache; record what was installed.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import config, hf_cache, install_state
from .errors import IntegrityError, LockError, PtmError
from .lockfile import Lock, LockedFile, LockedModel, staleness, write_lock
from .manifest import COMMIT_RE, Manifest
from .paths import unsafe_path_reason
from .progress import Reporter
from .project import Project
from .store import Opener, Store, open_local

INSTALLED, IN_STORE, ON_DISK, MISSING = "installed", "in-store", "on-disk", "missing"


@dataclass(frozen=True)
class Options:
    frozen: bool = False
    offline: bool = False
    only: tuple[str, ...] = ()
    verify_hashes: bool = False


@dataclass(frozen=True)
class Target:
    """One locked file of one model, and where it goes in the cache."""

    model: LockedModel
    file: LockedFile
    repo_dir: Path

    @property
    def dest(self) -> Path:
        return self.repo_dir / "snapshots" / self.model.commit / self.file.path

    @property
    def cache_blob(self) -> Path:
        return self.repo_dir / "blobs" / self.file.sha256

    @property
    def label(self) -> str:
        return f"model '{self.model.name}' ({self.model.repo}@{self.model.commit[:12]}) file {self.file.path}"


@dataclass(frozen=True)
class Plan:
    fetch: tuple[int, ...]  # one target per blob to bring into the store
    link: tuple[int, ...]  # every target whose cache entry must be made
    missing: tuple[int, ...]  # targets whose blob exists nowhere on this machine


@dataclass(frozen=True)
class ModelOutcome:
    name: str
    files: int
    size: int
    changed: bool


@dataclass(frozen=True)
class InstallResult:
    models: tuple[ModelOutcome, ...]
    downloaded_files: int = 0
    downloaded_bytes: int = 0
    linked_from_store: int = 0
    seconds: float = 0.0
    relocked: tuple[str, ...] = ()

    @property
    def noop(self) -> bool:
        return not any(m.changed for m in self.models)


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


def ensure_lock(project: Project, manifest: Manifest, options: Options) -> tuple[Lock, tuple[str, ...]]:
    """The current lock; without --frozen a missing or stale one is re-locked first (keeping kept pins)."""
    from .resolve import lock_project

    name = project.lock_path.name
    lock = project.lock()
    if lock is None:
        reasons: list[str] = [f"{name} did not exist"]
        if options.frozen or options.offline:
            flag = "--frozen" if options.frozen else "--offline"
            raise LockError(f"{name} does not exist and {flag} never resolves; run `ptm lock` first")
    else:
        reasons = staleness(manifest, lock).describe()
        if not reasons:
            return lock, ()
        if options.frozen or options.offline:
            flag = "--frozen" if options.frozen else "--offline"
            raise LockError(
                f"{name} is stale and {flag} never re-locks: {'; '.join(reasons)}. "
                f"Run `ptm lock` and commit {name}"
            )
    result = lock_project(manifest, lock)
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


def check_safety(models: Sequence[LockedModel], cache: Path) -> None:
    """Refuse, before anything is written, any path that could land outside the model's cache folder."""
    from . import hubs

    for model in models:
        where = f"ptm.lock: model '{model.name}'"
        if problem := hubs.check_options(model.hub, {"repo": model.repo}):
            raise LockError(f"{where}: {problem[1]}; regenerate the lock with `ptm lock`")
        for file in model.files:
            if reason := unsafe_path_reason(file.path):
                raise LockError(f"{where}: file {file.path!r} {reason}; refusing to install it")
        ref = _ref_name(model)
        if ref is not None and (reason := unsafe_path_reason(ref)):
            raise LockError(f"{where}: revision {ref!r} {reason}; refusing to install it")
        repo_dir = hf_cache.repo_folder(model.repo or "", cache)
        folders = hf_cache.folders_written(model.commit, (f.path for f in model.files), ref)
        if escape := hf_cache.escaping_symlink(repo_dir, folders):
            raise PtmError(
                f"refusing to install model '{model.name}': {escape[0]} is a symlink to {escape[1]}, "
                f"outside {repo_dir}; remove it and run `ptm install` again"
            )


def _ref_name(model: LockedModel) -> str | None:
    return None if COMMIT_RE.match(model.revision) else model.revision


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
        elif (found := install_state.fingerprint(t.cache_blob)) is not None and found[0] == size:
            statuses.append(ON_DISK)  # e.g. an LFS blob huggingface_hub downloaded earlier: hashed on ingest
        else:
            statuses.append(MISSING)
    return statuses


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _describe_missing(targets: Sequence[Target], indices: Sequence[int]) -> str:
    by_model: dict[str, list[str]] = {}
    for i in indices:
        by_model.setdefault(targets[i].model.name, []).append(targets[i].file.path)
    parts = []
    for name, paths in by_model.items():
        total = sum(1 for t in targets if t.model.name == name)
        parts.append(f"{name} (all {total} files)" if len(paths) == total else f"{name}: {', '.join(paths)}")
    return "; ".join(parts)


def _opener(target: Target, from_disk: bool) -> Opener:
    if from_disk:
        return open_local(target.cache_blob)
    from . import hubs

    source = hubs.source_for(target.model.hub)
    return lambda offset: source.open(target.model, target.file, offset)


class _Cancelled(Exception):
    pass


def _fetch(
    target: Target, store: Store, from_disk: bool, offline: bool, on_bytes: Callable[[int], None]
) -> bool:
    """Bring one blob into the store; True when it came over the network."""
    sha, size = target.file.sha256, target.file.size
    try:
        if from_disk:
            try:
                store.ingest(sha, size, _opener(target, True), target.label, on_bytes)
                return False
            except IntegrityError:
                target.cache_blob.unlink(missing_ok=True)  # a bad copy in the cache: drop it, use the hub
                if offline:
                    raise
        store.ingest(sha, size, _opener(target, False), target.label, on_bytes)
        return True
    except OSError as error:
        raise PtmError(f"{target.label}: cannot write to the store {store.root}: {error}") from None


def _link(target: Target, store: Store) -> None:
    try:
        hf_cache.place_blob(store.path(target.file.sha256), target.cache_blob)
        hf_cache.place_pointer(target.cache_blob, target.dest)
    except OSError as error:
        raise PtmError(f"{target.label}: cannot write {target.dest}: {error}") from None


def _raise_errors(errors: Sequence[PtmError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        first = sorted(errors, key=lambda e: not isinstance(e, IntegrityError))[0]
        raise PtmError(f"{first.message} (and {len(errors) - 1} more error(s))", exit_code=first.exit_code)


def install(project: Project, options: Options, reporter: Reporter | None = None) -> InstallResult:
    started = time.perf_counter()
    home, cache = config.ptm_home(), config.hf_hub_cache()
    state_file = install_state.state_path(home, project.manifest_path, cache)
    state = install_state.load(state_file)
    manifest_digest = install_state.file_digest(project.manifest_path)
    if state is not None and not options.verify_hashes:
        names = state.installed(manifest_digest, install_state.file_digest(project.lock_path), options.only)
        if names is not None:
            records = [ModelOutcome(n, state.models[n].files, state.models[n].size, False) for n in names]
            return InstallResult(tuple(records), seconds=time.perf_counter() - started)

    lock, relocked = ensure_lock(project, project.manifest(), options)
    models = select(lock, options.only)
    check_safety(models, cache)
    targets = [Target(m, f, hf_cache.repo_folder(m.repo or "", cache)) for m in models for f in m.files]
    store = Store(home)
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
                f"store: {_describe_missing(targets, work.missing)}; run `ptm install` with network access"
            )
        )
    fetched, downloaded_bytes, failed_shas = _fetch_and_link(
        targets, statuses, work, store, options, reporter, errors
    )

    incomplete = {targets[i].model.name for i in work.link if targets[i].file.sha256 in failed_shas}
    refs = _write_refs([m for m in models if m.name not in incomplete], cache, errors)
    lock_digest = install_state.file_digest(project.lock_path)
    current = install_state.State(manifest_digest or "", lock_digest or "", tuple(sorted(lock.models)))
    _record(state_file, state, current, models, targets, refs, incomplete)
    _raise_errors(errors)
    changed = {targets[i].model.name for i in work.link}
    return InstallResult(
        models=tuple(ModelOutcome(m.name, len(m.files), m.size, m.name in changed) for m in models),
        downloaded_files=fetched,
        downloaded_bytes=downloaded_bytes,
        linked_from_store=sum(1 for i in work.link if statuses[i] == IN_STORE),
        seconds=time.perf_counter() - started,
        relocked=relocked,
    )


def _fetch_and_link(
    targets: Sequence[Target],
    statuses: Sequence[str],
    work: Plan,
    store: Store,
    options: Options,
    reporter: Reporter | None,
    errors: list[PtmError],
) -> tuple[int, int, set[str]]:
    """Fetch with a bounded pool, linking each blob's entries as it lands; (downloads, bytes, failed shas)."""
    by_sha: dict[str, list[Target]] = {}
    for i in work.link:
        by_sha.setdefault(targets[i].file.sha256, []).append(targets[i])
    fetch = [i for i in work.fetch if not (options.offline and statuses[i] == MISSING)]
    failed = {targets[i].file.sha256 for i in work.fetch} - {targets[i].file.sha256 for i in fetch}
    for sha, group in by_sha.items():
        if sha not in {targets[i].file.sha256 for i in work.fetch}:
            _link_all(group, store, errors, failed)
    if not fetch:
        return 0, 0, failed

    cancelled = threading.Event()

    def on_bytes(n: int) -> None:
        if cancelled.is_set():
            raise _Cancelled  # stop promptly on Ctrl-C; the partial file stays for the next run
        if reporter is not None:
            reporter.advance(n)

    if reporter is not None:
        reporter.start(len(fetch), sum(targets[i].file.size for i in fetch))
    downloads = downloaded_bytes = 0
    pool = ThreadPoolExecutor(max_workers=max(1, min(config.max_workers(), len(fetch))))
    try:
        futures: dict[Future[bool], Target] = {}
        for i in fetch:
            from_disk = statuses[i] == ON_DISK
            futures[pool.submit(_fetch, targets[i], store, from_disk, options.offline, on_bytes)] = targets[i]
        for future in as_completed(futures):
            target = futures[future]
            try:
                if future.result():
                    downloads += 1
                    downloaded_bytes += target.file.size
            except PtmError as error:
                errors.append(error)
                failed.add(target.file.sha256)
                continue
            _link_all(by_sha[target.file.sha256], store, errors, failed)
    except BaseException:
        cancelled.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if reporter is not None:
            reporter.close()
    return downloads, downloaded_bytes, failed


def _link_all(group: Sequence[Target], store: Store, errors: list[PtmError], failed: set[str]) -> None:
    for target in group:
        try:
            _link(target, store)
        except PtmError as error:
            errors.append(error)
            failed.add(target.file.sha256)


def _write_refs(models: Sequence[LockedModel], cache: Path, errors: list[PtmError]) -> dict[str, Path]:
    """refs/<branch or tag> = locked commit, for complete models, so lookups by revision name agree."""
    refs = {}
    for model in models:
        if (ref := _ref_name(model)) is not None:
            try:
                repo_dir = hf_cache.repo_folder(model.repo or "", cache)
                refs[model.name] = hf_cache.write_ref(repo_dir, ref, model.commit)
            except OSError as error:
                errors.append(PtmError(f"model '{model.name}': cannot write the ref {ref!r}: {error}"))
    return refs


def _record(
    state_file: Path,
    previous: install_state.State | None,
    current: install_state.State,
    models: Sequence[LockedModel],
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
        if model.name in incomplete or (_ref_name(model) is not None and model.name not in refs):
            continue
        entries = [_entry(t.dest, t.file.sha256) for t in targets if t.model is model]
        if model.name in refs:
            entries.append(_entry(refs[model.name], f"ref:{model.commit}"))
        if all(e is not None for e in entries):
            record = install_state.ModelRecord(len(model.files), model.size, tuple(e for e in entries if e))
            kept[model.name] = record
    install_state.save(state_file, dataclasses.replace(current, models=kept))


def _entry(path: Path, tag: str) -> install_state.Entry | None:
    stat = install_state.fingerprint(path)
    return install_state.Entry(str(path), tag, stat) if stat is not None else None
