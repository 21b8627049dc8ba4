"""`ptm affected`: what ptm.lock's changes since a git base reach, so CI verifies exactly that.

A model is in the impact set when its pin, files or export records changed (or it is new), or when it is
downstream of such a model: a feature-handoff or post-processing consumer, an evaluator of its output, a
model derived from it, a training partner. Guidance during training is not followed: the guided model's
weights are what they were until it is trained again. A group whose members changed (one swapped for
another, or a member's pin moved) has its shared contract checked again.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PtmError
from .graph import node_names
from .impact import Dependent, dependents, describe_path, model_change
from .lockfile import Lock, LockedModel, parse_lock
from .manifest import Edge, Manifest, parse_manifest
from .taxonomy import FEEDBACK_GUIDANCE, TRAINING_STAGES

if TYPE_CHECKING:
    from .export.outcome import Check, VerifyOptions
    from .project import Project

# Where the base is looked for when none is given: the merge base with the main branch, local or remote.
MAIN_BRANCHES = ("main", "origin/main")
SHORT_SHA = 7


@dataclass(frozen=True)
class Base:
    """The git commit ptm.lock is compared with, and what ptm.toml and ptm.lock were there."""

    ref: str
    commit: str
    lock: Lock | None  # None: the lock did not exist there, so every locked model is new
    manifest: Manifest | None  # None: no ptm.toml there, or one that cannot be read


@dataclass(frozen=True)
class Included:
    """A model or component of the impact set and why it is there."""

    name: str
    reason: str
    reached: Dependent | None = None  # how a change reaches it; None for a model that changed itself


@dataclass(frozen=True)
class GroupCheck:
    """An interchangeable group whose contract is checked again, or why it cannot be."""

    group: str
    reason: str
    blocked: str | None = None


@dataclass(frozen=True)
class Impact:
    base: Base
    included: tuple[Included, ...]
    groups: tuple[GroupCheck, ...]
    verified: tuple[str, ...]  # models verified one by one (members of a checked group are verified there)
    skipped: tuple[tuple[str, str], ...]  # (name, why nothing of it is verified)

    @property
    def checked_groups(self) -> tuple[str, ...]:
        return tuple(g.group for g in self.groups if g.blocked is None)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except OSError as error:
        raise PtmError(
            f"cannot run git to find the base of ptm.lock ({error.strerror})", exit_code=2
        ) from error


def _commit(root: Path, ref: str) -> str | None:
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return done.stdout.decode().strip() if done.returncode == 0 else None


def find_base_commit(root: Path, ref: str | None) -> tuple[str, str]:
    """(ref, commit): ``ref`` as given, else the merge base of HEAD with main (else origin/main)."""
    if _git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        message = f"{root} is not in a git work tree: `ptm affected` compares ptm.lock with a commit"
        raise PtmError(message, exit_code=2)
    if ref is not None:
        commit = _commit(root, ref)
        if commit is None:
            raise PtmError(f"--base {ref} is not a commit here; give a branch, tag or commit", exit_code=2)
        return ref, commit
    for branch in MAIN_BRANCHES:
        if _commit(root, branch) is None:
            continue
        done = _git(root, "merge-base", "HEAD", branch)
        if done.returncode == 0:
            return f"merge-base HEAD {branch}", done.stdout.decode().strip()
    reason = "neither main nor origin/main shares history with HEAD"
    fix = "pass --base REF (e.g. --base origin/develop)"
    if _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == b"true":
        reason += " in this shallow clone"
        fix = "fetch the whole history (actions/checkout: fetch-depth: 0), or " + fix
    raise PtmError(f"no base to compare ptm.lock with: {reason}; {fix}", exit_code=2)


def _shown(root: Path, commit: str, name: str) -> str | None:
    """``name`` (beside ptm.toml) as committed in ``commit``, or None when it was not there."""
    done = _git(root, "show", f"{commit}:./{name}")
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else None


def read_base(project: Project, ref: str | None) -> Base:
    """The base commit and the ptm.lock and ptm.toml committed there."""
    ref, commit = find_base_commit(project.root, ref)
    where = f"{commit[:SHORT_SHA]}:"
    lock_text = _shown(project.root, commit, project.lock_path.name)
    lock = parse_lock(lock_text, where + project.lock_path.name) if lock_text is not None else None
    manifest_text = _shown(project.root, commit, project.manifest_path.name)
    manifest = None
    if manifest_text is not None:
        try:  # the base's ptm.toml only tells which group a removed model was in
            manifest = parse_manifest(manifest_text, where + project.manifest_path.name)
        except PtmError:
            manifest = None
    return Base(ref, commit, lock, manifest)


def follows(edge: Edge) -> bool:
    """Whether a change of ``edge.source`` reaches ``edge.target``: all but guidance while training."""
    return not (edge.kind == FEEDBACK_GUIDANCE and edge.stage in TRAINING_STAGES)


def _change_reason(old: LockedModel | None, new: LockedModel) -> str | None:
    if old is None:
        return "added to ptm.lock"
    moved = model_change(new.name, old, new)
    if moved is not None:
        pins = f"{old.identity[:SHORT_SHA]} -> {new.identity[:SHORT_SHA]}"
        return f"pin changed: {pins}" if old.identity != new.identity else "locked files changed"
    if dict(old.export_tables) != dict(new.export_tables):
        return "export records changed"
    return None


def _groups(base: Base, manifest: Manifest, added: set[str], changed: set[str]) -> list[GroupCheck]:
    """Groups that gained, lost or changed a member, each with what happened to it."""
    before = base.manifest.models if base.manifest else {}
    checks = []
    for group in sorted({s.group for s in manifest.models.values() if s.group}):
        members = [n for n, s in manifest.models.items() if s.group == group]
        if base.manifest is None:  # no ptm.toml at the base: only the lock tells who is new
            joined = [n for n in members if n in added]
        else:
            joined = [n for n in members if n not in before or before[n].group != group]
        left = [n for n, s in before.items() if s.group == group and n not in members]
        moved = [n for n in members if n in changed and n not in joined]
        events = []
        if joined and left:
            events.append(f"{_names(joined)} swapped in for {_names(left)}")
        else:
            events += [f"{_names(joined)} joined"] if joined else []
            events += [f"{_names(left)} left"] if left else []
        events += [f"{_names(moved)} changed"] if moved else []
        if not events:
            continue
        unexported = [n for n in members if manifest.models[n].export is None]
        verb = "declares" if len(unexported) == 1 else "declare"
        blocked = (
            f"not checked: {_names(unexported)} {verb} no [models.{unexported[0]}.export]"
            if unexported
            else None
        )
        checks.append(GroupCheck(group, "; ".join(events), blocked))
    return checks


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def impact_set(base: Base, manifest: Manifest, lock: Lock) -> Impact:
    """The models and components ``lock``'s changes since ``base`` reach, and what of them to verify."""
    old = base.lock.models if base.lock else {}
    included: dict[str, Included] = {}
    for name, locked in lock.models.items():
        reason = _change_reason(old.get(name), locked)
        if reason and name in manifest.models:
            included[name] = Included(name, reason)
    changed = set(included)
    removed = [n for n in old if n not in lock.models]
    reached = list(dependents(manifest, list(included), follows))
    if base.manifest is not None:  # what a removed model fed, and is still declared, is affected too
        declared = set(node_names(manifest))
        reached += [d for d in dependents(base.manifest, removed, follows) if d.name in declared]
    for dependent in reached:
        if dependent.name not in included:
            gone = " (removed)" if dependent.path[0] in removed else ""
            reason = f"downstream of {dependent.path[0]}{gone}: {describe_path(dependent)}"
            included[dependent.name] = Included(dependent.name, reason, dependent)
    groups = _groups(base, manifest, {n for n in changed if n not in old}, changed)
    grouped = {
        n for g in groups if g.blocked is None for n, s in manifest.models.items() if s.group == g.group
    }
    verified, skipped = [], []
    for name in included:
        spec = manifest.models.get(name)
        if spec is None:
            skipped.append((name, "a component: nothing to verify"))
        elif spec.export is None:
            skipped.append((name, f"no [models.{name}.export]: nothing to verify"))
        elif name not in grouped:
            verified.append(name)
    return Impact(base, tuple(included.values()), tuple(groups), tuple(verified), tuple(skipped))


