"""The one hash of plain data that pins compare: a model declaration's (pin_hash in ptm.lock), and export
settings'."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_hash(value: Any) -> str:
    """A stable hash of plain data: what matters is the values, not the layout or comments."""
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()
