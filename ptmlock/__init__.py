"""ptmlock: declare, pin, install and verify the pre-trained models a repository depends on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["PtmError", "__version__", "path", "revision", "torch_hub_load"]

if TYPE_CHECKING:
    from .api import path, revision, torch_hub_load
    from .errors import PtmError


def __getattr__(name: str) -> Any:
    # Loaded on first use, so that `import ptmlock` (and the CLI) stays light.
    if name in ("path", "revision", "torch_hub_load"):
        from . import api

        return getattr(api, name)
    if name == "PtmError":  # what every error of ptmlock is (a LockError, an IntegrityError, ...)
        from .errors import PtmError

        return PtmError
    raise AttributeError(f"module 'ptmlock' has no attribute {name!r}")
