"""`ptm audit`: what loading each locked file would run, and what ptm.toml's [policy] says of it."""

from __future__ import annotations

import click

from ..errors import LockError
from ..project import Project
from .common import findings_format, pass_project


@click.command()
@click.argument("names", nargs=-1)
@findings_format
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (licence unknown, remote code, ...).")
@pass_project
def audit(project: Project, names: tuple[str, ...], output_format: str, strict: bool) -> None:
    """Check every locked file (or NAMES' files) for code that loading it runs, offline from the store.

    Formats are told from bytes; pickles (torch.save archives, .npy object arrays, nested archives)
    are read without loading them, and every global they import is checked against an allow-list.
    Findings follow ptm.toml's [policy] (formats, allow_pickle, trust_remote_code, licenses). Exits 1
    on an error finding, and with --strict on a warning too.
    """
    from .. import config
    from ..audit.policy import read_policy
    from ..audit.report import FORMATS
    from ..audit.run import audit as run_audit
    from ..install.store import Store

    policy = read_policy(project.manifest_path)
    lock = project.lock()
    if lock is None:
        raise LockError(f"{project.lock_path} not found; run `ptm lock` (and `ptm install`) first")
    result = run_audit(lock, policy, Store(config.ptm_home()), names)
    click.echo(FORMATS[output_format](result, project.lock_path), nl=False)
    if result.failed(strict):
        click.get_current_context().exit(1)
