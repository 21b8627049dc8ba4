"""`ptm add`: declare a model in ptm.toml, from any hub, keeping its comments and layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..project import Project
from .common import pass_project


@click.command()
@click.argument("source", required=False)
@click.option("--name", help="Name in ptm.toml (default: from the source: the repo's last part, ...).")
@click.option(
    "--hub",
    type=click.Choice(["huggingface", "torchhub", "url", "local"]),
    help="Where the model comes from (default: what the source or the options say, else huggingface).",
)
@click.option("--revision", help="Branch, tag or 40-hex commit (huggingface, torchhub; default: main).")
@click.option("--include", multiple=True, help="Glob of files to keep (repeatable; huggingface, local).")
@click.option("--exclude", multiple=True, help="Glob of files to drop (repeatable; huggingface, local).")
@click.option("--entry", help="torchhub: the function of hubconf.py to call, e.g. resnet18.")
@click.option(
    "--weights", multiple=True, metavar="URL", help="torchhub: a checkpoint the entry downloads (repeatable)."
)
@click.option("--url", "urls", multiple=True, metavar="URL", help="url: a file, named after the URL.")
@click.option("--file", "files", multiple=True, metavar="URL=PATH", help="url: a file, named PATH.")
@click.option("--sha256", help="url: the sha256 the single --url must have.")
@click.option("--path", help="local: the model's file or folder.")
@click.option("--allow-outside", is_flag=True, help="local: the path may be outside the project.")
@click.option("--role", type=click.Choice(["complementary", "interchangeable"]))
@click.option("--group", help="Interchangeable group (slot) this model fills.")
@click.option("--task", help="What the model does, e.g. feature-extraction.")
@click.option("--description")
@pass_project
def add(
    project: Project,
    source: str | None,
    name: str | None,
    role: str | None,
    group: str | None,
    task: str | None,
    description: str | None,
    **options: Any,
) -> None:
    """Declare a model in ptm.toml, or update one (comments and layout are kept).

    \b
    SOURCE is what you would copy:
      org/name, org/name@rev          a Hugging Face model (at a branch, tag or commit)
      https://huggingface.co/org/name[/tree/rev]   its page; /blob/rev/FILE or
                                      /resolve/rev/FILE declares that file only
      owner/name:ref --entry E        a torch.hub repository (or https://github.com/owner/name)
      https://host/file.bin           a file by URL (or --url, repeatable; --file URL=PATH)
      --hub local PATH                a local file or folder (or --path PATH)
    Given the --name of a declared model and no SOURCE, only the options given change.
    """
    from ..declaration import AddRequest, summary
    from ..manifest_edit import add_model

    describe = {"role": role, "group": group, "task": task, "description": description}
    request = AddRequest(source=source, describe=describe, **options)
    spec, created = add_model(project.manifest_path, request, name, Path.cwd())
    click.echo(
        f"{'Added' if created else 'Updated'} model '{spec.name}' in {project.manifest_path.name} "
        f"({summary(spec.hub, spec.options)}); run `ptm lock` to pin it."
    )
