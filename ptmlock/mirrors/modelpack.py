"""One locked model as a CNCF ModelPack artifact (modelpack/model-spec): pure data, no I/O.

Each locked file is one raw (uncompressed, unarchived) layer, so a layer's digest is the file's sha256
that ptm.lock already holds: nothing is hashed again to push, and a pull is verified against the lock by
digest. The manifest and config are rendered canonically (sorted keys, no timestamps), so pushing an
unchanged lock gives the same manifest digest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..lockfile import LockedFile, LockedModel

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
ARTIFACT_TYPE = "application/vnd.cncf.model.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.cncf.model.config.v1+json"
WEIGHT = "application/vnd.cncf.model.weight.v1.raw"
WEIGHT_CONFIG = "application/vnd.cncf.model.weight.config.v1.raw"
DOC = "application/vnd.cncf.model.doc.v1.raw"
CODE = "application/vnd.cncf.model.code.v1.raw"
FILEPATH = "org.cncf.model.filepath"
TITLE = "org.opencontainers.image.title"
# ptm's own annotation: torch.hub checkpoints are not files of the repository but downloads its code makes.
FILE_ROLE = "org.ptmlock.file.role"

_WEIGHT_SUFFIXES = frozenset(
    [
        ".safetensors",
        ".bin",
        ".pt",
        ".pth",
        ".ckpt",
        ".gguf",
        ".onnx",
        ".h5",
        ".keras",
        ".msgpack",
        ".npz",
        ".npy",
        ".pb",
        ".tflite",
        ".ot",
        ".pkl",
        ".joblib",
        ".mlmodel",
        ".engine",
        ".params",
    ]
)
_CODE_SUFFIXES = frozenset([".py", ".sh", ".ipynb", ".js", ".cu", ".cpp", ".c", ".h"])
_DOC_STEMS = ("readme", "license", "licence", "notice", "model_card", "modelcard")
_FORMATS = {
    ".safetensors": "safetensors",
    ".onnx": "onnx",
    ".gguf": "gguf",
    ".bin": "pytorch",
    ".pt": "pytorch",
}


@dataclass(frozen=True)
class Layer:
    file: LockedFile
    media_type: str
    role: str  # "file" or "weights" (a torch.hub checkpoint)

    @property
    def digest(self) -> str:
        return f"sha256:{self.file.sha256}"


@dataclass(frozen=True)
class Artifact:
    """What `ptm push` sends for one model: its layers (blobs in the store), then config and manifest."""

    layers: tuple[Layer, ...]
    config: bytes
    manifest: bytes

    @property
    def config_digest(self) -> str:
        return digest_of(self.config)

    @property
    def manifest_digest(self) -> str:
        return digest_of(self.manifest)


def digest_of(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def media_type(path: str) -> str:
    """The ModelPack layer type of a file, from its name: weights, their configuration, docs or code."""
    name = PurePosixPath(path).name.lower()
    suffix = PurePosixPath(name).suffix
    if suffix in _WEIGHT_SUFFIXES:
        return WEIGHT
    if suffix in _CODE_SUFFIXES:
        return CODE
    if name.startswith(_DOC_STEMS) or suffix in (".md", ".rst"):
        return DOC
    return WEIGHT_CONFIG


def source_url(model: LockedModel) -> str | None:
    if model.hub == "huggingface" and model.repo:
        return f"https://huggingface.co/{model.repo}"
    if model.hub == "torchhub" and model.repo:
        return f"https://github.com/{model.repo}"
    return None


def layers_of(model: LockedModel) -> tuple[Layer, ...]:
    files = [Layer(f, media_type(f.path), "file") for f in model.files]
    return (*files, *(Layer(f, WEIGHT, "weights") for f in model.weights))


def _format(layers: tuple[Layer, ...]) -> str | None:
    found = {_FORMATS.get(PurePosixPath(layer.file.path).suffix.lower()) for layer in layers}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def build_artifact(model: LockedModel) -> Artifact:
    layers = layers_of(model)
    pin = model.commit or model.digest or ""
    descriptor: dict[str, Any] = {"name": model.name, "revision": pin}
    if url := source_url(model):
        descriptor["sourceURL"] = url
    if model.license:
        descriptor["licenses"] = [model.license]
    technical: dict[str, Any] = {}
    if fmt := _format(layers):
        technical["format"] = fmt
    config = canonical_json(
        {
            "descriptor": descriptor,
            "config": technical,
            "modelfs": {"type": "layers", "diffIds": [layer.digest for layer in layers]},
        }
    )
    annotations = {"org.opencontainers.image.revision": pin, "org.cncf.model.name": model.name}
    if url:
        annotations["org.opencontainers.image.source"] = url
    manifest = canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "artifactType": ARTIFACT_TYPE,
            "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": digest_of(config), "size": len(config)},
            "layers": [
                {
                    "mediaType": layer.media_type,
                    "digest": layer.digest,
                    "size": layer.file.size,
                    "annotations": {
                        FILEPATH: layer.file.path,
                        TITLE: PurePosixPath(layer.file.path).name,
                        FILE_ROLE: layer.role,
                    },
                }
                for layer in layers
            ],
            "annotations": annotations,
        }
    )
    return Artifact(layers, config, manifest)
