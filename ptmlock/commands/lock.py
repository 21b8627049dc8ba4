"""`ptm lock`: pin every declared model in ptm.lock."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ..errors import LockError, PtmError
from ..project import Project
from .common import count, pass_project, report_format, size, warn

if TYPE_CHECKING:
    from ..graph import Problem
    from ..lock_merge import LockSides
    from ..lockfile import Lock
    from ..resolve import Change, LockResult


@click.command()
@click.argument("names", nargs=-1)
@click.option(
    "--upgrade",
    "-U",
    is_flag=True,
    help="Move pins to what the revisions point at now (all models, or only NAMES).",
)
@click.option("--check", is_flag=True, help="Exit non-zero if ptm.lock is stale; no network.")
@click.option(
    "--allow-split", is_flag=True, help="Let --upgrade move models trained together (trained_with) apart."
)
@click.option(
    "--dry-run", is_flag=True, help="Print what would change, as a real run does, and write nothing."
)
@click.option(
    "--take",
    type=(click.Choice(["ours", "theirs"]), str),
    multiple=True,
    metavar="ours|theirs NAME",
    help="After a merge that conflicted in ptm.lock: keep that side's pin of NAME (repeatable).",
)
@report_format
@pass_project
def lock(
    project: Project,
    names: tuple[str, ...],
    upgrade: bool,
    check: bool,
    allow_split: bool,
    dry_run: bool,
    take: tuple[tuple[str, str], ...],
    fmt: str,
) -> None:
    """Pin every declared model in ptm.lock (existing pins are kept).

    A renamed model whose source is unchanged keeps its pin; a model whose include/exclude (or torch.hub
    entry/weights) changed has its files listed again at its pinned commit. Only --upgrade, or a changed
    hub, repo or revision, moves a commit.

    On a ptm.lock with git conflict markers, the pins of both sides are kept where they still match
    ptm.toml, and only models neither side pinned are resolved; where both sides pinned a model, choose
    with --take. The JSON shapes of --format json are in docs/lock-format.md.
    """
    from .. import config
    from ..graph import require_consistent
    from ..install.store import Store
    from ..lock_merge import read_conflicted, repair
    from ..resolve import lock_project

    if names and not upgrade:
        raise PtmError("model names are only taken with --upgrade: `ptm lock --upgrade NAME...`", exit_code=2)
    if check and upgrade:
        raise PtmError(
            "--check only reads ptm.lock; drop --upgrade (or --check, to move the pins)", exit_code=2
        )
    if check and take:
        raise PtmError(
            "--check only reads ptm.lock; drop --take (or --check, to merge a conflict)", exit_code=2
        )
    if allow_split and not upgrade:
        raise PtmError(
            "--allow-split only applies with --upgrade: `ptm lock --upgrade --allow-split NAME...`",
            exit_code=2,
        )
    if check and dry_run:
        raise PtmError("--check writes nothing already; drop --dry-run", exit_code=2)
    if check:
        _check(project, fmt)
        return
    manifest = project.manifest()
    sides = read_conflicted(project.lock_path)
    origins: Mapping[str, str] = {}
    if sides is not None:
        choices = {name: side for side, name in take}
        repaired = repair(sides, manifest.models, choices, project.lock_path)
        previous: Lock | None = repaired.previous
        origins = repaired.origins
    elif take:
        raise PtmError(
            f"--take only applies while {project.lock_path.name} has merge conflicts; it has none",
            exit_code=2,
        )
    else:
        previous = project.lock()
    warnings = require_consistent(manifest, previous)
    result = lock_project(
        manifest,
        previous,
        upgrade=set(names) if upgrade else None,
        allow_split=allow_split,
        # What is downloaded to pin it, `ptm install` links; a dry run keeps nothing in the store.
        keeper=None if dry_run else Store(config.ptm_home()),
    )
    policy_warnings = _enforce_policy(project, result.lock, dry_run)
    run = _Run(
        lock_name=project.lock_path.name,
        result=result,
        changed=_write(project, result.lock, dry_run),
        dry_run=dry_run,
        origins=origins,
        upgraded_from=previous.version if previous and previous.version != result.lock.version else None,
        sides=sides,
        warnings=warnings,
    )
    for line in policy_warnings:
        click.echo(line, err=True)
    if fmt == "json":
        click.echo(json.dumps(_lock_data(run), indent=2))
    else:
        _print(run)


def _enforce_policy(project: Project, lock: Lock, dry_run: bool) -> tuple[str, ...]:
    """ptm.toml's [policy] on what locking could already read (licences, remote code, the small files kept
    in the store): an error refuses the whole lock, nothing written; the warnings, to print."""
    if "policy" not in project.declared().data:
        return ()
    from .. import config
    from ..audit.run import enforce_policy
    from ..errors import combined
    from ..install.store import Store

    consequence = "nothing written" if not dry_run else "it would not be written"
    verdict = enforce_policy(project.manifest_path, lock, Store(config.ptm_home()), consequence=consequence)
    if verdict.errors:
        raise combined(verdict.errors)
    return verdict.warnings


@dataclass(frozen=True)
class _Run:
    """What one `ptm lock` did, for its report."""

    lock_name: str
    result: LockResult
    changed: bool  # the lock's text changed (written, or would be with --dry-run)
    dry_run: bool
    origins: Mapping[str, str]  # after a conflicted merge: model -> the side its pin was kept from
    upgraded_from: int | None  # the format version of the lock read, when older
    sides: LockSides | None  # the conflicted lock's sides, when it had conflict markers
    warnings: tuple[Problem, ...]


def _check(project: Project, fmt: str) -> None:
    """`ptm lock --check`: exit 1 when ptm.lock no longer pins what ptm.toml declares; no network."""
    from ..graph import require_consistent
    from ..lockfile import LOCK_VERSION
    from ..resolve import stale_reasons

    manifest, previous = project.manifest(), project.lock()
    warnings = require_consistent(manifest, previous)
    name = project.lock_path.name
    if previous is None:
        raise LockError(f"{name} does not exist; run `ptm lock`")
    reasons = stale_reasons(manifest, previous)
    if fmt == "json":
        data = {
            "lock": name,
            "up_to_date": not reasons,
            "version": previous.version,
            "models": len(previous.models),
            "stale": list(reasons),
            "warnings": [f"{p.severity}: {p}" for p in warnings],
        }
        click.echo(json.dumps(data, indent=2))
        if reasons:
            raise click.exceptions.Exit(1)
        return
    if reasons:
        raise LockError(f"{name} is stale: {'; '.join(reasons)}. Run `ptm lock`")
    click.echo(f"{name} is up to date ({count(len(previous.models), 'model')}).")
    if previous.version != LOCK_VERSION:
        click.echo(
            f"note: {name} is in format {previous.version}; the next `ptm lock` writes format 2", err=True
        )
    warn(warnings)


def _write(project: Project, lock: Lock, dry_run: bool) -> bool:
    """Write the lock, or with ``dry_run`` only check it; whether its text changed. Written (and so
    checked: pins come from servers) before any of it is printed."""
    from ..lockfile import check_renderable, render_lock, write_lock

    if not dry_run:
        return write_lock(project.lock_path, lock)
    text = render_lock(lock)
    changed = not project.lock_path.exists() or project.lock_path.read_text(encoding="utf-8") != text
    if changed:
        check_renderable(text, project.lock_path)
    return changed


def _status(change: Change, origins: Mapping[str, str]) -> str:
    from ..resolve import KEPT, RENAMED

    status = change.status
    if change.renamed_from:  # a renamed model whose local files changed is also updated
        status = f"{'' if status == RENAMED else f'{status}, '}renamed from {change.renamed_from}"
    if side := origins.get(change.name):
        status = f"kept from {side}" if change.status == KEPT else f"{status}, pin from {side}"
    return status


def _print(run: _Run) -> None:
    from ..hubs.local import outside_notes
    from ..resolve import ADDED, KEPT, REMOVED, RENAMED, UNCHANGED, UPDATED

    marks = {ADDED: "+", UPDATED: "~", UNCHANGED: "=", KEPT: "=", REMOVED: "-", RENAMED: ">"}
    for change in run.result.changes:
        model = change.new or change.old
        assert model is not None
        pin = model.pin
        if change.status == UPDATED and change.old and change.old.pin != model.pin:
            pin = f"{change.old.pin} -> {model.pin}"
        click.echo(
            f"{marks[change.status]} {change.name:<20} {model.origin}  {pin}  "
            f"({count(len(model.files), 'file')}, {size(model.size)}) {_status(change, run.origins)}"
        )
    for note in outside_notes(run.result.lock.models.values()):
        click.echo(note, err=True)
    name, models = run.lock_name, count(len(run.result.lock.models), "model")
    verb = ("Would write" if run.dry_run else "Wrote") if run.changed else "Up to date:"
    click.echo(f"{verb} {name} ({models}){'; nothing written (--dry-run)' if run.dry_run else ''}.")
    if run.upgraded_from is not None:
        now = "it would be" if run.dry_run else "now"
        click.echo(f"{name} was in format {run.upgraded_from}; {now} in format {run.result.lock.version}.")
    if run.sides is not None and not run.dry_run:
        click.echo(f"Merged both sides of the conflict in {name}; mark it resolved with `git add {name}`.")
    warn(run.warnings)


def _lock_data(run: _Run) -> dict[str, Any]:
    """`ptm lock --format json` (its shape is documented in docs/lock-format.md)."""
    from ..hubs.local import outside_notes

    models = []
    for change in run.result.changes:
        model = change.new or change.old
        assert model is not None
        models.append(
            {
                "name": change.name,
                "status": change.status,
                "hub": model.hub,
                "source": model.origin,
                "pin": model.identity,
                "previous_pin": change.old.identity if change.old else None,
                "renamed_from": change.renamed_from,
                "kept_from": run.origins.get(change.name),
                "files": len(model.files),
                "size": model.size,
            }
        )
    sides = run.sides
    return {
        "lock": run.lock_name,
        "changed": run.changed,
        "written": run.changed and not run.dry_run,
        "dry_run": run.dry_run,
        "version": run.result.lock.version,
        "upgraded_from": run.upgraded_from,
        "merged": {"ours": sides.labels[0], "theirs": sides.labels[1]} if sides else None,
        "models": models,
        "notes": outside_notes(run.result.lock.models.values()),
        "warnings": [f"{p.severity}: {p}" for p in run.warnings],
    }
