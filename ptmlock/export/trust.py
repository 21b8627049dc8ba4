"""Loader keyword arguments that run code from the model's files, and the --trust that allows them.

Exporting builds the model in Python, so it always runs code: the loader (a project's own
``module:function``, any importable function), a torch.hub repository's hubconf.py. Two settings also run
code from the model's *files*, which whoever wrote ptm.toml may never have read: ``weights_only = false``
unpickles the weights (a pickle can call any function) and ``trust_remote_code = true`` imports the
repository's Python through transformers. A cloned ptm.toml must not turn those on silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ManifestError

if TYPE_CHECKING:
    from ..manifest import ModelSpec

# Each key, the one value that is safe (anything else, 0 or "no" included, is taken as the risky one:
# torch and transformers only test truthiness) and what the risky value does.
RISKY_KWARGS = {
    "weights_only": (True, "unpickles the weights, and a pickle can run any code"),
    "trust_remote_code": (False, "runs the Python code of the model's repository"),
}
TRUST_FIX = "pass --trust if you trust this ptm.toml and the model's files"


@dataclass(frozen=True)
class Risk:
    """A loader keyword argument that runs code from the model's files, where ptm.toml sets it."""

    key: str
    value: Any
    line: int | None

    def describe(self) -> str:
        value = json.dumps(self.value, ensure_ascii=False, default=str)  # TOML spells booleans the same
        return f"loader_kwargs {self.key} = {value}, which {RISKY_KWARGS[self.key][1]}"


def risky_keys(kwargs: Mapping[str, Any]) -> list[str]:
    return [key for key, (safe, _) in RISKY_KWARGS.items() if key in kwargs and kwargs[key] is not safe]


def require_trust(manifest_path: Path, specs: Iterable[ModelSpec], trusted: bool) -> None:
    """Refuse, before anything runs, to load a model whose loader_kwargs run code, unless ``trusted``."""
    if trusted:
        return
    for spec in specs:
        for risk in spec.export.risks if spec.export else ():
            raise ManifestError(
                manifest_path,
                risk.line,
                f"model '{spec.name}' sets {risk.describe()} when the model is loaded; {TRUST_FIX}",
            )
