"""`ptm check`: unpinned or undeclared model loads in Python code."""

from __future__ import annotations

import click

from ..project import Project
from .common import count, findings_format, pass_project


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@findings_format
@click.option("--fix", is_flag=True, help="Write the locked commit into loads of locked models.")
@pass_project
def check(project: Project, paths: tuple[str, ...], output_format: str, fix: bool) -> None:
    """Find model loads in Python code that are unpinned or do not match ptm.toml and ptm.lock.

    Checks PATHS (files as given, folders for *.py), or the project's Python files. Exits 1 when a
    finding is an error or a warning. Silence one line with `# ptm: ignore[PTM001]`; set excludes and
    severities in ptm.toml's [check] table.
    """
    from ..check.report import FORMATS
    from ..check.rules import EDGE_RULES, INFO
    from ..check.runner import run_check

    result = run_check(paths, project, fix=fix)
    click.echo(FORMATS[output_format](result), nl=False)
    # pre-commit shows a passing hook's output to no one, so the counts are said on their own lines too.
    notes = [f for f in result.findings if f.severity == INFO]
    on_edges = sum(f.code in EDGE_RULES for f in notes)
    if on_loads := len(notes) - on_edges:
        click.echo(
            f"ptm check: {count(on_loads, 'note')} on model loads it cannot check statically (not blocking)",
            err=True,
        )
    if on_edges:
        click.echo(
            f"ptm check: {count(on_edges, 'note')} on edges ptm.toml and the code disagree on (not blocking)",
            err=True,
        )
    if result.failed:
        click.get_current_context().exit(1)
