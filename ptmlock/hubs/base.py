"""The one small interface every model source implements."""

from __future__ import annotations

import os
import stat
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from ..files import CHUNK

if TYPE_CHECKING:
    from ..lockfile import LockedFile, LockedModel
    from ..manifest import ModelSpec
    from .http import Fetched


@dataclass(frozen=True)
class Resolution:
    """What a source pins for one declared model (see LockedModel for the hub-specific fields)."""

    commit: str | None  # None: the model has no commit and is pinned by the digest of its files
    files: tuple[LockedFile, ...]
    license: str | None = None
    entry: str | None = None
    weights: tuple[LockedFile, ...] = ()
    path: str | None = None
    provenance: tuple[tuple[str, str], ...] = ()


class OptionError(ValueError):
    """A hub-specific manifest option is invalid; ``key`` is where the manifest error points."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


@dataclass(frozen=True)
class Download:
    """An open byte stream for one locked file, possibly starting past the beginning (a resumed range)."""

    offset: int
    chunks: Iterator[bytes]
    # The validators the server sent (plain URLs), and what a hash mismatch most likely means, if the
    # source can tell (a URL whose ETag changed since it was locked was changed upstream).
    etag: str | None = None
    last_modified: str | None = None
    mismatch_hint: str | None = None
    # The permission bits of the local file the bytes come from (None for a hub or URL): the store's blob
    # of them is no more readable than that file.
    mode: int | None = None


# Opens the bytes of one file from ``offset`` (or from 0, if the source cannot resume).
Opener = Callable[[int], AbstractContextManager[Download]]


def open_local(path: Path) -> Opener:
    """An Opener for a file on this machine (a local model's, or a blob huggingface_hub downloaded before
    us); the download carries the file's permission bits, so its blob is no more readable than it."""

    @contextmanager
    def opener(offset: int) -> Iterator[Download]:
        with open(path, "rb", buffering=0) as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
            handle.seek(offset)
            yield Download(offset=offset, chunks=iter(lambda: handle.read(CHUNK), b""), mode=mode)

    return opener


class Keeper(Protocol):
    """Keeps a file a source downloads while locking (url files, torch.hub weights) where `ptm install`
    looks first, so that installing the new lock does not download it again. The stage that locks passes
    it in: where the bytes go is install's business, not the source's."""

    def keep(self, fetch: Callable[[IO[bytes] | None], Fetched]) -> Fetched:
        """Run ``fetch``, which writes the bytes to the sink it is given (None where nothing can be kept:
        it only hashes them), and keep what it wrote under the sha256 it returns."""


class Reader(Protocol):
    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> AbstractContextManager[Download]:
        """Stream the bytes of a locked file, from ``offset`` when the source can resume."""


class Source(Protocol):
    name: str
    # True when the pin follows files on this machine, which change under an unchanged manifest entry,
    # and resolving needs no network: every `ptm lock` re-reads them, and installs check them.
    pinned_by_local_files: bool

    def check_options(self, options: Mapping[str, Any]) -> tuple[str, str] | None:
        """(key, message) for the first invalid hub-specific option, or None; no I/O."""

    def resolve(self, spec: ModelSpec, keeper: Keeper | None = None) -> Resolution:
        """Pin a declared model: its commit (if any) and every selected file's path, size and sha256.
        What it downloads to hash goes to ``keeper``, if given."""

    def reader(self) -> AbstractContextManager[Reader]:
        """What one install reads locked files through, closed when it ends: a source may keep what it
        opened for one file for the next (torch.hub's archives)."""


class ReadsEachFile(ABC):
    """For a source that keeps nothing from one file to the next: it is its own reader."""

    @abstractmethod
    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> AbstractContextManager[Download]:
        """Stream the bytes of a locked file, from ``offset`` when the source can resume."""

    def reader(self) -> AbstractContextManager[Reader]:
        return nullcontext(self)
