"""`ptm push`: the locked models to an OCI registry, as CNCF ModelPack artifacts."""

from __future__ import annotations

import json

import click

from ..errors import LockError
from ..project import Project
from .common import count, pass_project, report_format, size


@click.command()
@click.argument("target", metavar="oci://REGISTRY/REPOSITORY[:TAG]")
@click.option(
    "--only",
    multiple=True,
    metavar="NAME[,NAME...]",
    help="Push only these models (repeatable, or comma-separated).",
)
@report_format
@pass_project
def push(project: Project, target: str, only: tuple[str, ...], fmt: str) -> None:
    """Push locked models to an OCI registry, one ModelPack artifact per model.

    Each model goes to REPOSITORY/NAME, tagged with its pin (the commit, or sha256-<hex> for models pinned
    by content) unless TAG is given. Every layer is one locked file whose digest is its sha256 in ptm.lock;
    blobs the registry already has are not sent again, and re-pushing an unchanged lock sends nothing.
    The bytes come from the local store: run `ptm install` first. Credentials: PTM_OCI_USERNAME and
    PTM_OCI_PASSWORD, or Docker's config.json; registries on localhost are spoken to over plain HTTP.
    """
    from .. import config
    from ..install.store import Store
    from ..mirrors.push import push_models, selected
    from ..mirrors.reference import parse_reference

    reference = parse_reference(target, "ptm push")
    lock = project.lock()
    if lock is None:
        raise LockError(f"{project.lock_path.name} does not exist; run `ptm lock` and `ptm install` first")
    names = tuple(n for value in only for n in value.split(",") if n)
    models = selected(lock, names, project.lock_path.name)
    pushed = push_models(models, Store(config.ptm_home()), reference)
    if fmt == "json":
        data = [
            {
                "name": p.name,
                "reference": str(p.reference),
                "digest": p.digest,
                "uploaded": p.uploaded,
                "present": p.present,
                "sent_bytes": p.sent_bytes,
                "unchanged": p.unchanged,
            }
            for p in pushed
        ]
        click.echo(json.dumps({"pushed": data}, indent=2))
        return
    for p in pushed:
        detail = (
            "unchanged"
            if p.unchanged
            else f"{count(p.uploaded, 'blob')} sent ({size(p.sent_bytes)}), {p.present} already there"
        )
        click.echo(f"{'=' if p.unchanged else '+'} {p.name:<20} {p.reference}@{p.digest}  {detail}")
    sent = sum(p.sent_bytes for p in pushed)
    click.echo(f"Pushed {count(len(pushed), 'model')} to {reference} ({size(sent)} sent).")
