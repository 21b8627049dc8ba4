"""The pure parts of verification: closeness metrics, the locked reference, tolerances, runtime clashes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ptmlock.export.compare import compare, compare_with_reference, tolerance
from ptmlock.export.probes import output_reference
from ptmlock.export.runtime import CPU, CUDA, library_problem, runtime_conflict
from ptmlock.export.spec import VerifySpec


def test_metrics_report_error_cosine_and_top1() -> None:
    expected = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], dtype=np.float32)
    actual = expected.copy()
    actual[1] = [1.0, 2.0, 3.5]  # the second row's argmax moves
    result = compare(actual, expected, atol=1e-4, rtol=1e-3)
    assert not result.ok
    assert result.max_abs == 2.5 and result.max_rel == 2.5
    assert result.top1 == 0.5 and 0.5 < result.cosine < 1
    assert compare(expected, expected, 1e-4, 1e-3).ok
    assert "shape (2, 3) differs from (3, 2)" in compare(expected, expected.T, 1e-4, 1e-3).describe()


def test_reference_norm_catches_a_change_outside_the_sample() -> None:
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((4, 100)).astype(np.float32)  # 400 values, 64 kept
    record = output_reference("out", reference, runtime=None)
    assert len(record.sample) == 64
    assert compare_with_reference(reference, record, 1e-4, 1e-3).ok
    assert compare_with_reference(reference, record, 1e-4, 1e-3).note == "bit-identical to the locked run"
    changed = reference.copy()
    changed[0, 1] += 5.0  # flat index 1 is between sampled indices 0 and 6
    result = compare_with_reference(changed, record, 1e-4, 1e-3)
    assert result.max_abs == 0 and not result.ok and "norm" in result.note


def test_tolerance_precedence_and_defaults() -> None:
    defaults = VerifySpec(probe_axes={})
    assert tolerance(CPU, ["float32"], defaults) == (1e-4, 1e-3)
    assert tolerance(CUDA, ["float32"], defaults) == (1e-3, 1e-3)
    assert tolerance(CPU, ["float16", "float32"], defaults) == (1e-2, 1e-2)
    assert tolerance(CPU, ["float32"], VerifySpec(probe_axes={}, atol=5e-4)) == (5e-4, 1e-3)
    declared = VerifySpec(probe_axes={}, atol=5e-4, rtol=0.1)
    assert tolerance(CPU, ["float32"], declared, (0.0, None)) == (0.0, 0.1)  # the command line wins


def test_onnxruntime_builds_that_overwrite_each_other() -> None:
    assert runtime_conflict(["numpy", "onnxruntime", "torch"]) is None
    assert runtime_conflict(["onnxruntime_gpu"]) is None
    clash = runtime_conflict(["onnxruntime", "onnxruntime_gpu", "torch"])
    assert clash is not None and "pip uninstall -y onnxruntime onnxruntime-gpu" in clash
    assert clash.endswith("`pip install onnxruntime-gpu`")


def test_unloadable_cuda_library_reason_is_the_loader_message(tmp_path: Path) -> None:
    library = tmp_path / "libonnxruntime_providers_cuda.so"
    library.write_bytes(b"not a shared object")
    problem = library_problem(str(library))
    assert problem is not None and str(library) in problem
    assert library_problem("libc.so.6") is None
