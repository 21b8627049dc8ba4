"""`ptm affected`: verify what ptm.lock's changes since a git base reach (`ptm verify --affected`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .. import progress
from ..project import Project
from .common import (
    frozen_verify_option,
    pass_project,
    provider_option,
    report_checks,
    report_format,
    trust_option,
)

if TYPE_CHECKING:
    from ..export.outcome import VerifyOptions


@click.command()
@click.option(
    "--base",
    metavar="REF",
    help="Compare ptm.lock with this commit. Default: the merge base of HEAD with main (else origin/main).",
)
@click.option("--list", "list_only", is_flag=True, help="Print the impact set and why; verify nothing.")
@frozen_verify_option
@provider_option
@trust_option
@report_format
@click.option("--quiet", "-q", is_flag=True, help="No progress bar on the terminal.")
@pass_project
def affected(
    project: Project,
    base: str | None,
    list_only: bool,
    frozen: bool,
    require_provider: str | None,
    trust: bool,
    fmt: str,
    quiet: bool,
) -> None:
    """Verify the models ptm.lock's changes since --base reach, and say why each is included.

    A model is included when its pin, files or export records changed, or when it is downstream of one
    (a feature-handoff or post-processing consumer, an evaluator, a derived model, a training partner).
    A group that gained, lost or changed a member has its shared contract checked (`ptm verify --group`).
    Exit codes are `ptm verify`'s: 4 when a check fails, 2 when the base cannot be found.
    """
    from ..export.outcome import VerifyOptions

    options = VerifyOptions(frozen=frozen, provider=require_provider, trusted=trust)
    run_affected(project, base, list_only, options, fmt, quiet)


def run_affected(
    project: Project, base: str | None, list_only: bool, options: VerifyOptions, fmt: str, quiet: bool
) -> None:
    """`ptm affected`, also what `ptm verify --affected` runs with its own options."""
    from ..affected import describe_impact, impact_data, impact_set, read_base, verify_impact
    from ..errors import LockError

    lock = project.lock()
    if lock is None:
        raise LockError(f"{project.lock_path.name} does not exist; run `ptm lock`")
    impact = impact_set(read_base(project, base), project.manifest(), lock)
    checks = []
    if not list_only and (impact.verified or impact.checked_groups):
        from ..extras import optional_libraries

        frozen = options.frozen  # what to install for it, as for `ptm verify`
        command, extras = ("ptm affected --frozen", "cpu") if frozen else ("ptm affected", "export,cpu")
        if fmt == "text":  # the impact set first: it says what the checks below are about
            click.echo("\n".join(describe_impact(impact)))
        with optional_libraries(command, extras), progress.hidden(quiet):
            checks = verify_impact(project, impact, options)
    elif fmt == "text":
        click.echo("\n".join(describe_impact(impact)))
        if impact.included and not list_only:
            click.echo("Nothing to verify: no affected model declares an export.")
    report_checks(checks, fmt, impact_data(impact))  # the impact set heads the JSON object
