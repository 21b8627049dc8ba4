"""Where a project's ptm.toml and ptm.lock are."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import config

if TYPE_CHECKING:  # the formats are read on first use: a no-op `ptm install` never parses them
    from .lockfile import Lock
    from .manifest import Manifest


# A NamedTuple, read-only and typed, where a frozen dataclass costs every command's start-up (`ptm check`
# is a pre-commit hook) a few milliseconds to define.
class Project(NamedTuple):
    manifest_path: Path

    @property
    def root(self) -> Path:
        return self.manifest_path.parent

    @property
    def lock_path(self) -> Path:
        return self.root / config.LOCK_NAME

    def manifest(self) -> Manifest:
        """ptm.toml, its options checked by each model's source: what every command using sources reads."""
        from .manifest_check import load_checked_manifest  # imports the sources, which `ptm check` need not

        return load_checked_manifest(self.manifest_path)

    def declared(self) -> Manifest:
        """ptm.toml checked as a format only, without importing any source: what `ptm check` compares
        code with (names, repos, revisions, [check]); a malformed source option is left to `ptm lock`."""
        from .manifest import load_manifest

        return load_manifest(self.manifest_path)

    def lock(self, *, export_records: bool = True) -> Lock | None:
        """ptm.lock, checked; without `ptm export`'s records when the caller never reads them (ptm check)."""
        from .lockfile import read_lock

        return read_lock(self.lock_path, export_records=export_records)


def find_project(manifest: Path | None = None, start: Path | None = None) -> Project:
    """The given manifest, else the nearest ptm.toml from ``start`` upwards, else one in ``start``."""
    if manifest is not None:
        return Project(manifest.absolute())
    start = (start or Path.cwd()).absolute()
    for folder in (start, *start.parents):
        candidate = folder / config.MANIFEST_NAME
        if candidate.is_file():
            return Project(candidate)
    return Project(start / config.MANIFEST_NAME)
