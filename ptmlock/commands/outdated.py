"""`ptm outdated`: what each locked model's revision points to upstream now (ptm.lock is not written)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ..errors import LockError, combined
from ..project import Project
from .common import count, pass_project, report_format, size

if TYPE_CHECKING:
    from ..outdated import FileChange, Upstream

MARKS = {"up-to-date": "=", "pinned": "=", "moved": "~", "stale": "!", "missing": "?"}


@click.command()
@click.argument("names", nargs=-1)
@report_format
@pass_project
@click.pass_context
def outdated(ctx: click.Context, project: Project, names: tuple[str, ...], fmt: str) -> None:
    """Show where each locked model (or only NAMES) points upstream now, next to its pin.

    A branch that moved (commits ahead, files changed, size), a tag that was re-pointed (suspicious), URL
    files whose ETag, Last-Modified or size changed, local files that changed; a model pinned to a
    40-hex commit is never outdated. Nothing is written. Exit 0 when nothing moved, 1 when a model moved
    or ptm.lock no longer matches ptm.toml; a model that cannot be checked is an error after the report
    (see docs/outdated.md).
    """
    from ..outdated import as_json, check_project

    manifest = project.manifest()
    lock = project.lock()
    if lock is None:
        raise LockError(f"{project.lock_path.name} does not exist; run `ptm lock` first")
    report = check_project(manifest, lock, names)
    if fmt == "json":
        click.echo(json.dumps(as_json(report), indent=2))
        if report.errors:
            ctx.exit(report.errors[0].exit_code)
    else:
        for model in report.models:
            click.echo(f"{MARKS[model.status]} {model.name:<20} {model.origin}  {describe(model)}")
        click.echo(summary(report.models, len(report.errors)))
        if report.errors:
            raise combined(report.errors)
    if report.outdated:
        ctx.exit(1)


def describe(model: Upstream) -> str:
    """What upstream says of one model, on one line."""
    from ..outdated import MISSING, MOVED, PINNED, STALE, TAG

    pin = (model.locked or "")[:12]
    if model.status == PINNED:
        return f"pinned to commit {pin}: never outdated"
    if model.status in (STALE, MISSING):
        return model.note or model.status
    if model.status != MOVED:
        return f"up to date ({model.ref + ' at ' if model.ref else ''}{pin})"
    parts = []
    if model.now and model.now != model.locked:
        parts.append(f"{model.ref or 'revision'} moved {pin} -> {model.now[:12]}")
        if model.commits_ahead is not None:
            parts.append(f"{count(model.commits_ahead, 'commit')} ahead")
    elif model.hub == "local":
        parts.append("files changed on this machine since they were locked")
    else:
        parts.append("changed upstream")
    parts += [files(model.files), growth(model.size_delta)] if model.files else []
    if model.history_rewritten:
        parts.append(f"history rewritten: {pin} is no longer in it (force-pushed)")
    if model.ref == TAG:
        parts.append(f"a tag should never move: check who re-pointed {model.origin} before upgrading")
    return "; ".join(parts)


def files(changes: tuple[FileChange, ...]) -> str:
    """``2 files changed (config.json, model.safetensors), 1 added (extra.bin)``: the first three paths
    of each kind, with what told a URL file's change."""
    parts: list[str] = []
    for kind in ("changed", "added", "removed"):
        named = [_named(c) for c in changes if c.change == kind]
        if named:
            shown = ", ".join(named[:3]) + (f", +{len(named) - 3} more" if len(named) > 3 else "")
            how_many = str(len(named)) if parts else count(len(named), "file")  # 2 files changed, 1 added
            parts.append(f"{how_many} {kind} ({shown})")
    return ", ".join(parts)


def _named(change: FileChange) -> str:
    told = ", ".join(f"{what} {_shown(was)} -> {_shown(now)}" for what, was, now in change.validators)
    return f"{change.path}: {told}" if told else change.path


def _shown(value: str | None) -> str:
    """A validator from a server, on one line and short (it may hold anything)."""
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else f"{text[:37]}..."


def growth(delta: int | None) -> str:
    if delta is None:
        return "size now unknown"
    return f"{'+' if delta >= 0 else '-'}{size(abs(delta))}"


def summary(models: tuple[Upstream, ...], errors: int) -> str:
    outdated = [m.name for m in models if m.outdated]
    failed = f"; {count(errors, 'model')} could not be checked" if errors else ""
    if not outdated:
        return f"Nothing moved upstream ({count(len(models), 'model')} checked{failed})."
    upgrade = [m.name for m in models if m.status == "moved"]
    fix = f"`ptm lock --upgrade {' '.join(upgrade)}` moves their pins" if upgrade else "run `ptm lock`"
    return f"{len(outdated)} of {count(len(models), 'model')} outdated: {', '.join(outdated)}; {fix}{failed}."
