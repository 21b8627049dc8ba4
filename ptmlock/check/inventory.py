"""`ptm init --from-code`: the [models] a codebase needs, from the hub loads found in it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..manifest import NAME_RE, check_revision
from .catalog import HUGGINGFACE
from .loads import MUTABLE, PINNED, UNPINNED, Load

_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def _slug(text: str) -> str:
    return _NOT_NAME.sub("-", text).strip("-_")


def _free_name(candidates: Iterable[str], taken: set[str]) -> str:
    options = [c for c in candidates if NAME_RE.match(c)]
    for option in options:
        if option not in taken:
            return option
    base, number = options[-1] if options else "model", 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def declarations(loads: Iterable[Load]) -> dict[str, dict[str, str]]:
    """One model per (repo, revision) loaded: named after the repo ('bert-base-uncased', then
    'org-name' when taken), at the revision the code asks for, or "main" to be locked."""
    found: dict[tuple[str, str], None] = {}
    for load in sorted(loads, key=lambda x: (x.path, x.line, x.column)):
        pin = load.pin
        if load.hub != HUGGINGFACE or pin.kind != "model" or pin.repo is None:
            continue
        if pin.state not in (UNPINNED, MUTABLE, PINNED):
            continue
        revision = pin.revision or "main"
        if check_revision(revision) is None:
            found[(pin.repo, revision)] = None
    models: dict[str, dict[str, str]] = {}
    for repo, revision in found:
        last = _slug(repo.rsplit("/", 1)[-1])
        name = _free_name([last, _slug(repo), f"{last}-{_slug(revision)[:12]}"], set(models))
        models[name] = {"repo": repo, "revision": revision}
    return models
