"""ptm.lock and git: the merge base of a conflicted lock, and the one-time set-up of ptm's merge driver.

git does not let a repository configure its own merge drivers (a cloned repository could run anything),
so the set-up is in two parts: the attribute, committed in .gitattributes, and one `git config` line that
each clone runs once.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from . import atomic

DRIVER_NAME = "ptm"
ATTRIBUTE_LINE = f"ptm.lock merge={DRIVER_NAME}"
CONFIG_COMMAND = f'git config merge.{DRIVER_NAME}.driver "ptm merge-lock %O %A %B %P"'


BASE, OURS, THEIRS = 1, 2, 3  # the stages of git's index for a file with conflicts


def unmerged_versions(lock_path: Path) -> dict[int, str]:
    """The versions of ``lock_path`` in git's index while it is unmerged, by stage (BASE, OURS, THEIRS):
    empty when not in a git repository or not unmerged; no BASE when both sides added the file."""
    versions = {}
    for stage in (BASE, OURS, THEIRS):
        try:
            shown = subprocess.run(
                ["git", "show", f":{stage}:./{lock_path.name}"],
                cwd=lock_path.parent,
                capture_output=True,
                check=False,
            )
        except OSError:  # no git here: the conflict markers are all there is
            return {}
        if shown.returncode == 0:
            try:
                versions[stage] = shown.stdout.decode("utf-8")
            except UnicodeDecodeError:
                continue
    return versions


def in_work_tree(folder: Path) -> bool:
    """Whether ``folder`` is inside a git work tree (a .git folder, or file for a worktree, above it)."""
    return any((parent / ".git").exists() for parent in (folder, *folder.parents))


def add_merge_attribute(folder: Path) -> bool:
    """Have ``folder``/.gitattributes send ptm.lock to ptm's merge driver; True when it was changed."""
    path = folder / ".gitattributes"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    if ATTRIBUTE_LINE in (line.strip() for line in text.splitlines()):
        return False
    separator = "" if not text or text.endswith("\n") else "\n"
    atomic.write_text(path, f"{text}{separator}{ATTRIBUTE_LINE}\n")
    return True


def manifest_conflicts(lock_path: str) -> bool | None:
    """Whether the ptm.toml beside ``lock_path`` (as git names it, from the top of the work tree) has
    conflicts in the `git merge` under way, merged as git merges text; None when that cannot be told.

    A merge driver is run before git writes any merged file, so this merges ptm.toml's three versions
    itself: ours (HEAD), theirs (the one commit `git merge` names in a GITHEAD_<commit> variable) and
    their merge base. Rebases and cherry-picks name no such commit.
    """
    theirs = [name[len("GITHEAD_") :] for name in os.environ if name.startswith("GITHEAD_")]
    if len(theirs) != 1:
        return None
    manifest = str(PurePosixPath(lock_path).with_name("ptm.toml"))
    base = _git("merge-base", "HEAD", theirs[0])
    if base is None:
        return None
    texts = [_git("show", f"{commit}:{manifest}") or "" for commit in ("HEAD", base.strip(), theirs[0])]
    with tempfile.TemporaryDirectory(prefix="ptm-merge-") as folder:
        paths = []
        for name, text in zip(("ours", "base", "theirs"), texts, strict=True):
            (path := Path(folder, name)).write_text(text, encoding="utf-8")
            paths.append(str(path))
        merged = subprocess.run(["git", "merge-file", "-p", "-q", *paths], capture_output=True, check=False)
    # merge-file exits with the number of conflicts; a negative status is an error.
    return merged.returncode > 0 if merged.returncode >= 0 else None


def _git(*args: str) -> str | None:
    """The output of a git command run here, or None when it failed."""
    try:
        done = subprocess.run(["git", *args], capture_output=True, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")
