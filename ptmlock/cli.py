"""The `ptm` command line: parse arguments, call the library, print. No logic lives here."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import LockError, PtmError
from .project import Project, find_project
from .redact import redact
from .render import FORMATS as GRAPH_FORMATS
from .taxonomy import INSTALL_PROFILES

if TYPE_CHECKING:
    from .graph import Problem


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class _Group(click.Group):
    """Expected failures print one line on stderr and exit with their code; no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from .deadline import DeadlineExceeded

        try:
            return super().invoke(ctx)
        except DeadlineExceeded as error:  # its line is printed when the deadline passes
            ctx.exit(error.exit_code)
        except PtmError as error:
            if ctx.params.get("debug"):
                import traceback

                click.echo(redact("".join(traceback.format_exception(error))).rstrip(), err=True)
            for line in redact(error.message).splitlines():
                click.echo(f"error: {line}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--manifest",
    "-m",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="PTM_MANIFEST",
    help="Path to ptm.toml (default: the nearest one from the current folder up).",
)
@click.option(
    "--deadline",
    envvar="PTM_DEADLINE",
    metavar="SECONDS",
    help="End the command with an error if it has not finished after SECONDS (default: no limit).",
)
@click.option(
    "--debug",
    is_flag=True,
    envvar="PTM_DEBUG",
    help="Print the traceback (and its causes) behind an error, before its one line.",
)
@click.version_option(__version__, prog_name="ptmlock")
@click.pass_context
def cli(ctx: click.Context, manifest: Path | None, deadline: str | None, debug: bool) -> None:
    """ptmlock: declare, pin, install and verify the pre-trained models your code depends on."""
    from .deadline import deadline as within
    from .deadline import parse_seconds

    seconds = parse_seconds(deadline, "--deadline")
    ctx.obj = find_project(manifest)
    ctx.with_resource(within(seconds, ctx.invoked_subcommand or ""))


