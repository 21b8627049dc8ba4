"""The content-addressed store: every locked file once, by sha256, shared by all projects of a user.

Layout under ``config.ptm_home()``::

    blobs/sha256/ab/abcdef...   verified bytes, read-only
    tmp/<sha256>.partial        an interrupted download of a large file, resumed by the next run
    tmp/<name>.<random>.whole   a whole file being published (swept if a killed run left it)
    locks/<sha256>.lock         one file lock per large blob, so concurrent processes fetch it once

``tmp`` sits next to ``blobs`` on the same filesystem, so publishing a blob is one atomic rename, and a
blob only ever appears after its bytes matched the hash. Files under ``WHOLE_FILE`` bytes are fetched
whole into memory, without a lock: nothing of them is worth resuming, and two processes publishing the
same blob at once publish the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import IntegrityError

if TYPE_CHECKING:
    from .hubs.base import Download

CHUNK = 1 << 20
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
# Files smaller than this are fetched whole, without a lock; larger ones resume from a shared partial.
WHOLE_FILE = 1 << 20
# A private temporary is written to until it is renamed into blobs/; one untouched for longer than this
# was left by a killed run.
STALE_TEMP_S = 3600.0

# Opens the bytes of one file from ``offset`` (or from 0, if the source cannot resume).
Opener = Callable[[int], AbstractContextManager["Download"]]


def hash_file(path: Path) -> tuple[str, int]:
    """(sha256, size) of a file, read in large chunks (hashlib releases the GIL, so threads scale)."""
    with open(path, "rb", buffering=0) as handle:
        return hash_stream(handle)


def hash_stream(handle: IO[bytes]) -> tuple[str, int]:
    """(sha256, size) of what is left to read in ``handle``."""
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def open_local(path: Path) -> Opener:
    """An Opener for a file already on disk (e.g. a blob huggingface_hub downloaded before us)."""

    @contextmanager
    def opener(offset: int) -> Iterator[Download]:
        from .hubs.base import Download

        with open(path, "rb", buffering=0) as handle:
            handle.seek(offset)
            yield Download(offset=offset, chunks=iter(lambda: handle.read(CHUNK), b""))

    return opener


def check_digest(label: str, sha256: str, size: int, digest: Any, got: int, hint: str | None = None) -> None:
    """IntegrityError unless ``got`` bytes hashing to ``digest`` are exactly the locked file; ``hint``
    says why they may differ, when the source can tell."""
    actual = digest.hexdigest()
    if got == size and actual == sha256:
        return
    shown = actual if got == size else ("more bytes than locked" if got > size else "a short file")
    why = hint or (
        "the source served other bytes than ptm.lock pins (if the lock was edited by hand, regenerate it "
        "with `ptm lock`)"
    )
    raise IntegrityError(
        f"{label}: sha256 mismatch: expected {sha256} ({size} bytes), got {shown} ({got} bytes); "
        f"nothing of this file was installed: {why}"
    )


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / "blobs" / "sha256" / sha256[:2] / sha256

    def partial_path(self, sha256: str) -> Path:
        return self.root / "tmp" / f"{sha256}.partial"

    def has(self, sha256: str, size: int) -> bool:
        try:
            return self.path(sha256).stat().st_size == size
        except OSError:
            return False

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    @contextmanager
    def locked(self, sha256: str) -> Iterator[None]:
        """Held while one blob is fetched: a second process waits, then finds the blob present."""
        from filelock import FileLock  # imported here: a no-op install never takes a lock

        locks = self.root / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        with FileLock(locks / f"{sha256}.lock"):
            yield

    def ingest(
        self,
        sha256: str,
        size: int,
        opener: Opener,
        label: str,
        on_bytes: Callable[[int], None] | None = None,
    ) -> bool:
        """Fetch, hash while writing, publish atomically; IntegrityError (keeping nothing) on mismatch.

        True when this call brought the bytes, False when the blob was already there (perhaps put there
        meanwhile by another process).
        """
        if self._present(sha256, size, on_bytes):
            return False
        partial = self.partial_path(sha256)
        if size < WHOLE_FILE and not partial.exists():
            self._publish_whole(sha256, size, opener, label, on_bytes)
            return True
        with self.locked(sha256):
            if self._present(sha256, size, on_bytes):
                return False
            partial.parent.mkdir(parents=True, exist_ok=True)
            resuming = partial.exists()
            try:
                self._write_partial(partial, size, opener, label, sha256, on_bytes, resume=True)
            except IntegrityError:
                if not resuming:
                    raise
                # The partial left by an earlier run may itself be bad: retry once from the first byte.
                self._write_partial(partial, size, opener, label, sha256, on_bytes, resume=False)
            self.adopt(partial, sha256, size)
            partial.unlink(missing_ok=True)  # still there if a small-file writer published it meanwhile
        return True

    def _present(self, sha256: str, size: int, on_bytes: Callable[[int], None] | None) -> bool:
        if not self.has(sha256, size):
            return False
        if on_bytes:
            on_bytes(size)  # progress counts the file as done
        return True

    def sweep_stale_temporaries(self) -> None:
        """Remove private temporaries that a killed run left (partials stay: they resume)."""
        cutoff = time.time() - STALE_TEMP_S
        try:
            entries = list(os.scandir(self.root / "tmp"))
        except OSError:
            return
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.name.endswith(".whole") and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)

    def _publish_whole(
        self, sha256: str, size: int, opener: Opener, label: str, on_bytes: Callable[[int], None] | None
    ) -> None:
        """A small file, fetched whole into memory, checked, then written and renamed into place.

        Nothing of it is worth resuming, and two processes publishing the same blob at once write the
        same bytes, so it needs neither the shared partial nor the lock (on a tree of many small files,
        creating one lock file each would cost as much as the files themselves).
        """
        digest, data = hashlib.sha256(), bytearray()
        with opener(0) as download:
            for chunk in download.chunks:
                data += chunk
                if len(data) > size:
                    break
                digest.update(chunk)
                if on_bytes:
                    on_bytes(len(chunk))
        check_digest(label, sha256, size, digest, len(data), download.mismatch_hint)
        private = self.private_temp(sha256)
        try:
            with open(private, "wb") as handle:
                handle.write(data)
            self.adopt(private, sha256, size)
        finally:
            private.unlink(missing_ok=True)

    def private_temp(self, name: str) -> Path:
        """A new path in tmp/ for one writer; a killed run's are swept (sweep_stale_temporaries)."""
        scratch = self.root / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        return scratch / f"{name}.{secrets.token_hex(6)}.whole"

    def adopt(self, path: Path, sha256: str, size: int) -> None:
        """Publish a file already checked to hold these bytes (read-only, renamed into blobs/)."""
        if self.has(sha256, size):
            return
        os.chmod(path, READ_ONLY)
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, final)

    def _write_partial(
        self,
        partial: Path,
        size: int,
        opener: Opener,
        label: str,
        sha256: str,
        on_bytes: Callable[[int], None] | None,
        resume: bool,
    ) -> None:
        digest, have = hashlib.sha256(), 0
        if resume and partial.exists() and (kept := partial.stat().st_size) <= size:
            have = kept
            with open(partial, "rb") as handle:  # re-hash the bytes kept from last time
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
        got, hint = have, None
        if have < size:
            with opener(have) as download:
                if download.offset != have:  # the source sent the whole file: start over
                    digest, have = hashlib.sha256(), 0
                got = _append(partial, have, download.chunks, digest, size, on_bytes)
                hint = download.mismatch_hint
        elif on_bytes:
            on_bytes(have)
        try:
            check_digest(label, sha256, size, digest, got, hint)
        except IntegrityError:
            partial.unlink(missing_ok=True)
            raise


def _append(
    partial: Path,
    have: int,
    chunks: Iterator[bytes],
    digest: Any,
    size: int,
    on_bytes: Callable[[int], None] | None,
) -> int:
    """Write the arriving chunks after the first ``have`` bytes, hashing them; the byte count reached."""
    with open(partial, "r+b" if have else "wb") as handle:
        handle.seek(have)
        handle.truncate()
        if have and on_bytes:
            on_bytes(have)
        got = have
        for chunk in chunks:
            got += len(chunk)
            if got > size:
                break
            digest.update(chunk)
            handle.write(chunk)
            if on_bytes:
                on_bytes(len(chunk))
    return got
