"""Registry credentials: PTM_OCI_USERNAME/PTM_OCI_PASSWORD, else Docker's config.json. Never printed.

Docker's credential helpers (credsStore, credHelpers) are programs ptm does not run; with one of them, set
the two variables instead.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path

from ..errors import PtmError


def docker_config_path() -> Path:
    return Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker") / "config.json"


def credentials(registry: str) -> tuple[str, str] | None:
    """(user, password) for ``registry`` (host[:port]), or None to ask anonymously."""
    user, password = os.environ.get("PTM_OCI_USERNAME"), os.environ.get("PTM_OCI_PASSWORD")
    if user or password:
        return user or "", password or ""
    path = docker_config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PtmError(f"{path}: cannot be read as JSON ({error}); fix or remove it") from error
    auths = data.get("auths") if isinstance(data, dict) else None
    if not isinstance(auths, dict):
        return None
    # Docker keys entries by host, sometimes with a scheme or the old /v1/ path.
    for key, entry in auths.items():
        host = key.removeprefix("https://").removeprefix("http://").split("/", 1)[0]
        if host == registry and isinstance(entry, dict):
            return _entry_credentials(entry, path, key)
    return None


def _entry_credentials(entry: dict[str, object], path: Path, key: str) -> tuple[str, str] | None:
    encoded = entry.get("auth")
    if isinstance(encoded, str) and encoded:
        try:
            user, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise PtmError(f"{path}: auths[{key!r}].auth is not base64 of user:password") from error
        if colon:
            return user, password
    name, secret = entry.get("username"), entry.get("password")
    if isinstance(name, str) and isinstance(secret, str):
        return name, secret
    return None
