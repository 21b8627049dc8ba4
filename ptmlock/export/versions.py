"""Versions of the libraries that produced or checked an artifact, as recorded in ptm.lock."""

from __future__ import annotations

import importlib.util
from importlib import metadata


def installed_versions(*distributions: str) -> dict[str, str]:
    """``{name: version}`` of those installed; absent ones are left out."""
    found = {}
    for name in distributions:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a finder that refuses it, or a half-imported module
        return False


def first_missing(*modules: str) -> str | None:
    """The first of ``modules`` that cannot be imported here (checked without importing it)."""
    return next((m for m in modules if not _importable(m)), None)
