"""`ptm graph`: draw the models and how they interact."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..project import Project
from ..render import FORMATS as GRAPH_FORMATS
from .common import pass_project


@click.command()
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(GRAPH_FORMATS),
    help="Default: what -o's extension names (.txt .dot .gv .mmd .html .svg .json), else text.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@pass_project
def graph(project: Project, fmt: str | None, output: Path | None) -> None:
    """Draw the models and how they interact; pins come from ptm.lock when there is one."""
    from .. import atomic
    from ..render import output_format, render

    fmt = output_format(output, fmt)
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = render(project.manifest(), project.lock(), fmt, color=color)
    if output is None:
        click.echo(text, nl=False)
        return
    atomic.write_text(output, text)
    click.echo(f"Wrote {output} ({fmt}).")
