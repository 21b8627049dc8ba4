"""The Hugging Face cache layout (models--org--name/{blobs,snapshots,refs}), which ptmlock installs into.

Entries are made the way huggingface_hub makes them (``snapshots/<commit>/<path>`` is a relative symlink to
``../../blobs/<name>``, ``refs/<revision>`` holds the commit without a newline), so its offline lookups by
commit find them. Blobs are named by sha256, which is also the name huggingface_hub gives LFS files.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from .. import atomic, config
from ..paths import contained


def repo_folder(repo: str, cache: Path | None = None) -> Path:
    return contained(cache or config.hf_hub_cache(), "models--" + repo.replace("/", "--"), "repo")


def snapshot_dir(repo: str, commit: str, cache: Path | None = None) -> Path:
    """Where `from_pretrained(repo, revision=commit)` finds the files of that commit offline."""
    return contained(repo_folder(repo, cache) / "snapshots", commit, "commit")


def escaping_symlink(repo_dir: Path, folders: Iterable[str]) -> tuple[Path, str] | None:
    """An existing folder below ``repo_dir`` (any folder an install writes into, given relative to it)
    that is a symlink resolving outside it, with its target.

    ``repo_dir`` itself may be a link, as huggingface_hub allows: that is how a user moves one model's
    cache to another disk. An install never makes links below it, so one there was put there to redirect
    the writes."""
    root = os.path.realpath(repo_dir)
    for folder in sorted(folders):
        path = repo_dir / folder
        if path.is_symlink():
            target = os.path.realpath(path)
            if target != root and not target.startswith(root + os.sep):
                return path, target
    return None


def _replace(dest: Path, make: Callable[[Path], None]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic.replace_with(dest, make)


def _create(dest: Path, make: Callable[[Path], None]) -> bool:
    """Make ``dest`` directly where nothing is there yet: a link appears whole, and an interrupted run
    leaves no temporary file behind. False when it must be replaced (or linking is not possible)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        make(dest)
    except OSError:
        return False
    return True


def place_blob(source: Path, dest: Path) -> None:
    """Make ``dest`` hold the bytes of ``source``: a hardlink, or a copy where linking fails."""
    try:
        if os.path.samefile(source, dest):
            return
    except OSError:
        pass
    _link_or_copy(dest, lambda path: os.link(source, path), source)


def place_pointer(blob: Path, dest: Path) -> None:
    """``snapshots/<commit>/<path>`` as a relative symlink to the blob, or a copy where symlinks fail."""
    target = os.path.relpath(blob, dest.parent)
    if dest.is_symlink() and os.readlink(dest) == target:
        return
    _link_or_copy(dest, lambda path: os.symlink(target, path), blob)


def _link_or_copy(dest: Path, link: Callable[[Path], None], source: Path) -> None:
    """``link`` made at ``dest`` directly where nothing is there yet, else built aside and renamed over
    it; a copy of ``source`` where the file system cannot link."""
    if _create(dest, link):
        return

    def make(tmp: Path) -> None:
        try:
            link(tmp)
        except OSError:
            _copy(source, tmp)

    _replace(dest, make)


def _copy(source: Path, dest: Path) -> None:
    """A new file with the bytes and the mode of ``source``, as a hardlink would have: read-only, and
    owner-only while it is written, since a blob of a private local file is private."""
    os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    shutil.copyfile(source, dest)
    shutil.copymode(source, dest)


def write_ref(repo_dir: Path, revision: str, commit: str) -> Path:
    """``refs/<revision>`` = commit, so offline lookups by branch or tag name find the locked snapshot."""
    path = contained(repo_dir / "refs", revision, "revision")
    try:
        if path.read_text(encoding="utf-8") == commit:
            return path
    except OSError:
        pass

    def make(tmp: Path) -> None:
        tmp.write_text(commit, encoding="utf-8")  # no newline: huggingface_hub reads it verbatim

    _replace(path, make)
    return path
