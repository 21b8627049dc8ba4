"""`ptm remove`: take models out of ptm.toml, ptm.lock and their artifacts folders, and nothing else.

Both new texts are built and checked before either file is written, so a refused removal changes
nothing. Files are deleted last, and only the artifacts ptm exported (the lock names them with their
sha256), when their bytes are still those: whatever else a user keeps in the folder stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import atomic
from .errors import PtmError
from .export import artifacts
from .export.records import project_files
from .export_settings import ARTIFACTS_FOLDER
from .lockfile import Lock, LockedModel, check_renderable, render_lock, write_lock
from .manifest import Manifest, ModelSpec
from .manifest_check import parse_checked_manifest
from .manifest_edit import without_models
from .project import Project


@dataclass(frozen=True)
class Removal:
    """What `ptm remove` took out, for its report."""

    models: tuple[str, ...]
    edges: tuple[str, ...]  # "a -> b (kind)"
    references: tuple[str, ...]  # 'tuned: base = "mlp"', only with --force
    locked: tuple[str, ...]  # the models whose ptm.lock entry went
    artifacts: tuple[Path, ...]  # files deleted, relative to the project


def remove_models(project: Project, names: Sequence[str], *, force: bool) -> Removal:
    """Remove ``names`` from the project; PtmError, with nothing changed, for an unknown name or (without
    ``force``) a model another one derives from."""
    path = project.manifest_path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PtmError(f"{path} not found; create it with `ptm init`") from None
    manifest = parse_checked_manifest(text, path)
    names = tuple(dict.fromkeys(names))
    if unknown := [name for name in names if name not in manifest.models]:
        declared = ", ".join(manifest.models) or "none"
        raise PtmError(
            f"ptm remove: no model {', '.join(map(repr, unknown))} in {path.name}; declared: {declared}",
            exit_code=2,
        )
    references = _references(manifest, names)
    if references and not force:
        raise PtmError(
            f"ptm remove: {'; '.join(references)}; remove those models too, or pass --force to drop "
            f"the references; {path.name} was left unchanged"
        )
    new_text, _checked = without_models(text, path, names)  # the edited text, parsed as a manifest again
    old_lock = project.lock()
    new_lock = _lock_without(old_lock, names) if old_lock else None
    if new_lock is not None:
        check_renderable(render_lock(new_lock), project.lock_path)
    atomic.write_text(path, new_text)
    if new_lock is not None:
        write_lock(project.lock_path, new_lock)
    locked = tuple(name for name in names if old_lock and name in old_lock.models)
    deleted = [
        file.relative_to(project.root)
        for name in locked
        if old_lock is not None
        for file in _remove_artifacts(project.root, manifest.models[name], old_lock.models[name])
    ]
    edges = tuple(
        f"{edge.source} -> {edge.target} ({edge.kind})"
        for edge in manifest.edges
        if edge.source in names or edge.target in names
    )
    return Removal(names, edges, references, locked, tuple(deleted))


def _references(manifest: Manifest, names: Sequence[str]) -> tuple[str, ...]:
    """How the models that stay derive from those that go."""
    found = []
    for spec in manifest.models.values():
        if spec.name in names:
            continue
        if spec.base in names:
            found.append(f'{spec.name}: base = "{spec.base}"')
        found += [f'{spec.name}: trained_with "{other}"' for other in spec.trained_with if other in names]
    return tuple(found)


def _lock_without(old: Lock, names: Sequence[str]) -> Lock:
    """What `ptm lock` would keep of ``old`` once ``names`` are gone: every other entry as it is. Staleness
    is each model's own (its pin_hash), so a lock that was current stays current, and one stale for other
    reasons stays stale rather than have this removal hide what it does not know about."""
    return Lock(
        models={name: model for name, model in old.models.items() if name not in names}, version=old.version
    )


def _remove_artifacts(root: Path, spec: ModelSpec, locked: LockedModel) -> list[Path]:
    """Delete the project copies the lock says `ptm export` made of ``locked``; the paths deleted."""
    files = project_files(locked)
    # The folder ptm.toml names now, or the default one, as `ptm export` cleans up after itself.
    folders = [artifacts.ArtifactsFolder(root, f"{ARTIFACTS_FOLDER}/{spec.name}", spec.name)]
    if spec.export is not None:
        folders.insert(0, artifacts.ArtifactsFolder.of(root, spec))
    present = dict.fromkeys(p for f in files for d in folders if (p := d.holds(f)) and p.is_file())
    artifacts.remove_stale(folders, files, kept=set())
    return [p for p in present if not p.exists()]
