"""TorchScript with torch.jit.trace, saved to bytes so the archive does not depend on a file name.

Unlike the ONNX export, a TorchScript archive is not byte-reproducible: torch writes a random
serialization id into it, so each export records a new sha256.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch

from ..errors import PtmError
from .build import FlatOutputs, quiet, tensors
from .outcome import RunFailure, summarise

TORCHSCRIPT_NAME = "model.pt"


def export_torchscript(name: str, module: FlatOutputs, example: dict, folder: Path) -> Path:
    try:
        with quiet():
            # The save/load round trip on other-shaped probe inputs checks the trace instead.
            traced = torch.jit.trace(module, tensors(example), check_trace=False)
            buffer = io.BytesIO()
            torch.jit.save(traced, buffer)
    except Exception as error:  # tracing runs user code
        raise PtmError(f"TorchScript trace of '{name}' failed: {summarise(error)}") from error
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TORCHSCRIPT_NAME
    path.write_bytes(buffer.getvalue())
    return path


def load_torchscript(path: Path) -> torch.jit.ScriptModule:
    try:
        with quiet():
            return torch.jit.load(str(path), map_location="cpu")
    except Exception as error:  # a damaged archive raises whatever its unpickler meets
        raise RunFailure(f"torch cannot load {path.name}: {summarise(error)}") from error
