"""`ptm push`: every locked model (or the ones named) to an OCI registry as a ModelPack artifact.

The bytes come from the local store, where `ptm install` put them after checking them against ptm.lock;
the registry checks each upload's digest again, which is the file's sha256 in ptm.lock, so a registry can
only ever hold exactly the locked bytes under a model's tag.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .. import config
from ..errors import PtmError
from ..install.store import Store
from ..lockfile import Lock, LockedModel
from .modelpack import MANIFEST_MEDIA_TYPE, Artifact, Layer, build_artifact
from .reference import OciReference
from .registry import Registry


@dataclass(frozen=True)
class Pushed:
    name: str
    reference: OciReference  # the model's repository and tag
    digest: str  # of the manifest: what `ptm install` and other tools can pull by
    uploaded: int  # blobs sent
    present: int  # blobs the registry already had
    sent_bytes: int
    unchanged: bool  # the tag already pointed at this very manifest: nothing was sent


def default_tag(model: LockedModel) -> str:
    """The pin as a tag: the commit, or ``sha256-<hex>`` for models pinned by content digest."""
    pin = model.commit or model.digest or ""
    return pin.replace(":", "-")


def selected(lock: Lock, only: Sequence[str], lock_name: str) -> list[LockedModel]:
    unknown = [name for name in only if name not in lock.models]
    if unknown:
        raise PtmError(
            f"{lock_name} has no model {', '.join(unknown)}; `ptm push` takes names of locked models "
            f"({', '.join(lock.models) or 'none yet: run `ptm lock`'})",
            exit_code=2,
        )
    return [lock.models[name] for name in only] if only else list(lock.models.values())


def missing_from_store(models: Sequence[LockedModel], store: Store) -> list[str]:
    return [
        f"{model.name}: {layer.file.path}"
        for model in models
        for layer in build_artifact(model).layers
        if not store.has(layer.file.sha256, layer.file.size)
    ]


def push_models(models: Sequence[LockedModel], store: Store, target: OciReference) -> list[Pushed]:
    """Push ``models`` under ``target`` (a registry and repository prefix); every byte from ``store``."""
    missing = missing_from_store(models, store)
    if missing:  # checked before anything is sent, so a push never stops half-way for this
        raise PtmError(
            f"{len(missing)} locked files are not in the store ({missing[0]}"
            f"{', ...' if len(missing) > 1 else ''}); run `ptm install` first, then push"
        )
    registry = Registry.of(target)
    try:
        return [_push_one(registry, store, model, target) for model in models]
    finally:
        registry.close()


def _push_one(registry: Registry, store: Store, model: LockedModel, target: OciReference) -> Pushed:
    artifact = build_artifact(model)
    reference = target.child(model.name, target.tag or default_tag(model))
    repository, tag = reference.repository, reference.tag or ""
    if registry.manifest_digest(repository, tag, MANIFEST_MEDIA_TYPE) == artifact.manifest_digest:
        return Pushed(model.name, reference, artifact.manifest_digest, 0, len(artifact.layers), 0, True)
    uploaded, present, sent = _push_layers(registry, store, repository, artifact)
    if not registry.has_blob(repository, artifact.config_digest):
        registry.push_blob(repository, artifact.config_digest, artifact.config)
    registry.put_manifest(repository, tag, artifact.manifest, MANIFEST_MEDIA_TYPE)
    return Pushed(model.name, reference, artifact.manifest_digest, uploaded, present, sent, False)


def _push_layers(
    registry: Registry, store: Store, repository: str, artifact: Artifact
) -> tuple[int, int, int]:
    # One upload per distinct digest: two files with the same bytes are one blob.
    unique: dict[str, Layer] = {layer.digest: layer for layer in artifact.layers}

    def push(layer: Layer) -> int:
        if registry.has_blob(repository, layer.digest):
            return -1
        registry.push_blob(repository, layer.digest, store.path(layer.file.sha256))
        return layer.file.size

    with ThreadPoolExecutor(config.pool_size(len(unique))) as pool:
        results = list(pool.map(push, unique.values()))
    sent = [size for size in results if size >= 0]
    return len(sent), len(results) - len(sent), sum(sent)
