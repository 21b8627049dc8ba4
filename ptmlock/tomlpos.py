"""Find the line of a table or key in TOML text, so errors can point at it.

tomlkit keeps layout but not line numbers; a small scan over the text is enough for the
shapes people write (headers, dotted keys, inline tables).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="""
)
_PART = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)""")

PathPart = str | int


def _split_dotted(dotted: str) -> tuple[str, ...]:
    parts = []
    for match in _PART.finditer(dotted):
        token = match.group(1)
        parts.append(token[1:-1] if token[:1] in "\"'" else token)
    return tuple(parts)


def locate(text: str, table: Sequence[PathPart], key: str | None = None) -> int | None:
    """1-based line of ``table.key`` (or of the table itself), best effort; None when not found.

    Arrays of tables are addressed by index: ``("edges", 2)`` is the third ``[[edges]]``.
    """
    wanted = tuple(table) + ((key,) if key is not None else ())
    current: tuple[PathPart, ...] = ()
    array_counts: dict[tuple[PathPart, ...], int] = {}
    fallback: int | None = None
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_multiline = not in_multiline
            if not in_multiline:
                continue
        elif in_multiline:
            continue
        header = _HEADER.match(line)
        if header:
            parts: tuple[PathPart, ...] = _split_dotted(header.group(2))
            if header.group(1) == "[[":
                index = array_counts.get(parts, -1) + 1
                array_counts[parts] = index
                parts = (*parts, index)
            current = parts
            if current == wanted:
                return number
            if current == tuple(table) or (fallback is None and current[: len(wanted)] == wanted):
                fallback = number
            continue
        key_match = _KEY.match(line)
        if key_match:
            full = current + _split_dotted(key_match.group(1))
            if full == wanted:
                return number
            if len(full) <= len(wanted) and wanted[: len(full)] == full:
                fallback = number
    return fallback
