"""An image processor or feature extractor is part of the model too: what it gives is locked like token ids.

Its config (preprocessor_config.json) is pinned by hash, but the pixels or features it produces also
depend on transformers and the image library under it (pillow or torchvision) and on numpy. `ptm export`
runs it on a fixed synthetic input (a seeded random image, or a seeded waveform) and locks the outputs'
hashes with those libraries' versions; `ptm verify` runs it again and names what changed. The record sits
in ptm.lock beside the verification reference, as ``[models.X.verify.processor]``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PtmError
from ..extras import not_installed
from ..lockfile import LockedFile, LockedModel
from .probes import array_sha256
from .versions import first_missing, installed_versions

CONFIG_NAME = "preprocessor_config.json"  # where transformers saves image processors and feature extractors
PROCESSOR_LIBRARIES = ("transformers", "numpy", "torch", "torchvision", "pillow")
IMAGE_SHAPE = (45, 61, 3)  # height, width, RGB: neither square nor a size processors resize to
AUDIO_SECONDS = 0.5


@dataclass(frozen=True)
class ProcessedOutput:
    name: str
    dtype: str
    shape: tuple[int, ...]
    sha256: str

    def __str__(self) -> str:
        return f"{self.name} {self.dtype}[{', '.join(map(str, self.shape))}]"


@dataclass(frozen=True)
class ProcessorRecord:
    """What the processor gave for the synthetic input: the input's shape, seed and hash, the outputs'
    dtypes, shapes and hashes, and the versions of the libraries that computed them."""

    kind: str  # "image" or "audio"
    seed: int
    shape: tuple[int, ...]
    input_sha256: str  # of the generated input: a changed random stream is reported as such
    tools: Mapping[str, str]
    outputs: tuple[ProcessedOutput, ...]

    def describe(self, tools: Mapping[str, str]) -> str:
        """What the synthetic input gives, computed with ``tools``."""
        versions = ", ".join(f"{k} {v}" for k, v in sorted(tools.items()))
        return f"a synthetic {_input_name(self)} gives {', '.join(map(str, self.outputs))} ({versions})"

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "seed": self.seed,
            "shape": list(self.shape),
            "input_sha256": self.input_sha256,
            "tools": dict(sorted(self.tools.items())),
            "outputs": {
                o.name: {"dtype": o.dtype, "shape": list(o.shape), "sha256": o.sha256} for o in self.outputs
            },
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ProcessorRecord:
        return cls(
            kind=data["kind"],
            seed=data["seed"],
            shape=tuple(data["shape"]),
            input_sha256=data["input_sha256"],
            tools=dict(data["tools"]),
            outputs=tuple(
                ProcessedOutput(name, o["dtype"], tuple(o["shape"]), o["sha256"])
                for name, o in data["outputs"].items()
            ),
        )


def processor_of(model: LockedModel) -> ProcessorRecord | None:
    """The model's processor record, if `ptm export` wrote one."""
    data = model.export_tables.get("verify", {}).get("processor")
    return ProcessorRecord.from_data(data) if data is not None else None


def with_processor(model: LockedModel, record: ProcessorRecord | None) -> LockedModel:
    """``model`` (with its verify table) carrying ``record``."""
    if record is None:
        return model
    verify = {**model.export_tables["verify"], "processor": record.to_data()}
    return model._replace(export_tables={**model.export_tables, "verify": verify})


def _input_name(record: ProcessorRecord) -> str:
    if record.kind == "image":
        return "{}x{} image".format(*record.shape)
    return f"waveform of {record.shape[0]} samples"


def processor_kind(snapshot: Path) -> str | None:
    """ "image" or "audio" for a snapshot whose preprocessor config describes one, else None."""
    path = snapshot / CONFIG_NAME
    if not path.is_file():
        return None
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise PtmError(f"{CONFIG_NAME} in {snapshot} cannot be read: {error}") from error
    if not isinstance(config, dict):
        return None
    if "sampling_rate" in config:
        return "audio"
    return "image" if "image_processor_type" in config or "image_mean" in config else None


