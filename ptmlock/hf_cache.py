"""The Hugging Face cache layout (models--org--name/{blobs,snapshots,refs}), which ptmlock installs into."""

from __future__ import annotations

from pathlib import Path

from . import config


def repo_folder(repo: str, cache: Path | None = None) -> Path:
    return (cache or config.hf_hub_cache()) / ("models--" + repo.replace("/", "--"))


def snapshot_dir(repo: str, commit: str, cache: Path | None = None) -> Path:
    """Where `from_pretrained(repo, revision=commit)` finds the files of that commit offline."""
    return repo_folder(repo, cache) / "snapshots" / commit
