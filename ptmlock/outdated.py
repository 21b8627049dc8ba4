"""`ptm outdated`: where each locked model's requested revision points upstream now, next to its pin.

A branch that moved (to which commit, how many commits ahead, which files changed and by how much), a tag
that was re-pointed (suspicious: tags are meant to stay), a pinned 40-hex commit (never outdated), URL
files whose validators or size changed, local files that changed. Reads only; ptm.lock is never written,
and nothing downloaded is kept. Models are checked concurrently, as `ptm lock` resolves them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from . import config, hubs
from .errors import PtmError, SourceMissing
from .lockfile import Lock, LockedFile, LockedModel
from .manifest import Manifest, ModelSpec

# What a model's upstream says, next to its pin.
UP_TO_DATE, MOVED, PINNED, STALE, MISSING = "up-to-date", "moved", "pinned", "stale", "missing"
# What the requested revision is (None: the hub cannot tell, or the model has none).
BRANCH, TAG, COMMIT = "branch", "tag", "commit"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class FileChange:
    """One file that differs upstream from its pin. A URL file may be known to have changed from its
    validators alone (``validators``: ETag, Last-Modified or size, each as (locked, now)); its size now
    is then what the server says, or None."""

    path: str
    change: str  # ADDED, REMOVED or CHANGED
    old_size: int | None
    new_size: int | None
    validators: tuple[tuple[str, str | None, str | None], ...] = ()


@dataclass(frozen=True)
class Upstream:
    """One model: its status and, when it moved, how."""

    name: str
    hub: str
    origin: str
    status: str
    locked: str | None = None  # the commit, or the digest of a model pinned by its files
    now: str | None = None  # the commit the revision points to now, when known
    ref: str | None = None  # BRANCH, TAG, COMMIT, or None
    commits_ahead: int | None = None
    history_rewritten: bool = False  # the locked commit is not in the history of the new one
    files: tuple[FileChange, ...] = ()
    note: str | None = None

    @property
    def outdated(self) -> bool:
        """What `ptm outdated` exits 1 for: it moved upstream, or its pin no longer matches ptm.toml."""
        return self.status in (MOVED, STALE)

    @property
    def suspicious(self) -> bool:
        """A tag that moved or a history that was rewritten: upstream changed what was published."""
        return self.status == MOVED and (self.ref == TAG or self.history_rewritten)

    @property
    def size_delta(self) -> int | None:
        """How many bytes the model grew (negative: shrank) by its changed files; None when a changed
        file's size now is unknown."""
        delta = 0
        for change in self.files:
            if change.change != REMOVED and change.new_size is None:
                return None
            delta += (change.new_size or 0) - (change.old_size or 0)
        return delta


@dataclass(frozen=True)
class Report:
    models: tuple[Upstream, ...]
    errors: tuple[PtmError, ...] = ()

    @property
    def outdated(self) -> tuple[Upstream, ...]:
        return tuple(m for m in self.models if m.outdated)


def check_project(manifest: Manifest, lock: Lock, names: Collection[str] = ()) -> Report:
    """Every model of ``lock`` and ``manifest`` (or only ``names``) against its upstream, concurrently;
    a model that cannot be checked is an error of the report, not of the others."""
    everything = sorted(set(manifest.models) | set(lock.models))
    if unknown := sorted(set(names) - set(everything)):
        raise PtmError(f"{', '.join(unknown)}: not declared in {manifest.path.name} nor locked", exit_code=2)
    chosen = [name for name in everything if not names or name in names]
    stale = {
        name: why for name in chosen if (why := _stale(manifest.models.get(name), lock.models.get(name)))
    }
    todo = [name for name in chosen if name not in stale]

    def run(name: str) -> Upstream | PtmError:
        try:
            return check_model(manifest.models[name], lock.models[name])
        except PtmError as error:
            return error

    with ThreadPoolExecutor(max_workers=config.pool_size(len(todo))) as pool:
        checked = dict(zip(todo, pool.map(run, todo), strict=True))
    models = []
    for name in chosen:
        outcome = checked.get(name)
        if name in stale:
            models.append(_stale_model(manifest.models.get(name), lock.models.get(name), stale[name]))
        elif isinstance(outcome, Upstream):
            models.append(outcome)
    errors = tuple(o for o in checked.values() if isinstance(o, PtmError))
    return Report(tuple(models), errors)


