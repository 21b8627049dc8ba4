"""`ptm sign`: sign each locked model's digests with OpenSSF model signing."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import LockError
from ..project import Project
from .common import count, pass_project

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.argument("names", nargs=-1)
@click.option("--key", "private_key", type=_FILE, help="PEM private EC key to sign with.")
@click.option("--password-env", metavar="VAR", help="Environment variable holding the key's password.")
@click.option("--certificate", type=_FILE, help="PEM signing certificate of --key (certificate signing).")
@click.option("--certificate-chain", "chain", type=_FILE, multiple=True, help="Intermediate certificates.")
@click.option(
    "--sigstore",
    is_flag=True,
    help="Sign keyless with Sigstore (an OIDC identity; needs the network), instead of --key.",
)
@pass_project
def sign(
    project: Project,
    names: tuple[str, ...],
    private_key: Path | None,
    password_env: str | None,
    certificate: Path | None,
    chain: tuple[Path, ...],
    sigstore: bool,
) -> None:
    """Sign the locked digests of each model (or NAMES) into ptm.lock.sig/<model>.sig.

    The signature is model_signing's (an in-toto statement of (path, sha256) pairs in a Sigstore bundle),
    built from ptm.lock without hashing a file: `model_signing verify` accepts it on the installed folder,
    and `ptm verify-signature` checks it. Needs the `sign` extra.
    """
    from ..errors import PtmError
    from ..signing import Key
    from ..signing import sign as sign_models

    if sigstore == (private_key is not None):
        raise PtmError("give either --key PRIVATE.pem or --sigstore", exit_code=2)
    lock = project.lock()
    if lock is None:
        raise LockError(f"{project.lock_path} not found; run `ptm lock` first")
    password = os.environ.get(password_env) if password_env else None
    key = Key(private_key=private_key, password=password, certificate=certificate, chain=chain)
    written = sign_models(lock, project.lock_path, key, names)
    for path in written:
        click.echo(f"Signed {path.stem} -> {path.relative_to(project.root)}")
    click.echo(f"Signed {count(len(written), 'model')}.")
