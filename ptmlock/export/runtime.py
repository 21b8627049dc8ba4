"""onnxruntime: environment checks, provider choice (CUDA then CPU) and why CUDA is not usable."""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import re
import tempfile
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
        session = ort.InferenceSession(str(model), options, providers=[CUDA, CPU] if use_cuda else [CPU])
    except Exception as error:  # onnxruntime's own exception types are not importable portably
        raise RunFailure(f"onnxruntime cannot load {model.name}: {summarise(error)}") from error
    if provider == "cuda" and session.get_providers()[0] != CUDA:
        raise RunFailure(f"CUDA was required but is not usable: {cuda_problem(ort)}")
    return session


def used_provider(session: Any) -> str:
    """The provider the session really runs on (not the list of available ones)."""
    return session.get_providers()[0]


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
    return outputs, used_provider(session)
