"""The types and patterns of a read ptm.lock's pins, checked without jsonschema.

A lock is read by every `ptm install` and `ptm check`, and may be hand-edited: its commits, digests and
paths become folder and file names. This says, in plain Python, what ptm-lock.schema.json says of them
(one line, 'at models.bert.files[0].sha256: ...'); the schema itself still checks every lock written, and
a lock holding export records (`ptm export`'s, read by commands that import far more) is checked by it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .manifest import NAME_RE
from .paths import unsafe_path_reason
from .pins import is_commit, is_sha256, is_size

CONTENT_HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
ENTRY_RE = re.compile(r"^[A-Za-z0-9][!-~]*$")
# The top-level keys of each readable format version: version 1 also had a hash of all of ptm.toml.
TOP_KEYS = {1: ("version", "manifest_hash", "models"), 2: ("version", "models")}
FILE_KEYS = ("path", "size", "sha256", "url", "etag", "last_modified")
URL_KEYS = ("url", "etag", "last_modified")
# What a file entry may hold, and must, when its files come from URLs and when not.
_FILE_KEYS_BY_URL = {True: FILE_KEYS, False: tuple(k for k in FILE_KEYS if k not in URL_KEYS)}
_REQUIRED_BY_URL = {True: ("path", "size", "sha256", "url"), False: ("path", "size", "sha256")}
# Strings that may not be empty (a license may).
STRINGS = ("repo", "path", "revision")
# Per hub: the keys an entry needs, the keys it may not have, and whether its files come from URLs.
HUBS = {
    "huggingface": (
        ("repo", "revision", "commit"),
        ("path", "digest", "entry", "provenance", "weights"),
        False,
    ),
    "torchhub": (("repo", "revision", "commit", "entry"), ("path", "digest", "provenance"), False),
    "url": (("digest",), ("repo", "path", "revision", "commit", "entry", "provenance", "weights"), True),
    "local": (("path", "digest"), ("repo", "revision", "commit", "entry", "weights"), False),
}
MODEL_KEYS = (
    "hub",
    "repo",
    "path",
    "revision",
    "commit",
    "digest",
    "entry",
    "license",
    "pin_hash",
    "entry_hash",
    "provenance",
    "files",
    "weights",
    "exports",
    "verify",
)


def has_export_records(data: Mapping[str, Any]) -> bool:
    models = data.get("models")
    entries = models.values() if isinstance(models, dict) else ()
    return any(isinstance(e, dict) and ("exports" in e or "verify" in e) for e in entries)


def first_problem(data: Mapping[str, Any]) -> str | None:
    """The first way ``data`` is not a lock ptm writes, as one line, or None."""
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version not in TOP_KEYS:
        return f"at version: one of {', '.join(map(str, TOP_KEYS))} was expected"
    if extra := [k for k in data if k not in TOP_KEYS[version]]:
        return f"at top level: unexpected key {extra[0]!r}"
    if missing := [k for k in TOP_KEYS[version] if k not in data]:
        return f"at top level: {missing[0]!r} is a required property"
    if version == 1 and not _is_hash(data["manifest_hash"]):
        return "at manifest_hash: not 'sha256:' and 64 lowercase hex digits"
    models = data["models"]
    if not isinstance(models, dict):
        return "at models: not a table"
    for name, entry in models.items():
        if not NAME_RE.match(name):
            return f"at models: model name {name!r} may only use letters, digits, '-' and '_'"
        if problem := _model(entry, version):
            where, what = problem
            return f"at models.{name}{where}: {what}"
    return None


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and CONTENT_HASH_RE.match(value) is not None


def _model(entry: Any, version: int) -> tuple[str, str] | None:
    if not isinstance(entry, dict):
        return "", "not a table"
    if extra := [k for k in entry if k not in MODEL_KEYS]:
        return "", f"unexpected key {extra[0]!r}"
    hub = entry.get("hub")
    if hub not in HUBS:
        return ".hub", f"{hub!r} is not one of {', '.join(HUBS)}"
    required, forbidden, from_urls = HUBS[hub]
    # Format 2 hashes each entry (lockfile.ENTRY_HASH); format 1 did not.
    for key in ("pin_hash", *(("entry_hash",) if version >= 2 else ()), "files", *required):
        if key not in entry:
            return "", f"{key!r} is a required property"
    if present := [k for k in forbidden if k in entry]:
        return f".{present[0]}", f"not taken by a {hub} model"
    checks = {
        "commit": is_commit,
        "digest": _is_hash,
        "pin_hash": _is_hash,
        "entry_hash": _is_hash,
        "entry": lambda v: isinstance(v, str) and ENTRY_RE.match(v) is not None,
        "license": lambda v: isinstance(v, str),
        **dict.fromkeys(STRINGS, lambda v: isinstance(v, str) and v != ""),
    }
    for key, check in checks.items():
        if key in entry and not check(entry[key]):
            return f".{key}", f"{entry[key]!r} is not a valid {key}"
    provenance = entry.get("provenance", {})
    if not isinstance(provenance, dict) or not all(isinstance(v, str) for v in provenance.values()):
        return ".provenance", "not a table of strings"
    for key, by_url in (("files", from_urls), ("weights", True)):
        files = entry.get(key, [])
        if not isinstance(files, list):
            return f".{key}", "not an array"
        for index, file in enumerate(files):
            if problem := _file(file, by_url):
                where, what = problem
                return f".{key}[{index}]{where}", what
    return None


def _file(file: Any, by_url: bool) -> tuple[str, str] | None:
    if not isinstance(file, dict):
        return "", "not a table"
    # Run for every file of every model on each read (`ptm check`, a pre-commit hook, reads the lock):
    # nothing here is built or compiled per file.
    allowed = _FILE_KEYS_BY_URL[by_url]
    if extra := [k for k in file if k not in allowed]:
        return "", f"unexpected key {extra[0]!r}"
    for key in _REQUIRED_BY_URL[by_url]:
        if key not in file:
            return "", f"{key!r} is a required property"
    path, url = file["path"], file.get("url")
    if not isinstance(path, str) or unsafe_path_reason(path):
        return ".path", f"{path!r} is not a relative path inside its folder"
    if not is_size(file["size"]):
        return ".size", f"{file['size']!r} is not a size (a whole number >= 0)"
    if not is_sha256(file["sha256"]):
        return ".sha256", f"{file['sha256']!r} is not 64 lowercase hex digits"
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        return ".url", f"{url!r} is not an http(s) URL"
    if not (isinstance(file.get("etag", ""), str) and isinstance(file.get("last_modified", ""), str)):
        return "", "etag and last_modified must be strings"
    return None
