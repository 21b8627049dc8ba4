"""What a pin looks like: the patterns every commit id and digest must match before it is used.

Servers, mirrors and hand-edited locks are untrusted: a commit or a sha256 becomes a folder or file name
(``snapshots/<commit>``, ``blobs/<sha256>``), so anything but plain lowercase hex is refused.
"""

from __future__ import annotations

import re
from typing import Any

COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def is_commit(value: Any) -> bool:
    """A full git commit id: 40 lowercase hex digits."""
    return isinstance(value, str) and COMMIT_RE.match(value) is not None


def is_sha256(value: Any) -> bool:
    """A sha256 hex digest: 64 lowercase hex digits."""
    return isinstance(value, str) and SHA256_RE.match(value) is not None


def is_size(value: Any) -> bool:
    """A file size: a whole number >= 0 (bool is not one, though Python says it is an int)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
