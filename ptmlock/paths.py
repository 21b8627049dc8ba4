"""Guards for paths that come from a hub or a lock, before anything is written with them."""

from __future__ import annotations

import re

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_path_reason(path: str) -> str | None:
    """Why ``path`` could escape the folder it is written into, or None when it is a plain relative path."""
    if not path or path.strip() != path:
        return "is empty or has surrounding spaces"
    if "\\" in path or "\x00" in path or any(ord(c) < 32 for c in path):
        return "has a backslash or a control character"
    if path.startswith("/") or _DRIVE.match(path):
        return "is absolute"
    if any(part in ("..", ".", "") for part in path.split("/")):
        return "contains '..', '.' or an empty segment"
    return None
