"""The content-addressed store: every locked file once, by sha256, shared by all projects of a user.

Layout under ``config.ptm_home()``::

    blobs/sha256/ab/abcdef...   verified bytes, read-only
    tmp/<sha256>.partial        an interrupted download of a large file, resumed by the next run
    tmp/<name>.<random>.whole   a whole file being published (swept if a killed run left it)
    locks/<sha256>.lock         one file lock per large blob, so concurrent processes fetch it once
    locks/store.lock            shared by each running install, exclusive for `ptm cache prune`
    verified.json               each blob's stat when ptm last hashed, published or linked it

``tmp`` sits next to ``blobs`` on the same filesystem, so publishing a blob is one atomic rename, and a
blob only ever appears after its bytes matched the hash. Files under ``WHOLE_FILE`` bytes are fetched
whole into memory, without a lock: nothing of them is worth resuming, and two processes publishing the
same blob at once publish the same bytes.

Read-only mode bits do not stop root (usual in ML containers) from writing into a blob in place, and a
write through any hardlink of it (a Hugging Face cache entry) is a write into the blob. Such a write moves
the blob's ctime, which no program can set back: a blob whose stat differs from the one in
``verified.json`` is hashed again before it is linked anywhere, and fetched again if it no longer matches.
A blob is at most as readable as the file its bytes came from (a private local model stays private).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import IntegrityError, PtmError
from ..files import CHUNK, Stat, fingerprint, hash_file
from ..paths import contained

if TYPE_CHECKING:
    from ..hubs.base import Download, Opener
    from ..hubs.http import Fetched

READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
# Files smaller than this are fetched whole, without a lock; larger ones resume from a shared partial.
WHOLE_FILE = 1 << 20
# A private temporary is written to until it is renamed into blobs/; one untouched for longer than this
# was left by a killed run.
STALE_TEMP_S = 3600.0
VERIFIED = "verified.json"
VERIFIED_VERSION = 1
STORE_LOCK = "store.lock"


class StoreBusy(PtmError):
    """The store lock is held in the other mode: an install runs while a prune would remove blobs."""


def cannot_write(path: Path | str, error: OSError, setting: str) -> str:
    """One line for a write under the folder ``setting`` names that failed: where, why, and the fix."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = f"free space on that disk, or set {setting} to a folder on another one"
    else:
        fix = f"make it writable, or set {setting} to a writable folder"
    return f"cannot write {path} ({error.strerror or error}); {fix}"


def blob_mode(mode: int | None) -> int:
    """A blob's permission bits: read-only, and no more readable than the local file the bytes came from
    (``mode``; None for bytes from a hub or URL, which anyone may read)."""
    return READ_ONLY if mode is None else READ_ONLY & mode


