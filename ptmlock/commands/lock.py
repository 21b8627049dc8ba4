"""`ptm lock`: pin every declared model in ptm.lock."""

from __future__ import annotations

import click

from ..errors import LockError, PtmError
from ..project import Project
from .common import count, pass_project, size, warn


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
@pass_project
def lock(
    project: Project, names: tuple[str, ...], upgrade: bool, check: bool, allow_split: bool, dry_run: bool
) -> None:
    """Pin every declared model in ptm.lock (existing pins are kept).

    A renamed model whose source is unchanged keeps its pin; a model whose include/exclude (or torch.hub
    entry/weights) changed has its files listed again at its pinned commit. Only --upgrade, or a changed
    hub, repo or revision, moves a commit.
    """
    from .. import config
    from ..graph import require_consistent
    from ..hubs.local import outside_notes
    from ..install.store import Store
    from ..lockfile import check_renderable, render_lock, write_lock
    from ..resolve import ADDED, KEPT, REMOVED, RENAMED, UNCHANGED, UPDATED, lock_project, stale_reasons

    if names and not upgrade:
        raise PtmError("model names are only taken with --upgrade: `ptm lock --upgrade NAME...`", exit_code=2)
    if check and upgrade:
        raise PtmError(
            "--check only reads ptm.lock; drop --upgrade (or --check, to move the pins)", exit_code=2
        )
    if allow_split and not upgrade:
        raise PtmError(
            "--allow-split only applies with --upgrade: `ptm lock --upgrade --allow-split NAME...`",
            exit_code=2,
        )
    if check and dry_run:
        raise PtmError("--check writes nothing already; drop --dry-run", exit_code=2)
    manifest = project.manifest()
    previous = project.lock()
    warnings = require_consistent(manifest, previous)
    if check:
        if previous is None:
            raise LockError(f"{project.lock_path.name} does not exist; run `ptm lock`")
        reasons = stale_reasons(manifest, previous)
        if reasons:
            raise LockError(f"{project.lock_path.name} is stale: {'; '.join(reasons)}. Run `ptm lock`")
        click.echo(f"{project.lock_path.name} is up to date ({count(len(previous.models), 'model')}).")
        warn(warnings)
        return
    result = lock_project(
        manifest,
        previous,
        upgrade=set(names) if upgrade else None,
        allow_split=allow_split,
        # What is downloaded to pin it, `ptm install` links; a dry run keeps nothing in the store.
        keeper=None if dry_run else Store(config.ptm_home()),
    )
    # Written (and so checked: pins come from servers) before any of it is printed.
    if dry_run:
        text = render_lock(result.lock)
        wrote = not project.lock_path.exists() or project.lock_path.read_text(encoding="utf-8") != text
        if wrote:
            check_renderable(text, project.lock_path)
    else:
        wrote = write_lock(project.lock_path, result.lock)
    marks = {ADDED: "+", UPDATED: "~", UNCHANGED: "=", KEPT: "=", REMOVED: "-", RENAMED: ">"}
    for change in result.changes:
        model = change.new or change.old
        assert model is not None
        pin = model.pin
        if change.status == UPDATED and change.old and change.old.pin != model.pin:
            pin = f"{change.old.pin} -> {model.pin}"
        status = change.status
        if change.renamed_from:  # a renamed model whose local files changed is also updated
            status = f"{'' if status == RENAMED else f'{status}, '}renamed from {change.renamed_from}"
        click.echo(
            f"{marks[change.status]} {change.name:<20} {model.origin}  {pin}  "
            f"({len(model.files)} files, {size(model.size)}) {status}"
        )
    for note in outside_notes(result.lock.models.values()):
        click.echo(note, err=True)
    verb = ("Would write" if dry_run else "Wrote") if wrote else "Up to date:"
    tail = "; nothing written (--dry-run)" if dry_run else ""
    click.echo(f"{verb} {project.lock_path.name} ({count(len(result.lock.models), 'model')}){tail}.")
    warn(warnings)
