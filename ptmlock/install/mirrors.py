"""Mirrors in front of the hubs: an OCI registry (`ptm push`'s artifacts), then a shared S3 cache.

Each missing blob is asked of them by its sha256 in ptm.lock, in that order, before its hub. What a mirror
serves goes through the store's check like any download; a mismatch is refused (nothing of it is kept), said
on one line, and the hub asked instead. What had to come from the hub is written back to the S3 cache, so
the next job finds it there; an object found corrupt there is replaced.

Settings: PTM_OCI_MIRROR and PTM_CACHE_REMOTE (also ptm.toml's ``[mirrors] oci`` and ``[cache] remote``;
the variables win), PTM_CACHE_PUSH=0 or --no-push to only read the cache, --mirror-only to never reach a hub.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import IntegrityError, PtmError
from ..hubs.base import Opener
from ..mirrors.base import Mirror, NotInMirror
from .plan import Target
from .store import Store


@dataclass(frozen=True)
class MirrorSettings:
    oci: str | None = None
    remote: str | None = None  # s3://bucket/prefix
    push: bool = True  # write what came from a hub back to the remote cache
    only: bool = False  # --mirror-only: a blob no mirror has is an error, not a hub download

    @property
    def any(self) -> bool:
        return bool(self.oci or self.remote)


def _table_value(data: Mapping[str, Any], table: str, key: str) -> str | None:
    value = data.get(table, {}).get(key) if isinstance(data.get(table), Mapping) else None
    return value if isinstance(value, str) and value else None


def mirror_settings(
    manifest_data: Mapping[str, Any], push: bool = True, only: bool = False
) -> MirrorSettings:
    """The mirrors an install uses: the environment's, else ptm.toml's (``manifest_data`` is its tables)."""
    oci = os.environ.get("PTM_OCI_MIRROR") or _table_value(manifest_data, "mirrors", "oci")
    remote = os.environ.get("PTM_CACHE_REMOTE") or _table_value(manifest_data, "cache", "remote")
    push = push and os.environ.get("PTM_CACHE_PUSH", "1") not in ("0", "false", "no")
    if only and not (oci or remote):
        raise PtmError(
            "--mirror-only needs a mirror: set PTM_OCI_MIRROR=oci://REGISTRY/PREFIX or "
            "PTM_CACHE_REMOTE=s3://BUCKET/PREFIX (or [mirrors] oci / [cache] remote in ptm.toml)",
            exit_code=2,
        )
    return MirrorSettings(oci or None, remote or None, push, only)


def _opener(mirror: Mirror, target: Target) -> Opener:
    return lambda offset: mirror.open(target.model, target.file, offset)


class Mirrors:
    """The mirrors of one install, open for its length; thread-safe (the fetch pool calls it)."""

    def __init__(self, settings: MirrorSettings) -> None:
        from ..mirrors.oci import OciMirror
        from ..mirrors.reference import parse_reference
        from ..mirrors.s3 import S3Cache

        self.settings = settings
        self._oci = OciMirror(parse_reference(settings.oci, "PTM_OCI_MIRROR")) if settings.oci else None
        self._cache = S3Cache(settings.remote) if settings.remote else None
        self._mirrors: list[Mirror] = [m for m in (self._oci, self._cache) if m is not None]
        self._lock = threading.Lock()
        self._bad_in_cache: set[str] = set()
        self.notes: list[str] = []

    def close(self) -> None:
        for mirror in self._mirrors:
            mirror.close()

    def _note(self, line: str) -> None:
        with self._lock:
            self.notes.append(line)

    def ingest(self, target: Target, store: Store, on_bytes: Callable[[int], None]) -> bool:
        """Bring ``target``'s blob into the store from the first mirror that has the locked bytes."""
        sha, size = target.file.sha256, target.file.size
        for mirror in self._mirrors:
            try:
                store.ingest(sha, size, _opener(mirror, target), target.label, on_bytes)
                return True
            except NotInMirror:
                continue
            except IntegrityError:
                if mirror is self._cache:
                    with self._lock:
                        self._bad_in_cache.add(sha)
                self._note(
                    f"warning: {target.label}: {mirror.label} served bytes that do not match ptm.lock; "
                    "refused them (nothing kept) and fetched the file from its hub"
                )
            except PtmError as error:
                self._note(f"warning: {error.message}; fetched {target.label} from its hub")
        if self.settings.only:
            raise PtmError(
                f"{target.label}: not in {' or '.join(m.label for m in self._mirrors)}, and --mirror-only "
                "keeps ptm from its hub; push it there (`ptm push`) or drop --mirror-only"
            )
        return False

    def write_back(self, target: Target, store: Store) -> None:
        """Put a blob that had to come from a hub into the remote cache (replacing a corrupt object)."""
        if self._cache is None or not self.settings.push:
            return
        sha = target.file.sha256
        try:
            with self._lock:
                replace = sha in self._bad_in_cache
            self._cache.put(sha, store.path(sha), replace=replace)
        except PtmError as error:  # the cache only saves others a download: never fail an install for it
            self._note(f"warning: {error.message}; {target.label} was installed but not cached")


@dataclass(frozen=True)
class CachePush:
    sent: int
    sent_bytes: int
    present: int  # already in the remote cache
    skipped: tuple[str, ...]  # blobs whose bytes no longer match their name: never shared


def push_store(store: Store, remote: str) -> CachePush:
    """Every blob of ``store`` into the remote cache (`ptm cache push`): those the store vouches for as
    they are, others hashed first, so that a blob corrupted on this disk is never shared."""
    from concurrent.futures import ThreadPoolExecutor

    from .. import config
    from ..files import hash_file
    from ..mirrors.s3 import S3Cache
    from .inventory import scan_blobs

    cache = S3Cache(remote)
    blobs = list(scan_blobs(store.root).values())

    def push(blob: Any) -> tuple[int, bool]:
        if not store.unchanged(blob.sha256) and hash_file(blob.path) != (blob.sha256, blob.size):
            return -1, False
        return blob.size, cache.put(blob.sha256, blob.path)

    try:
        with store.in_use(), ThreadPoolExecutor(config.pool_size(len(blobs))) as pool:
            results = list(pool.map(push, blobs))
    finally:
        cache.close()
    sent = [size for size, put in results if put]
    skipped = tuple(b.sha256 for b, (size, _) in zip(blobs, results, strict=True) if size < 0)
    return CachePush(len(sent), sum(sent), len(results) - len(sent) - len(skipped), skipped)
