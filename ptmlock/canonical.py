"""The one hash of plain data that pins compare: a model declaration's (pin_hash in ptm.lock), and export
settings'."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_hash(value: Any) -> str:
    """A stable hash of plain data: what matters is the values, not the layout or comments."""
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    # surrogatepass: a lone surrogate (which a hostile server can send) hashes instead of raising here, and
    # is refused, with its line, where the lock is checked before it is written.
    return "sha256:" + hashlib.sha256(encoded.encode("utf-8", "surrogatepass")).hexdigest()