def _discard(path: Path) -> None:
    """Remove a temporary while handling another failure: that failure is the one to report (on a
    read-only store even unlinking a missing file fails)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


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


def _read_verified(path: Path) -> dict[str, Stat]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERIFIED_VERSION:
            return {}
        return {sha: (st[0], st[1], st[2], st[3]) for sha, st in data["blobs"].items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return {}  # a missing or unreadable record only costs hashing each blob before its next link


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root
        # sha256 -> the blob's stat when ptm last hashed, published or linked it (read on first use), and
        # what this process changed of it (None: forget the blob), for save_verified.
        self._verified: dict[str, Stat] | None = None
        self._changes: dict[str, Stat | None] = {}
        self._guard = threading.RLock()  # blobs are fetched and linked from a pool of threads

    def path(self, sha256: str) -> Path:
        return contained(self.root / "blobs" / "sha256", f"{sha256[:2]}/{sha256}", "sha256")

    def partial_path(self, sha256: str) -> Path:
        return contained(self.root / "tmp", f"{sha256}.partial", "sha256")

    def has(self, sha256: str, size: int) -> bool:
        try:
            return self.path(sha256).stat().st_size == size
        except OSError:
            return False

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
        with self._guard:
            self._known().pop(sha256, None)
            self._changes[sha256] = None

    def unchanged(self, sha256: str) -> bool:
        """True when the blob's stat is the one it had when ptm last hashed, published or linked it: no
        write into it (through any of its hardlinks) happened since."""
        seen = fingerprint(self.path(sha256))
        with self._guard:
            return seen is not None and self._known().get(sha256) == seen

    def relinked(self, sha256: str) -> None:
        """Keep vouching for a blob this run has just linked into a cache: a new hardlink moves the
        blob's ctime, and nothing else (a write in place would also move its mtime or size)."""
        now = fingerprint(self.path(sha256))
        with self._guard:
            known = self._known().get(sha256)
        if known is not None and now is not None and (known[:2], known[3]) == (now[:2], now[3]):
            self.vouch(sha256, now)

    def vouch(self, sha256: str, seen: Stat | None) -> None:
        """Record that the blob held the locked bytes (it was hashed or published) while its stat was
        ``seen``; save_verified keeps it for the next runs."""
        if seen is None:
            return
        with self._guard:
            known = self._known()
            if known.get(sha256) != seen:
                known[sha256] = self._changes[sha256] = seen

    def _known(self) -> dict[str, Stat]:
        with self._guard:
            if self._verified is None:
                self._verified = _read_verified(self.root / VERIFIED)
            return self._verified

    def save_verified(self) -> None:
        """Merge what this run vouched for into verified.json. Where the store cannot be written (read
        only, full) nothing is kept: a blob without a record is only hashed again before its next link."""
        with self._guard:
            changes, self._changes = self._changes, {}
        if not changes:
            return
        from filelock import FileLock

        from .. import atomic

        path = self.root / VERIFIED
        # filelock's Timeout is an OSError: a store busy for that long is not worth waiting for.
        with contextlib.suppress(OSError, PtmError):
            locks = self.root / "locks"
            locks.mkdir(parents=True, exist_ok=True)
            with FileLock(locks / f"{VERIFIED}.lock", timeout=30):
                known = _read_verified(path)
                for sha256, seen in changes.items():
                    if seen is None:
                        known.pop(sha256, None)
                    else:
                        known[sha256] = seen
                data = {"version": VERIFIED_VERSION, "blobs": {k: list(v) for k, v in sorted(known.items())}}
                atomic.write_text(path, json.dumps(data, separators=(",", ":")))

    def keep(self, fetch: Callable[[IO[bytes] | None], Fetched]) -> Fetched:
        """hubs.base.Keeper: what a source downloads while locking, kept as a blob so that installing the
        new lock links it without downloading (or hashing) it again; where the store cannot be written,
        only hashed."""
        try:
            private = self.private_temp("lock")
            sink = open(private, "wb")  # noqa: SIM115 - closed below, before the file is published
        except OSError:
            return fetch(None)
        try:
            with sink:
                got = fetch(sink)
            with contextlib.suppress(OSError), self.in_use():  # keeping it only saves a download
                self.adopt(private, got.sha256, got.size)
                self.save_verified()
            return got
        finally:
            private.unlink(missing_ok=True)

    @contextmanager
    def in_use(self) -> Iterator[None]:
        """Held (shared with other installs) while blobs are read and linked, so that `ptm cache prune`,
        which holds it alone, never removes one under a running install. A store this user cannot
        write takes no lock: this user cannot prune it either."""
        with _store_lock(self.root, exclusive=False):
            yield

    @contextmanager
    def alone(self) -> Iterator[None]:
        """Held while blobs are removed; StoreBusy at once if an install is running."""
        with _store_lock(self.root, exclusive=True):
            yield

    @contextmanager
    def locked(self, sha256: str) -> Iterator[None]:
        """Held while one blob is fetched: a second process waits, then finds the blob present."""
        from filelock import FileLock  # imported here: a no-op install never takes a lock

        locks = self.root / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        with FileLock(contained(locks, f"{sha256}.lock", "sha256")):
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
        if self._present(sha256, size, label, on_bytes):
            return False
        partial = self.partial_path(sha256)
        if size < WHOLE_FILE and not partial.exists():
            self._publish_whole(sha256, size, opener, label, on_bytes)
            return True
        with self.locked(sha256):
            if self._present(sha256, size, label, on_bytes):
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
            # The partial's mode was narrowed to its source's as it was written (see _append).
            self.adopt(partial, sha256, size, stat.S_IMODE(partial.stat().st_mode))
            partial.unlink(missing_ok=True)  # still there if a small-file writer published it meanwhile
        return True

    def _present(self, sha256: str, size: int, label: str, on_bytes: Callable[[int], None] | None) -> bool:
        """Whether the blob is here with the locked bytes: hashed again if its stat changed since ptm
        last vouched for it (a corrupt one is removed, so that the caller fetches it again)."""
        if not self.has(sha256, size) or not (self.unchanged(sha256) or self._verify(sha256, size, label)):
            return False
        if on_bytes:
            on_bytes(size)  # progress counts the file as done
        return True

    def _verify(self, sha256: str, size: int, label: str) -> bool:
        path = self.path(sha256)
        seen = fingerprint(path)  # taken first: a write while it is hashed leaves a stat that differs
        try:
            actual, got = hash_file(path)
        except OSError as error:
            raise PtmError(
                f"{label}: cannot read the store's blob {path} ({error.strerror}); remove it, or set "
                "PTM_HOME to another folder"
            ) from error
        if (actual, got) == (sha256, size):
            self.vouch(sha256, seen)
            return True
        try:
            self.remove(sha256)
        except OSError as error:
            raise IntegrityError(
                f"{label}: the store's blob {path} was changed on disk (sha256 {actual}, expected {sha256}) "
                f"and cannot be removed ({error.strerror}); remove it, or set PTM_HOME to another folder"
            ) from error
        return False

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
            # Owner-only until adopt gives it its mode: the bytes may come from a private file.
            with os.fdopen(os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                handle.write(data)
            self.adopt(private, sha256, size, download.mode)
        finally:
            _discard(private)

    def private_temp(self, name: str) -> Path:
        """A new path in tmp/ for one writer; a killed run's are swept (sweep_stale_temporaries)."""
        scratch = self.root / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        return contained(scratch, f"{name}.{secrets.token_hex(6)}.whole", "temporary name")

    def adopt(self, path: Path, sha256: str, size: int, mode: int | None = None) -> None:
        """Publish a file already checked to hold these bytes (renamed into blobs/ with blob_mode(mode),
        ``mode`` being the permission bits of the local file they came from, if they did)."""
        if self.has(sha256, size):
            return
        os.chmod(path, blob_mode(mode))
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, final)
        self.vouch(sha256, fingerprint(final))

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
                got = _append(partial, have, download, digest, size, on_bytes)
                hint = download.mismatch_hint
        elif on_bytes:
            on_bytes(have)
        try:
            check_digest(label, sha256, size, digest, got, hint)
        except IntegrityError:
            _discard(partial)
            raise


