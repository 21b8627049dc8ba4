"""What several commands share: the project argument, common options and how sizes and counts read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..project import Project

if TYPE_CHECKING:
    from ..graph import Problem

pass_project = click.make_pass_decorator(Project)
report_format = click.option(
    "--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
trust_option = click.option(
    "--trust",
    is_flag=True,
    help="Allow loader_kwargs that run code from the model's files: weights_only = false, "
    "trust_remote_code = true.",
)


def size(n: float) -> str:
    """Bytes as people read them: 999 B, 1.2 kB, 3.4 GB (decimal units, like the Hub)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError


def count(n: int, noun: str) -> str:
    """``1 model``, ``2 models``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def warn(problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        click.echo(f"{problem.severity}: {problem}", err=True)
