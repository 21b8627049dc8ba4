"""Environment-driven settings, read at call time in one place (tests and users may change them)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from .errors import PtmError

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_GITHUB_API = "https://api.github.com"
MANIFEST_NAME = "ptm.toml"
LOCK_NAME = "ptm.lock"


def hf_endpoint() -> str:
    """The Hub (or Hub-compatible mirror) huggingface_hub talks to."""
    endpoint = os.environ.get("HF_ENDPOINT", DEFAULT_HF_ENDPOINT).rstrip("/")
    try:
        parts = urlsplit(endpoint)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        valid = False
    if not valid:
        raise PtmError(
            f"HF_ENDPOINT={endpoint!r} is not an http(s) URL such as {DEFAULT_HF_ENDPOINT}; fix or unset it"
        )
    return endpoint


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


def http_timeout() -> float:
    """Seconds to wait for a server to connect or to send the next bytes (not for a whole download)."""
    value = os.environ.get("PTM_HTTP_TIMEOUT", "60")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise PtmError(f"PTM_HTTP_TIMEOUT={value!r} is not a number of seconds; set e.g. 30, or unset it")
    return seconds


def max_workers() -> int:
    """How many files are fetched at once."""
    value = os.environ.get("PTM_MAX_WORKERS", "16")
    if not (value.strip().isdigit() and int(value) > 0):
        raise PtmError(
            f"PTM_MAX_WORKERS={value!r} is not a positive whole number; set it to e.g. 8, or unset it"
        )
    return int(value)