@contextmanager
def _store_lock(root: Path, exclusive: bool) -> Iterator[None]:
    """flock(2) on locks/store.lock: shared or exclusive (without waiting). Where there is no flock
    (Windows), one FileLock serves both, so installs there take turns."""
    path = root / "locks" / STORE_LOCK
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: installs take turns with one another too
        from filelock import FileLock

        with FileLock(path, timeout=0 if exclusive else -1):
            yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
    except OSError:
        if exclusive:
            raise
        yield  # a read-only store: nothing can be removed from it
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
        except BlockingIOError:
            raise StoreBusy(
                f"{root} is in use by a running `ptm install` (or `ptm lock`); run this again when it has "
                "finished"
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock


def _append(
    partial: Path,
    have: int,
    download: Download,
    digest: Any,
    size: int,
    on_bytes: Callable[[int], None] | None,
) -> int:
    """Write the arriving chunks after the first ``have`` bytes, hashing them; the byte count reached."""
    with open(partial, "r+b" if have else "wb") as handle:
        # The partial is no more readable than the source of its bytes, kept so (never widened) when it
        # resumes, and writable by its owner to be resumed: adopt gives the blob these bits, read-only.
        bits = stat.S_IWUSR | blob_mode(download.mode)
        if have:
            bits &= stat.S_IMODE(os.fstat(handle.fileno()).st_mode) | stat.S_IWUSR
        os.fchmod(handle.fileno(), bits)
        handle.seek(have)
        handle.truncate()
        if have and on_bytes:
            on_bytes(have)
        got = have
        for chunk in download.chunks:
            got += len(chunk)
            if got > size:
                break
            digest.update(chunk)
            handle.write(chunk)
            if on_bytes:
                on_bytes(len(chunk))
    return got
