"""PTM030 and PTM031: the edges of ptm.toml against what the data flow between model loads shows, so the
manifest and the code stay in step. Both are notes (info): the flow pass reads code statically and can
miss or mistake a hand-off."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..manifest import Manifest
from ..taxonomy import EVALUATION
from .declared import Declared, model_of
from .files import relative_below
from .loads import FileScan
from .rules import RULES, Finding

Pair = tuple[str, str] | frozenset[str]


def _pair(source: str, target: str, kind: str) -> Pair:
    """What an edge joins: in order, but either way for an evaluation, whose direction projects write
    both ways (the evaluated model to its evaluator, or the evaluator pointing at what it scores)."""
    return frozenset((source, target)) if kind == EVALUATION else (source, target)


def _shown(path: str | Path) -> str:
    """A path as findings name it: relative to the current folder when below it."""
    return relative_below(str(path), os.getcwd()) or os.path.abspath(path)


def edge_findings(scans: Sequence[FileScan], manifest: Manifest, root: Path) -> list[Finding]:
    """PTM030 at the line where a declared model's output reaches another declared model with no edge
    between them in ptm.toml; PTM031 at each ptm.toml edge between two models the code loads that the
    code does not show. ``scans`` are the whole project's.

    The flow pass runs only when the files load two or more declared models (no edge of either rule
    can join fewer: most commits of a project touch no such file), and reads only the files that load
    models.
    """
    declared = Declared(manifest, None)
    loaded = {name for scan in scans for load in scan.loads if (name := model_of(load, declared))}
    if len(loaded) < 2:
        return []
    from ..dataflow.infer import infer_scanned

    shown: dict[Pair, tuple[str, str, str, str | None, str, int]] = {}
    for inferred in infer_scanned([scan for scan in scans if scan.loads], root).edges:
        source, target = model_of(inferred.source, declared), model_of(inferred.target, declared)
        if source is None or target is None or source == target or not inferred.evidence:
            continue
        site = inferred.evidence[0]
        where = (source, target, inferred.kind, inferred.mode, site.path, site.line)
        shown.setdefault(_pair(source, target, inferred.kind), where)
    pairs = {_pair(edge.source, edge.target, edge.kind) for edge in manifest.edges}
    found = []
    for pair, (source, target, kind, mode, path, line) in shown.items():
        if pair in pairs:
            continue
        fields = f'from = "{source}", to = "{target}", kind = "{kind}"' + (
            f', mode = "{mode}"' if mode else ""
        )
        message = (
            f"the code shows {source} -> {target} ({kind}) here, but {manifest.path.name} declares no edge "
            f"between them; add [[edges]] {fields}, or see them all with `ptm graph --from-code`"
        )
        found.append(_finding(_shown(root / path), line, "PTM030", message))
    for edge in manifest.edges:
        ends = (edge.source, edge.target)
        if set(ends) <= loaded and _pair(*ends, edge.kind) not in shown and edge.source != edge.target:
            message = (
                f"edge {edge.source} -> {edge.target} ({edge.kind}): the code loads both, but no value "
                "was seen passing between them; remove the edge if the code no longer does this "
                "(`ptm graph --from-code` shows what it does)"
            )
            found.append(_finding(_shown(manifest.path), edge.line or 1, "PTM031", message))
    return found


def _finding(path: str, line: int, code: str, message: str) -> Finding:
    return Finding(path, line, 1, line, 1, code, message, severity=RULES[code].severity)
