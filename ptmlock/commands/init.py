"""`ptm init`: a commented ptm.toml, or one declaring what the code loads."""

from __future__ import annotations

from pathlib import Path

import click

from ..project import Project
from .common import count, pass_project


@click.command()
@click.option("--force", is_flag=True, help="Replace an existing ptm.toml.")
@click.option(
    "--from-code",
    "from_code",
    is_flag=False,
    flag_value=".",
    default=None,
    metavar="[PATH]",
    help="Declare every hub model the Python code under PATH (default: .) loads.",
)
@pass_project
def init(project: Project, force: bool, from_code: str | None) -> None:
    """Create a commented ptm.toml in the current folder, declaring what the code loads with --from-code."""
    from ..manifest_edit import init_manifest

    path = project.manifest_path if project.manifest_path.parent == Path.cwd() else Path.cwd() / "ptm.toml"
    if from_code is None:
        init_manifest(path, force=force)
        click.echo(f"Created {path.name}; add models with `ptm add org/name`.")
        return
    from ..check.files import collect
    from ..check.inventory import declarations
    from ..check.runner import scan_files

    loads = [
        load for scan in scan_files(collect([from_code], Path.cwd(), ()), Path.cwd()) for load in scan.loads
    ]
    models = declarations(loads)
    init_manifest(path, force=force, models=models)
    for name, fields in models.items():
        click.echo(f"+ {name:<24} {fields['repo']}@{fields['revision']}")
    click.echo(
        f"Created {path.name} declaring {count(len(models), 'model')} found in {from_code}; "
        "run `ptm lock` to pin them, then `ptm check` to tie the code to the lock."
    )
