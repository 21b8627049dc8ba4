"""Environment-driven settings, read at call time in one place (tests and users may change them)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from .errors import PtmError
from .redact import redact

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
        parts.port  # noqa: B018 - huggingface_hub reads it when imported, and fails on one out of range
    except ValueError:  # e.g. an unclosed IPv6 bracket, a port that is not a number
        valid = False
    if not valid:
        raise PtmError(
            f"HF_ENDPOINT={redact(endpoint)!r} is not an http(s) URL such as {DEFAULT_HF_ENDPOINT}; "
            "fix or unset it"
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


# Defaults of the limits below. 100 GiB is twice the Hugging Face Hub's largest allowed file (50 GB): no
# real model file is refused, and a server sending an endless body stops well before most disks fill.
DEFAULT_MAX_DOWNLOAD = "100G"
DEFAULT_HTTP_RETRIES = 5
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_BYTES_RE = re.compile(r"^\s*(\d+)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


def max_download() -> int:
    """The most bytes one file may have when nothing else says how big it is (PTM_MAX_DOWNLOAD).

    Installs stop at the size in ptm.lock, and locking a Hub file at the size the Hub lists; this bounds
    what is left: a URL (or torch.hub archive) being locked whose server sends no Content-Length, or
    announces more than this. Bytes, or a number with K, M, G or T (powers of 1024): "500M", "2T".
    """
    value = os.environ.get("PTM_MAX_DOWNLOAD", DEFAULT_MAX_DOWNLOAD)
    match = _BYTES_RE.match(value)
    if match is None or int(match[1]) == 0:
        raise PtmError(f"PTM_MAX_DOWNLOAD={value!r} is not a size such as 500M or 100G; set one, or unset it")
    return int(match[1]) * _UNITS[match[2].upper()]


def http_retries() -> int:
    """How many times a request is tried again after HTTP 429 or 5xx, a reset connection or a timeout
    (PTM_HTTP_RETRIES; 0: never), waiting as the server's Retry-After says or backing off exponentially."""
    value = os.environ.get("PTM_HTTP_RETRIES", str(DEFAULT_HTTP_RETRIES))
    if not value.strip().isdigit():
        raise PtmError(
            f"PTM_HTTP_RETRIES={value!r} is not a whole number >= 0; set it to e.g. 5, or unset it"
        )
    return int(value)


def pool_size(tasks: int) -> int:
    """Threads for ``tasks`` independent jobs: at most PTM_MAX_WORKERS, at least one."""
    return max(1, min(max_workers(), tasks))
