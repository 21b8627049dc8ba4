"""`ptm validate`: check ptm.toml without the network."""

from __future__ import annotations

import click

from ..project import Project
from .common import pass_project


@click.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@pass_project
def validate(project: Project, strict: bool) -> None:
    """Check ptm.toml without the network: references, taxonomy, cycles, groups, unconnected models."""
    from ..graph import ERROR, system_problems

    manifest = project.manifest()
    problems = system_problems(manifest, project.lock())
    for problem in problems:
        click.echo(f"{problem.severity}: {problem}", err=True)
    if any(p.severity == ERROR or strict for p in problems):
        raise click.exceptions.Exit(2)
    counts = (
        f"{len(manifest.models)} models, {len(manifest.components)} components, {len(manifest.edges)} edges"
    )
    click.echo(f"{project.manifest_path.name} is valid ({counts}; {len(problems)} warnings).")
