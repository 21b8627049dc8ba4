"""`ptm check --fix`: write the locked commit into unpinned loads, editing bytes at the positions the
parser reported so everything else on the line (quotes, comments, layout) stays as it was."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..lockfile import atomic_write_text
from .rules import Finding


def apply_fixes(findings: Iterable[Finding]) -> dict[str, int]:
    """Apply every fixable finding; the number of edits made, by file."""
    by_path: dict[str, dict[int, tuple[int, str]]] = {}
    for item in findings:
        if item.fix is not None and item.commit is not None:
            edit = (item.fix.end, item.fix.template.format(commit=item.commit))
            by_path.setdefault(item.path, {})[item.fix.start] = edit
    done = {}
    for path, edits in by_path.items():
        source = Path(path).read_bytes()
        for start in sorted(edits, reverse=True):  # from the end, so earlier offsets stay valid
            end, text = edits[start]
            source = source[:start] + text.encode() + source[end:]
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError:
            continue  # not UTF-8: leave the file alone, its findings stay reported
        atomic_write_text(Path(path), text, mode=os.stat(path).st_mode & 0o7777)
        done[path] = len(edits)
    return done
