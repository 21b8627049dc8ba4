"""Fetch missing blobs into the store with a bounded pool, and link each into the cache as it lands."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from .. import config
from ..errors import IntegrityError, PtmError
from ..hubs.base import Opener, Reader, open_local
from ..progress import Reporter
from . import links
from .plan import Plan, Status, Target, on_disk
from .store import Store, cannot_write

if TYPE_CHECKING:
    from .mirrors import Mirrors

# Looks at the fetched store before anything is linked: (the models it refuses, one error for each reason,
# warnings that refuse nothing).
Gate = Callable[[Store], tuple[set[str], list[PtmError], list[str]]]


@dataclass(frozen=True)
class Fetched:
    downloaded: frozenset[str]  # the shas that came over the network (from a hub or a mirror)
    failed: frozenset[str]  # the shas that are not in place (not fetched, or not linked everywhere)
    errors: tuple[PtmError, ...]
    from_mirror: frozenset[str] = frozenset()  # of the downloaded, those a mirror served
    refused: frozenset[str] = frozenset()  # models the gate ([policy]) kept from being linked
    notes: tuple[str, ...] = ()  # the gate's warnings


# Where _fetch found a blob's bytes.
ON_THIS_MACHINE, FROM_HUB, FROM_MIRROR = "on this machine", "hub", "mirror"


def _opener(target: Target, readers: Mapping[str, Reader], offline: bool) -> Opener:
    """The bytes from the model's source. Offline only a blob found corrupt in the store (and removed)
    gets this far, missing ones are not fetched at all: an IntegrityError."""
    if offline:

        def refuse(offset: int) -> NoReturn:
            raise IntegrityError(
                f"{target.label}: the store's copy was changed on disk and no longer matches ptm.lock "
                "(removed it); run `ptm install` with network access to fetch it again"
            )

        return refuse
    reader = readers[target.model.hub]
    return lambda offset: reader.open(target.model, target.file, offset)


class _Cancelled(Exception):
    pass


def _fetch(
    target: Target,
    store: Store,
    from_disk: bool,
    opener: Opener,
    offline: bool,
    on_bytes: Callable[[int], None],
    mirrors: Mirrors | None = None,
) -> str:
    """Bring one blob into the store (hashing a present one whose stat changed): from a copy on this
    machine, else a mirror, else the model's hub; where its bytes came from."""
    sha, size = target.file.sha256, target.file.size
    try:
        if from_disk:
            try:
                store.ingest(sha, size, open_local(on_disk(target)), target.label, on_bytes)
                return ON_THIS_MACHINE
            except IntegrityError:
                if target.placement.origin is None:  # a bad copy in the cache: drop it, use the hub
                    target.cache_blob.unlink(missing_ok=True)
                if offline:
                    raise
        if mirrors is not None and not offline and mirrors.ingest(target, store, on_bytes):
            return FROM_MIRROR
        if not store.ingest(sha, size, opener, target.label, on_bytes):
            return ON_THIS_MACHINE  # another process put it into the store meanwhile
        if mirrors is not None:
            mirrors.write_back(target, store)
        return FROM_HUB
    except OSError as error:
        source = Path(error.filename) if error.filename else store.root
        if not source.is_relative_to(store.root):  # the copy on disk the bytes were to come from
            raise PtmError(
                f"{target.label}: cannot read {source} ({error.strerror}); make it readable and run "
                "`ptm install` again"
            ) from error
        raise PtmError(f"{target.label}: {cannot_write(store.root, error, 'PTM_HOME')}") from error


def _link(target: Target, store: Store) -> None:
    try:
        links.place_blob(store.path(target.file.sha256), target.cache_blob)
        if target.dest != target.cache_blob:
            links.place_pointer(target.cache_blob, target.dest)
    except OSError as error:
        raise PtmError(
            f"{target.label}: {cannot_write(target.dest, error, _setting(target, store))}"
        ) from error


def _setting(target: Target, store: Store) -> str:
    """The variable that moves the folder a path is written into."""
    root = target.placement.root
    if root.is_relative_to(store.root):
        return "PTM_HOME"
    return "TORCH_HOME" if root.is_relative_to(config.torch_hub_dir()) else "HF_HUB_CACHE"


