"""Find the line of a table or key in TOML text, so errors can point at it.

tomlkit keeps layout but not line numbers; a small scan over the text is enough for the
shapes people write (headers, dotted keys, inline tables).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="""
)
_PART = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)""")

_QUOTED = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'""")

PathPart = str | int


def _split_dotted(dotted: str) -> tuple[str, ...]:
    parts = []
    for match in _PART.finditer(dotted):
        token = match.group(1)
        parts.append(token[1:-1] if token[:1] in "\"'" else token)
    return tuple(parts)


def _scan_array(line: str, depth: int) -> tuple[int, int]:
    """Read ``line`` inside an inline array (``depth`` brackets deep; 0 before its ``[``): the depth
    after it, and how many inline tables open directly in the array (``edges = [{...}, {...}]``)."""
    tables = 0
    at = 0
    while at < len(line):
        char = line[at]
        if char in "\"'":
            quoted = _QUOTED.match(line, at)
            at = quoted.end() if quoted else len(line)
            continue
        if char == "#":
            break
        if char in "[{":
            depth += 1
            tables += char == "{" and depth == 2
        elif char in "]}":
            depth -= 1
            if depth == 0:
                break
        at += 1
    return depth, tables


@functools.lru_cache(maxsize=4)
def _index(text: str) -> tuple[dict[tuple[PathPart, ...], int], dict[tuple[PathPart, ...], int]]:
    """One pass over the text: the first line of every table and key path, and of every header prefix.

    The inline tables of an inline array are indexed like ``[[...]]`` ones: ``("edges", 1)`` is the line
    of the second table in ``edges = [{...}, {...}]``.
    """
    lines: dict[tuple[PathPart, ...], int] = {}
    header_prefixes: dict[tuple[PathPart, ...], int] = {}
    current: tuple[PathPart, ...] = ()
    array_counts: dict[tuple[PathPart, ...], int] = {}
    in_multiline = False
    array: tuple[PathPart, ...] = ()  # the key of the inline array being read
    depth = tables = 0

    def read_array(number: int, rest: str) -> None:
        nonlocal depth, tables
        depth, opened = _scan_array(rest, depth)
        for index in range(tables, tables + opened):
            lines.setdefault((*array, index), number)
        tables += opened

    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_multiline = not in_multiline
            if not in_multiline:
                continue
        elif in_multiline:
            continue
        if depth:  # the lines of a multi-line inline array are values, not keys or headers
            read_array(number, line)
            continue
        header = _HEADER.match(line)
        if header:
            parts: tuple[PathPart, ...] = _split_dotted(header.group(2))
            if header.group(1) == "[[":
                index = array_counts.get(parts, -1) + 1
                array_counts[parts] = index
                parts = (*parts, index)
            current = parts
            lines.setdefault(current, number)
            for end in range(1, len(current)):
                header_prefixes.setdefault(current[:end], number)
            continue
        key_match = _KEY.match(line)
        if key_match:
            path = current + _split_dotted(key_match.group(1))
            lines.setdefault(path, number)
            value = line[key_match.end() :].lstrip()
            if value.startswith("["):
                array, tables = path, 0
                read_array(number, value)
    return lines, header_prefixes


def locate(text: str, table: Sequence[PathPart], key: str | None = None) -> int | None:
    """1-based line of ``table.key`` (or of the table itself), best effort; None when not found.

    Arrays of tables are addressed by index: ``("edges", 2)`` is the third ``[[edges]]``. When the exact
    path is not written out (an inline table, an implicit parent), the nearest enclosing line is given.
    The text is indexed once, so validating a large manifest stays linear.
    """
    wanted = tuple(table) + ((key,) if key is not None else ())
    lines, header_prefixes = _index(text)
    for end in range(len(wanted), 0, -1):
        if wanted[:end] in lines:
            return lines[wanted[:end]]
    return header_prefixes.get(wanted)
