"""`ptm check --fix`: write the locked commit into unpinned loads, editing bytes at the positions the
parser reported so everything else on the line (quotes, comments, layout) stays as it was."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import PtmError
from .loads import Uncheckable
from .rules import Finding
from .scanner import parse


def apply_fixes(findings: Iterable[Finding]) -> dict[str, int]:
    """Apply every fixable finding; the number of edits made, by file.

    Every edited file is parsed before any is written: an edit that would break one writes nothing.
    """
    by_path: dict[str, dict[int, tuple[int, str]]] = {}
    for item in findings:
        if item.fix is not None and item.commit is not None:
            edit = (item.fix.end, item.fix.template.format(commit=item.commit))
            by_path.setdefault(item.path, {})[item.fix.start] = edit
    edited: dict[str, tuple[str, int]] = {}
    for path, edits in by_path.items():
        source = Path(path).read_bytes()
        for start in sorted(edits, reverse=True):  # from the end, so earlier offsets stay valid
            end, text = edits[start]
            source = source[:start] + text.encode() + source[end:]
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError:
            continue  # not UTF-8: leave the file alone, its findings stay reported
        try:
            parse(text, path)
        except Uncheckable as error:
            raise PtmError(
                f"{path}:{error.line}: --fix would make this file invalid Python ({error.reason}), so "
                "no file was changed; pin its loads by hand and report this as a ptm bug"
            ) from error
        edited[path] = (text, len(edits))
    from .. import atomic  # imported only to write: most checks fix nothing

    for path, (text, _) in edited.items():
        # Through a symlink to the file it names: replacing the link would leave the target unpinned.
        target = Path(os.path.realpath(path))
        atomic.write_text(target, text, mode=os.stat(target).st_mode & 0o7777)
    return {path: count for path, (_, count) in edited.items()}
