"""The one small interface every model source implements."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..install_layout import Layout
    from ..lockfile import LockedFile, LockedModel
    from ..manifest import ModelSpec


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


class Source(Protocol):
    name: str
    # Keys a [models.X] table of this hub may carry besides the common ones.
    manifest_keys: tuple[str, ...]
    # True when the pin follows bytes that change under an unchanged entry (files on this machine) and
    # resolving needs no network: every `ptm lock` re-reads them, and installs check them.
    always_resolve: bool

    def check_options(self, options: Mapping[str, Any]) -> tuple[str, str] | None:
        """(key, message) for the first invalid hub-specific option, or None; no I/O."""

    def resolve(self, spec: ModelSpec) -> Resolution:
        """Pin a declared model: its commit (if any) and every selected file's path, size and sha256."""

    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> AbstractContextManager[Download]:
        """Stream the bytes of a locked file, from ``offset`` when the source can resume."""

    def layout(self, model: LockedModel) -> Layout:
        """Where `ptm install` puts the model's files; a LockError if the lock names an unusable place."""
