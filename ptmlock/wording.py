"""How counts and sizes read in every command's output: ``1 model``, ``2 models``, ``1.2 MB``.

Plain functions with no imports, so that any layer (install, export, check, audit) words its own lines
the same way without depending on the command line.
"""

from __future__ import annotations


def count(n: int, noun: str) -> str:
    """``1 model``, ``2 models``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def size(n: float) -> str:
    """Bytes as people read them: 999 B, 1.2 kB, 3.4 GB (decimal units, like the Hub)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError
