"""What install asks of a mirror: the bytes of a locked file by its digest, or "not here"."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from ..hubs.base import Download
from ..lockfile import LockedFile, LockedModel


class NotInMirror(Exception):
    """The mirror does not hold this file: the hub is asked instead (or, with --mirror-only, an error)."""


class Mirror(Protocol):
    @property
    def label(self) -> str:
        """Where it is, for messages: oci://... or s3://..."""

    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> AbstractContextManager[Download]:
        """Stream a locked file's bytes (checked by the caller); NotInMirror when it is not there."""

    def close(self) -> None: ...
