"""Versions of the libraries that produced or checked an artifact, as recorded in ptm.lock."""

from __future__ import annotations

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
