"""The sources' own checks of their [models.X] options (repo ids, torch.hub entries, URLs, local paths).

The ptm.toml format (manifest) reads and checks everything common to all sources but never imports
them, so that `ptm check` and the lock reader stay light; every command that uses the sources (lock,
install, export, graph, ...) reads ptm.toml through here, with the same file:line errors.
"""

from __future__ import annotations

from pathlib import Path

from . import hubs
from .errors import ManifestError
from .manifest import Manifest, load_manifest, parse_manifest


def check_sources(manifest: Manifest) -> Manifest:
    """``manifest`` once each model's source accepts its options; else the first problem's ManifestError."""
    for spec in manifest.models.values():
        problem = hubs.check_options(spec.hub, spec.options)
        if problem:
            key, message = problem
            raise ManifestError(manifest.path, spec.line_of(key), message)
    return manifest


def load_checked_manifest(path: Path) -> Manifest:
    return check_sources(load_manifest(path))


def parse_checked_manifest(text: str, path: Path | str = "ptm.toml") -> Manifest:
    return check_sources(parse_manifest(text, path))
