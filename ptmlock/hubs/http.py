"""Plain HTTP(S) for the sources that fetch by URL (url files, torch.hub archives and weights).

One shared httpx2 client (the HTTP library huggingface_hub already brings): redirects followed, bytes
streamed in large chunks, failures turned into one line that names the model and the URL. Requests that
fail for a passing reason (HTTP 429 or 5xx, a connection the server dropped) are tried again, waiting as
the server's Retry-After says or backing off exponentially; the Hugging Face client gets the same
behaviour through ``retrying_client``. No body is read past what the caller knows the file holds.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import netrc
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import __version__, config, progress
from ..errors import PtmError, ResolveError
from ..redact import redact
from .base import Download

if TYPE_CHECKING:
    import httpx2

CHUNK = 1 << 20
# Turns an HTTP error answer (body already read) into the message the user sees.
ErrorMapper = Callable[["httpx2.Response", str], PtmError]

# Answers that say "not now" rather than "no" (what huggingface_hub's http_backoff, pip and uv retry).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Only requests that can be sent twice without harm are tried again.
RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIRST_WAIT_S = 0.5  # then doubled each try
MAX_WAIT_S = 30.0  # also the most a Retry-After is honoured for: a server cannot park an install

_client: httpx2.Client | None = None
_client_lock = threading.Lock()


def client() -> httpx2.Client:
    global _client
    with _client_lock:
        if _client is None:
            _client = retrying_client(follow_redirects=True, auth=_netrc_auth())
        return _client


def retrying_client(**options: Any) -> httpx2.Client:
    """An httpx2.Client (built with ``options``) whose requests are tried again on passing failures."""
    return _retrying_client_type()(**options)


@functools.cache
def _retrying_client_type() -> type[httpx2.Client]:
    import httpx2  # here, not at the top: commands that never fetch do not import it

    class RetryingClient(httpx2.Client):
        # request() and stream() both come through send(), which returns before any body is handed out.
        # Retrying here rather than in a transport also covers the proxy transports httpx2 mounts.
        def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
            return _send_retrying(request, lambda: super(RetryingClient, self).send(request, **kwargs))

    return RetryingClient


def _send_retrying(request: httpx2.Request, send: Callable[[], httpx2.Response]) -> httpx2.Response:
    import httpx2

    # A dropped connection is worth another try; a refused one (nothing listens) or a timeout (which
    # already waited PTM_HTTP_TIMEOUT) is not.
    dropped = (httpx2.ReadError, httpx2.WriteError, httpx2.RemoteProtocolError)
    retries = config.http_retries() if request.method in RETRY_METHODS else 0
    for attempt in range(retries):
        try:
            response = send()
        except dropped as error:
            reason, wait = f"{type(error).__name__}: {error}", None
        else:
            if response.status_code not in RETRY_STATUSES:
                return response
            reason, wait = f"HTTP {response.status_code}", retry_after(response.headers.get("retry-after"))
            response.close()
        wait = min(MAX_WAIT_S, FIRST_WAIT_S * 2**attempt if wait is None else wait)
        progress.notice(
            f"retrying {redact(str(request.url))} in {wait:g} s ({_one_line(redact(reason))}; "
            f"retry {attempt + 1} of {retries})"
        )
        time.sleep(wait)
    return send()  # the last try: its answer, or its error, is the caller's


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP-date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _netrc_auth() -> httpx2.Auth | None:
    """Credentials for plain URLs from ~/.netrc (or $NETRC), as curl, pip and uv read them: URLs in
    ptm.toml may not carry any, since they would be written into ptm.lock."""
    import httpx2

    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    if not path.is_file():
        return None
    try:
        entries = netrc.netrc(str(path))
    except (netrc.NetrcParseError, OSError) as error:
        raise PtmError(f"{path}: cannot be read as a netrc file ({_one_line(str(error))}); fix it") from error

    def add(request: httpx2.Request) -> httpx2.Request:
        found = entries.authenticators(request.url.host)
        if found and "authorization" not in request.headers:  # an explicit token (GitHub's) wins
            login, _, password = found
            token = base64.b64encode(f"{login}:{password or ''}".encode()).decode()
            request.headers["Authorization"] = f"Basic {token}"
        return request

    return httpx2.FunctionAuth(add)


def status_error(response: httpx2.Response, label: str) -> PtmError:
    url, status = response.request.url, response.status_code
    hint = {
        404: "check the URL",
        401: "the server wants credentials, which ptmlock does not send to plain URLs",
        403: "the server refused access",
    }.get(status, "try again later, or check the URL")
    return ResolveError(
        f"{label}: {redact(str(url))} answered HTTP {status} {response.reason_phrase}; {hint}"
    )


@contextmanager
def get(
    url: str,
    label: str,
    headers: Mapping[str, str] | None = None,
    offset: int = 0,
    on_error: ErrorMapper = status_error,
) -> Iterator[httpx2.Response]:
    """A streaming GET (from ``offset`` when asked); HTTP errors and network failures raise PtmError."""
    import httpx2

    sent = {"User-Agent": f"ptmlock/{__version__}", "Accept-Encoding": "identity", **(headers or {})}
    if offset:
        sent["Range"] = f"bytes={offset}-"
    try:
        with client().stream("GET", url, headers=sent, timeout=config.http_timeout()) as response:
            if response.status_code == 416 and offset:
                response.close()  # the range is past the end: the kept part is not ours, start over
                with get(url, label, headers, 0, on_error) as whole:
                    yield whole
                return
            if response.status_code >= 400:
                response.read()
                raise on_error(response, label)
            yield response
    except httpx2.TooManyRedirects as error:
        raise ResolveError(f"{label}: {redact(url)} redirects in a loop; check the URL") from error
    except httpx2.TransportError as error:
        host = urlsplit(url).netloc.rpartition("@")[2]  # never the credentials
        raise ResolveError(
            f"{label}: cannot reach {host} ({type(error).__name__}: {_one_line(redact(str(error)))}); "
            "check your network and the URL"
        ) from error


def capped(chunks: Iterator[bytes], limit: int, message: str) -> Iterator[bytes]:
    """``chunks``, but a ResolveError(``message``) as soon as they hold more than ``limit`` bytes: a server
    sending more than it said (or an endless body) is stopped, not written to disk."""
    got = 0
    for chunk in chunks:
        got += len(chunk)
        if got > limit:
            raise ResolveError(message)
        yield chunk


def _body_limit(response: httpx2.Response, label: str) -> tuple[int, str]:
    """The most bytes a body of unknown size may hold, PTM_MAX_DOWNLOAD, and the error for one that goes
    past it. A Content-Length above it is refused before the body is read; one below needs no check of
    ours, as httpx2 never reads past it."""
    most, url = config.max_download(), redact(str(response.url))
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > most:
        raise ResolveError(
            f"{label}: {url} is {length} bytes, more than PTM_MAX_DOWNLOAD={most}; raise PTM_MAX_DOWNLOAD "
            "(e.g. 500G) if the file is really that big"
        )
    return most, (
        f"{label}: {url} sent more than PTM_MAX_DOWNLOAD={most} bytes; raise PTM_MAX_DOWNLOAD "
        "(e.g. 500G) if the file is really that big"
    )


@contextmanager
def download(
    url: str,
    label: str,
    offset: int = 0,
    headers: Mapping[str, str] | None = None,
    on_error: ErrorMapper = status_error,
) -> Iterator[Download]:
    """The bytes at ``url`` as a Download, resumed at ``offset`` when the server honours Range."""
    with get(url, label, headers, offset, on_error) as response:
        # A server without Range support answers 200 with the whole file: start over.
        start = offset if response.status_code == 206 else 0
        yield Download(
            offset=start,
            chunks=response.iter_bytes(CHUNK),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )


@dataclass(frozen=True)
class Fetched:
    sha256: str
    size: int
    etag: str | None
    last_modified: str | None


def fetch(
    url: str,
    label: str,
    sink: IO[bytes] | None = None,
    headers: Mapping[str, str] | None = None,
    on_error: ErrorMapper = status_error,
    on_bytes: Callable[[int], None] | None = None,
) -> Fetched:
    """Download once, hashing as the bytes arrive (and writing them to ``sink`` if given, telling
    ``on_bytes`` how many came); the size is not known yet, so the body is bounded by _body_limit."""
    digest, size = hashlib.sha256(), 0
    with get(url, label, headers, 0, on_error) as response:
        limit, too_long = _body_limit(response, label)
        for chunk in capped(response.iter_bytes(CHUNK), limit, too_long):
            digest.update(chunk)
            size += len(chunk)
            if sink is not None:
                sink.write(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
        return Fetched(
            digest.hexdigest(), size, response.headers.get("etag"), response.headers.get("last-modified")
        )
