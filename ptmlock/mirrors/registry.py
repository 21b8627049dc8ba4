"""A small client of the OCI Distribution API: what `ptm push` and a mirror install need, no more.

Blobs are checked with HEAD before upload (a registry that has a blob is not sent it again) and uploaded
in one monolithic POST + PUT; manifests are put by tag and read back by digest. A 401 answer's challenge
(Basic, or Bearer with a token from the realm it names) is answered with the credentials of
``credentials.py``; tokens are kept per scope for the client's life.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .. import __version__, config
from ..errors import PtmError
from ..hubs.http import retrying_client
from ..redact import redact
from .credentials import credentials
from .reference import OciReference

if TYPE_CHECKING:
    import httpx2

CHUNK = 1 << 20
_CHALLENGE_RE = re.compile(r'(\w+)="([^"]*)"')
_HINTS = {
    401: "the registry wants credentials: set PTM_OCI_USERNAME and PTM_OCI_PASSWORD, or `docker login`",
    403: "the registry refused access to this repository for these credentials",
    404: "the registry has no such repository or blob",
}


class RegistryError(PtmError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status that caused it, when one did


def _challenge_auth(registry: str) -> httpx2.Auth:
    import httpx2

    class ChallengeAuth(httpx2.Auth):
        """Send what the last 401 asked for; fetch a Bearer token from its realm when it asks for one."""

        def __init__(self) -> None:
            self._header: str | None = None
            self._lock = threading.Lock()

        def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
            if self._header:
                request.headers["Authorization"] = self._header
            response = yield request
            if response.status_code != 401:
                return
            header = self._answer(response.headers.get("WWW-Authenticate", ""))
            if header is None:
                return
            with self._lock:
                self._header = header
            request.headers["Authorization"] = header
            yield request

        def _answer(self, challenge: str) -> str | None:
            scheme, _, params = challenge.partition(" ")
            login = credentials(registry)
            if scheme.lower() == "basic":
                return None if login is None else httpx2.BasicAuth(*login)._auth_header
            if scheme.lower() != "bearer":
                return None
            fields = dict(_CHALLENGE_RE.findall(params))
            realm = fields.pop("realm", "")
            if not realm.startswith(("https://", "http://")):
                return None
            auth = httpx2.BasicAuth(*login) if login else None
            with retrying_client(timeout=config.http_timeout()) as token_client:
                answer = token_client.get(realm, params=fields, auth=auth)
            if answer.status_code != 200:
                return None
            try:
                data = answer.json()
            except ValueError:
                return None
            token = data.get("token") or data.get("access_token") if isinstance(data, dict) else None
            return f"Bearer {token}" if isinstance(token, str) and token else None

    return ChallengeAuth()


class Registry:
    """One registry; thread-safe, so blobs of many models can be pushed at once."""

    def __init__(self, registry: str, base_url: str) -> None:
        self.registry = registry
        self.base_url = base_url
        self._client = retrying_client(
            timeout=config.http_timeout(),
            auth=_challenge_auth(registry),
            headers={"User-Agent": f"ptmlock/{__version__}"},
            follow_redirects=True,
        )

    @classmethod
    def of(cls, reference: OciReference) -> Registry:
        return cls(reference.registry, reference.base_url)

    def close(self) -> None:
        self._client.close()

    def _url(self, repository: str, kind: str, ref: str) -> str:
        return f"{self.base_url}/v2/{repository}/{kind}/{ref}"

    def _request(self, method: str, url: str, label: str, **kwargs: object) -> httpx2.Response:
        import httpx2

        try:
            return self._client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx2.TransportError as error:
            raise self._unreachable(label, error) from error

    def _unreachable(self, label: str, error: Exception) -> RegistryError:
        return RegistryError(
            f"{label}: cannot reach the registry {self.registry} ({type(error).__name__}); "
            "check the address, and that it is running"
        )

    def _fail(self, response: httpx2.Response, label: str) -> RegistryError:
        status = response.status_code
        hint = _HINTS.get(status, "try again later, or check the registry's logs")
        return RegistryError(
            f"{label}: the registry {self.registry} answered HTTP {status} "
            f"{redact(response.reason_phrase)}; {hint}",
            status,
        )

    def has_blob(self, repository: str, digest: str) -> bool:
        label = f"{repository}@{digest[:19]}"
        response = self._request("HEAD", self._url(repository, "blobs", digest), label)
        if response.status_code == 404:
            return False
        if response.status_code != 200:
            raise self._fail(response, label)
        return True

    def push_blob(self, repository: str, digest: str, content: Path | bytes) -> None:
        """Upload a file (or bytes) as blob ``digest`` in one POST + PUT; the registry checks the digest."""
        label = f"{repository}@{digest[:19]}"
        started = self._request("POST", f"{self.base_url}/v2/{repository}/blobs/uploads/", label)
        location = started.headers.get("Location")
        if started.status_code != 202 or not location:
            raise self._fail(started, label)
        url = urljoin(f"{self.base_url}/", location)
        if not url.startswith(f"{self.base_url}/"):  # the upload, and our credentials, go nowhere else
            raise RegistryError(
                f"{label}: the registry {self.registry} sent the upload to {redact(url.split('?')[0])}, "
                "another host; ptm uploads to the registry itself only"
            )
        url += f"{'&' if '?' in url else '?'}digest={digest}"
        headers = {"Content-Type": "application/octet-stream"}
        if isinstance(content, Path):
            headers["Content-Length"] = str(content.stat().st_size)
        body = _chunks(content) if isinstance(content, Path) else content
        done = self._request("PUT", url, label, content=body, headers=headers)
        if done.status_code != 201:
            raise self._fail(done, label)

    def put_manifest(self, repository: str, tag: str, manifest: bytes, media_type: str) -> str:
        """Put ``manifest`` under ``tag``; the digest the registry answers with, checked against ours."""
        from .modelpack import digest_of

        label = f"{repository}:{tag}"
        response = self._request(
            "PUT",
            self._url(repository, "manifests", tag),
            label,
            content=manifest,
            headers={"Content-Type": media_type},
        )
        if response.status_code not in (200, 201):
            raise self._fail(response, label)
        ours = digest_of(manifest)
        theirs = response.headers.get("Docker-Content-Digest")
        if theirs and theirs != ours:
            raise RegistryError(
                f"{label}: the registry {self.registry} stored the manifest as {theirs}, not {ours}; "
                "it altered what was pushed, so it cannot serve as a mirror"
            )
        return ours

    def manifest_digest(self, repository: str, tag: str, media_type: str) -> str | None:
        """The digest ``tag`` points at now, or None when the repository or tag does not exist."""
        from .modelpack import digest_of

        label = f"{repository}:{tag}"
        response = self._request(
            "GET", self._url(repository, "manifests", tag), label, headers={"Accept": media_type}
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._fail(response, label)
        return digest_of(response.content)

    @contextmanager
    def open_blob(
        self, repository: str, digest: str, headers: dict[str, str] | None = None
    ) -> Iterator[httpx2.Response]:
        """A streaming GET of a blob (a Range in ``headers`` resumes); the caller verifies every byte."""
        import httpx2

        label = f"{repository}@{digest[:19]}"
        try:
            with self._client.stream(
                "GET", self._url(repository, "blobs", digest), headers=headers
            ) as response:
                if response.status_code not in (200, 206):
                    response.read()
                    raise self._fail(response, label)
                yield response
        except httpx2.TransportError as error:
            raise self._unreachable(label, error) from error


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk
