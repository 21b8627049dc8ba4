"""Model sources behind one interface (see base.Source); a new source is one module here."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from ..errors import PtmError
from .base import Download, Resolution, Source

__all__ = ["Download", "Resolution", "Source", "check_options", "source_for"]

# Modules are imported on first use so that commands which never touch a hub stay light.
_MODULES = {
    "huggingface": "ptmlock.hubs.huggingface",
    "torchhub": "ptmlock.hubs.torchhub",
    "url": "ptmlock.hubs.url",
    "local": "ptmlock.hubs.local",
}


def source_for(hub: str) -> Source:
    module = _MODULES.get(hub)
    if module is None:
        raise PtmError(
            f"hub '{hub}' is not supported by this version of ptmlock (supported: {', '.join(_MODULES)})"
        )
    return importlib.import_module(module).SOURCE


def check_options(hub: str, options: Mapping[str, Any]) -> tuple[str, str] | None:
    return source_for(hub).check_options(options)
