"""The preprocessing files `ptm export` copies beside a model's artifacts, so that a clone verifies them.

A clone has ptm.toml, ptm.lock and the artifacts folders, not the store nor the installed model: `ptm
verify --frozen` still runs the tokenizer there, from these copies. Each is pinned already (ptm.lock lists
it among the model's files and in the export records' ``preprocessing``, by sha256), so a copy needs no
record of its own and is used only once its bytes are the locked ones, like the artifacts. A copy keeps
its path in the snapshot under ``<artifacts>/preprocessing/``: that folder loads as the snapshot would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..lockfile import LockedFile

if TYPE_CHECKING:
    from .records import ExportRecord

PREPROCESSING_FOLDER = "preprocessing"


@dataclass(frozen=True)
class PreprocessingCopy:
    file: LockedFile  # as ptm.lock pins it among the model's files, by its path in the snapshot
    copy: LockedFile  # the same bytes in the project: <artifacts>/preprocessing/<path>


def preprocessing_copies(records: Iterable[ExportRecord]) -> tuple[PreprocessingCopy, ...]:
    """The copies of the records' preprocessing files (each format of a model lists the same ones)."""
    found: dict[str, PreprocessingCopy] = {}
    for record in records:
        folder = PurePosixPath(record.path).parent / PREPROCESSING_FOLDER
        for file in record.preprocessing:
            copy = LockedFile(str(folder / file.path), file.size, file.sha256)
            found.setdefault(file.path, PreprocessingCopy(file, copy))
    return tuple(found.values())


def copy_sources(records: Iterable[ExportRecord], snapshot: Path) -> tuple[tuple[LockedFile, Path], ...]:
    """Each copy `ptm export` writes, and the installed file (checked by then) it is copied from."""
    return tuple((c.copy, snapshot / c.file.path) for c in preprocessing_copies(records))
