"""`ptm sbom`: the locked models as a CycloneDX 1.6 ML-BOM (JSON or XML)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import LockError
from ..project import Project
from .common import count, pass_project


@click.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the BOM to this file (its .json or .xml extension picks the format) instead of stdout.",
)
@click.option("--format", "fmt", type=click.Choice(["json", "xml"]), help="json (default) or xml.")
@pass_project
def sbom(project: Project, output: Path | None, fmt: str | None) -> None:
    """Write a CycloneDX 1.6 ML-BOM of ptm.lock: each model (purl, licence, model card) with its files'
    sha256, ptm export's artifacts, and ptm.toml's graph as dependencies. Needs the `sbom` extra."""
    from .. import atomic
    from ..sbom import output_format, render

    lock = project.lock()
    if lock is None:
        raise LockError(f"{project.lock_path} not found; run `ptm lock` first")
    manifest = project.declared() if project.manifest_path.is_file() else None
    text = render(lock, manifest, project.root.name, output_format(output, fmt))
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic.write_text(output, text)
        click.echo(f"Wrote {output} ({count(len(lock.models), 'model')}).", err=True)