pass_project = click.make_pass_decorator(Project)
report_format = click.option(
    "--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


def _warn(problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        click.echo(f"{problem.severity}: {problem}", err=True)


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
        f"Created {path.name} declaring {_count(len(models), 'model')} found in {from_code}; "
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

    name, created = add_model(project.manifest_path, repo, name, fields)
    click.echo(
        f"{'Added' if created else 'Updated'} model '{name}' in {project.manifest_path.name}; "
        "run `ptm lock` to pin it."
    )


@cli.command()
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--force", is_flag=True, help="Also drop other models' base and trained_with references to NAMES."
)
@pass_project
def remove(project: Project, names: tuple[str, ...], force: bool) -> None:
    """Remove models: their ptm.toml entries and edges, ptm.lock entries and exported artifacts.

    Refuses while another model derives from one of NAMES (base, trained_with) unless --force.
    """
    from .remove import remove_models

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
        f"Removed {_count(len(done.models), 'model')} from {project.manifest_path.name}"
        + (f" and {lock_name}." if done.locked else ".")
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
@click.option(
    "--allow-split", is_flag=True, help="Let --upgrade move models trained together (trained_with) apart."
)
@click.option(
    "--dry-run", is_flag=True, help="Print what would change, as a real run does, and write nothing."
)
@pass_project
def lock(
    project: Project, names: tuple[str, ...], upgrade: bool, check: bool, allow_split: bool, dry_run: bool
) -> None:
    """Pin every declared model in ptm.lock (existing pins are kept).

    A renamed model whose source is unchanged keeps its pin; a model whose include/exclude (or torch.hub
    entry/weights) changed has its files listed again at its pinned commit. Only --upgrade, or a changed
    hub, repo or revision, moves a commit.
    """
    from . import config
    from .graph import require_consistent
    from .hubs.local import outside_notes
    from .install.store import Store
    from .lockfile import check_renderable, render_lock, write_lock
    from .resolve import ADDED, KEPT, REMOVED, RENAMED, UNCHANGED, UPDATED, lock_project, stale_reasons

    if names and not upgrade:
        raise PtmError("model names are only taken with --upgrade: `ptm lock --upgrade NAME...`", exit_code=2)
    if check and upgrade:
        raise PtmError(
            "--check only reads ptm.lock; drop --upgrade (or --check, to move the pins)", exit_code=2
        )
    if allow_split and not upgrade:
        raise PtmError(
            "--allow-split only applies with --upgrade: `ptm lock --upgrade --allow-split NAME...`",
            exit_code=2,
        )
    if check and dry_run:
        raise PtmError("--check writes nothing already; drop --dry-run", exit_code=2)
    manifest = project.manifest()
    previous = project.lock()
    warnings = require_consistent(manifest, previous)
    if check:
        if previous is None:
            raise LockError(f"{project.lock_path.name} does not exist; run `ptm lock`")
        reasons = stale_reasons(manifest, previous)
        if reasons:
            raise LockError(f"{project.lock_path.name} is stale: {'; '.join(reasons)}. Run `ptm lock`")
        click.echo(f"{project.lock_path.name} is up to date ({_count(len(previous.models), 'model')}).")
        _warn(warnings)
        return
    result = lock_project(
        manifest,
        previous,
        upgrade=set(names) if upgrade else None,
        allow_split=allow_split,
        # What is downloaded to pin it, `ptm install` links; a dry run keeps nothing in the store.
        keeper=None if dry_run else Store(config.ptm_home()),
    )
    # Written (and so checked: pins come from servers) before any of it is printed.
    if dry_run:
        text = render_lock(result.lock)
        wrote = not project.lock_path.exists() or project.lock_path.read_text(encoding="utf-8") != text
        if wrote:
            check_renderable(text, project.lock_path)
    else:
        wrote = write_lock(project.lock_path, result.lock)
    marks = {ADDED: "+", UPDATED: "~", UNCHANGED: "=", KEPT: "=", REMOVED: "-", RENAMED: ">"}
    for change in result.changes:
        model = change.new or change.old
        assert model is not None
        pin = model.pin
        if change.status == UPDATED and change.old and change.old.pin != model.pin:
            pin = f"{change.old.pin} -> {model.pin}"
        status = change.status
        if change.renamed_from:  # a renamed model whose local files changed is also updated
            status = f"{'' if status == RENAMED else f'{status}, '}renamed from {change.renamed_from}"
        click.echo(
            f"{marks[change.status]} {change.name:<20} {model.origin}  {pin}  "
            f"({len(model.files)} files, {_size(model.size)}) {status}"
        )
    for note in outside_notes(result.lock.models.values()):
        click.echo(note, err=True)
    verb = ("Would write" if dry_run else "Wrote") if wrote else "Up to date:"
    tail = "; nothing written (--dry-run)" if dry_run else ""
    click.echo(f"{verb} {project.lock_path.name} ({_count(len(result.lock.models), 'model')}){tail}.")
    _warn(warnings)


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@pass_project
def validate(project: Project, strict: bool) -> None:
    """Check ptm.toml without the network: references, taxonomy, cycles, groups, unconnected models."""
    from .graph import ERROR, system_problems

    manifest = project.manifest()
    problems = system_problems(manifest, project.lock())
    for problem in problems:
        click.echo(f"{problem.severity}: {problem}", err=True)
    if any(p.severity == ERROR or strict for p in problems):
        raise click.exceptions.Exit(2)
    counts = (
        f"{len(manifest.models)} models, {len(manifest.components)} components, {len(manifest.edges)} edges"
    )
    click.echo(f"{project.manifest_path.name} is valid ({counts}; {len(problems)} warnings).")


@cli.command()
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(GRAPH_FORMATS),
    help="Default: what -o's extension names (.txt .dot .gv .mmd .html .svg .json), else text.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@pass_project
def graph(project: Project, fmt: str | None, output: Path | None) -> None:
    """Draw the models and how they interact; pins come from ptm.lock when there is one."""
    from . import atomic
    from .render import output_format, render

    fmt = output_format(output, fmt)
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = render(project.manifest(), project.lock(), fmt, color=color)
    if output is None:
        click.echo(text, nl=False)
        return
    atomic.write_text(output, text)
    click.echo(f"Wrote {output} ({fmt}).")


@cli.command()
@click.argument("name")
@report_format
@pass_project
def why(project: Project, name: str, fmt: str) -> None:
    """Show what depends on NAME, directly or through others (edges, base, trained_with)."""
    from .graph import require_node
    from .impact import dependent_data, dependents, describe_path

    manifest = project.manifest()
    require_node(manifest, name)
    found = dependents(manifest, [name])
    if fmt == "json":
        click.echo(json.dumps({"name": name, "dependents": [dependent_data(d) for d in found]}, indent=2))
    elif not found:
        click.echo(f"Nothing depends on {name}.")
    else:
        click.echo(f"{len(found)} depend on {name}:")
        for dependent in found:
            click.echo(f"  {dependent.name:<20} {describe_path(dependent)}")


@cli.command()
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@report_format
@pass_project
def diff(project: Project, old: Path, new: Path, fmt: str) -> None:
    """Compare two lock files: models whose pin or files changed, and what they affect downstream.

    \b
    Exit codes, as diff(1) and `git diff --exit-code`:
      0  the locks pin the same models and files
      1  they differ (each changed model is listed with its added, removed and changed files)
      2  a lock cannot be read, or ptm.toml is invalid
    """
    from .impact import (
        change_data,
        dependent_data,
        describe_change,
        describe_files,
        describe_path,
        diff_locks,
    )
    from .lockfile import read_lock

    locks = []
    for path in (old, new):
        try:
            lock_file = read_lock(path)
        except PtmError as error:  # 1 means "they differ": a lock that cannot be read is trouble, 2
            raise PtmError(error.message, exit_code=2) from error
        if lock_file is None:
            raise PtmError(
                f"{path}: not found; give two ptm.lock files, e.g. from `git show HEAD~1:ptm.lock`",
                exit_code=2,
            )
        locks.append(lock_file)
    manifest = project.manifest() if project.manifest_path.is_file() else None
    result = diff_locks(locks[0], locks[1], manifest)
    if fmt == "json":
        data = {
            "changes": [change_data(c) for c in result.changes],
            "affected": [dependent_data(d) for d in result.affected],
        }
        click.echo(json.dumps(data, indent=2))
    elif not result.changes:
        click.echo(f"No model changed between {old} and {new}.")
    else:
        for change in result.changes:
            click.echo(describe_change(change))
            for line in describe_files(change):
                click.echo(f"    {line}")
        if manifest is None:
            click.echo("No ptm.toml here, so downstream impact is not shown.")
        elif result.affected:
            click.echo("Affected downstream:")
            for dependent in result.affected:
                click.echo(f"  {dependent.name:<20} {describe_path(dependent)}")
        else:
            click.echo("Nothing downstream is affected.")
    if result.changes:
        raise click.exceptions.Exit(1)


@cli.command()
@click.option("--frozen", is_flag=True, help="Fail if ptm.lock is missing or stale; never resolve (for CI).")
@click.option("--offline", is_flag=True, help="Install from the local store only; never touch the network.")
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="NAME[,NAME...]",
    help="Install only these models (repeatable, or comma-separated).",
)
@click.option(
    "--profile",
    type=click.Choice(INSTALL_PROFILES),
    default="all",
    show_default=True,
    help="runtime: leave out models used only for evaluation or to guide training (from the [[edges]]).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or per-model lines: the summary only.")
