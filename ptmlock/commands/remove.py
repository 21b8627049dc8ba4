"""`ptm remove`: models out of ptm.toml, ptm.lock and the artifacts folder."""

from __future__ import annotations

import click

from ..project import Project
from .common import count, pass_project


@click.command()
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--force", is_flag=True, help="Also drop other models' base and trained_with references to NAMES."
)
@pass_project
def remove(project: Project, names: tuple[str, ...], force: bool) -> None:
    """Remove models: their ptm.toml entries and edges, ptm.lock entries and exported artifacts.

    Refuses while another model derives from one of NAMES (base, trained_with) unless --force.
    """
    from ..remove import remove_models

    done = remove_models(project, names, force=force)
    lock_name = project.lock_path.name
    lines = [f"- model {name}" for name in done.models]
    lines += [f"- edge {edge}" for edge in done.edges]
    lines += [f"- reference {reference}" for reference in done.references]
    lines += [f"- {lock_name} entry {name}" for name in done.locked]
    lines += [f"- file {path.as_posix()}" for path in done.artifacts]
    for line in lines:
        click.echo(line)
    click.echo(
        f"Removed {count(len(done.models), 'model')} from {project.manifest_path.name}"
        + (f" and {lock_name}." if done.locked else ".")
    )
