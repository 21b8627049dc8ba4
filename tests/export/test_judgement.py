"""The pure parts of verification: closeness metrics, the locked reference, tolerances, runtime clashes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ptmlock.export.compare import compare, compare_with_reference, tolerance
from ptmlock.export.probes import output_reference, read_reference, reference_bytes
from ptmlock.export.runtime import CPU, CUDA, library_problem, runtime_conflict
from ptmlock.export_settings import VerifySpec


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


def test_every_value_of_the_reference_is_compared() -> None:
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((4, 100)).astype(np.float32)
    record = output_reference("out", reference, runtime=None)
    same = compare_with_reference(reference, record, reference, 0.0, 0.0)
    assert same.ok and same.note == "bit-identical to the locked PyTorch run"  # no tolerance needed
    assert compare_with_reference(reference + 5e-5, record, reference, 1e-4, 1e-3).ok
    one = reference.copy()
    one[3, 97] += 1.0
    result = compare_with_reference(one, record, reference, 1e-4, 1e-3)
    assert not result.ok and abs(result.max_abs - 1.0) < 1e-6 and not result.note
    flipped = reference.copy()
    flipped.reshape(-1)[:370] *= -1  # the L2 norm does not move
    assert not compare_with_reference(flipped, record, reference, 1e-4, 1e-3).ok


def test_only_a_passing_comparison_says_bit_identical() -> None:
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((4, 100)).astype(np.float32)
    runtime = reference + np.float32(1e-6)  # onnxruntime rounds otherwise than PyTorch
    record = output_reference("out", reference, runtime=runtime)
    within = compare_with_reference(runtime, record, reference, 1e-4, 1e-3)
    assert within.ok and within.note == "bit-identical to the locked onnxruntime run"
    strict = compare_with_reference(runtime, record, reference, 0.0, 0.0)
    assert not strict.ok and "bit-identical" not in strict.describe()
    assert "(the same output as the locked onnxruntime run, yet not within the tolerance" in strict.describe()


def test_reference_file_holds_each_output_in_order() -> None:
    outputs = [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array([[1, -2]], dtype=np.int64),
        np.array([True, False, True]),
    ]
    records = [output_reference(f"o{i}", a, None) for i, a in enumerate(outputs)]
    data = reference_bytes(outputs)
    assert len(data) == 6 * 4 + 2 * 8 + 3
    back = read_reference(data, records)
    assert back is not None
    for original, read in zip(outputs, back, strict=True):
        assert read.dtype == original.dtype and np.array_equal(read, original)
    assert read_reference(data[:-1], records) is None


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