def synthetic_input(kind: str, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """The fixed input: an RGB image of uint8 pixels, or a float32 waveform, from a seeded generator."""
    rng = np.random.default_rng(seed)
    if kind == "image":
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    return (0.1 * rng.standard_normal(size=shape)).astype(np.float32)


def _missing_library(kind: str) -> str | None:
    """Why the processor cannot run here: an image processor needs pillow or torchvision."""
    if missing := first_missing("transformers"):
        return not_installed(missing)
    if kind == "image" and first_missing("PIL") and first_missing("torchvision"):
        return not_installed("PIL")
    return None


def run_processor(snapshot: Path, kind: str, data: np.ndarray) -> tuple[ProcessedOutput, ...]:
    """The processor loaded as users load it (AutoImageProcessor / AutoFeatureExtractor) applied to
    ``data``: each output's dtype, shape and hash, by name."""
    if problem := _missing_library(kind):
        raise PtmError(problem)
    from transformers import AutoFeatureExtractor, AutoImageProcessor
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if kind == "image":
                processor = AutoImageProcessor.from_pretrained(str(snapshot), local_files_only=True)
                batch = processor(images=data, return_tensors="np")
            else:
                processor = AutoFeatureExtractor.from_pretrained(str(snapshot), local_files_only=True)
                batch = processor(data, sampling_rate=processor.sampling_rate, return_tensors="np")
        except (OSError, ValueError, TypeError, ImportError) as error:
            raise PtmError(f"the {kind} processor in {snapshot} cannot be run: {error}") from error
    arrays = {name: np.asarray(value) for name, value in sorted(batch.items())}
    return tuple(ProcessedOutput(n, a.dtype.name, tuple(a.shape), array_sha256(a)) for n, a in arrays.items())


def record_processor(
    snapshot: Path, preprocessing: Sequence[LockedFile], seed: int
) -> ProcessorRecord | None:
    """The processor's outputs on the synthetic input, for ptm.lock; None when the model's preprocessing
    files (declared in ptm.toml, else found by name) hold no processor config."""
    kind = processor_kind(snapshot) if CONFIG_NAME in {f.path for f in preprocessing} else None
    if kind is None:
        return None
    if kind == "image":
        shape: tuple[int, ...] = IMAGE_SHAPE
    else:
        rate = json.loads((snapshot / CONFIG_NAME).read_text(encoding="utf-8"))["sampling_rate"]
        shape = (int(rate * AUDIO_SECONDS),)
    data = synthetic_input(kind, shape, seed)
    return ProcessorRecord(
        kind=kind,
        seed=seed,
        shape=shape,
        input_sha256=array_sha256(data),
        tools=installed_versions(*PROCESSOR_LIBRARIES),
        outputs=run_processor(snapshot, kind, data),
    )


def processor_drift(record: ProcessorRecord, snapshot: Path) -> tuple[bool, str]:
    """(ok, what was found) for the locked processor outputs, naming the library version that changed."""
    data = synthetic_input(record.kind, record.shape, record.seed)
    now = installed_versions(*PROCESSOR_LIBRARIES)
    if array_sha256(data) != record.input_sha256:
        return False, (
            f"the synthetic {_input_name(record)} differs from the locked one (numpy "
            f"{record.tools.get('numpy')} then, {now.get('numpy')} now); run `ptm export` to record it again"
        )
    outputs = run_processor(snapshot, record.kind, data)
    changed = [
        f"{lib} {record.tools.get(lib, 'absent')} -> {now.get(lib, 'absent')}"
        for lib in PROCESSOR_LIBRARIES
        if record.tools.get(lib) != now.get(lib)
    ]
    cause = (
        f"changed with {', '.join(changed)}"
        if changed
        else "with the same library versions, so the processor files changed "
        "(`ptm install --verify-hashes` restores them)"
    )
    locked = {o.name: o for o in record.outputs}
    for output in outputs:
        before = locked.pop(output.name, None)
        if before is None:
            return False, f"the synthetic {_input_name(record)} now also gives {output}: {cause}"
        if output != before:
            values = "other values" if str(output) == str(before) else f"{output}, locked {before}"
            return False, f"{output.name} of the synthetic {_input_name(record)} has {values}: {cause}"
    if locked:
        return False, f"{next(iter(locked))} is no longer given: {cause}"
    return True, record.describe(now)
