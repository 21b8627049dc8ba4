"""`ptm init`: a commented ptm.toml, or one declaring what the code loads."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import PtmError
from ..project import Project
from .common import count, from_code_option, pass_project


@click.command()
@click.option("--force", is_flag=True, help="Replace an existing ptm.toml.")
@click.option(
    "--git",
    "git_only",
    is_flag=True,
    help="Only set up git to merge ptm.lock with `ptm merge-lock` (.gitattributes); leave ptm.toml as it is.",
)
@from_code_option(
    "Declare every hub model the Python code under PATH (default: .) loads, and the edges between them."
)
@pass_project
def init(project: Project, force: bool, git_only: bool, from_code: str | None) -> None:
    """Create a commented ptm.toml in the current folder, declaring what the code loads with --from-code.

    In a git repository, .gitattributes also sends ptm.lock to ptm's merge driver (`ptm merge-lock`), and
    the one `git config` line that enables it in a clone is printed; --git does only that.
    """
    from ..manifest_edit import init_manifest

    path = project.manifest_path if project.manifest_path.parent == Path.cwd() else Path.cwd() / "ptm.toml"
    if git_only:
        if force or from_code is not None:
            raise PtmError("--git leaves ptm.toml as it is; drop --force and --from-code", exit_code=2)
        _set_up_git(path.parent, always=True)
        return
    if from_code is None:
        init_manifest(path, force=force)
        click.echo(f"Created {path.name}; add models with `ptm add org/name`.")
        _set_up_git(path.parent)
        return
    from ..dataflow.declare import code_manifest
    from ..dataflow.infer import infer

    root = Path.cwd()
    found = code_manifest(infer([from_code], root), root)
    init_manifest(path, found.text(), force=force)
    for name, fields in found.models.items():
        how = " ".join(fields[key] for key in ("adaptation", "adapter") if key in fields)
        derived = f" ({how} of {fields['base']})" if "base" in fields else ""
        click.echo(f"+ {name:<24} {fields['repo']}@{fields['revision']}{derived}")
    for edge in found.edges:
        where = f" ({edge.evidence[0].path}:{edge.evidence[0].line})" if edge.evidence else ""
        click.echo(f"+ edge {edge.source} -> {edge.target} {edge.label}{where}")
    for name, notes in found.notes.items():
        for note in notes:
            click.echo(f"~ {name}: {note.removeprefix('from code: ')}")
    for why in found.left_out:
        click.echo(f"ptm init: left out {why}", err=True)
    edges = f" and {count(len(found.edges), 'edge')}" if found.edges else ""
    click.echo(
        f"Created {path.name} declaring {count(len(found.models), 'model')}{edges} found in {from_code}; "
        "run `ptm lock` to pin them, then `ptm check` to tie the code to the lock."
    )
    _set_up_git(path.parent)


def _set_up_git(folder: Path, *, always: bool = False) -> None:
    """Send ptm.lock to ptm's merge driver in ``folder``/.gitattributes (in a git work tree, unless
    ``always``), and print the `git config` line each clone runs once (git lets no repository set it)."""
    from ..lock_git import ATTRIBUTE_LINE, CONFIG_COMMAND, add_merge_attribute, in_work_tree

    if not (always or in_work_tree(folder)):
        return
    done = "Added to" if add_merge_attribute(folder) else "Already in"
    click.echo(f"{done} .gitattributes: {ATTRIBUTE_LINE} (commit it).")
    click.echo("Run once in each clone, so that git merges ptm.lock with ptm:")
    click.echo(f"    {CONFIG_COMMAND}")
