"""Source trees for the `ptm check` benchmarks, read from git repositories on disk, never from the network.

A repository `owner/name` is looked for under a sources folder as `owner+name/repo` (the layout the
session's fetch tool leaves under /work/.mirror), `owner+name` or `name`: a bare repository or a clone
(`git clone https://github.com/owner/name SOURCES/owner+name`). Only the Python files of the asked paths
are written out, so a snapshot whose large files are absent still serves.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

DEFAULT_SOURCES = Path("/work/.mirror")


class MissingSource(Exception):
    """A repository, or the commit asked for, is not under the sources folder."""


def _git(git_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], input=stdin, capture_output=True, check=False
    )
    if done.returncode:
        raise RuntimeError(done.stderr.decode(errors="replace").strip())
    return done.stdout


def _python_blobs(listing: bytes) -> list[tuple[str, str]]:
    """(object id, path) of the Python files an ``ls-tree -z`` listing names (no symbolic links)."""
    return _blobs(listing, lambda name: name.endswith(".py"))


def _blobs(listing: bytes, wanted: Callable[[str], bool]) -> list[tuple[str, str]]:
    """(object id, path) of the files an ``ls-tree -z`` listing names that are wanted (no symbolic links)."""
    blobs = []
    for entry in filter(None, listing.split(b"\0")):
        meta, _, raw_name = entry.partition(b"\t")
        mode, kind, oid = meta.split()
        name = raw_name.decode()
        if kind == b"blob" and mode != b"120000" and wanted(name):
            blobs.append((oid.decode(), name))
    return blobs


def find_git_dir(sources: Path, repo: str, commit: str = "HEAD") -> tuple[Path, str]:
    """The git directory holding ``repo`` at ``commit``, and that commit's full sha."""
    owner_name = repo.replace("/", "+")
    candidates = [sources / owner_name / "repo", sources / owner_name, sources / repo.split("/")[-1]]
    for candidate in candidates:
        for git_dir in (candidate, candidate / ".git"):
            if not git_dir.is_dir():
                continue
            try:
                sha = _git(git_dir, "rev-parse", "--verify", f"{commit}^{{commit}}").decode().strip()
            except RuntimeError:
                continue
            return git_dir, sha
    raise MissingSource(
        f"{repo}@{commit[:12]} not found under {sources}: "
        f"git clone https://github.com/{repo} {sources / owner_name}"
        + ("" if commit == "HEAD" else f" && git -C {sources / owner_name} fetch origin {commit}")
    )


def materialise(
    git_dir: Path, commit: str, paths: tuple[str, ...], into: Path, *, packages: bool = False
) -> int:
    """Write the Python files under ``paths`` at ``commit`` below ``into``; return how many. With
    ``packages``, also the ``__init__.py`` of the packages they are in and the project files
    (requirements, packaging) of the folders above them, as a checkout has them (a package re-exporting
    its modules' names, ``import flux.util`` from ``src/``; a folder that is a project of its own)."""
    from ptmlock.dataflow.infer import PROJECT_FILE

    blobs = _python_blobs(_git(git_dir, "ls-tree", "-r", "-z", commit, "--", *paths))
    if packages:
        named = {name for _, name in blobs}
        folders = {str(parent) for _, name in blobs for parent in Path(name).parents if str(parent) != "."}
        wanted = [f"{f}/__init__.py" for f in sorted(folders)]
        # no paths to git ls-tree would list every file at the top: files at the top have no package
        inits = _python_blobs(_git(git_dir, "ls-tree", "-z", commit, "--", *wanted)) if wanted else []
        blobs += [(oid, name) for oid, name in inits if name not in named]
        listing = _git(git_dir, "ls-tree", "-z", commit, "--", *(f"{f}/" for f in sorted(folders)))
        listing += _git(git_dir, "ls-tree", "-z", commit)  # the top folder's own files
        blobs += _blobs(listing, lambda name: bool(PROJECT_FILE.fullmatch(Path(name).name)))
    batch = _git(git_dir, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid, _ in blobs).encode())
    offset = written = 0
    for _, name in blobs:
        header_end = batch.index(b"\n", offset)
        header = batch[offset:header_end].split()
        if header[-1] == b"missing":  # a snapshot may leave some blobs out
            offset = header_end + 1
            continue
        size = int(header[2])
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(batch[header_end + 1 : header_end + 1 + size])
        offset = header_end + 1 + size + 1
        written += 1
    return written
