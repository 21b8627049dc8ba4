"""`ptm export`: locked models to ONNX or TorchScript, recorded in ptm.lock."""

from __future__ import annotations

import click

from ..project import Project
from .common import count, pass_project, trust_option


@click.command("export")
@click.argument("names", nargs=-1)
@trust_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar on the terminal.")
@pass_project
def export(project: Project, names: tuple[str, ...], trust: bool, quiet: bool) -> None:
    """Export locked models (ONNX, TorchScript), check them against PyTorch, record them in ptm.lock.

    The artifacts go into the store and into each model's artifacts folder (default artifacts/NAME/),
    so that a clone can verify them; commit that folder (Git LFS suits large files).

    Exporting runs code, so read ptm.toml before exporting a project you did not write. Each model is
    built by its loader: a project module (loader = "mypkg.mod:fn", imported from ptm.toml's folder) or
    any installed function is imported and called, and a torch.hub model runs its repository's
    hubconf.py. Two loader_kwargs also run code from the model's files and need --trust:
    weights_only = false unpickles the weights (a pickle can run anything) and trust_remote_code = true
    runs the repository's Python through transformers.
    """
    from .. import progress
    from ..extras import optional_libraries

    with optional_libraries("ptm export", "export,cpu"), progress.hidden(quiet):
        from ..export.exporter import export_models

        done, wrote = export_models(project, names, trust)
    for exported in done:
        for line in exported.lines:
            click.echo(line)
    verb = "Wrote" if wrote else "Up to date:"
    click.echo(f"{verb} {project.lock_path.name} ({count(len(done), 'model')} exported).")
