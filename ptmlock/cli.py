"""The `ptm` command line: parse arguments, call the library, print. No logic lives here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import LockError, PtmError
from .project import Project, find_project


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError


class _Group(click.Group):
    """Expected failures print one line on stderr and exit with their code; no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PtmError as error:
            click.echo(f"error: {error.message}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--manifest",
    "-m",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="PTM_MANIFEST",
    help="Path to ptm.toml (default: the nearest one from the current folder up).",
)
@click.version_option(__version__, prog_name="ptmlock")
@click.pass_context
def cli(ctx: click.Context, manifest: Path | None) -> None:
    """ptmlock: declare, pin, install and verify the pre-trained models your code depends on."""
    ctx.obj = find_project(manifest)


pass_project = click.make_pass_decorator(Project)


@cli.command()
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
    from .manifest_edit import init_manifest

    path = project.manifest_path if project.manifest_path.parent == Path.cwd() else Path.cwd() / "ptm.toml"
    if from_code is None:
        init_manifest(path, force=force)
        click.echo(f"Created {path.name}; add models with `ptm add org/name`.")
        return
    from .check.files import collect
    from .check.inventory import declarations
    from .check.runner import scan_files

    loads = [
        load for scan in scan_files(collect([from_code], Path.cwd(), ()), Path.cwd()) for load in scan.loads
    ]
    models = declarations(loads)
    init_manifest(path, force=force, models=models)
    for name, fields in models.items():
        click.echo(f"+ {name:<24} {fields['repo']}@{fields['revision']}")
    click.echo(
        f"Created {path.name} declaring {len(models)} models found in {from_code}; "
        "run `ptm lock` to pin them, then `ptm check` to tie the code to the lock."
    )


@cli.command()
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
    from .manifest_edit import add_model

    name = name or repo.rstrip("/").split("/")[-1]
    fields = {"repo": repo, **fields}
    if fields.get("group") and not fields.get("role"):
        fields["role"] = "interchangeable"
    created = add_model(project.manifest_path, name, fields)
    click.echo(
        f"{'Added' if created else 'Updated'} model '{name}' in {project.manifest_path.name}; "
        "run `ptm lock` to pin it."
    )


@cli.command()
@click.argument("names", nargs=-1)
@click.option(
    "--upgrade",
    "-U",
    is_flag=True,
    help="Move pins to what the revisions point at now (all models, or only NAMES).",
)
@click.option("--check", is_flag=True, help="Exit non-zero if ptm.lock is stale; no network.")
@pass_project
def lock(project: Project, names: tuple[str, ...], upgrade: bool, check: bool) -> None:
    """Pin every declared model in ptm.lock (existing pins are kept)."""
    from .lockfile import staleness, write_lock
    from .resolve import ADDED, KEPT, REMOVED, UNCHANGED, UPDATED, lock_project

    manifest = project.manifest()
    previous = project.lock()
    if check:
        if previous is None:
            raise LockError(f"{project.lock_path.name} does not exist; run `ptm lock`")
        stale = staleness(manifest, previous)
        if stale.stale:
            reasons = "; ".join(stale.describe())
            raise LockError(f"{project.lock_path.name} is stale: {reasons}. Run `ptm lock`")
        click.echo(f"{project.lock_path.name} is up to date ({len(previous.models)} models).")
        return
    if names and not upgrade:
        raise PtmError("model names are only taken with --upgrade: `ptm lock --upgrade NAME...`", exit_code=2)
    result = lock_project(manifest, previous, upgrade=set(names) if upgrade else None)
    marks = {ADDED: "+", UPDATED: "~", UNCHANGED: "=", KEPT: "=", REMOVED: "-"}
    for change in result.changes:
        model = change.new or change.old
        assert model is not None
        pin = model.commit[:12]
        if change.status == UPDATED and change.old and change.old.commit != model.commit:
            pin = f"{change.old.commit[:12]} -> {model.commit[:12]}"
        click.echo(
            f"{marks[change.status]} {change.name:<20} {model.repo}@{model.revision}  {pin}  "
            f"({len(model.files)} files, {_size(model.size)}) {change.status}"
        )
    wrote = write_lock(project.lock_path, result.lock)
    verb = "Wrote" if wrote else "Up to date:"
    click.echo(f"{verb} {project.lock_path.name} ({len(result.lock.models)} models).")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="text for people; json or sarif (2.1.0) for tools.",
)
@click.option("--fix", is_flag=True, help="Write the locked commit into loads of locked models.")
@pass_project
def check(project: Project, paths: tuple[str, ...], output_format: str, fix: bool) -> None:
    """Find model loads in Python code that are unpinned or do not match ptm.toml and ptm.lock.

    Checks PATHS (files as given, folders for *.py), or the project's Python files. Exits 1 when a
    finding is an error or a warning. Silence one line with `# ptm: ignore[PTM001]`; set excludes and
    severities in ptm.toml's [check] table.
    """
    from .check.report import FORMATS
    from .check.runner import run_check

    result = run_check(paths, project, fix=fix)
    click.echo(FORMATS[output_format](result), nl=False)
    if result.failed:
        click.get_current_context().exit(1)


def main() -> None:
    cli(prog_name="ptm")
