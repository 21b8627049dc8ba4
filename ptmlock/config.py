"""Environment-driven settings, read at call time in one place (tests and users may change them)."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import PtmError

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_GITHUB_API = "https://api.github.com"
MANIFEST_NAME = "ptm.toml"
LOCK_NAME = "ptm.lock"


def hf_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", DEFAULT_HF_ENDPOINT).rstrip("/")


def hf_token() -> str | None:
    """An explicit token, or None to let huggingface_hub use its own login."""
    return os.environ.get("HF_TOKEN") or None


def github_api() -> str:
    """The GitHub REST API that torch.hub repositories are resolved through (a mirror or a test server)."""
    return os.environ.get("PTM_GITHUB_API", DEFAULT_GITHUB_API).rstrip("/")


def github_token() -> str | None:
    return os.environ.get("GITHUB_TOKEN") or None


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def ptm_home() -> Path:
    """The content-addressed store shared by all projects of this user."""
    return Path(os.environ.get("PTM_HOME") or _cache_root() / "ptmlock")


def hf_hub_cache() -> Path:
    """Where huggingface_hub (and so transformers) looks for models, honouring its own variables."""
    if cache := os.environ.get("HF_HUB_CACHE"):
        return Path(cache)
    hf_home = os.environ.get("HF_HOME") or _cache_root() / "huggingface"
    return Path(hf_home) / "hub"


def torch_hub_dir() -> Path:
    """torch.hub.get_dir() as torch computes it: $TORCH_HOME/hub, whose checkpoints/ holds weights."""
    torch_home = os.environ.get("TORCH_HOME") or _cache_root() / "torch"
    return Path(torch_home).expanduser() / "hub"


def max_workers() -> int:
    """How many files are fetched at once."""
    value = os.environ.get("PTM_MAX_WORKERS", "16")
    if not (value.strip().isdigit() and int(value) > 0):
        raise PtmError(
            f"PTM_MAX_WORKERS={value!r} is not a positive whole number; set it to e.g. 8, or unset it"
        )
    return int(value)
