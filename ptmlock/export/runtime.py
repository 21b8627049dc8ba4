"""onnxruntime: environment checks, provider choice (CUDA then CPU) and why CUDA is not usable."""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import PtmError
from ..paths import contained
from . import artifacts
from .artifacts import Located
from .outcome import RunFailure, summarise
from .records import ExportRecord

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
# onnxruntime's CUDA provider rounds float32 matmul and convolution inputs to TF32 (a 10-bit mantissa) by
# default on Ampere and newer GPUs: on a BERT-small-sized model that alone puts outputs 1.1e-3 from
# PyTorch's float32 ones (measured on an H200), past the CUDA tolerance. ptm checks float32 numbers.
CUDA_OPTIONS = {"use_tf32": "0"}
# Each ships the same `onnxruntime` package; two installed overwrite each other's files.
ORT_DISTRIBUTIONS = (
    "onnxruntime",
    "onnxruntime-gpu",
    "onnxruntime-directml",
    "onnxruntime-openvino",
    "onnxruntime-qnn",
    "onnxruntime-rocm",
    "onnxruntime-silicon",
)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_conflict(installed: Iterable[str]) -> str | None:
    """Why the installed distributions clash (several onnxruntime builds), or None."""
    found = sorted({_normalise(n) for n in installed} & set(ORT_DISTRIBUTIONS))
    if len(found) < 2:
        return None
    keep = "onnxruntime-gpu" if "onnxruntime-gpu" in found else found[-1]
    return (
        f"{' and '.join(found)} are installed together and overwrite each other's files; "
        f"run `pip uninstall -y {' '.join(found)}` then `pip install {keep}`"
    )


def import_onnxruntime() -> ModuleType:
    problem = runtime_conflict(d.metadata["Name"] or "" for d in metadata.distributions())
    if problem:
        raise PtmError(problem)
    try:
        import onnxruntime
    except ImportError as error:
        raise PtmError(
            "onnxruntime is not installed; pip install 'ptmlock[cpu]' (or 'ptmlock[gpu]' for CUDA)"
        ) from error
    # Errors only, for the whole process: onnxruntime-gpu on a machine without CUDA logs "Failed to create
    # CUDAExecutionProvider" at every session, before a session's own log level applies; ptm says why.
    onnxruntime.set_default_logger_severity(3)
    return onnxruntime


def library_problem(name: str) -> str | None:
    try:
        ctypes.CDLL(name)
    except OSError as error:
        return str(error)
    return None


def cuda_problem(ort: ModuleType) -> str:
    """Why onnxruntime cannot run on CUDA here, in one line with the fix."""
    if CUDA not in ort.get_available_providers():
        return (
            f"this onnxruntime {ort.__version__} has no CUDA execution provider; "
            "pip uninstall -y onnxruntime && pip install 'ptmlock[gpu]'"
        )
    assert ort.__file__ is not None  # onnxruntime is a regular package, not a namespace one
    provider_library = Path(ort.__file__).parent / "capi" / "libonnxruntime_providers_cuda.so"
    if provider_library.is_file() and (missing := library_problem(str(provider_library))):
        return f"CUDA libraries are missing ({missing}); install the CUDA/cuDNN that onnxruntime-gpu needs"
    if missing := library_problem("libcuda.so.1"):
        return f"no NVIDIA driver ({missing})"
    driver = ctypes.CDLL("libcuda.so.1")
    count = ctypes.c_int(0)
    if (code := driver.cuInit(0)) != 0:
        return f"the NVIDIA driver did not initialise (cuInit error {code}); is a GPU attached?"
    if driver.cuDeviceGetCount(ctypes.byref(count)) != 0 or count.value == 0:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES", "unset")
        return f"no CUDA device is visible (CUDA_VISIBLE_DEVICES={visible})"
    return "onnxruntime fell back to CPU without saying why; rerun with ORT's log level at 0 to see it"


def session_providers(use_cuda: bool) -> list[Any]:
    """The providers (with options) of a session: CUDA in float32 then CPU, or the CPU alone."""
    return [(CUDA, CUDA_OPTIONS), CPU] if use_cuda else [CPU]