def _stale(spec: ModelSpec | None, model: LockedModel | None) -> str | None:
    if model is None:
        return "declared in ptm.toml but not locked; run `ptm lock`"
    if spec is None:
        return "locked but no longer declared in ptm.toml; run `ptm lock`"
    if spec.declaration_hash != model.declaration_hash:
        return "its entry in ptm.toml changed since it was locked; run `ptm lock`"
    return None


def _stale_model(spec: ModelSpec | None, model: LockedModel | None, why: str) -> Upstream:
    if model is not None:
        return _upstream(model, STALE, note=why)
    assert spec is not None
    origin = (
        f"{spec.repo}@{spec.revision}" if spec.repo else spec.options.get("path") or spec.options.get("url")
    )
    return Upstream(spec.name, spec.hub, str(origin or spec.hub), STALE, note=why)


def check_model(spec: ModelSpec, model: LockedModel) -> Upstream:
    """One model whose pin matches its declaration, against its upstream."""
    if spec.hub in ("huggingface", "torchhub") and spec.pinned:
        return _upstream(
            model, PINNED, now=model.commit, ref=COMMIT, note="pinned to a commit: never outdated"
        )
    if spec.hub == "huggingface":
        return _huggingface(spec, model)
    if spec.hub == "torchhub":
        return _torchhub(spec, model)
    if spec.hub == "url":
        changes = tuple(_url_changes(model, model.files))
        return _upstream(model, MOVED if changes else UP_TO_DATE, files=changes)
    return _local(spec, model)


def _upstream(model: LockedModel, status: str, **fields: Any) -> Upstream:
    return Upstream(model.name, model.hub, model.origin, status, model.identity, **fields)


# -- git sources ---------------------------------------------------------------------------------------------
def _huggingface(spec: ModelSpec, model: LockedModel) -> Upstream:
    from .hubs import huggingface

    repo, revision = spec.options["repo"], spec.revision
    assert revision is not None and model.commit is not None
    ref, target = huggingface.ref_of(repo, revision)
    if target == model.commit:  # the refs listing says so: no need to list the files
        return _upstream(model, UP_TO_DATE, now=target, ref=ref)
    resolution = hubs.source_for(spec.hub).resolve(spec)
    now = resolution.commit
    assert now is not None
    if now == model.commit:
        return _upstream(model, UP_TO_DATE, now=now, ref=ref)
    history = huggingface.history_between(repo, model.commit, now)
    return _moved(model, now, ref, history, file_changes(model.files, resolution.files))


def _torchhub(spec: ModelSpec, model: LockedModel) -> Upstream:
    from .hubs import torchhub

    repo, revision, entry = spec.options["repo"], spec.options.get("revision"), spec.options["entry"]
    label = f"model '{spec.name}' ({repo}@{revision or 'default branch'})"
    now = (
        torchhub.resolve_commit(repo, revision, label)
        if revision
        else torchhub.default_branch_commit(repo, label)
    )
    ref = torchhub.ref_kind(repo, revision, label) if revision else BRANCH
    weights = tuple(_url_changes(model, model.weights))
    if now == model.commit:
        return _upstream(model, MOVED if weights else UP_TO_DATE, now=now, ref=ref, files=weights)
    assert model.commit is not None
    history = torchhub.history_between(repo, model.commit, now, label)
    with torchhub.zipball(repo, now, f"model '{spec.name}' ({repo}@{now[:12]})", keep=False) as opened:
        tree = torchhub.pin_tree(opened, entry, label)
    return _moved(model, now, ref, history, (*file_changes(model.files, tree), *weights))


