"""Which models `ptm export`/`ptm verify` act on, and whether ptm.lock is fresh enough for them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import LockError, PtmError
from ..lockfile import Lock, LockedModel
from ..manifest import Manifest, ModelSpec
from .records import exports_of, verify_of


def export_targets(manifest: Manifest, names: Sequence[str], group: str | None = None) -> list[ModelSpec]:
    """The named models (each must declare an export), or every model that declares one. ``group`` is
    the group being verified, whose members are among ``names``."""
    for name in names:
        if name not in manifest.models:
            raise PtmError(f"model '{name}' is not declared in {manifest.path}")
        spec = manifest.models[name]
        if spec.export is None:
            like = next(
                (n for n, s in manifest.models.items() if group and s.group == group and s.export), None
            )
            fix = (
                f"add one (its inputs as in [models.{like}.export]), run `ptm export {name}`, then verify "
                f"the group again"
                if like
                else "add one to export it"
            )
            member = f" in group '{group}'" if group else ""
            raise PtmError(
                f"model '{name}'{member} has no [models.{name}.export] table in {manifest.path}; {fix}"
            )
    if names:
        return [manifest.models[n] for n in dict.fromkeys(names)]
    targets = [s for s in manifest.models.values() if s.export is not None]
    if not targets:
        raise PtmError(f"no model in {manifest.path} has a [models.NAME.export] table; add one to export it")
    return targets


def locked_model(spec: ModelSpec, lock: Lock | None, lock_path: Path) -> LockedModel:
    """The lock entry of ``spec``, which must pin what ptm.toml declares now."""
    if lock is None:
        raise LockError(f"{lock_path.name} does not exist; run `ptm lock`")
    locked = lock.models.get(spec.name)
    if locked is None or locked.declaration_hash != spec.declaration_hash:
        raise LockError(f"'{spec.name}' in {lock_path.name} does not match ptm.toml; run `ptm lock`")
    return locked


def exported_model(spec: ModelSpec, lock: Lock | None, lock_path: Path) -> LockedModel:
    """The lock entry of ``spec`` with export records made from the export settings declared now."""
    locked = locked_model(spec, lock, lock_path)
    assert spec.export is not None
    exports = exports_of(locked)
    missing = [f for f in spec.export.formats if f not in exports]
    if missing or verify_of(locked) is None:
        raise LockError(
            f"'{spec.name}' has no {missing[0] if missing else 'verification'} record in {lock_path.name}; "
            f"run `ptm export {spec.name}`"
        )
    if any(r.settings_hash != spec.export.settings_hash for r in exports.values()):
        raise LockError(
            f"the export settings of '{spec.name}' changed since its export; run `ptm export {spec.name}`"
        )
    return locked
