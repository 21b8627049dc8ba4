"""hub = "url": model files at plain HTTP(S) URLs, pinned by the sha256 of the bytes served at lock time.

Also the parsing and locking of URL file lists for other sources (torch.hub weights).
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import config, progress
from ..errors import IntegrityError, LockError
from ..lockfile import LockedFile
from ..paths import unsafe_path_reason
from ..redact import redact
from . import http
from .base import Download, Keeper, OptionError, ReadsEachFile, Resolution

if TYPE_CHECKING:
    from ..lockfile import LockedModel
    from ..manifest import ModelSpec

ENTRY_KEYS = ("url", "path", "sha256")
_SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class RemoteFile:
    """One file as declared: where it is, the name it gets, and optionally the sha256 it must have."""

    url: str
    path: str
    sha256: str | None = None


def check_url(url: Any, key: str) -> str:
    if not isinstance(url, str):
        raise OptionError(key, f"'{key}' must be an http(s) URL string, not {type(url).__name__}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OptionError(
            key, f'{redact(url)!r} is not an http(s) URL such as "https://example.com/model.bin"'
        )
    if "@" in parts.netloc:
        # The URL is written into ptm.lock, which is committed: the credentials would be published.
        raise OptionError(
            key,
            f"{redact(url)} carries credentials, which would be written into ptm.lock; remove them from "
            "the URL and put them in ~/.netrc (machine, login, password), or use a mirror that needs none",
        )
    return url


def check_sha256(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA256_RE.match(value):
        raise OptionError(key, f"sha256 {value!r} must be 64 hex digits, as `sha256sum` prints")
    return value.lower()


def url_file_name(url: str) -> str:
    """The URL's last segment, as torch.hub names a downloaded checkpoint ("" when it ends in "/")."""
    return posixpath.basename(urlsplit(url).path)


def remote_file(entry: Any, key: str, named_by_url: bool = False) -> RemoteFile:
    """One entry of a URL list: a URL string, or a table { url, path?, sha256? }.

    ``named_by_url``: the file must keep the URL's last segment as its name (torch.hub weights, which
    torch.hub.load_state_dict_from_url looks for under that name).
    """
    bare = isinstance(entry, str)
    if bare:
        entry = {"url": entry}
    if not isinstance(entry, Mapping):
        raise OptionError(
            key, f'each entry of \'{key}\' must be a URL or a table {{ url = "...", path = "..." }}'
        )
    for name in entry:
        if name not in ENTRY_KEYS:
            close = difflib.get_close_matches(name, ENTRY_KEYS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(ENTRY_KEYS)}"
            raise OptionError(key, f"unknown key '{name}' in an entry of '{key}'; {hint}")
    if "url" not in entry:
        raise OptionError(key, f"every entry of '{key}' needs url = \"https://...\"")
    url = check_url(entry["url"], key)
    named = url_file_name(url)
    if named_by_url:
        if not named:
            raise OptionError(
                key, f"{url} does not end in a file name, which torch.hub needs to name the checkpoint"
            )
        if entry.get("path", named) != named:
            raise OptionError(
                key,
                f"path {entry['path']!r} is not {named!r}, the URL's last segment, which is the name "
                f"torch.hub looks for the checkpoint under; remove path from this entry of '{key}'",
            )
    path = entry.get("path", named)
    if not isinstance(path, str) or not path:
        table = f'{{ url = "{url}", path = "model.bin" }}'
        fix = f"files = [{table}]" if key == "url" else table if bare else 'path = "model.bin"'
        raise OptionError(key, f"{url} does not end in a file name; give it one with {fix}")
    if reason := unsafe_path_reason(path):
        raise OptionError(key, f"path {path!r} {reason}; use a relative path inside the model folder")
    return RemoteFile(url, path, check_sha256(entry.get("sha256"), key))


def remote_files(entries: Any, key: str, named_by_url: bool = False) -> tuple[RemoteFile, ...]:
    if not isinstance(entries, list) or not entries:
        raise OptionError(
            key, f"'{key}' must be a non-empty list of URLs or {{ url = ..., path = ... }} tables"
        )
    files = tuple(remote_file(entry, key, named_by_url) for entry in entries)
    seen: set[str] = set()
    for file in files:
        if file.path in seen:
            fix = "torch.hub keeps one checkpoint per name" if named_by_url else "give one another path"
            raise OptionError(key, f"two entries of '{key}' are both named {file.path!r}; {fix}")
        seen.add(file.path)
    return files


