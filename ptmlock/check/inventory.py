"""`ptm init --from-code`: the [models] a codebase needs, from the hub loads found in it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import PtmError
from ..manifest import NAME_RE, check_revision
from .catalog import TORCHHUB
from .declared import TIED_HUBS
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


def _fields(load: Load) -> dict[str, str] | None:
    """The ptm.toml fields that declare what a load fetches; None when it cannot be declared
    (not a hub model, or one only known at run time)."""
    pin = load.pin
    if load.hub not in TIED_HUBS or pin.kind != "model" or pin.repo is None:
        return None
    if pin.state not in (UNPINNED, MUTABLE, PINNED):
        return None
    revision = pin.revision or "main"
    problem = check_revision(revision)
    if problem is not None:
        raise PtmError(
            f"{load.path}:{load.line}: cannot declare {pin.repo} at this revision: {problem}; "
            "fix the revision in the code, then run `ptm init --from-code` again"
        )
    if load.hub != TORCHHUB:
        return {"repo": pin.repo, "revision": revision}
    if pin.entry is None:  # ptm.toml needs the hubconf function; the code computes it
        return None
    return {"hub": TORCHHUB, "repo": pin.repo, "revision": revision, "entry": pin.entry}


def declarations(loads: Iterable[Load]) -> dict[str, dict[str, str]]:
    """One model per (repo, revision) loaded, and per hubconf entry for torch.hub: named after the
    entry or the repo ('bert-base-uncased', then 'org-name' when taken), at the revision the code
    asks for, or "main" to be locked."""
    found: dict[tuple[str, ...], dict[str, str]] = {}
    for load in sorted(loads, key=lambda x: (x.path, x.line, x.column)):
        fields = _fields(load)
        if fields is not None:
            found.setdefault(tuple(fields.values()), fields)
    models: dict[str, dict[str, str]] = {}
    for fields in found.values():
        repo, revision = fields["repo"], fields["revision"]
        last = _slug(fields.get("entry") or repo.rsplit("/", 1)[-1])
        name = _free_name([last, _slug(repo), f"{last}-{_slug(revision)[:12]}"], set(models))
        models[name] = fields
    return models
