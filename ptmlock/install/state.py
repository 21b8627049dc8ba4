"""What `ptm install` last put in place for a project, so a re-run with nothing to do answers from os.stat.

One JSON file per (project, Hugging Face cache, torch hub folder) under ``<store>/installed/``. It records
the sha256 of ptm.toml's and ptm.lock's bytes and, per installed model, the (size, mtime_ns, ctime_ns,
inode) of every snapshot entry and ref it wrote. When both files are byte-identical and every stat still
matches, nothing can have changed: writing into a file, even through another hardlink and with its mtime
set back, moves its ctime, which (unlike the mtime) cannot be set. Standard library only: this is the
path of the fast no-op.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..files import Stat, fingerprint

VERSION = 2  # 2: the stat holds ctime_ns


def state_path(home: Path, manifest_path: Path, roots: Sequence[Path]) -> Path:
    """One state per project and set of folders an install writes into (HF cache, torch hub dir)."""
    key = "\0".join(str(path.absolute()) for path in (manifest_path, *roots))
    return home / "installed" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class StatRecord:
    """A path an install wrote or depends on, and its stat then."""

    path: str
    tag: str  # the sha256 of a snapshot file, "origin:<sha256>", "ref:<commit>" or "folder"
    stat: Stat

    def intact(self) -> bool:
        return fingerprint(self.path) == self.stat


@dataclass(frozen=True)
class ModelRecord:
    files: int
    size: int
    stats: tuple[StatRecord, ...]
    pin: str = ""  # as `ptm install` shows it: repo@commit, or where it comes from and its digest

    def intact(self) -> bool:
        return all(record.intact() for record in self.stats)


@dataclass(frozen=True)
class State:
    manifest: str  # the sha256 of ptm.toml, or "" when the install did not read it (--frozen)
    lock: str
    names: tuple[str, ...]  # every model of the lock the record was made against
    models: Mapping[str, ModelRecord] = field(default_factory=dict)

    def installed(
        self, manifest: str | None, lock: str | None, only: Collection[str], *, frozen: bool = False
    ) -> list[str] | None:
        """The names found intact when ptm.lock is unchanged and, unless ``frozen`` (ptm.lock installed as
        it is, whatever ptm.toml says), ptm.toml too; None if work may be needed."""
        if lock != self.lock or (not frozen and (not manifest or manifest != self.manifest)):
            return None
        names = list(only) or list(self.names)
        if any(name not in self.models or not self.models[name].intact() for name in names):
            return None
        return names

    def trusted(self) -> dict[tuple[str, str], Stat]:
        """(path, sha256) -> stat of every entry recorded, for per-file checks after the lock changed."""
        return {(s.path, s.tag): s.stat for record in self.models.values() for s in record.stats}


def load(path: Path) -> State | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return None
        models = {
            name: ModelRecord(
                files=record["files"],
                size=record["size"],
                stats=tuple(
                    StatRecord(p, tag, (st[0], st[1], st[2], st[3])) for p, tag, st in record["entries"]
                ),
                pin=str(record.get("pin", "")),
            )
            for name, record in data["models"].items()
        }
        return State(data["manifest"], data["lock"], tuple(data["names"]), models)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None  # a missing or unreadable record only costs a full check


def save(path: Path, state: State) -> None:
    """Write the record, or nothing where the store cannot be written (a read-only shared store, a full
    disk): a missing record only costs the next run its fast no-op, never this install."""
    from .. import atomic
    from ..errors import PtmError

    data = {
        "version": VERSION,
        "manifest": state.manifest,
        "lock": state.lock,
        "names": list(state.names),
        "models": {
            name: {
                "files": record.files,
                "size": record.size,
                "entries": [[s.path, s.tag, list(s.stat)] for s in record.stats],
                "pin": record.pin,
            }
            for name, record in sorted(state.models.items())
        },
    }
    with contextlib.suppress(OSError, PtmError):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(path, json.dumps(data, separators=(",", ":")))
