"""`ptm install`: the locked models into the Hugging Face cache, verified."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from ..project import Project
from ..taxonomy import INSTALL_PROFILES
from .common import count, pass_project, report_format, size

if TYPE_CHECKING:
    from ..install import FileCounts, InstallResult
    from ..signing import Trust


@click.command()
@click.option(
    "--locked",
    is_flag=True,
    help="Fail if ptm.lock is missing or out of date with ptm.toml; never re-lock (as uv's --locked).",
)
@click.option(
    "--frozen",
    is_flag=True,
    help="Install ptm.lock as it is: never re-lock, do not read ptm.toml (as uv's --frozen).",
)
@click.option("--offline", is_flag=True, help="Install from the local store only; never touch the network.")
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="NAME[,NAME...]",
    help="Install only these models (repeatable, or comma-separated).",
)
@click.option(
    "--profile",
    type=click.Choice(INSTALL_PROFILES),
    default="all",
    show_default=True,
    help="runtime: leave out models used only for evaluation or to guide training (from the [[edges]]).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or per-model lines: the summary only.")
@click.option(
    "--verify-hashes",
    is_flag=True,
    help="Re-hash everything installed (store and cache); report corruption (exit 3) and repair it.",
)
@click.option(
    "--mirror-only",
    is_flag=True,
    help="Take every missing file from the mirrors (PTM_OCI_MIRROR, PTM_CACHE_REMOTE); never a hub.",
)
@click.option(
    "--no-push", is_flag=True, help="Read the S3 cache (PTM_CACHE_REMOTE) but write nothing back to it."
)
@click.option(
    "--require-signature",
    metavar="KEY|IDENTITY",
    help="Install only if every model of ptm.lock is signed (ptm sign) by this public key or CA chain "
    "(a PEM file), or Sigstore identity IDENTITY@https://ISSUER; ptm.lock is never re-locked.",
)
@report_format
@pass_project
def install(
    project: Project,
    locked: bool,
    frozen: bool,
    offline: bool,
    only: tuple[str, ...],
    profile: str,
    quiet: bool,
    verify_hashes: bool,
    mirror_only: bool,
    no_push: bool,
    require_signature: str | None,
    fmt: str,
) -> None:
    """Install the locked models into the Hugging Face cache, verified against ptm.lock.

    By default a missing or stale ptm.lock is re-locked first, like `uv sync`: unchanged pins are kept,
    changed entries are resolved, and ptm.lock is rewritten. With --locked that is an error instead (for
    CI); --frozen installs ptm.lock as it is without reading ptm.toml at all (for a deploy that ships the
    lock alone). Re-running with everything in place only checks file stats.

    With a mirror set (PTM_OCI_MIRROR=oci://REGISTRY/PREFIX that `ptm push` filled, PTM_CACHE_REMOTE=
    s3://BUCKET/PREFIX, or [mirrors] oci / [cache] remote in ptm.toml), each missing file is asked of it
    by its sha256 first; whatever it serves is checked against ptm.lock like a hub download, and what had to
    come from a hub is written back to the S3 cache. See docs/scale.md.
    """
    from .. import progress
    from ..install import Options
    from ..install import install as run_install

    names = tuple(n for value in only for n in value.split(",") if n)
    options = Options(
        locked=locked,
        frozen=frozen,
        offline=offline,
        only=names,
        verify_hashes=verify_hashes,
        profile=profile,
        mirror_only=mirror_only,
        cache_push=not no_push,
        signed_by=_trust(require_signature),
    )
    with progress.hidden(quiet):  # the bar goes to stderr, and only on a terminal
        result = run_install(project, options, progress.RichReporter() if fmt == "text" else None)
    for note in result.notes:
        click.echo(note, err=True)
    for name in result.dropped_exports:
        click.echo(
            f"warning: re-locking {name} (its files changed) dropped its export record; "
            f"run `ptm export {name}` to export it again",
            err=True,
        )
    if fmt == "json":
        click.echo(json.dumps(install_data(result), indent=2))
        return
    if result.relocked and not quiet:
        click.echo(f"Re-locked {project.lock_path.name} ({'; '.join(result.relocked)}).")
    if result.left_out and not quiet:
        click.echo(f"Left out by the '{profile}' profile: {', '.join(result.left_out)}.")
    for line in summary(result, quiet):
        click.echo(line)


def _trust(value: str | None) -> Trust | None:
    if value is None:
        return None
    from ..signing import trust_from

    return trust_from(value)


def summary(result: InstallResult, quiet: bool) -> list[str]:
    """The per-model lines (unless ``quiet``) and the one summary line, whose counts add up."""
    from ..install import FileCounts

    models = result.models
    if result.noop:
        files = sum(m.files for m in models)
        return [
            f"All {count(len(models), 'model')} already installed ({count(files, 'file')}, "
            f"{size(sum(m.size for m in models))}); checked in {result.seconds:.2f} s."
        ]
    changed = [m for m in models if m.changed]
    lines = (
        []
        if quiet
        else [f"+ {m.name:<20} {m.pin}  ({count(m.files, 'file')}, {size(m.size)})" for m in changed]
    )
    counts = sum((m.counts for m in changed), FileCounts())
    unchanged = len(models) - len(changed)
    tail = f"; {count(unchanged, 'other model')} already installed" if unchanged else ""
    lines.append(
        f"Installed {count(len(changed), 'model')} ({count(counts.total, 'file')}, "
        f"{size(sum(m.size for m in changed))}) in {result.seconds:.1f} s: "
        f"{_where_from(counts, result.downloaded_bytes)}{tail}."
    )
    return lines


def _where_from(counts: FileCounts, downloaded_bytes: int) -> str:
    """``3 downloaded (1.2 MB), 2 from the store, 1 already in place``: the parts that are not zero."""
    parts = [
        (counts.downloaded, f"{counts.downloaded} downloaded ({size(downloaded_bytes)})"),
        (counts.from_mirror, f"{counts.from_mirror} from the mirror"),
        (counts.from_store, f"{counts.from_store} from the store"),
        (counts.from_disk, f"{counts.from_disk} copied from disk"),
        (counts.in_place, f"{counts.in_place} already in place"),
    ]
    return ", ".join(text for n, text in parts if n)


def install_data(result: InstallResult) -> dict[str, Any]:
    """The `ptm install --format json` document (docs/cli.md)."""
    from ..install import FileCounts

    def files(counts: FileCounts) -> dict[str, int]:
        return {
            "total": counts.total,
            "downloaded": counts.downloaded,
            "from_store": counts.from_store,
            "from_disk": counts.from_disk,
            "from_mirror": counts.from_mirror,
            "in_place": counts.in_place,
        }

    return {
        "installed": [m.name for m in result.models if m.changed],
        "already_installed": [m.name for m in result.models if not m.changed],
        "models": [
            {"name": m.name, "pin": m.pin, "bytes": m.size, "changed": m.changed, "files": files(m.counts)}
            for m in result.models
        ],
        "files": files(sum((m.counts for m in result.models), FileCounts())),
        "downloaded_bytes": result.downloaded_bytes,
        "seconds": round(result.seconds, 3),
        "relocked": list(result.relocked),
        "dropped_exports": list(result.dropped_exports),
        "left_out": list(result.left_out),
        "notes": list(result.notes),
    }