@click.option(
    "--verify-hashes",
    is_flag=True,
    help="Re-hash everything installed (store and cache); report corruption (exit 3) and repair it.",
)
@pass_project
def install(
    project: Project,
    frozen: bool,
    offline: bool,
    only: tuple[str, ...],
    profile: str,
    quiet: bool,
    verify_hashes: bool,
) -> None:
    """Install the locked models into the Hugging Face cache, verified against ptm.lock.

    Without --frozen, a missing or stale ptm.lock is re-locked first, like `uv sync`: unchanged pins are
    kept, changed entries are resolved, and ptm.lock is rewritten. With --frozen that is an error instead.
    Re-running with everything in place only checks file stats.
    """
    import sys

    from .install import Options
    from .install import install as run_install

    names = tuple(n for value in only for n in value.split(",") if n)
    options = Options(
        frozen=frozen, offline=offline, only=names, verify_hashes=verify_hashes, profile=profile
    )
    reporter = None
    if not quiet and sys.stdout.isatty():
        from .progress import RichReporter

        reporter = RichReporter()
    result = run_install(project, options, reporter)
    if result.relocked and not quiet:
        click.echo(f"Re-locked {project.lock_path.name} ({'; '.join(result.relocked)}).")
    if result.left_out and not quiet:
        click.echo(f"Left out by the '{profile}' profile: {', '.join(result.left_out)}.")
    total_files = sum(m.files for m in result.models)
    total_size = _size(sum(m.size for m in result.models))
    if result.noop:
        click.echo(
            f"All {len(result.models)} model(s) already installed ({total_files} files, {total_size}); "
            f"checked in {result.seconds:.2f} s."
        )
        return
    if not quiet:
        for model in result.models:
            if model.changed:
                click.echo(f"+ {model.name:<20} {model.pin}  ({model.files} files, {_size(model.size)})")
    click.echo(
        f"Installed {len(result.models)} model(s) ({total_files} files, {total_size}) in "
        f"{result.seconds:.1f} s: {result.downloaded_files} downloaded "
        f"({_size(result.downloaded_bytes)}), {result.linked_from_store} from the store."
    )


