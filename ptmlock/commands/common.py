"""What several commands share: the project argument, common options, and (from ptmlock.wording) how
sizes and counts read."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from ..project import Project
from ..wording import count, size

F = TypeVar("F", bound=Callable[..., object])

__all__ = [
    "count",
    "findings_format",
    "from_code_option",
    "frozen_verify_option",
    "pass_project",
    "provider_option",
    "report_checks",
    "report_format",
    "size",
    "trust_option",
    "warn",
]

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from ..export.outcome import Check
    from ..graph import Problem

pass_project = click.make_pass_decorator(Project)
report_format = click.option(
    "--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
# What the linters (`ptm check`, `ptm audit`) print: lines for people, JSON or SARIF for code-scanning tools.
findings_format = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="text for people; json or sarif (2.1.0) for tools.",
)
# What `ptm verify` and `ptm affected` (its --affected) share.
frozen_verify_option = click.option(
    "--frozen",
    is_flag=True,
    help="Compare with ptm.lock's reference only: needs onnxruntime (and tokenizers), not torch.",
)
provider_option = click.option(
    "--require-provider",
    type=click.Choice(["cuda", "cpu"]),
    help="Fail instead of falling back when this onnxruntime execution provider is not usable.",
)
trust_option = click.option(
    "--trust",
    is_flag=True,
    help="Allow loader_kwargs that run code from the model's files: weights_only = false, "
    "trust_remote_code = true.",
)


def from_code_option(what: str) -> Callable[[F], F]:
    """--from-code [PATH] (the folder when given bare): ``what`` the command does with the code there."""
    return click.option(
        "--from-code", "from_code", is_flag=False, flag_value=".", default=None, metavar="[PATH]", help=what
    )


def report_checks(checks: Sequence[Check], fmt: str, head: dict[str, Any] | None = None) -> None:
    """What `ptm verify` (and `ptm affected`) print of their checks: a line each, or one JSON object
    (docs/verify-json.md, ``head`` first); VerificationError (exit 4) when one failed."""
    import json

    from ..errors import VerificationError

    judged = [c for c in checks if c.judged]
    failed = [c for c in judged if not c.ok]
    if fmt == "json":
        data = {
            **(head or {}),
            "ok": not failed,
            "checks": [c.data() for c in checks],
            "passed": len(judged) - len(failed),
            "failed": len(failed),
            "info": len(checks) - len(judged),
        }
        click.echo(json.dumps(data, indent=2))
    else:
        for check in checks:
            click.echo(check.line())
    if failed:
        first = failed[0]
        raise VerificationError(
            f"{len(failed)} of {count(len(judged), 'check')} failed, first {first.model} {first.subject}: "
            f"{first.detail}"
        )
    if fmt == "text" and judged:
        click.echo(f"All {count(len(judged), 'check')} passed." if len(judged) > 1 else "1 check passed.")


def warn(problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        click.echo(f"{problem.severity}: {problem}", err=True)
