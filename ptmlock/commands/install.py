"""`ptm install`: the locked models into the Hugging Face cache, verified."""

from __future__ import annotations

import click

from ..project import Project
from ..taxonomy import INSTALL_PROFILES
from .common import pass_project, size


@click.command()
@click.option("--frozen", is_flag=True, help="Fail if ptm.lock is missing or stale; never resolve (for CI).")
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
@pass_project
def install(
    project: Project,
    frozen: bool,
    offline: bool,
    only: tuple[str, ...],
    profile: str,
    quiet: bool,
    verify_hashes: bool,
) -> None:
    """Install the locked models into the Hugging Face cache, verified against ptm.lock.

    Without --frozen, a missing or stale ptm.lock is re-locked first, like `uv sync`: unchanged pins are
    kept, changed entries are resolved, and ptm.lock is rewritten. With --frozen that is an error instead.
    Re-running with everything in place only checks file stats.
    """
    import sys

    from ..install import Options
    from ..install import install as run_install

    names = tuple(n for value in only for n in value.split(",") if n)
    options = Options(
        frozen=frozen, offline=offline, only=names, verify_hashes=verify_hashes, profile=profile
    )
    reporter = None
    if not quiet and sys.stdout.isatty():
        from ..progress import RichReporter

        reporter = RichReporter()
    result = run_install(project, options, reporter)
    if result.relocked and not quiet:
        click.echo(f"Re-locked {project.lock_path.name} ({'; '.join(result.relocked)}).")
    if result.left_out and not quiet:
        click.echo(f"Left out by the '{profile}' profile: {', '.join(result.left_out)}.")
    total_files = sum(m.files for m in result.models)
    total_size = size(sum(m.size for m in result.models))
    if result.noop:
        click.echo(
            f"All {len(result.models)} model(s) already installed ({total_files} files, {total_size}); "
            f"checked in {result.seconds:.2f} s."
        )
        return
    if not quiet:
        for model in result.models:
            if model.changed:
                click.echo(f"+ {model.name:<20} {model.pin}  ({model.files} files, {size(model.size)})")
    click.echo(
        f"Installed {len(result.models)} model(s) ({total_files} files, {total_size}) in "
        f"{result.seconds:.1f} s: {result.downloaded_files} downloaded "
        f"({size(result.downloaded_bytes)}), {result.linked_from_store} from the store."
    )