def verify_impact(project: Project, impact: Impact, options: VerifyOptions) -> list[Check]:
    """`ptm verify` on the impact set: each checked group with all its members, then the other models."""
    from .export.verifier import verify_models

    checks = []
    for group in impact.checked_groups:
        checks += verify_models(project, (), group, options)
    if impact.verified:
        checks += verify_models(project, impact.verified, None, options)
    return checks


def describe_impact(impact: Impact) -> list[str]:
    """The impact set as lines: each model or component with why it is in, then the group checks."""
    base = f"{impact.base.ref} ({impact.base.commit[:SHORT_SHA]})"
    if not impact.included:
        return [f"ptm.lock pins the same models as at {base}: nothing is affected."]
    lines = [f"Affected since {base}: {len(impact.included)}"]
    skipped = dict(impact.skipped)
    width = max(len(i.name) for i in impact.included)
    for item in impact.included:
        note = f"  [{skipped[item.name]}]" if item.name in skipped else ""
        lines.append(f"  {item.name:<{width}}  {item.reason}{note}")
    for group in impact.groups:
        lines.append(f"  group {group.group}: {group.reason}; {group.blocked or 'contract checked'}")
    return lines


def impact_data(impact: Impact) -> dict[str, Any]:
    """The impact set as `ptm affected --format json` gives it."""
    skipped = dict(impact.skipped)
    return {
        "base": {"ref": impact.base.ref, "commit": impact.base.commit},
        "affected": [
            {
                "name": i.name,
                "reason": i.reason,
                "changed": i.reached is None,
                "path": list(i.reached.path) if i.reached else [i.name],
                "verified": i.name not in skipped,
                **({"skipped": skipped[i.name]} if i.name in skipped else {}),
            }
            for i in impact.included
        ],
        "groups": [
            {"group": g.group, "reason": g.reason, "checked": g.blocked is None, "blocked": g.blocked}
            for g in impact.groups
        ],
    }