def open_session(model: Path, provider: str) -> Any:
    """An InferenceSession on CUDA when asked or available (``auto``), else CPU.

    ``cuda`` never falls back: if the session does not really run on CUDA it is an error saying why.
    """
    ort = import_onnxruntime()
    # A verification that cannot run where it must is a failed check of each model (RunFailure).
    if provider == "cuda" and CUDA not in ort.get_available_providers():
        raise RunFailure(f"CUDA was required but is not usable: {cuda_problem(ort)}")
    use_cuda = provider in ("auto", "cuda") and CUDA in ort.get_available_providers()
    if use_cuda and hasattr(ort, "preload_dlls"):
        # Loads CUDA/cuDNN from the nvidia-* wheels when present; it prints what it cannot find,
        # which cuda_problem reports better.
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(OSError, RuntimeError):
            ort.preload_dlls()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(model), options, providers=session_providers(use_cuda))
    except Exception as error:  # onnxruntime's own exception types are not importable portably
        raise RunFailure(f"onnxruntime cannot load {model.name}: {summarise(error)}") from error
    if provider == "cuda" and session.get_providers()[0] != CUDA:
        raise RunFailure(f"CUDA was required but is not usable: {cuda_problem(ort)}")
    return session


FLOAT_TYPES = frozenset({"float", "float16", "double", "bfloat16"})


def _computes_floats(event: Mapping[str, Any]) -> bool:
    outputs = event["args"].get("output_type_shape", [])
    return any(kind in FLOAT_TYPES for output in outputs for kind in output)


def float_nodes_by_provider(
    model: Path, providers: list[str], inputs: Mapping[str, np.ndarray]
) -> dict[str, Counter[str]]:
    """The ops of the nodes computing floating-point values, by the provider they ran on in one profiled
    run (onnxruntime puts integer shape arithmetic on the CPU by design: that is not a fallback)."""
    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.enable_profiling = True
    with tempfile.TemporaryDirectory(prefix="ptm-profile-") as folder:
        options.profile_file_prefix = str(Path(folder) / "run")
        session = ort.InferenceSession(str(model), options, providers=session_providers(CUDA in providers))
        session.run(None, dict(inputs))
        events = json.loads(Path(session.end_profiling()).read_text())
    nodes = {  # a node's events share its name
        e["name"]: e for e in events if e.get("cat") == "Node" and "provider" in e.get("args", {})
    }
    placed: dict[str, Counter[str]] = {}
    for event in nodes.values():
        if _computes_floats(event):
            placed.setdefault(event["args"]["provider"], Counter())[event["args"]["op_name"]] += 1
    return placed


def used_provider(session: Any, model: Path, inputs: Mapping[str, np.ndarray]) -> str:
    """The provider the session really ran on: CUDA only when no floating-point node of the graph ran on
    the CPU (a CUDA session silently places there what CUDA has no kernel for), else where they ran."""
    first = session.get_providers()[0]
    if first != CUDA:
        return first
    placed = float_nodes_by_provider(model, session.get_providers(), inputs)
    on_cpu = placed.get(CPU, Counter())
    if not on_cpu:
        return CUDA
    total = sum(sum(ops.values()) for ops in placed.values())
    ops = ", ".join(sorted(on_cpu))
    return f"{CUDA} with {sum(on_cpu.values())} of {total} floating-point nodes on {CPU} ({ops})"


def version() -> str:
    return import_onnxruntime().__version__


@contextlib.contextmanager
def onnx_file(record: ExportRecord, located: Located) -> Iterator[Path]:
    """A path onnxruntime can open: the graph, beside its data file under the name the graph uses."""
    graph = located.paths[0]
    if record.external_data is None or located.in_project:  # the project copy keeps the exported names
        yield graph
        return
    # In the store both are named by hash, and onnxruntime refuses data outside the graph's folder
    # (symbolic links included): hard links in the store's file system give both their expected names.
    with tempfile.TemporaryDirectory(prefix=".onnx-", dir=artifacts.scratch_dir()) as tmp:
        folder = Path(tmp)
        os.link(graph, folder / "model.onnx")
        os.link(located.paths[1], contained(folder, record.external_data.path, "the external data file"))
        yield folder / "model.onnx"


def run_session(
    session: Any, names: list[str], inputs: Mapping[str, np.ndarray], what: str
) -> list[np.ndarray]:
    """The outputs ``names`` on ``inputs``; RunFailure names ``what`` could not run."""
    try:
        return [np.asarray(o) for o in session.run(names, dict(inputs))]
    except Exception as error:  # a graph that loads can still fail to run (inputs it does not have, ...)
        raise RunFailure(f"onnxruntime cannot run {what}: {summarise(error)}") from error


def run_onnx(
    record: ExportRecord, located: Located, inputs: Mapping[str, np.ndarray], provider: str
) -> tuple[list[np.ndarray], str]:
    """Outputs in the record's order, and the provider the session really used."""
    with onnx_file(record, located) as path:
        session = open_session(path, provider)
        outputs = run_session(session, [o.name for o in record.outputs], inputs, record.path)
        used = used_provider(session, path, inputs)
    if provider == "cuda" and used != CUDA:
        raise RunFailure(f"CUDA was required but the run was not all on CUDA: {used}")
    return outputs, used