def _moved(
    model: LockedModel,
    now: str,
    ref: str | None,
    history: tuple[int | None, bool],
    files: tuple[FileChange, ...],
) -> Upstream:
    """A git source whose revision moved: ``history`` is (commits ahead, history rewritten)."""
    ahead, rewritten = history
    return _upstream(
        model, MOVED, now=now, ref=ref, commits_ahead=ahead, history_rewritten=rewritten, files=files
    )


def file_changes(old: Sequence[LockedFile], new: Sequence[LockedFile]) -> tuple[FileChange, ...]:
    """The files added, removed or changed (by size or sha256) from ``old`` to ``new``, by path."""
    before, after = {f.path: f for f in old}, {f.path: f for f in new}
    changes = []
    for path in sorted(before.keys() | after.keys()):
        was, now = before.get(path), after.get(path)
        if was is None:
            changes.append(FileChange(path, ADDED, None, now.size if now else None))
        elif now is None:
            changes.append(FileChange(path, REMOVED, was.size, None))
        elif (was.size, was.sha256) != (now.size, now.sha256):
            changes.append(FileChange(path, CHANGED, was.size, now.size))
    return tuple(changes)


# -- files by URL and on this machine ----------------------------------------------------------------------
def _url_changes(model: LockedModel, files: Sequence[LockedFile]) -> Iterator[FileChange]:
    """The locked URL files that changed upstream: by ETag, Last-Modified or size when the server sends
    them, else by the sha256 of their bytes (downloaded, hashed, kept nowhere)."""
    from .hubs import http

    label = f"model '{model.name}'"
    for file in files:
        assert file.url is not None
        with http.get(file.url, label) as response:
            headers = response.headers
            length = headers.get("content-length", "")
            now = {
                "ETag": headers.get("etag"),
                "Last-Modified": headers.get("last-modified"),
                "size": length if length.isdigit() else None,
            }
        locked = {"ETag": file.etag, "Last-Modified": file.last_modified, "size": str(file.size)}
        differ = tuple(
            (what, locked[what], now[what])
            for what in now
            if locked[what] is not None and now[what] is not None and locked[what] != now[what]
        )
        size = int(now["size"]) if now["size"] is not None else None
        if differ:
            yield FileChange(file.path, CHANGED, file.size, size, differ)
        elif not any(locked[w] is not None and now[w] is not None for w in ("ETag", "Last-Modified")):
            fetched = http.fetch(file.url, label)  # nothing tells a change: the bytes do
            if (fetched.sha256, fetched.size) != (file.sha256, file.size):
                yield FileChange(file.path, CHANGED, file.size, fetched.size)


def _local(spec: ModelSpec, model: LockedModel) -> Upstream:
    try:
        resolution = hubs.source_for(spec.hub).resolve(spec)
    except SourceMissing:
        return _upstream(model, MISSING, note="its files are not on this machine: nothing to compare")
    changes = file_changes(model.files, resolution.files)
    return _upstream(model, MOVED if changes else UP_TO_DATE, files=changes)


def as_json(report: Report) -> dict[str, Any]:
    """The report as `ptm outdated --format json` prints it (docs/outdated.md)."""
    return {
        "models": [
            {
                "name": m.name,
                "hub": m.hub,
                "origin": m.origin,
                "status": m.status,
                "outdated": m.outdated,
                "suspicious": m.suspicious,
                "ref": m.ref,
                "locked": m.locked,
                "upstream": m.now,
                "commits_ahead": m.commits_ahead,
                "history_rewritten": m.history_rewritten,
                "files": [
                    {
                        "path": f.path,
                        "change": f.change,
                        "size": [f.old_size, f.new_size],
                        "validators": {what: [was, now] for what, was, now in f.validators},
                    }
                    for f in m.files
                ],
                "size_delta": m.size_delta,
                "note": m.note,
            }
            for m in report.models
        ],
        "outdated": [m.name for m in report.outdated],
        "errors": [line for error in report.errors for line in error.message.splitlines()],
    }
