"""How close two runs are: max abs/rel error, cosine similarity, top-1 agreement (numpy only)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..export_settings import VerifySpec
from .probes import array_sha256
from .records import OutputReference
from .runtime import CUDA


@dataclass(frozen=True)
class Comparison:
    """Closeness of one output. ``ok`` follows numpy.allclose: |a - e| <= atol + rtol * |e| everywhere."""

    ok: bool
    max_abs: float = float("nan")
    max_rel: float = float("nan")
    cosine: float = float("nan")
    top1: float | None = None
    note: str = ""

    def describe(self) -> str:
        if self.note and np.isnan(self.max_abs):
            return self.note
        parts = [f"max abs {self.max_abs:.1e}", f"max rel {self.max_rel:.1e}", f"cosine {self.cosine:.6f}"]
        if self.top1 is not None:
            parts.append(f"top-1 {self.top1:.1%}")
        return ", ".join(parts) + (f" ({self.note})" if self.note else "")


def _metrics(actual: np.ndarray, expected: np.ndarray, atol: float) -> tuple[float, float, float]:
    a, e = actual.astype(np.float64).ravel(), expected.astype(np.float64).ravel()
    diff = np.abs(a - e)
    # Relative error is only meaningful where the reference is not (close to) zero.
    significant = np.abs(e) > atol
    max_rel = float(np.max(diff[significant] / np.abs(e[significant]))) if significant.any() else 0.0
    norms = np.linalg.norm(a) * np.linalg.norm(e)
    cosine = float(a @ e / norms) if norms else float(np.array_equal(a, e))
    return float(np.max(diff, initial=0.0)), max_rel, cosine


def _top1(actual: np.ndarray, expected: np.ndarray) -> float | None:
    if actual.ndim < 2 or actual.shape[-1] < 2 or not np.issubdtype(expected.dtype, np.floating):
        return None
    return float(np.mean(np.argmax(actual, axis=-1) == np.argmax(expected, axis=-1)))


def _close(actual: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> bool:
    return bool(np.allclose(actual.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol))


def compare(
    actual: np.ndarray, expected: np.ndarray, atol: float, rtol: float, kept: np.ndarray | None = None
) -> Comparison:
    """``kept``: the (batch, sequence) positions of a padding mask; an output whose leading axes are those
    is compared there only."""
    if actual.shape != expected.shape:
        return Comparison(ok=False, note=f"shape {actual.shape} differs from {expected.shape}")
    note = ""
    if kept is not None and actual.shape[: kept.ndim] == kept.shape and not kept.all():
        actual, expected = actual[kept], expected[kept]
        note = f"{int(kept.size - kept.sum())} padded positions skipped"
    max_abs, max_rel, cosine = _metrics(actual, expected, atol)
    return Comparison(
        ok=_close(actual, expected, atol, rtol),
        max_abs=max_abs,
        max_rel=max_rel,
        cosine=cosine,
        top1=_top1(actual, expected),
        note=note,
    )


def compare_with_reference(
    actual: np.ndarray,
    ref: OutputReference,
    expected: np.ndarray,
    atol: float,
    rtol: float,
    kept: np.ndarray | None = None,
) -> Comparison:
    """Compare an output with the locked reference values (all of them: any element can fail it), and
    say when it is a locked run's output bit for bit (PyTorch's reference, or onnxruntime's at export)."""
    result = compare(actual, expected, atol, rtol, kept)
    digest = array_sha256(actual)
    run = "PyTorch" if digest == ref.sha256 else "onnxruntime" if digest == ref.runtime_sha256 else None
    if run is None:
        return result
    # A failing line must not read as if nothing were wrong: the same bytes, yet outside the tolerance (one
    # tighter than at export, or a reference that moved).
    note = (
        f"bit-identical to the locked {run} run"
        if result.ok
        else f"the same output as the locked {run} run, yet not within the tolerance of the reference values"
    )
    return dataclasses.replace(result, note="; ".join(filter(None, (result.note, note))))


def _first_set(*values: float | None) -> float:
    return next(v for v in values if v is not None)


def default_tolerance(provider: str | None, dtypes: Sequence[str]) -> tuple[float, float]:
    """(atol, rtol) for a model computing in ``dtypes`` (its outputs' and its declared precision): fp32 on
    CPU 1e-4/1e-3, on CUDA 1e-3/1e-3, fp16 anywhere 1e-2/1e-2, bf16 (8 bits of mantissa) 5e-2/5e-2."""
    if "bfloat16" in dtypes:
        return 5e-2, 5e-2
    if "float16" in dtypes:
        return 1e-2, 1e-2
    if provider == CUDA:
        return 1e-3, 1e-3
    return 1e-4, 1e-3


def tolerance(
    provider: str | None,
    dtypes: Sequence[str],
    declared: VerifySpec,
    override: tuple[float | None, float | None] = (None, None),
) -> tuple[float, float]:
    """The command line's tolerance, else ptm.toml's, else the default for this provider and dtype."""
    atol, rtol = default_tolerance(provider, dtypes)
    return _first_set(override[0], declared.atol, atol), _first_set(override[1], declared.rtol, rtol)


@dataclass(frozen=True)
class Looser:
    """A tolerance in force that is looser than the one locked at export."""

    key: str  # atol or rtol
    value: float
    locked: float
    source: str  # where the value comes from: "--atol", "ptm.toml"

    def describe(self, model: str) -> str:
        where = (
            self.source
            if self.source.startswith("--")
            else f"{self.source} [models.{model}.verify] {self.key}"
        )
        return f"{where} {self.value:g} is looser than the locked {self.key} {self.locked:g}"


def locked_tolerance(
    locked: tuple[float, float],
    declared: VerifySpec,
    override: tuple[float | None, float | None] = (None, None),
    manifest: str = "ptm.toml",
) -> tuple[tuple[float, float], tuple[Looser, ...]]:
    """The tolerance verify judges with: the command line's, else ptm.toml's, else the one locked at export
    (never a default for the provider at hand), and each value of those that is looser than the locked one.
    """
    chosen, looser = [], []
    for key, locked_value, option, setting in zip(
        ("atol", "rtol"), locked, override, (declared.atol, declared.rtol), strict=True
    ):
        source, value = next(
            ((s, v) for s, v in ((f"--{key}", option), (manifest, setting)) if v is not None),
            ("ptm.lock", locked_value),
        )
        chosen.append(value)
        if value > locked_value:
            looser.append(Looser(key, value, locked_value, source))
    return (chosen[0], chosen[1]), tuple(looser)


def compare_outputs(
    names: Sequence[str],
    outputs: Sequence[np.ndarray],
    expected: Sequence[np.ndarray],
    atol: float,
    rtol: float,
    kept: np.ndarray | None = None,
) -> tuple[bool, str]:
    """Whether every output is within tolerance (at the ``kept`` positions), and the numbers of each."""
    comparisons = {
        n: compare(o, e, atol, rtol, kept) for n, o, e in zip(names, outputs, expected, strict=True)
    }
    return all(c.ok for c in comparisons.values()), describe_outputs(comparisons, atol, rtol)


def describe_outputs(comparisons: Mapping[str, Comparison], atol: float, rtol: float) -> str:
    body = "; ".join(f"{name}: {c.describe()}" for name, c in comparisons.items())
    return f"{body} [atol {atol:.0e}, rtol {rtol:.0e}]"