def fetch_and_link(
    targets: Sequence[Target],
    statuses: Sequence[Status],
    work: Plan,
    store: Store,
    offline: bool,
    reporter: Reporter | None,
    mirrors: Mirrors | None = None,
    gate: Gate | None = None,
) -> Fetched:
    """Fetch with a bounded pool, linking each blob's paths as it lands; every failure is collected, so
    that one bad file does not stop the others.

    Offline (nothing missing can be fetched) nothing is linked until every blob is checked to be in the
    store, and then only for the models that have all of theirs: a model the store cannot complete is
    left as it was, with no snapshot half made and no shared checkpoint re-linked. With a ``gate`` (ptm.toml's
    [policy]) linking waits the same way, and the models it refuses are not linked at all."""
    by_sha: dict[str, list[Target]] = {}
    for i in work.link:
        by_sha.setdefault(targets[i].file.sha256, []).append(targets[i])
    fetch = [i for i in work.fetch if not (offline and statuses[i] == Status.MISSING)]
    fetching = {targets[i].file.sha256 for i in work.fetch}
    failed = fetching - {targets[i].file.sha256 for i in fetch}  # missing, and --offline may not fetch
    errors: list[PtmError] = []
    in_store = [sha for sha in by_sha if sha not in fetching]

    def link(sha: str) -> None:
        _link_all(by_sha[sha], store, errors, failed)

    deferred = offline or gate is not None
    if not deferred:  # online, every blob is linked as soon as it is there
        for sha in in_store:
            link(sha)
    origins, landed = _fetch_all(
        [(targets[i], statuses[i] == Status.ON_DISK) for i in fetch],
        store,
        offline,
        reporter,
        errors,
        on_landed=None if deferred else link,
        mirrors=mirrors,
    )
    failed |= fetching - landed
    refused: set[str] = set()
    notes: list[str] = []
    if deferred:
        if gate is not None:
            refused, problems, warnings = gate(store)
            errors += problems
            notes += warnings
        held = refused | {t.model.name for sha in failed for t in by_sha[sha]}  # refused or incomplete
        for sha in [*in_store, *landed]:
            if group := [t for t in by_sha[sha] if t.model.name not in held]:
                _link_all(group, store, errors, failed)
    downloaded = frozenset(sha for sha, origin in origins.items() if origin != ON_THIS_MACHINE)
    from_mirror = frozenset(sha for sha, origin in origins.items() if origin == FROM_MIRROR)
    return Fetched(
        downloaded, frozenset(failed), tuple(errors), from_mirror, frozenset(refused), tuple(notes)
    )


def _fetch_all(
    work: Sequence[tuple[Target, bool]],
    store: Store,
    offline: bool,
    reporter: Reporter | None,
    errors: list[PtmError],
    on_landed: Callable[[str], None] | None,
    mirrors: Mirrors | None = None,
) -> tuple[dict[str, str], set[str]]:
    """Bring each (target, from disk) blob into the store in a bounded pool, calling ``on_landed`` with
    each sha as it lands; (where each landed sha's bytes came from, the shas now in the store)."""
    origins: dict[str, str] = {}
    landed: set[str] = set()
    if not work:
        return origins, landed
    from .. import hubs

    cancelled = threading.Event()

    def on_bytes(n: int) -> None:
        if cancelled.is_set():
            raise _Cancelled  # stop promptly on Ctrl-C; the partial file stays for the next run
        if reporter is not None:
            reporter.advance(n)

    if reporter is not None:
        reporter.start(len(work), sum(target.file.size for target, _ in work))
    # What a source keeps open from one file to the next (torch.hub's archives) closes after the pool.
    with ExitStack() as readers:
        hubs_used = sorted({target.model.hub for target, _ in work}) if not offline else []
        by_hub = {hub: readers.enter_context(hubs.source_for(hub).reader()) for hub in hubs_used}
        pool = ThreadPoolExecutor(max_workers=config.pool_size(len(work)))
        try:
            futures: dict[Future[str], Target] = {}
            for target, from_disk in work:
                opener = _opener(target, by_hub, offline)
                job = pool.submit(_fetch, target, store, from_disk, opener, offline, on_bytes, mirrors)
                futures[job] = target
            for future in as_completed(futures):
                sha = futures[future].file.sha256
                try:
                    origins[sha] = future.result()
                except PtmError as error:
                    errors.append(error)
                    continue
                landed.add(sha)
                if on_landed is not None:
                    on_landed(sha)
        except BaseException:
            cancelled.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if reporter is not None:
                reporter.close()
    return origins, landed


def _link_all(group: Sequence[Target], store: Store, errors: list[PtmError], failed: set[str]) -> None:
    for target in group:
        try:
            _link(target, store)
        except PtmError as error:
            errors.append(error)
            failed.add(target.file.sha256)
    store.relinked(group[0].file.sha256)
