"""Locked files from an OCI registry that `ptm push` (or another ModelPack tool) filled.

Blobs are asked for by digest, never through a tag: a model NAME pushed under ``oci://REGISTRY/PREFIX``
lives in the repository PREFIX/NAME, and each of its files is the blob named by its sha256 in ptm.lock.
So nothing a registry says can change which bytes are wanted, and the store checks every byte it gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..hubs.base import Download
from ..lockfile import LockedFile, LockedModel
from .base import NotInMirror
from .reference import OciReference
from .registry import Registry, RegistryError

CHUNK = 1 << 20


class OciMirror:
    def __init__(self, reference: OciReference) -> None:
        self.reference = reference
        self._registry = Registry.of(reference)

    @property
    def label(self) -> str:
        return str(self.reference)

    def close(self) -> None:
        self._registry.close()

    @contextmanager
    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> Iterator[Download]:
        repository = self.reference.child(model.name, "unused").repository
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            with self._registry.open_blob(repository, f"sha256:{file.sha256}", headers) as response:
                start = offset if response.status_code == 206 else 0
                yield Download(start, response.iter_bytes(CHUNK))
        except RegistryError as error:
            if error.status in (404, 401, 403):  # not there, or not for us: the hub still is
                raise NotInMirror(error.message) from error
            raise
