"""The optional libraries, which extra of ptmlock brings each, and the one line said when one is missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .errors import PtmError

# What `pip install 'ptmlock[EXTRA]'` installs, by import name; numpy comes with either extra's libraries.
# `ptm verify --frozen` needs only the cpu (or gpu) extra: onnxruntime, and tokenizers for token ids.
EXTRA_OF = {
    "torch": "export",
    "transformers": "export",
    "onnx": "export",
    "onnxscript": "export",
    "safetensors": "export",
    "PIL": "export",  # image processors run on pillow (or torchvision)
    "onnxruntime": "cpu",
    "tokenizers": "cpu",
    "numpy": "cpu",
}


def install_command(extras: str) -> str:
    """How to install ``extras`` (e.g. "export,cpu"), with the CUDA alternative where onnxruntime is in."""
    gpu = " (or 'ptmlock[gpu]' for onnxruntime on CUDA)" if "cpu" in extras.split(",") else ""
    return f"pip install 'ptmlock[{extras}]'{gpu}"


def not_installed(library: str, extras: str | None = None) -> str:
    """``library`` is missing, and the extra that brings it (``extras``: what is needed in all)."""
    return f"needs {library}, which is not installed: {install_command(extras or EXTRA_OF[library])}"


def missing_library(error: ModuleNotFoundError, command: str, extras: str | None = None) -> PtmError | None:
    """``error`` as one line naming the extra to install, when it is an optional library ptmlock lacks
    (``extras``: what ``command`` needs in all, e.g. "export,cpu"); None for any other missing module,
    whose traceback is a bug to report."""
    library = (error.name or "").partition(".")[0]
    if library not in EXTRA_OF:
        return None
    return PtmError(f"`{command}` {not_installed(library, extras)}")


@contextmanager
def optional_libraries(command: str, extras: str) -> Iterator[None]:
    """Around the work of ``command``, which needs the libraries of ``extras``: one missing is one line."""
    try:
        yield
    except ModuleNotFoundError as error:
        if (problem := missing_library(error, command, extras)) is None:
            raise
        raise problem from error
