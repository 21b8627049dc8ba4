"""Which files `ptm check` reads (the paths given, or the project's Python files, less the excludes),
and how it reads one whatever a cloned tree holds there."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from ..errors import PtmError
from .loads import Uncheckable

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
        if not os.path.isdir(given) and os.path.lexists(given):
            # Whatever it is (a FIFO, a dangling link): read_source says why it is not read.
            if not skip(given):
                found[shown(given)] = None
            continue
        if not os.path.isdir(given):
            raise PtmError(f"{given}: no such file or folder", exit_code=2)
        for path in _walk(given, skip):
            # Shown one by one: the folder walked (the root) may be above the current one.
            found[shown(path)] = None
    return list(found)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def python_files_below(top: str) -> Iterator[str]:
    """The *.py files below a folder, skipped folders (``.venv``, ``build``) left out."""
    return _walk(top, lambda _: False)


def _walk(top: str, skip: Callable[[str], bool]) -> Iterator[str]:
    """The *.py names below ``top`` but not below a skipped folder, each folder's in name order
    before its subfolders', as os.walk gives them; with a stack, not recursion, so no depth of
    folders a cloned tree holds can exhaust Python's. Symlinked folders are not entered; a folder
    that cannot be listed is skipped."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            continue
        inner = []
        for entry in entries:
            if not _is_folder(entry):
                if entry.name.endswith(".py") and not skip(entry.path):
                    yield entry.path
            elif (
                entry.name not in SKIPPED_FOLDERS
                and not entry.name.endswith(".egg-info")
                and not entry.is_symlink()
                and not skip(entry.path)
            ):
                inner.append(entry.path)
        stack += reversed(inner)


# A .py file larger than this is generated (tables, protobufs) or hostile: it is reported, never read.
MAX_SOURCE_BYTES = 4 * 1024 * 1024
_EXCLUDE_IT = "add it to [check] exclude in ptm.toml"
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    # A file swapped for a FIFO after the stat opens at once instead of waiting for a writer.
    | getattr(os, "O_NONBLOCK", 0)
)
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _readable(info: os.stat_result, what: str) -> None:
    """Refuse anything but a regular file of at most MAX_SOURCE_BYTES, before reading a byte."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
        raise Uncheckable(
            f"{what}{kind}, not a regular file, so it is not read", f"remove it or {_EXCLUDE_IT}"
        )
    if info.st_size > MAX_SOURCE_BYTES:
        raise Uncheckable(
            f"{what}{_mib(info.st_size)}, over the {_mib(MAX_SOURCE_BYTES)} ptm reads",
            f"if it is generated, {_EXCLUDE_IT}",
        )


def read_source(path: str, root: str) -> bytes:
    """The bytes of one file to check, read so that no tree can hang or exhaust `ptm check`.

    A symlink is followed only to a file inside ``root`` (the project): outside it may be anything
    (``/proc/kmsg`` blocks, another checkout is not this project's code, ``--fix`` would edit it). A
    FIFO, socket or device is never opened (a FIFO waits for a writer, ``/dev/zero`` never ends), and
    no more than MAX_SOURCE_BYTES are read, whatever the file's size said.
    """
    what = ""  # how a reason names what it is about: the file, or the target of its link
    try:
        if os.path.islink(path):
            target = os.path.realpath(path)
            if relative_below(target, os.path.realpath(root)) is None:
                raise Uncheckable(
                    f"a symlink to {target}, outside the project, which ptm does not follow",
                    f"check that file where it lives, or {_EXCLUDE_IT}",
                )
            what = f"a symlink to {target}, "
        _readable(os.stat(path), what)
        with os.fdopen(os.open(path, _READ_FLAGS), "rb") as handle:
            _readable(os.fstat(handle.fileno()), what)  # the file may have changed since the stat
            source = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as error:
        raise Uncheckable(
            f"cannot read: {error.strerror or error}", f"make it readable, or {_EXCLUDE_IT}"
        ) from error
    if len(source) > MAX_SOURCE_BYTES:  # a size of 0 in stat (/proc, some FUSE files) proves nothing
        raise Uncheckable(
            f"{what}more than the {_mib(MAX_SOURCE_BYTES)} ptm reads",
            f"if it is generated, {_EXCLUDE_IT}",
        )
    return source