def lock_remote_files(
    name: str, files: Sequence[RemoteFile], keeper: Keeper | None
) -> tuple[LockedFile, ...]:
    """Download every file once (in parallel), hashing it and giving it to ``keeper``, so that installing
    the lock does not download it again; a declared sha256 that differs is an error."""

    def lock_one(file: RemoteFile, shown: progress.Bar) -> LockedFile:
        label = f"model '{name}'"

        def fetch(sink: IO[bytes] | None) -> http.Fetched:
            got = http.fetch(file.url, label, sink=sink, on_bytes=shown.advance)
            return _checked(got, file, label)

        got = keeper.keep(fetch) if keeper is not None else fetch(None)
        return LockedFile(
            file.path, got.size, got.sha256, url=file.url, etag=got.etag, last_modified=got.last_modified
        )

    # Their sizes are not known before they are downloaded: the bar counts bytes without a total.
    description = f"{name}: downloading to hash, files: {len(files)}"
    with (
        progress.bar(description, None, "bytes") as shown,
        ThreadPoolExecutor(max_workers=config.pool_size(len(files))) as pool,
    ):
        locked = pool.map(lambda file: lock_one(file, shown), files)
        return tuple(sorted(locked, key=lambda f: f.path))


def _checked(got: http.Fetched, file: RemoteFile, label: str) -> http.Fetched:
    if file.sha256 and got.sha256 != file.sha256:
        raise IntegrityError(
            f"{label}: {redact(file.url)} served sha256 {got.sha256} ({got.size} bytes) but ptm.toml "
            f"expects {file.sha256}; the file changed upstream, or the sha256 in ptm.toml is wrong"
        )
    return got


@contextmanager
def open_remote(model: LockedModel, file: LockedFile, offset: int) -> Iterator[Download]:
    if not file.url:
        raise LockError(
            f"model '{model.name}': {file.path} has no url in ptm.lock; regenerate it with `ptm lock`"
        )
    with http.download(file.url, f"model '{model.name}'", offset) as download:
        yield replace(download, mismatch_hint=_changed_upstream(model, file, file.url, download))


def _changed_upstream(model: LockedModel, file: LockedFile, url: str, download: Download) -> str | None:
    """The hint for a mismatch when the server's validators differ from the locked ones (``url`` is the
    file's, known to be there)."""
    for what, locked, now in (
        ("ETag", file.etag, download.etag),
        ("Last-Modified", file.last_modified, download.last_modified),
    ):
        if locked and now and locked != now:
            return (
                f"{redact(url)} changed upstream since it was locked ({what} {locked} -> {now}); "
                "keep the locked bytes by serving them again, or move the pin with "
                f"`ptm lock --upgrade {model.name}`"
            )
    return None


def declared_files(options: Mapping[str, Any]) -> tuple[RemoteFile, ...]:
    if "files" in options:
        for other in ("url", "sha256"):
            if other in options:
                raise OptionError(
                    other, "give either url = (with an optional sha256) or files = [...], not both"
                )
        return remote_files(options["files"], "files")
    if "url" not in options:
        raise OptionError("url", 'a url model needs url = "https://..." or files = [{ url = "https://..." }]')
    file = remote_file(check_url(options["url"], "url"), "url")
    return (replace(file, sha256=check_sha256(options.get("sha256"), "sha256")),)


class UrlSource(ReadsEachFile):
    name = "url"
    pinned_by_local_files = False

    def check_options(self, options: Mapping[str, Any]) -> tuple[str, str] | None:
        try:
            declared_files(options)
        except OptionError as error:
            return error.key, error.message
        return None

    def resolve(self, spec: ModelSpec, keeper: Keeper | None = None) -> Resolution:
        files = lock_remote_files(spec.name, declared_files(spec.options), keeper)
        return Resolution(commit=None, files=files)

    @contextmanager
    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> Iterator[Download]:
        with open_remote(model, file, offset) as download:
            yield download


SOURCE = UrlSource()
