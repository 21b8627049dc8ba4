"""What several commands share: the project argument, common options, and (from ptmlock.wording) how
sizes and counts read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..project import Project
from ..wording import count, size

__all__ = ["count", "findings_format", "pass_project", "report_format", "size", "trust_option", "warn"]

if TYPE_CHECKING:
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
trust_option = click.option(
    "--trust",
    is_flag=True,
    help="Allow loader_kwargs that run code from the model's files: weights_only = false, "
    "trust_remote_code = true.",
)


def warn(problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        click.echo(f"{problem.severity}: {problem}", err=True)
