"""Zip archives of source trees (GitHub zipballs), read safely.

An archive is accepted only if every entry sits in one top folder (which is stripped), no entry name
can escape it (zip-slip), no symlink points outside it and it expands to no more than MAX_EXPANDED.
Members are streamed, never read whole. Hosted archives are not byte-stable, so what is pinned is the
tree: each file's path, size and sha256.
"""

from __future__ import annotations

import posixpath
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import ResolveError
from .files import hash_stream
from .lockfile import LockedFile
from .paths import unsafe_path_reason

# What zipfile raises for damaged bytes: a bad CRC, a broken deflate stream, a truncated member, or an
# entry stored with a compression method it cannot read.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)

# A symlink entry holds its target path, and Linux caps a path at PATH_MAX (4096 bytes): anything longer
# is not a link but a payload (a 1.5 MB zipball held a "target" expanding to 1.5 GB).
MAX_LINK_TARGET = 4096
# What the members of one archive may expand to, all together. A fixed bound rather than a ratio to the
# compressed size (as some zip-bomb guards use): source trees compress 4-10x and generated ones (JSON,
# zero-filled fixtures) far more, so a ratio low enough to stop a bomb also refuses honest repositories,
# while the torch.hub repositories this reads are source trees of tens of MB at most. 2 GiB is far above
# those and far below what would fill a disk or take minutes to hash.
MAX_EXPANDED = 2 * 1024**3


@contextmanager
def reading(label: str, name: str) -> Iterator[None]:
    """Turns damage found while reading entry ``name`` into a ResolveError (the archive is unusable)."""
    try:
        yield
    except DAMAGED as error:
        raise ResolveError(f"{label}: archive entry {name!r} is damaged ({error}); try again") from error


@dataclass(frozen=True)
class Member:
    path: str  # relative to the archive's top folder
    info: zipfile.ZipInfo


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _escapes(path: str, target: str) -> bool:
    if target.startswith("/") or "\\" in target:
        return True
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    return resolved == ".." or resolved.startswith("../")


def tree_members(archive: zipfile.ZipFile, label: str) -> list[Member]:
    """The files of the archive's single top folder, or a ResolveError naming the first unsafe entry."""
    # zipfile never yields more of a member than its header's file_size (it cuts the stream there, and the
    # CRC then fails) and hash_member refuses one that yields less, so these sizes bound what is read.
    expanded = sum(info.file_size for info in archive.infolist())
    if expanded > MAX_EXPANDED:
        raise ResolveError(
            f"{label}: the archive expands to {expanded / 2**20:.0f} MiB, over the "
            f"{MAX_EXPANDED / 2**20:.0f} MiB a repository may (a zip bomb?); refusing the archive"
        )
    top: str | None = None
    members: dict[str, Member] = {}
    for info in archive.infolist():
        name = info.filename
        if reason := unsafe_path_reason(name.rstrip("/")):
            raise ResolveError(
                f"{label}: archive entry {name!r} {reason} (a zip-slip path); refusing the archive"
            )
        first, _, rest = name.partition("/")
        top = first if top is None else top
        if first != top or not (rest or info.is_dir()):
            raise ResolveError(
                f"{label}: archive entry {name!r} is outside its top folder {top}/; refusing the archive"
            )
        if info.is_dir():
            continue
        if _is_symlink(info):
            target = read_small(archive, info, MAX_LINK_TARGET, "a symlink's target", label).decode(
                "utf-8", "replace"
            )
            if _escapes(rest, target):
                raise ResolveError(
                    f"{label}: archive entry {rest!r} is a symlink to {target!r}, outside the repository; "
                    "refusing the archive"
                )
            # One that stays inside is kept as what torch.hub extracts: a file holding the link text.
        if rest in members:
            raise ResolveError(f"{label}: archive lists {rest!r} twice; refusing the archive")
        members[rest] = Member(rest, info)
    return sorted(members.values(), key=lambda m: m.path)


def hash_member(archive: zipfile.ZipFile, member: Member, label: str) -> LockedFile:
    with reading(label, member.path), archive.open(member.info) as handle:
        sha256, size = hash_stream(handle)
    if size != member.info.file_size:  # a header that lies about the size (the CRC matched what was there)
        raise ResolveError(
            f"{label}: archive entry {member.path!r} holds {size} bytes but its header says "
            f"{member.info.file_size}; refusing the archive"
        )
    return LockedFile(member.path, size, sha256)


def read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, what: str, label: str) -> bytes:
    """A member that must be small, read whole: at most ``limit`` + 1 bytes of it are ever read, whatever
    its header claims, and more than ``limit`` refuses the archive."""
    with reading(label, info.filename), archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ResolveError(
            f"{label}: archive entry {info.filename!r} is over {limit // 1024} KiB, too large for {what}; "
            "refusing the archive"
        )
    return data


def open_archive(file: Path | IO[bytes], label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(file)
    except DAMAGED as error:
        raise ResolveError(
            f"{label}: the downloaded archive is not a valid zip ({error}); try again"
        ) from error
