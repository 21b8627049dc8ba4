"""The --trust that allows loader keyword arguments running code from the model's files (the risky ones are
export_settings.RISKY_KWARGS).

Exporting builds the model in Python, so it always runs code: the loader (a project's own
``module:function``, any importable function), a torch.hub repository's hubconf.py. Two settings also run
code from the model's *files*, which whoever wrote ptm.toml may never have read: ``weights_only = false``
unpickles the weights (a pickle can call any function) and ``trust_remote_code = true`` imports the
repository's Python through transformers. A cloned ptm.toml must not turn those on silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ManifestError

if TYPE_CHECKING:
    from ..manifest import ModelSpec

TRUST_FIX = "pass --trust if you trust this ptm.toml and the model's files"


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
