"""Guards for paths that come from a hub or a lock, before anything is written with them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from .errors import PtmError

_DRIVE = re.compile(r"^[A-Za-z]:")
_BACKSLASH_OR_CONTROL = re.compile(r"[\\\x00-\x1f\x7f]")


class UnsafePathError(PtmError):
    """A path built from untrusted data (a server's answer, a lock, a manifest) would leave its folder."""


def unsafe_path_reason(path: str) -> str | None:
    """Why ``path`` could escape the folder it is written into, or None when it is a plain relative path."""
    if not isinstance(path, str) or not path or path.strip() != path:
        return "is empty, not text, or has surrounding spaces"
    if _BACKSLASH_OR_CONTROL.search(path):
        return "has a backslash or a control character"
    if path.startswith("/") or _DRIVE.match(path):
        return "is absolute"
    if any(part in ("..", ".", "") for part in path.split("/")):
        return "contains '..', '.' or an empty segment"
    return None


def contained(root: Path, relative: str, what: str) -> Path:
    """``root / relative``, refused (UnsafePathError naming ``what``) unless it stays inside ``root``.

    Every path built from lock or server data (a commit, a digest, a file path) goes through here: the
    pattern checks done where the data is read are the first line, this is the one that cannot be skipped.
    The check is lexical; symlinks already on disk are the job of install.links.escaping_symlink.
    """
    if reason := unsafe_path_reason(relative):
        raise UnsafePathError(f"{what} {relative!r} {reason}; refusing to use it as a path")
    joined = root / relative
    base = os.path.normpath(root)
    if not os.path.normpath(joined).startswith(base.rstrip(os.sep) + os.sep):
        raise UnsafePathError(f"{what} {relative!r} leads outside {root}; refusing to use it as a path")
    return joined


def case_clash(paths: Iterable[str]) -> tuple[str, str] | None:
    """Two of ``paths`` (or of their folders) that name one file on a case-insensitive, normalising
    filesystem (macOS, Windows): ``A.py`` and ``a.py``, or ``Models/x`` and ``models/y``; else None."""
    import unicodedata  # here: every read of ptm.lock checks its paths, few compare their cases

    seen: dict[str, str] = {}
    for path in sorted(paths):
        parts = path.split("/")
        for end in range(1, len(parts) + 1):
            name = "/".join(parts[:end])
            key = unicodedata.normalize("NFC", name).casefold()
            other = seen.setdefault(key, name)
            if other != name:
                return other, name
    return None
