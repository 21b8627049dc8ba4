"""Merging ptm.lock model by model, as git's merge driver and as `ptm lock` on a conflicted lock.

A lock is a table of independent model entries, so two sides merge entry by entry against their base:
an entry changed on one side only is taken from that side, and only an entry both sides changed, each
its own way, is a conflict. Without ptm.toml (the merge driver) such a conflict stays one; with the
merged ptm.toml (`ptm lock`), the side whose pin was made from the entry ptm.toml now declares wins, and
only when both sides' pins still match it does a person choose (``--take``). Nothing is resolved again
that either side pinned, so a pin reviewed on its branch is the pin merged.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import LockError, PtmError, combined
from .lockfile import Lock, LockedModel, merged_entries, parse_lock, render_entries, render_model
from .manifest import ModelSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

OURS, THEIRS = "ours", "theirs"
SIDES = (OURS, THEIRS)
# git's conflict markers: seven characters at the start of a line, then a space and a label.
_OPEN, _BASE, _SPLIT, _CLOSE = "<<<<<<<", "|||||||", "=======", ">>>>>>>"
_MARKER = re.compile(r"^(<{7}|\|{7}|>{7})(?: (.*))?$|^(={7})$")


@dataclass(frozen=True)
class ConflictText:
    """The two sides (and the base, when every conflict shows it) of a text with conflict markers."""

    ours: str
    theirs: str
    base: str | None  # None when a conflict has no ||||||| section (git's default conflictStyle)
    labels: tuple[str, str]  # what follows <<<<<<< and >>>>>>>: HEAD, the branch merged


def split_conflict(text: str, path: Path) -> ConflictText | None:
    """The sides of ``text``, or None when it has no conflict markers. Lines outside the conflicts belong
    to every side; a LockError names the line of a marker out of place."""
    parts: dict[str, list[str]] = {OURS: [], "base": [], THEIRS: []}
    state, labels, has_base, seen = "common", ["", ""], True, False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        found = _MARKER.match(line.rstrip("\r\n"))
        if found is None:
            for side in parts if state == "common" else (state,):
                parts[side].append(line)
            continue
        marker, label = found.group(1) or found.group(3), found.group(2)
        expected = {"common": _OPEN, OURS: (_BASE, _SPLIT), "base": _SPLIT, THEIRS: _CLOSE}[state]
        if marker not in expected:
            raise LockError(
                f"{path}:{number}: conflict marker {marker} out of place; finish the merge by hand "
                f"(`git checkout --merge {path.name}` recreates the conflict), then run `ptm lock`"
            )
        seen = True
        if marker == _OPEN:
            state, labels[0] = OURS, label or OURS
        elif marker == _BASE:
            state = "base"
        elif marker == _SPLIT:
            has_base = has_base and state == "base"
            state = THEIRS
        else:
            state, labels[1] = "common", label or THEIRS
    if state != "common":
        raise LockError(f"{path}: a conflict is not closed with {_CLOSE}; finish the merge by hand")
    if not seen:
        return None
    base = "".join(parts["base"]) if has_base else None
    return ConflictText("".join(parts[OURS]), "".join(parts[THEIRS]), base, (labels[0], labels[1]))


@dataclass(frozen=True)
class Conflict:
    """A model both sides changed, each its own way (None: not there on that side)."""

    name: str
    base: LockedModel | None
    ours: LockedModel | None
    theirs: LockedModel | None


@dataclass(frozen=True)
class Merged:
    models: Mapping[str, LockedModel]  # every entry merged without conflict
    conflicts: tuple[Conflict, ...]
    has_base: bool = True  # False: merged without a base (both sides added the lock)


def merge_locks(base: Lock | None, ours: Lock, theirs: Lock) -> Merged:
    """Entry by entry: what one side changed from ``base`` is taken; what both changed alike too.

    Without a base (both sides added the lock), an entry on one side only is taken, and entries on both
    conflict unless equal: a removal cannot be told from an addition, so none is assumed.
    """
    models: dict[str, LockedModel] = {}
    conflicts = []
    for name in sorted({*(base.models if base else ()), *ours.models, *theirs.models}):
        was = base.models.get(name) if base else None
        mine, other = ours.models.get(name), theirs.models.get(name)
        if base is None and (mine is None or other is None):
            merged = mine or other
        elif mine == other or other == was:
            merged = mine
        elif mine == was:
            merged = other
        else:
            conflicts.append(Conflict(name, was, mine, other))
            continue
        if merged is not None:
            models[name] = merged
    return Merged(models, tuple(conflicts), has_base=base is not None)


def render_merged(merged: Merged, labels: tuple[str, str] = (OURS, THEIRS)) -> str:
    """The merged lock, each conflict between git's markers with its base (diff3 style, when there is
    one): `ptm lock` reads it back."""
    entries = {name: render_model(model) for name, model in merged.models.items()}
    for conflict in merged.conflicts:
        base = [f"{_BASE} base", *_lines(conflict.base)] if merged.has_base else []
        entries[conflict.name] = [
            f"{_OPEN} {labels[0]}",
            *_lines(conflict.ours),
            *base,
            _SPLIT,
            *_lines(conflict.theirs),
            f"{_CLOSE} {labels[1]}",
        ]
    return render_entries(entries)


def _lines(model: LockedModel | None) -> list[str]:
    return render_model(model) if model else []


@dataclass(frozen=True)
class LockSides:
    """Both sides of a conflicted ptm.lock, and its merge base when one could be found."""

    ours: Lock
    theirs: Lock
    base: Lock | None
    labels: tuple[str, str]
    # Models whose entry on a side holds lines of the other side's (left out of that side).
    mixed: tuple[str, ...] = ()


def read_conflicted(path: Path) -> LockSides | None:
    """The sides of ``path``, or None when it has no conflict markers (or does not exist).

    During a merge the sides and the base are git's own (the stages of its index). Else they are read
    from the markers, the base from diff3 sections: there, lines outside the conflicts may hold either
    side's changes, so an entry whose entry_hash does not match its lines is left out of its side.
    """
    from . import lock_git

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # reading it as a lock says what is wrong
    conflict = split_conflict(text, path)
    if conflict is None:
        return None
    staged = lock_git.unmerged_versions(path)
    if lock_git.OURS in staged and lock_git.THEIRS in staged:
        texts = (staged[lock_git.OURS], staged[lock_git.THEIRS], staged.get(lock_git.BASE))
    else:
        texts = (conflict.ours, conflict.theirs, conflict.base)
    mixed: list[str] = []
    ours, theirs = (_side(text, path, side, mixed) for text, side in zip(texts[:2], SIDES, strict=True))
    try:
        base = _side(texts[2], path, "base", []) if texts[2] is not None else None
    except PtmError:  # a base of another format, or a merge of bases that conflicted itself
        base = None
    return LockSides(ours, theirs, base, conflict.labels, tuple(sorted(set(mixed))))


def _side(text: str, path: Path, side: str, mixed: list[str]) -> Lock:
    """One side of the conflict, without the entries whose lines are not all its own (named in
    ``mixed``)."""
    try:
        lock = parse_lock(text, path)
    except LockError as error:
        raise LockError(f"the {side} side of the conflict in {error.message}") from error
    if not (names := merged_entries(tomllib.loads(text))):
        return lock
    mixed += names
    return lock._replace(models={n: m for n, m in lock.models.items() if n not in names})


@dataclass(frozen=True)
class Repaired:
    """What `ptm lock` starts from after a conflicted merge: the pins kept, and where each came from."""

    previous: Lock
    origins: Mapping[str, str]  # model -> the side its pin was kept from, where the sides differed


def repair(sides: LockSides, specs: Mapping[str, ModelSpec], take: Mapping[str, str], path: Path) -> Repaired:
    """Keep, for each model, the pin the merge gives, or else the one side's pin that was made from the
    entry ``specs`` (the merged ptm.toml) declares; ``take`` (model -> side) decides where both do.

    A model whose pins both differ from its declaration keeps the one side's commit when only one side
    locked its hub, repo and revision (its files are listed again there); a model neither side pinned is
    left out, to be resolved anew. A LockError, one line per model, where both sides' pins fit.
    """
    if mixed := [name for name in sides.mixed if name in specs]:
        raise LockError(
            f"{path.name}: git merged the lines of {', '.join(mixed)} from both sides, and git's index no "
            "longer holds each side whole (not in a merge); merge again, or take one side's "
            f"{path.name}, then run `ptm lock`"
        )
    merged = merge_locks(sides.base, sides.ours, sides.theirs)
    locks = {OURS: sides.ours, THEIRS: sides.theirs}
    if unknown := sorted(n for n in take if all(n not in lock.models for lock in locks.values())):
        raise LockError(f"--take {take[unknown[0]]} {unknown[0]}: neither side of {path.name} pins it")
    previous: dict[str, LockedModel] = {}
    origins: dict[str, str] = {}
    undecided = []
    for name in sorted({*sides.ours.models, *sides.theirs.models}):
        entries = {side: locks[side].models.get(name) for side in SIDES}
        spec = specs.get(name)
        if name in take:
            chosen = entries[take[name]]
            if chosen is None:
                raise LockError(
                    f"--take {take[name]} {name}: the {take[name]} side of {path.name} has no pin for it"
                )
            previous[name], origins[name] = chosen, take[name]
            continue
        if (clean := merged.models.get(name)) and (spec is None or _made_from(clean, spec)):
            previous[name] = clean
            if entries[OURS] != entries[THEIRS]:
                origins[name] = OURS if clean == entries[OURS] else THEIRS
            continue
        if spec is None:
            continue  # not declared any more: `ptm lock` drops it
        fitting = _distinct({s: e for s, e in entries.items() if e and _made_from(e, spec)})
        if not fitting:  # neither pin is of this declaration: the commit to list its files at, if one
            fitting = {s: e for s, e in entries.items() if e and _same_source(e, spec)}
            if len({e.commit for e in fitting.values()}) == 1:
                fitting = dict(list(fitting.items())[:1])
        if len(fitting) == 1:
            [(side, entry)] = fitting.items()
            previous[name], origins[name] = entry, side
        elif len(fitting) > 1:
            undecided.append(_undecided(name, fitting, sides.labels, path))
    if undecided:
        raise combined(undecided)
    return Repaired(Lock(previous), origins)


def _made_from(model: LockedModel, spec: ModelSpec) -> bool:
    return model.declaration_hash == spec.declaration_hash


def _same_source(model: LockedModel, spec: ModelSpec) -> bool:
    return bool(model.commit) and (model.hub, model.repo, model.revision) == (
        spec.hub,
        spec.repo,
        spec.revision,
    )


def _distinct(entries: Mapping[str, LockedModel]) -> dict[str, LockedModel]:
    """``entries`` with one of two equal pins left out."""
    ours, theirs = entries.get(OURS), entries.get(THEIRS)
    return {OURS: ours} if ours is not None and ours == theirs else dict(entries)


def _undecided(
    name: str, fitting: Mapping[str, LockedModel], labels: tuple[str, str], path: Path
) -> LockError:
    ours, theirs = fitting[OURS], fitting[THEIRS]
    named = {
        side: side if label == side else f"{side} ({label})"
        for side, label in zip(SIDES, labels, strict=True)
    }
    what = (
        f"{named[OURS]} {ours.pin}, {named[THEIRS]} {theirs.pin}"
        if ours.pin != theirs.pin
        else f"both at {ours.pin} with different files or export records"
    )
    return LockError(
        f"{path.name}: both sides pinned {name} ({what}); keep one with "
        f"`ptm lock --take ours {name}` or `ptm lock --take theirs {name}`"
    )
