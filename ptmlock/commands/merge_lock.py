"""`ptm merge-lock`: git's merge driver for ptm.lock (merge.ptm.driver = "ptm merge-lock %O %A %B")."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import PtmError

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.argument("base", type=_FILE)
@click.argument("ours", type=_FILE)
@click.argument("theirs", type=_FILE)
@click.argument("path", required=False)
def merge_lock(base: Path, ours: Path, theirs: Path, path: str | None) -> None:
    """Merge two versions of ptm.lock model by model, as git's merge driver (no network).

    BASE, OURS, THEIRS and PATH are git's %O, %A, %B and %P; the merge is written over OURS. A model
    changed on one side only is taken from it; a model both sides changed, each its own way, is left
    between conflict markers and the exit status is 1, so that git reports the conflict: `ptm lock` then
    keeps the pin that matches the merged ptm.toml, or asks which to take. The status is 1 too when the
    ptm.toml beside PATH has conflicts in this `git merge`: the lock is then merged, but only `ptm lock`
    after ptm.toml is resolved can tell that it fits. Set up once per clone with `ptm init --git`, which
    prints the one `git config` line to run.
    """
    from .. import atomic
    from ..lock_git import manifest_conflicts
    from ..lock_merge import merge_locks, render_merged
    from ..lockfile import parse_lock

    texts = [_read(path) for path in (base, ours, theirs)]
    try:
        sides = [parse_lock(text, path) for text, path in zip(texts[1:], (ours, theirs), strict=True)]
    except PtmError as error:
        # Leave both whole between markers: git reports a conflict, and `ptm lock` names the bad side.
        atomic.write_text(ours, f"<<<<<<< ours\n{texts[1]}=======\n{texts[2]}>>>>>>> theirs\n")
        raise PtmError(f"ptm merge-lock: {error.message}") from error
    try:
        # None: both sides added the lock (an empty %O), or git merged several bases into one that
        # conflicted itself; then entries on one side are kept and none is taken as removed.
        merged_base = parse_lock(texts[0], base) if texts[0].strip() else None
    except PtmError:
        merged_base = None
    merged = merge_locks(merged_base, sides[0], sides[1])
    atomic.write_text(ours, render_merged(merged))
    if merged.conflicts:
        for conflict in merged.conflicts:
            click.echo(
                f"ptm merge-lock: both sides changed {conflict.name}; run `ptm lock` after the merge: "
                "it keeps the pin that matches ptm.toml, or asks which side's to take",
                err=True,
            )
        raise click.exceptions.Exit(1)
    if path is not None and manifest_conflicts(path):
        click.echo(
            "ptm merge-lock: ptm.toml has conflicts too; resolve them, then run `ptm lock` (it keeps the "
            "pins that still fit) and `git add` both",
            err=True,
        )
        raise click.exceptions.Exit(1)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PtmError(f"ptm merge-lock: cannot read {path}: {error}") from error
