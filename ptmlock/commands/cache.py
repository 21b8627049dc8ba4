"""`ptm cache ls|prune|verify`: the store every project installs from ($PTM_HOME)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import config
from .common import count, report_format, size

if TYPE_CHECKING:
    from ..install.inventory import Inventory, Locks, PrunePlan

folders_argument = click.argument(
    "folders", nargs=-1, type=click.Path(path_type=Path, file_okay=False, exists=True)
)


@click.group()
def cache() -> None:
    """The store every project installs from ($PTM_HOME): what it holds and who needs it (ls), what no
    lock needs any more (prune), whether every blob still holds its bytes (verify), and sharing it through an
    S3 cache (push)."""


@cache.command()
@folders_argument
@click.option(
    "--lock",
    "lock_paths",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also read this ptm.lock (repeatable).",
)
@report_format
def ls(folders: tuple[Path, ...], lock_paths: tuple[Path, ...], fmt: str) -> None:
    """List the models in the store, their sizes and the projects whose ptm.lock needs them.

    The locks read are those that installed from this store, any given with --lock, and every ptm.lock
    under FOLDERS.
    """
    from ..install.inventory import find_locks, inventory
    from ..install.projects import known_locks

    home = config.ptm_home()
    inv = inventory(home, [*known_locks(home), *lock_paths, *find_locks(folders)])
    if fmt == "json":
        click.echo(json.dumps(ls_data(inv), indent=2))
        return
    for line in _ls_lines(inv):
        click.echo(line)
    _warn_unread(inv.locks)


def _ls_lines(inv: Inventory) -> list[str]:
    blobs = inv.blobs
    lines = [
        f"{inv.root}: {count(len(blobs), 'blob')}, {size(sum(b.size for b in blobs.values()))}; "
        f"{count(len(inv.locks.read), 'lock')} read."
    ]
    for model in inv.models:
        present = sum(1 for sha in model.needs if sha in blobs)
        stored = "" if present == len(model.needs) else f", {present} of {len(model.needs)} in the store"
        users = ", ".join(f"{user.lock} ({user.name})" for user in model.users)
        lines.append(
            f"{model.origin}  {model.pin}  {count(model.files, 'file')}, {size(model.size)}{stored}  {users}"
        )
    for folder, files, total in inv.unknown_snapshots:
        lines.append(
            f"{folder.relative_to(inv.root)}  {count(files, 'file')}, {size(total)}  (no known lock)"
        )
    unused = inv.unreferenced
    if unused:
        lines.append(
            f"Needed by none of these locks: {count(len(unused), 'blob')}, "
            f"{size(sum(b.size for b in unused))} (`ptm cache prune` removes them)."
        )
    return lines


def ls_data(inv: Inventory) -> dict[str, Any]:
    """The `ptm cache ls --format json` document (docs/cli.md)."""
    unused = inv.unreferenced
    return {
        "store": str(inv.root),
        "blobs": len(inv.blobs),
        "bytes": sum(b.size for b in inv.blobs.values()),
        **_locks_data(inv.locks),
        "models": [
            {
                "hub": model.hub,
                "origin": model.origin,
                "pin": model.pin,
                "files": model.files,
                "bytes": model.size,
                "blobs": len(model.needs),
                "blobs_in_store": sum(1 for sha in model.needs if sha in inv.blobs),
                "used_by": [{"lock": str(user.lock), "name": user.name} for user in model.users],
            }
            for model in inv.models
        ],
        "unreferenced": {"blobs": len(unused), "bytes": sum(b.size for b in unused)},
        "unknown_snapshots": [
            {"path": str(folder), "files": files, "bytes": total}
            for folder, files, total in inv.unknown_snapshots
        ],
    }


def _locks_data(locks: Locks) -> dict[str, list[str]]:
    return {
        "locks": [str(path) for path, _ in locks.read],
        "locks_gone": [str(path) for path in locks.gone],
        "locks_unreadable": list(locks.unreadable),
    }


def _warn_unread(locks: Locks) -> None:
    for path in locks.gone:
        click.echo(f"warning: {path} is gone (a project that installed from this store)", err=True)
    for reason in locks.unreadable:
        click.echo(f"warning: {reason}", err=True)


@cache.command()
@folders_argument
@click.option(
    "--keep-lock",
    "keep_locks",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Keep what this ptm.lock needs (repeatable).",
)
@click.option("--apply", "--yes", "-y", "apply", is_flag=True, help="Remove them (default: only list them).")
@report_format
def prune(folders: tuple[Path, ...], keep_locks: tuple[Path, ...], apply: bool, fmt: str) -> None:
    """Remove what no kept ptm.lock needs: blobs, laid-out snapshots, torch.hub archives, partial
    downloads. A dry run unless --apply.

    Kept are the locks given with --keep-lock and every ptm.lock under FOLDERS; with neither, those of
    the projects that installed from this store (listed first, `= path (kept)`: check them before
    --apply). Waits for no install: while one runs, --apply stops with an error and removes nothing.
    """
    from ..errors import PtmError
    from ..install import projects
    from ..install.inventory import find_locks, prune_plan, read_locks
    from ..install.inventory import prune as remove
    from ..install.store import Store

    home = config.ptm_home()
    named = [*keep_locks, *find_locks(folders)]
    if folders and not named:
        raise PtmError(
            f"no ptm.lock under {', '.join(map(str, folders))}: nothing would be kept; name a lock to keep "
            "with --keep-lock, or leave the folders out to keep what the known projects need",
            exit_code=2,
        )
    kept = read_locks(named or projects.known_locks(home))
    if named and kept.gone:
        raise PtmError(f"--keep-lock {kept.gone[0]}: no such file", exit_code=2)
    plan = prune_plan(home, kept)
    if apply and not kept.read and (plan.blobs or plan.folders):
        raise PtmError(
            f"no ptm.lock to keep: no project that installed from {home} is left (or it was filled before "
            "ptm recorded them); name what to keep with --keep-lock or FOLDERS, or delete that folder to "
            "empty the store",
            exit_code=2,
        )
    if apply:
        store = Store(home)
        with store.alone():
            plan = prune_plan(home, kept)  # again, now that no install can change what it needs
            remove(store, plan)
        if not named and kept.gone:
            projects.update(home, forget=[str(path) for path in kept.gone])
    if fmt == "json":
        click.echo(json.dumps(prune_data(home, plan, apply), indent=2))
        return
    for line in _prune_lines(home, plan, apply):
        click.echo(line)
    _warn_unread(kept)


def _prune_lines(home: Path, plan: PrunePlan, applied: bool) -> list[str]:
    lines = [f"= {path} (kept)" for path, _ in plan.kept.read]
    lines += [f"- {blob.path.relative_to(home)} ({size(blob.size)})" for blob in plan.blobs]
    lines += [f"- {path.relative_to(home)}" for path in plan.folders]
    kept = f"kept what is pinned by {count(len(plan.kept.read), 'lock')}"
    what = f"{count(len(plan.blobs), 'blob')} ({size(sum(b.size for b in plan.blobs))})"
    if plan.folders:
        what += f" and {count(len(plan.folders), 'other path')}"
    if not plan.blobs and not plan.folders:
        lines.append(f"Nothing to remove from {home}; {kept}.")
    elif applied:
        lines.append(f"Removed {what} from {home}, {size(plan.freed)} freed; {kept}.")
    else:
        lines.append(f"Would remove {what} from {home}; {kept}. Run with --apply to remove them.")
    return lines


def prune_data(home: Path, plan: PrunePlan, applied: bool) -> dict[str, Any]:
    """The `ptm cache prune --format json` document (docs/cli.md)."""
    return {
        "store": str(home),
        "applied": applied,
        **_locks_data(plan.kept),
        "blobs": [{"sha256": b.sha256, "bytes": b.size, "path": str(b.path)} for b in plan.blobs],
        "other": [str(path) for path in plan.folders],
        "bytes": sum(b.size for b in plan.blobs),
        "freed_bytes": plan.freed if applied else 0,
    }


@cache.command()
@report_format
def verify(fmt: str) -> None:
    """Hash every blob in the store again; remove corrupt ones and exit 3 (as install --verify-hashes)."""
    import time

    from ..install.inventory import corruption, verify_store
    from ..install.store import Store

    started = time.perf_counter()
    store = Store(config.ptm_home())
    with store.in_use():
        checked = verify_store(store)
    if fmt == "json":
        data = {
            "store": str(store.root),
            "checked": checked.blobs,
            "bytes": checked.size,
            "corrupt": [
                {"path": str(c.path), "sha256": c.sha256, "actual": c.actual} for c in checked.corrupt
            ],
            "not_removed": list(checked.kept),
        }
        click.echo(json.dumps(data, indent=2))
    elif not checked.corrupt:
        click.echo(
            f"{count(checked.blobs, 'file')} in {store.root} ({size(checked.size)}) hashed in "
            f"{time.perf_counter() - started:.1f} s: all intact."
        )
    if checked.corrupt:
        raise corruption(checked)


@cache.command()
@click.argument("remote", required=False, metavar="[s3://BUCKET/PREFIX]")
@report_format
def push(remote: str | None, fmt: str) -> None:
    """Put every blob of the store into the shared S3 cache (default: PTM_CACHE_REMOTE), for other machines.

    Blobs the cache already holds are not sent again; one whose bytes no longer match its name is never
    shared (run `ptm cache verify`). Credentials and endpoint: as boto3 reads them (docs/scale.md).
    """
    import os

    from ..errors import PtmError
    from ..install.mirrors import push_store
    from ..install.store import Store

    remote = remote or os.environ.get("PTM_CACHE_REMOTE")
    if not remote:
        raise PtmError("ptm cache push: give s3://BUCKET/PREFIX, or set PTM_CACHE_REMOTE", exit_code=2)
    store = Store(config.ptm_home())
    done = push_store(store, remote)
    if fmt == "json":
        data = {
            "remote": remote,
            "sent": done.sent,
            "sent_bytes": done.sent_bytes,
            "present": done.present,
            "skipped": list(done.skipped),
        }
        click.echo(json.dumps(data, indent=2))
    else:
        for sha in done.skipped:
            click.echo(f"warning: blob {sha[:12]} no longer matches its sha256; not shared", err=True)
        click.echo(
            f"Pushed {count(done.sent, 'blob')} ({size(done.sent_bytes)}) to {remote}; "
            f"{done.present} already there."
        )
