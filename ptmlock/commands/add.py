"""`ptm add`: declare a model in ptm.toml, keeping its comments and layout."""

from __future__ import annotations

from typing import Any

import click

from ..project import Project
from .common import pass_project


@click.command()
@click.argument("repo")
@click.option("--name", help="Name in ptm.toml (default: the repo's last part).")
@click.option("--hub", type=click.Choice(["huggingface"]), help="Where the model comes from.")
@click.option("--revision", help="Branch, tag or 40-hex commit (default: main).")
@click.option("--role", type=click.Choice(["complementary", "interchangeable"]))
@click.option("--group", help="Interchangeable group (slot) this model fills.")
@click.option("--include", multiple=True, help="Glob of files to keep (repeatable).")
@click.option("--exclude", multiple=True, help="Glob of files to drop (repeatable).")
@click.option("--task", help="What the model does, e.g. feature-extraction.")
@click.option("--description")
@pass_project
def add(project: Project, repo: str, name: str | None, **fields: Any) -> None:
    """Declare a model in ptm.toml, or update one (comments and layout are kept)."""
    from ..manifest_edit import add_model

    name, created = add_model(project.manifest_path, repo, name, fields)
    click.echo(
        f"{'Added' if created else 'Updated'} model '{name}' in {project.manifest_path.name}; "
        "run `ptm lock` to pin it."
    )
