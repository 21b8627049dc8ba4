"""`ptm init --from-code`: the [models] a codebase needs, from the hub loads found in it, and the name
each load declares."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from ..errors import PtmError
from ..manifest import NAME_RE, check_revision
from .catalog import TORCHHUB
from .declared import TIED_HUBS
from .loads import MUTABLE, PINNED, UNPINNED, Load

_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def slug(text: str) -> str:
    """``text`` as a ptm.toml name: runs of other characters become one '-'."""
    return _NOT_NAME.sub("-", text).strip("-_")


def free_name(candidates: Iterable[str], taken: Collection[str]) -> str:
    """The first valid candidate not taken, else the last valid one (or 'model') numbered from 2."""
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


@dataclass(frozen=True)
class Declarations:
    """The models a codebase's loads declare (name -> ptm.toml fields), and the name each declarable load
    was given, so that what the code does with a load (an edge, an adaptation) can name its model."""

    models: dict[str, dict[str, str]]
    names: dict[Load, str]


def declare_loads(loads: Iterable[Load]) -> Declarations:
    """One model per (repo, revision) loaded, and per hubconf entry for torch.hub: named after the
    entry or the repo ('bert-base-uncased', then 'org-name' when taken), at the revision the code
    asks for, or "main" to be locked."""
    found: dict[tuple[str, ...], dict[str, str]] = {}
    keys: dict[Load, tuple[str, ...]] = {}
    for load in sorted(loads, key=lambda x: (x.path, x.line, x.column)):
        fields = _fields(load)
        if fields is not None:
            keys[load] = tuple(fields.values())
            found.setdefault(keys[load], fields)
    models: dict[str, dict[str, str]] = {}
    named: dict[tuple[str, ...], str] = {}
    for key, fields in found.items():
        repo, revision = fields["repo"], fields["revision"]
        last = slug(fields.get("entry") or repo.rsplit("/", 1)[-1])
        name = free_name([last, slug(repo), f"{last}-{slug(revision)[:12]}"], set(models))
        models[name] = fields
        named[key] = name
    return Declarations(models, {load: named[key] for load, key in keys.items()})
