"""The one way ptmlock replaces a file: build it under a unique name beside the target, then rename it
over the target, so a reader sees the old file or the new one and never half of one, whatever stops
the writer (an error, Ctrl-C, a deadline, kill -9: at most a hidden temporary is left)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from .errors import PtmError


def replace_with(dest: Path, make: Callable[[Path], object]) -> None:
    """``make`` builds the new entry (a file, a link) at the temporary path it is given; it is then renamed
    over ``dest`` (a symlink at ``dest`` is replaced, never followed). OSError as raised."""
    tmp = dest.parent / f".{dest.name}.{secrets.token_hex(6)}.tmp"
    try:
        make(tmp)
        os.replace(tmp, dest)
    finally:
        # Renaming a hardlink onto another link of the same file does nothing and leaves ``tmp`` (a
        # concurrent install placed the same blob first). A failure to remove it is not the one to
        # report: in a read-only folder even removing a missing file fails.
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` (UTF-8, LF), synced to disk before the rename; PtmError on failure.

    The new file keeps the permissions of the one it replaces, or ``mode``; a new one gets the usual
    0666 less the umask (created with that mode, so the kernel applies the umask).
    """
    if mode is None:
        with contextlib.suppress(OSError):
            mode = os.stat(path).st_mode & 0o7777

    def make(tmp: Path) -> None:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)

    try:
        replace_with(path, make)
    except OSError as error:
        raise PtmError(f"cannot write {path}: {error.strerror or error}") from error
