"""`ptm verify`: run exported artifacts and compare them with PyTorch and the lock."""

from __future__ import annotations

import click

from ..errors import PtmError
from ..project import Project
from .common import pass_project, trust_option


@click.command()
@click.argument("names", nargs=-1)
@click.option(
    "--frozen",
    is_flag=True,
    help="Compare with ptm.lock's reference only: needs onnxruntime (and tokenizers), not torch.",
)
@click.option(
    "--require-provider",
    type=click.Choice(["cuda", "cpu"]),
    help="Fail instead of falling back when this onnxruntime execution provider is not usable.",
)
@click.option("--group", help="Also check that this interchangeable group's members share one contract.")
@click.option("--atol", type=float, help="Absolute tolerance (overrides ptm.toml).")
@click.option("--rtol", type=float, help="Relative tolerance (overrides ptm.toml).")
@trust_option
@pass_project
def verify(
    project: Project,
    names: tuple[str, ...],
    frozen: bool,
    require_provider: str | None,
    group: str | None,
    atol: float | None,
    rtol: float | None,
    trust: bool,
) -> None:
    """Run exported artifacts and compare them with PyTorch and with the reference in ptm.lock.

    Without --frozen each model is built in PyTorch by its loader, which runs code as `ptm export` does
    (see `ptm export --help`); --frozen runs only the checked artifacts in onnxruntime.
    """
    from ..errors import VerificationError
    from ..export.outcome import VerifyOptions
    from ..export.verifier import verify_models
    from ..export_settings import tolerance_problem

    for option, value in (("--atol", atol), ("--rtol", rtol)):
        if value is not None and (problem := tolerance_problem(value)):
            message = f"{option} {value:g} is not a tolerance: it {problem}, e.g. {option} 1e-4"
            raise PtmError(message, exit_code=2)
    options = VerifyOptions(frozen=frozen, provider=require_provider, atol=atol, rtol=rtol, trusted=trust)
    checks = verify_models(project, names, group, options)
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if not c.ok]
    if failed:
        first = failed[0]
        where = f"{first.model} {first.subject}"
        raise VerificationError(
            f"{len(failed)} of {len(checks)} checks failed, first {where}: {first.detail}"
        )
    click.echo(f"All {len(checks)} checks passed.")
