"""`ptm validate`: check ptm.toml without the network."""

from __future__ import annotations

import json

import click

from ..project import Project
from .common import count, pass_project, report_format


@click.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@report_format
@pass_project
def validate(project: Project, strict: bool, fmt: str) -> None:
    """Check ptm.toml without the network: references, taxonomy, cycles, groups, unconnected models.

    Exits 2 when ptm.toml has an error (or, with --strict, a warning), as for any manifest error.
    """
    from ..graph import ERROR, system_problems

    manifest = project.manifest()
    if "policy" in manifest.data:  # `ptm audit`'s table: checked by its own reader, with its lines
        from ..audit.policy import read_policy

        read_policy(project.manifest_path)
    problems = system_problems(manifest, project.lock())
    valid = not any(p.severity == ERROR or strict for p in problems)
    if fmt == "json":
        data = {
            "valid": valid,
            "manifest": str(project.manifest_path),
            "models": len(manifest.models),
            "components": len(manifest.components),
            "edges": len(manifest.edges),
            "problems": [
                {"severity": p.severity, "path": str(p.path), "line": p.line, "message": p.message}
                for p in problems
            ],
        }
        click.echo(json.dumps(data, indent=2))
    else:
        for problem in problems:
            click.echo(f"{problem.severity}: {problem}", err=True)
    if not valid:
        raise click.exceptions.Exit(2)
    if fmt == "text":
        counts = ", ".join(
            (
                count(len(manifest.models), "model"),
                count(len(manifest.components), "component"),
                count(len(manifest.edges), "edge"),
            )
        )
        warnings = count(len(problems), "warning")
        click.echo(f"{project.manifest_path.name} is valid ({counts}; {warnings}).")