trust_option = click.option(
    "--trust",
    is_flag=True,
    help="Allow loader_kwargs that run code from the model's files: weights_only = false, "
    "trust_remote_code = true.",
)


@cli.command("export")
@click.argument("names", nargs=-1)
@trust_option
@pass_project
def export_command(project: Project, names: tuple[str, ...], trust: bool) -> None:
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
    from .export.exporter import export_models

    done, wrote = export_models(project, names, trust)
    for exported in done:
        for line in exported.lines:
            click.echo(line)
    verb = "Wrote" if wrote else "Up to date:"
    click.echo(f"{verb} {project.lock_path.name} ({_count(len(done), 'model')} exported).")


@cli.command()
@click.argument("names", nargs=-1)
@click.option(
    "--frozen",
    is_flag=True,
    help="Compare with ptm.lock's reference only: needs onnxruntime (and tokenizers), not torch.",
)
@click.option(
    "--require-provider",
    type=click.Choice(["cuda", "cpu"]),
    help="Fail instead of falling back when this onnxruntime execution provider is not usable.",
)
@click.option("--group", help="Also check that this interchangeable group's members share one contract.")
@click.option("--atol", type=float, help="Absolute tolerance (overrides ptm.toml).")
@click.option("--rtol", type=float, help="Relative tolerance (overrides ptm.toml).")
@trust_option
@pass_project
def verify(
    project: Project,
    names: tuple[str, ...],
    frozen: bool,
    require_provider: str | None,
    group: str | None,
    atol: float | None,
    rtol: float | None,
    trust: bool,
) -> None:
    """Run exported artifacts and compare them with PyTorch and with the reference in ptm.lock.

    Without --frozen each model is built in PyTorch by its loader, which runs code as `ptm export` does
    (see `ptm export --help`); --frozen runs only the checked artifacts in onnxruntime.
    """
    from .errors import VerificationError
    from .export.outcome import VerifyOptions
    from .export.verifier import verify_models
    from .export_settings import tolerance_problem

    for option, value in (("--atol", atol), ("--rtol", rtol)):
        if value is not None and (problem := tolerance_problem(value)):
            message = f"{option} {value:g} is not a tolerance: it {problem}, e.g. {option} 1e-4"
            raise PtmError(message, exit_code=2)
    options = VerifyOptions(frozen=frozen, provider=require_provider, atol=atol, rtol=rtol, trusted=trust)
    checks = verify_models(project, names, group, options)
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if not c.ok]
    if failed:
        first = failed[0]
        where = f"{first.model} {first.subject}"
        raise VerificationError(
            f"{len(failed)} of {len(checks)} checks failed, first {where}: {first.detail}"
        )
    click.echo(f"All {len(checks)} checks passed.")


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
