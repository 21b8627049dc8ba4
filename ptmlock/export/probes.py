"""Deterministic example and probe inputs, and the reference file of their outputs (numpy only).

The same generator runs with and without torch, so `ptm verify --frozen` feeds onnxruntime exactly the
probe inputs that produced the locked reference.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np

from ..export_settings import INT_DTYPES, Dim, ExportSpec, InputSpec
from .records import OutputReference, ProbeInput

REFERENCE_NAME = "reference.bin"


def concrete_shape(shape: Sequence[Dim], axes: Mapping[str, int]) -> tuple[int, ...]:
    return tuple(axes[d] if isinstance(d, str) else d for d in shape)


def make_inputs(inputs: Sequence[InputSpec], axes: Mapping[str, int], seed: int) -> dict[str, np.ndarray]:
    """One array per input, in declaration order, from a seeded generator."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for spec in inputs:
        shape = concrete_shape(spec.shape, axes)
        if spec.fill is not None:
            array = np.full(shape, spec.fill, dtype=spec.dtype)
        elif spec.mask is not None:  # right-padded: each row's first random length (at least 1) is 1
            lengths = rng.integers(1, shape[1] + 1, size=shape[0])
            array = (np.arange(shape[1]) < lengths[:, None]).astype(spec.dtype)
        elif spec.dtype in INT_DTYPES:
            assert spec.range is not None  # the manifest requires range or fill for integers
            array = rng.integers(spec.range[0], spec.range[1], size=shape, dtype=np.int64).astype(spec.dtype)
        elif spec.dtype == "bool":
            array = rng.integers(0, 2, size=shape).astype(bool)
        else:
            array = rng.standard_normal(size=shape).astype(spec.dtype)
        arrays[spec.name] = array
    return arrays


def kept_positions(inputs: Sequence[InputSpec], arrays: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The (batch, sequence) positions a right-padded mask input keeps, to compare outputs there only:
    what a model computes at padding is never used, and runtimes legitimately differ there."""
    masks = [arrays[spec.name] != 0 for spec in inputs if spec.mask is not None]
    return np.logical_and.reduce(masks) if masks else None


def example_inputs(settings: ExportSpec) -> dict[str, np.ndarray]:
    """What the exporter traces with."""
    return make_inputs(settings.inputs, settings.example_axes, settings.verify.seed + 1)


def probe_inputs(settings: ExportSpec) -> dict[str, np.ndarray]:
    """What artifacts are checked with: other sizes than the example's, so dynamic axes are exercised."""
    return make_inputs(settings.inputs, settings.verify.probe_axes, settings.verify.seed)


def other_shapes(settings: ExportSpec) -> list[tuple[str, dict[str, np.ndarray]]]:
    """Inputs at two more sizes than the declared probe, each named: every symbolic axis 1 (a graph that
    specialised an axis, or broadcasts wrongly, breaks there) and every axis twice the probe's."""
    symbols, probe = settings.symbols, settings.verify.probe_axes
    sizes = ({s: 1 for s in symbols}, {s: 2 * probe[s] for s in symbols}) if symbols else ()
    return [
        (
            ", ".join(f"{s}={n}" for s, n in axes.items()),
            make_inputs(settings.inputs, axes, settings.verify.seed),
        )
        for axes in sizes
    ]


def array_sha256(array: np.ndarray) -> str:
    """Hash of dtype, shape and little-endian bytes: equal hashes mean bit-identical arrays."""
    canonical = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    digest = hashlib.sha256(f"{canonical.dtype.str}{canonical.shape}".encode())
    digest.update(canonical.tobytes())
    return digest.hexdigest()


def probe_records(arrays: Mapping[str, np.ndarray]) -> tuple[ProbeInput, ...]:
    return tuple(ProbeInput(name, tuple(a.shape), array_sha256(a)) for name, a in arrays.items())


def output_reference(name: str, reference: np.ndarray, runtime: np.ndarray | None) -> OutputReference:
    return OutputReference(
        name=name,
        dtype=reference.dtype.name,
        shape=tuple(reference.shape),
        sha256=array_sha256(reference),
        runtime_sha256=None if runtime is None else array_sha256(runtime),
    )


def _little_endian(dtype: str) -> np.dtype:
    return np.dtype(dtype).newbyteorder("<")


def reference_bytes(arrays: Sequence[np.ndarray]) -> bytes:
    """The reference file: each output's little-endian bytes, one after another, in the lock's order."""
    return b"".join(np.ascontiguousarray(a, dtype=_little_endian(a.dtype.name)).tobytes() for a in arrays)


def read_reference(data: bytes, outputs: Sequence[OutputReference]) -> list[np.ndarray] | None:
    """The arrays of a reference file, shaped as the lock says; None when its length does not fit."""
    dtypes = [_little_endian(ref.dtype) for ref in outputs]
    counts = [int(np.prod(ref.shape, dtype=np.int64)) for ref in outputs]
    if sum(c * d.itemsize for c, d in zip(counts, dtypes, strict=True)) != len(data):
        return None
    arrays, offset = [], 0
    for ref, dtype, count in zip(outputs, dtypes, counts, strict=True):
        arrays.append(np.frombuffer(data, dtype, count, offset).reshape(ref.shape).astype(ref.dtype))
        offset += count * dtype.itemsize
    return arrays
