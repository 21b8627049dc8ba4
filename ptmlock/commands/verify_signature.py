"""`ptm verify-signature`: check each model's signature against a key or identity and ptm.lock."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import IntegrityError, LockError
from ..project import Project
from .common import pass_project

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.argument("names", nargs=-1)
@click.option("--key", "public_key", type=_FILE, help="PEM public EC key the signatures must verify with.")
@click.option("--certificate-chain", "chain", type=_FILE, multiple=True, help="PEM CA certificates to trust.")
@click.option("--identity", help="Sigstore: the signer's identity (e.g. an e-mail address).")
@click.option("--issuer", help="Sigstore: the identity's OIDC issuer URL.")
@pass_project
def verify_signature(
    project: Project,
    names: tuple[str, ...],
    public_key: Path | None,
    chain: tuple[Path, ...],
    identity: str | None,
    issuer: str | None,
) -> None:
    """Check that each model (or NAMES) is signed by the expected key, CA or identity, over exactly the
    digests in ptm.lock. Nothing is hashed: pair it with `ptm install` (which checks every byte against
    the lock). Exits 3 when a signature is missing or does not match."""
    from ..signing import Trust, verify

    lock = project.lock()
    if lock is None:
        raise LockError(f"{project.lock_path} not found; run `ptm lock` first")
    trust = Trust(public_key=public_key, chain=chain, identity=identity, issuer=issuer)
    verdicts = verify(lock, project.lock_path, trust, names)
    for verdict in verdicts:
        click.echo(f"{'ok' if verdict.ok else 'FAILED':6} {verdict.model}: {verdict.detail}")
    failed = [v for v in verdicts if not v.ok]
    if failed:
        raise IntegrityError(
            f"{len(failed)} of {len(verdicts)} signatures did not verify, first {failed[0].model}"
        )
