"""`ptm diff`: what changed between two locks, and what it affects downstream."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import PtmError
from ..project import Project
from .common import pass_project, report_format


@click.command()
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@report_format
@pass_project
def diff(project: Project, old: Path, new: Path, fmt: str) -> None:
    """Compare two lock files: models whose pin or files changed, and what they affect downstream.

    \b
    Exit codes, as diff(1) and `git diff --exit-code`:
      0  the locks pin the same models and files
      1  they differ (each changed model is listed with its added, removed and changed files)
      2  a lock cannot be read, or ptm.toml is invalid
    """
    from ..impact import (
        change_data,
        dependent_data,
        describe_change,
        describe_files,
        describe_path,
        diff_locks,
    )
    from ..lockfile import read_lock

    locks = []
    for path in (old, new):
        try:
            lock_file = read_lock(path)
        except PtmError as error:  # 1 means "they differ": a lock that cannot be read is trouble, 2
            raise PtmError(error.message, exit_code=2) from error
        if lock_file is None:
            raise PtmError(
                f"{path}: not found; give two ptm.lock files, e.g. from `git show HEAD~1:ptm.lock`",
                exit_code=2,
            )
        locks.append(lock_file)
    manifest = project.manifest() if project.manifest_path.is_file() else None
    result = diff_locks(locks[0], locks[1], manifest)
    if fmt == "json":
        data = {
            "changes": [change_data(c) for c in result.changes],
            "affected": [dependent_data(d) for d in result.affected],
        }
        click.echo(json.dumps(data, indent=2))
    elif not result.changes:
        click.echo(f"No model changed between {old} and {new}.")
    else:
        for change in result.changes:
            click.echo(describe_change(change))
            for line in describe_files(change):
                click.echo(f"    {line}")
        if manifest is None:
            click.echo("No ptm.toml here, so downstream impact is not shown.")
        elif result.affected:
            click.echo("Affected downstream:")
            for dependent in result.affected:
                click.echo(f"  {dependent.name:<20} {describe_path(dependent)}")
        else:
            click.echo("Nothing downstream is affected.")
    if result.changes:
        raise click.exceptions.Exit(1)
