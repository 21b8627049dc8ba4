"""Plain HTTP(S) for the sources that fetch by URL (url files, torch.hub archives and weights).

One shared httpx2 client (the HTTP library huggingface_hub already brings): redirects followed, bytes
streamed in large chunks, failures turned into one line that names the model and the URL.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from .. import __version__, config
from ..errors import PtmError, ResolveError
from .base import Download

if TYPE_CHECKING:
    import httpx2

CHUNK = 1 << 20
# Turns an HTTP error answer (body already read) into the message the user sees.
ErrorMapper = Callable[["httpx2.Response", str], PtmError]

_client: httpx2.Client | None = None
_client_lock = threading.Lock()


def client() -> httpx2.Client:
    global _client
    with _client_lock:
        if _client is None:
            import httpx2

            _client = httpx2.Client(follow_redirects=True)
        return _client


def status_error(response: httpx2.Response, label: str) -> PtmError:
    url, status = response.request.url, response.status_code
    hint = {
        404: "check the URL",
        401: "the server wants credentials, which ptmlock does not send to plain URLs",
        403: "the server refused access",
    }.get(status, "try again later, or check the URL")
    return ResolveError(f"{label}: {url} answered HTTP {status} {response.reason_phrase}; {hint}")


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
    except httpx2.TransportError as error:
        host = urlsplit(url).netloc
        raise ResolveError(
            f"{label}: cannot reach {host} ({type(error).__name__}: {error}); check your network and the URL"
        ) from None


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
) -> Fetched:
    """Download once, hashing as the bytes arrive (and writing them to ``sink`` if given)."""
    digest, size = hashlib.sha256(), 0
    with get(url, label, headers, 0, on_error) as response:
        for chunk in response.iter_bytes(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if sink is not None:
                sink.write(chunk)
        return Fetched(
            digest.hexdigest(), size, response.headers.get("etag"), response.headers.get("last-modified")
        )
