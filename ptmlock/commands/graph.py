"""`ptm graph`: draw the models and how they interact."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..project import Project
from ..render import FORMATS as GRAPH_FORMATS
from .common import from_code_option, pass_project

if TYPE_CHECKING:
    from ..manifest import Manifest


@click.command()
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(GRAPH_FORMATS),
    help="Default: what -o's extension names (.txt .dot .gv .mmd .html .svg .json), else text.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@from_code_option(
    "Draw the models the Python code under PATH (default: .) loads and the edges between them "
    "instead of ptm.toml; nothing is written but -o."
)
@pass_project
def graph(project: Project, fmt: str | None, output: Path | None, from_code: str | None) -> None:
    """Draw the models and how they interact; pins come from ptm.lock when there is one."""
    from .. import atomic
    from ..render import output_format, render

    fmt = output_format(output, fmt)
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if from_code is None:
        text = render(project.manifest(), project.lock(), fmt, color=color)
    else:
        if project.manifest_path.is_file():
            name = project.manifest_path.name
            click.echo(f"ptm graph: drawn from the code in {from_code} alone; {name} is not read", err=True)
        text = render(_from_code(from_code), None, fmt, color=color)
    if output is None:
        click.echo(text, nl=False)
        return
    atomic.write_text(output, text)
    click.echo(f"Wrote {output} ({fmt}).")


def _from_code(folder: str) -> Manifest:
    """What the code under ``folder`` declares, models ptm.toml cannot declare included (as components),
    read as a ptm.toml that is never written."""
    from ..dataflow.declare import code_manifest
    from ..dataflow.infer import infer
    from ..manifest_check import parse_checked_manifest

    root = Path.cwd()
    found = code_manifest(infer([folder], root), root, undeclared=True)
    for why in found.left_out:
        click.echo(f"ptm graph: left out {why}", err=True)
    # Named for the title every drawing carries: "<folder drawn>/(from code)".
    return parse_checked_manifest(found.text(), (root / folder).resolve() / "(from code)")
