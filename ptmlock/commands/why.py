"""`ptm why`: what depends on a model."""

from __future__ import annotations

import json

import click

from ..project import Project
from .common import pass_project, report_format


@click.command()
@click.argument("name")
@report_format
@pass_project
def why(project: Project, name: str, fmt: str) -> None:
    """Show what depends on NAME, directly or through others (edges, base, trained_with)."""
    from ..graph import require_node
    from ..impact import dependent_data, dependents, describe_path

    manifest = project.manifest()
    require_node(manifest, name)
    found = dependents(manifest, [name])
    if fmt == "json":
        click.echo(json.dumps({"name": name, "dependents": [dependent_data(d) for d in found]}, indent=2))
    elif not found:
        click.echo(f"Nothing depends on {name}.")
    else:
        click.echo(f"{len(found)} {'depends' if len(found) == 1 else 'depend'} on {name}:")
        for dependent in found:
            click.echo(f"  {dependent.name:<20} {describe_path(dependent)}")
