"""The optional libraries, which extra of ptmlock brings each, and the one line said when one is missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .errors import PtmError

# What `pip install 'ptmlock[EXTRA]'` installs, by import name; numpy comes with either extra's libraries.
EXTRA_OF = {
    "torch": "export",
    "transformers": "export",
    "tokenizers": "export",
    "onnx": "export",
    "onnxscript": "export",
    "safetensors": "export",
    "onnxruntime": "cpu",
    "numpy": "cpu",
}


def missing_library(error: ModuleNotFoundError, command: str, extras: str | None = None) -> PtmError | None:
    """``error`` as one line naming the extra to install, when it is an optional library ptmlock lacks
    (``extras``: what ``command`` needs in all, e.g. "export,cpu"); None for any other missing module,
    whose traceback is a bug to report."""
    library = (error.name or "").partition(".")[0]
    if library not in EXTRA_OF:
        return None
    extras = extras or EXTRA_OF[library]
    gpu = " (or 'ptmlock[gpu]' for onnxruntime on CUDA)" if "cpu" in extras.split(",") else ""
    install = f"pip install 'ptmlock[{extras}]'{gpu}"
    return PtmError(f"`{command}` needs {library}, which is not installed: {install}")


@contextmanager
def optional_libraries(command: str, extras: str) -> Iterator[None]:
    """Around the work of ``command``, which needs the libraries of ``extras``: one missing is one line."""
    try:
        yield
    except ModuleNotFoundError as error:
        if (problem := missing_library(error, command, extras)) is None:
            raise
        raise problem from error
