"""`ptm verify`: run exported artifacts and compare them with PyTorch and the lock."""

from __future__ import annotations

import click

from .. import progress
from ..errors import PtmError
from ..project import Project
from .common import (
    frozen_verify_option,
    pass_project,
    provider_option,
    report_checks,
    report_format,
    trust_option,
)


@click.command()
@click.argument("names", nargs=-1)
@frozen_verify_option
@provider_option
@click.option("--group", help="Also check that this interchangeable group's members share one contract.")
@click.option(
    "--affected",
    is_flag=True,
    help="Verify what ptm.lock's changes since --base reach instead of NAMES (docs/affected.md).",
)
@click.option(
    "--base",
    metavar="REF",
    help="With --affected: the commit to compare ptm.lock with (default: the merge base with main).",
)
@click.option("--atol", type=float, help="Absolute tolerance (overrides ptm.toml).")
@click.option("--rtol", type=float, help="Relative tolerance (overrides ptm.toml).")
@click.option(
    "--allow-looser",
    is_flag=True,
    help="Use an --atol/--rtol or ptm.toml tolerance looser than the one locked at export (said on an "
    "info line); without it such a tolerance is refused.",
)
@trust_option
@report_format
@click.option("--quiet", "-q", is_flag=True, help="No progress bar on the terminal.")
@pass_project
def verify(
    project: Project,
    names: tuple[str, ...],
    frozen: bool,
    require_provider: str | None,
    group: str | None,
    affected: bool,
    base: str | None,
    atol: float | None,
    rtol: float | None,
    allow_looser: bool,
    trust: bool,
    fmt: str,
    quiet: bool,
) -> None:
    """Run exported artifacts and compare them with PyTorch and with the reference in ptm.lock.

    Without --frozen each model is built in PyTorch by its loader, which runs code as `ptm export` does
    (see `ptm export --help`); --frozen runs only the checked artifacts in onnxruntime.

    The tolerance is the one locked at export; a tighter one may be asked for, a looser one (in ptm.toml
    or with --atol/--rtol) is refused (exit 2) unless `ptm export` locks it or --allow-looser is given.

    Lines marked info (a --group's agreement figures, an allowed looser tolerance) report and judge
    nothing.
    --format json prints one object (docs/verify-json.md); the exit code is the same: 4 when a check fails.
    """
    from ..export.outcome import VerifyOptions
    from ..export_settings import tolerance_problem
    from ..extras import optional_libraries

    for option, value in (("--atol", atol), ("--rtol", rtol)):
        if value is not None and (problem := tolerance_problem(value)):
            message = f"{option} {value:g} is not a tolerance: it {problem}, e.g. {option} 1e-4"
            raise PtmError(message, exit_code=2)
    options = VerifyOptions(
        frozen=frozen,
        provider=require_provider,
        atol=atol,
        rtol=rtol,
        trusted=trust,
        allow_looser=allow_looser,
    )
    if affected:
        if names or group:
            raise PtmError("--affected picks the models itself: drop NAMES and --group", exit_code=2)
        from .affected import run_affected

        run_affected(project, base, False, options, fmt, quiet)
        return
    if base is not None:
        raise PtmError("--base goes with --affected: `ptm verify --affected --base REF`", exit_code=2)
    command, extras = ("ptm verify --frozen", "cpu") if frozen else ("ptm verify", "export,cpu")
    with optional_libraries(command, extras), progress.hidden(quiet):
        from ..export.verifier import verify_models

        checks = verify_models(project, names, group, options)
    report_checks(checks, fmt)
