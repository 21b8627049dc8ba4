"""The `ptm` command line: the group, its global options and how errors print.

Each command lives in its own module under ``ptmlock.commands`` and is imported only when it runs, so
that `ptm check` (a pre-commit hook, run on every commit) pays for no other command's imports.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import PtmError
from .project import find_project
from .redact import redact

# Each command is the module ptmlock/commands/<name>.py (dashes as underscores), whose click command is the
# function named like the module; a new command is a new module, and this file never changes for it.
_COMMANDS = Path(__file__).parent / "commands"
_NOT_COMMANDS = ("__init__", "common")
# Commands that leave no thread, worker, temporary file or lock behind when they return: run as the console
# script, they end the process without the interpreter's teardown (freeing every module and object, ~15 ms
# of the pre-commit hook's ~110), as mypy ends its runs.
_ENDS_AT_ONCE = frozenset({"check"})


class _Group(click.Group):
    """Commands load on use; expected failures print one line on stderr and exit with their code."""

    # The command the latest invocation ran, for main() to know how the process may end.
    ran: str | None = None

    def list_commands(self, ctx: click.Context) -> list[str]:
        modules = (p.stem for p in _COMMANDS.glob("*.py") if p.stem not in _NOT_COMMANDS)
        return sorted(m.replace("_", "-") for m in modules)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = cmd_name.replace("-", "_")
        if cmd_name != module.replace("_", "-") or module in _NOT_COMMANDS or not module.isidentifier():
            return None
        if not (_COMMANDS / f"{module}.py").is_file():
            return None
        command = getattr(importlib.import_module(f"{__package__}.commands.{module}"), module)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        from .deadline import DeadlineExceeded

        try:
            return super().invoke(ctx)
        except DeadlineExceeded as error:  # its line is printed when the deadline passes
            ctx.exit(error.exit_code)
        except ModuleNotFoundError as error:
            from .extras import missing_library

            # An optional library is one line naming its extra; any other missing module is a bug.
            if (problem := missing_library(error, f"ptm {ctx.invoked_subcommand}")) is None:
                raise
            click.echo(f"error: {problem.message}", err=True)
            ctx.exit(problem.exit_code)
        except PtmError as error:
            if ctx.params.get("debug"):
                import traceback

                click.echo(redact("".join(traceback.format_exception(error))).rstrip(), err=True)
            for line in redact(error.message).splitlines():
                click.echo(f"error: {line}", err=True)
            ctx.exit(error.exit_code)
        finally:
            self.ran = ctx.invoked_subcommand


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


def main() -> None:
    """The console script (and `python -m ptmlock`)."""
    try:
        cli(prog_name="ptm")
    except SystemExit as done:
        if isinstance(cli, _Group) and cli.ran in _ENDS_AT_ONCE and isinstance(done.code, int | None):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(done.code or 0)
        raise
