"""Which files `ptm check` reads: the paths given, or the project's Python files, less the excludes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from ..errors import PtmError

# Folders that hold other people's code or generated files (the same list ruff skips).
SKIPPED_FOLDERS = frozenset(
    {".bzr", ".direnv", ".eggs", ".git", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox", ".pytest_cache"}
    | {".ruff_cache", ".svn", ".tox", ".venv", "venv", "__pycache__", "__pypackages__", "_build", "build"}
    | {"buck-out", "dist", "node_modules", "site-packages"}
)


def relative_below(path: str, folder: str | Path) -> str | None:
    """``path`` relative to ``folder`` when it is inside it, else None."""
    relative = os.path.relpath(os.path.abspath(path), folder)
    return None if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def excluded(relative: str, patterns: Iterable[str]) -> bool:
    """Whether a path (relative to the project root, with /) matches an exclude glob.

    A pattern without a slash matches any part of the path ("migrations", "*_pb2.py"); one with a
    slash matches from the root, and a folder pattern covers everything below it ("src/legacy").
    """
    parts = relative.split("/")
    for raw in patterns:
        pattern = raw.strip().removeprefix("./").rstrip("/")
        if "/" not in pattern:
            if any(fnmatchcase(part, pattern) for part in parts):
                return True
            continue
        pattern = pattern.removeprefix("**/") if pattern.startswith("**/") else pattern
        for depth in range(1, len(parts) + 1):
            if fnmatchcase("/".join(parts[:depth]), pattern) or fnmatchcase(
                "/".join(parts[-depth:]), pattern
            ):
                return True
    return False


def collect(paths: Sequence[str], root: Path, exclude: Sequence[str]) -> list[str]:
    """The files to check: given files as they are (pre-commit passes them), Python files under
    given folders (or the project root), skipping virtualenvs, VCS and build folders and excludes."""
    root_folder = os.path.abspath(root)
    cwd = os.getcwd()

    def skip(path: str) -> bool:
        if not exclude:
            return False
        relative = relative_below(path, root_folder)
        return relative is not None and excluded(relative.replace(os.sep, "/"), exclude)

    def shown(path: str) -> str:
        """Reports name files relative to the current folder when they are below it."""
        return relative_below(path, cwd) or os.path.abspath(path)

    found: dict[str, None] = {}
    for given in list(paths) or [root_folder]:
        if os.path.isfile(given):
            if not skip(given):
                found[shown(given)] = None
            continue
        if not os.path.isdir(given):
            raise PtmError(f"{given}: no such file or folder", exit_code=2)
        for folder, folders, files in os.walk(given):
            folders[:] = sorted(
                f
                for f in folders
                if f not in SKIPPED_FOLDERS
                and not f.endswith(".egg-info")
                and not skip(os.path.join(folder, f))
            )
            for name in sorted(files):
                path = os.path.join(folder, name)
                if name.endswith(".py") and not skip(path):
                    # Shown one by one: the folder walked (the root) may be above the current one.
                    found[shown(path)] = None
    return list(found)
