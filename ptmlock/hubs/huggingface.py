"""Hugging Face Hub (or any Hub-compatible mirror set through HF_ENDPOINT), via huggingface_hub."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from .. import __version__, config, progress
from ..errors import PtmError, ResolveError
from ..lockfile import LockedFile
from ..paths import unsafe_path_reason
from ..pins import is_commit, is_sha256, is_size
from ..redact import redact
from . import http
from .base import Download, Keeper, ReadsEachFile, Resolution

if TYPE_CHECKING:
    import httpx2
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    from ..lockfile import LockedModel
    from ..manifest import ModelSpec

# Weight formats that duplicate what safetensors (or another framework) already holds.
DEFAULT_EXCLUDE = (
    ".gitattributes",
    "tf_model.h5",
    "*.msgpack",
    "rust_model.ot",
    "*.tflite",
    "*.gguf",
    "coreml/*",
    "onnx/*",
    "openvino/*",
)
# Dropped only when a .safetensors file is selected, so pickle-only repos still work.
PICKLE_DUPLICATES = ("*pytorch_model*.bin", "*.ckpt", "*.pt", "*.pth")
_REPO_RE = re.compile(r"^(?:[A-Za-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*$")
CHUNK = 1 << 20
# A tree listing longer than this is a server that never stops paging; the largest real repos hold a few
# tens of thousands of files.
MAX_TREE_ENTRIES = 100_000


@dataclass(frozen=True)
class RemoteEntry:
    path: str
    size: int | None
    sha256: str | None


def select_files(paths: Sequence[str], include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """The files a model needs: the user's globs, or everything but duplicate weight formats."""
    from huggingface_hub.utils import filter_repo_objects

    if include:
        return sorted(
            filter_repo_objects(paths, allow_patterns=list(include), ignore_patterns=list(exclude) or None)
        )
    ignore = [*DEFAULT_EXCLUDE, *exclude]
    kept = list(filter_repo_objects(paths, ignore_patterns=ignore))
    if any(p.endswith(".safetensors") for p in kept):
        kept = list(filter_repo_objects(kept, ignore_patterns=list(PICKLE_DUPLICATES)))
    return sorted(kept)


class HuggingFaceSource(ReadsEachFile):
    name = "huggingface"
    pinned_by_local_files = False

    def check_options(self, options: Mapping[str, Any]) -> tuple[str, str] | None:
        repo = options.get("repo")
        if repo is None:
            return "repo", 'a huggingface model needs repo = "org/name"'
        if not isinstance(repo, str) or not _REPO_RE.match(repo) or ".." in repo:
            return "repo", f'repo {repo!r} is not a Hugging Face repo id such as "org/name"'
        return None

    def _api(self) -> HfApi:
        from huggingface_hub import HfApi

        return HfApi(
            endpoint=config.hf_endpoint(),
            token=config.hf_token(),
            library_name="ptmlock",
            library_version=__version__,
        )

    def resolve(self, spec: ModelSpec, keeper: Keeper | None = None) -> Resolution:
        repo, revision = spec.options["repo"], spec.revision
        assert revision is not None  # the manifest gives every huggingface model one (main by default)
        where = f"model '{spec.name}' ({repo}@{revision})"
        with _errors_named(spec.name, repo, revision):
            api = self._api()
            with _hub_answer(spec.name):
                info = api.model_info(
                    repo, revision=revision, files_metadata=True, timeout=config.http_timeout()
                )
                listed = [
                    _remote_entry(where, s.rfilename, s.size, s.lfs.sha256 if s.lfs else None)
                    for s in info.siblings or []
                ]
            entries = {e.path: e for e in listed}
            commit = info.sha or self._commit_from_head(repo, revision, listed)
            if not is_commit(commit):  # it names a folder of the cache: snapshots/<commit>
                raise ResolveError(
                    f"{where}: {_endpoint()} answered commit {_shown(commit)}, which is not a commit id "
                    "(40 lowercase hex digits); check HF_ENDPOINT"
                )
            if any(e.size is None for e in entries.values()):
                # Partial mirrors answer model_info without file metadata; the tree listing has it.
                with _hub_answer(spec.name):
                    entries = self._entries_from_tree(where, repo, commit) or entries
            for path in entries:
                if reason := unsafe_path_reason(path):
                    raise ResolveError(
                        f"model '{spec.name}': {repo}@{commit[:12]} lists file {path!r}, "
                        f"which {reason}; refusing to lock it"
                    )
            selected = select_files(list(entries), spec.include, spec.exclude)
            if not selected:
                raise ResolveError(
                    f"model '{spec.name}': no file of {repo}@{revision} matches the include/"
                    f"exclude patterns; available: {', '.join(sorted(entries)[:8])}"
                )
            files = self._complete(spec.name, where, repo, commit, [entries[p] for p in selected])
            license_ = getattr(info.card_data, "license", None) if info.card_data else None
        if isinstance(license_, list):
            license_ = ", ".join(map(str, license_))
        return Resolution(commit=commit, files=files, license=license_)

    def _commit_from_head(self, repo: str, revision: str, listed: Sequence[RemoteEntry]) -> Any:
        """The commit a file's download reports (X-Repo-Commit), for mirrors whose model info has none."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        if not listed:
            raise ResolveError(f"{repo}@{revision}: the hub reported neither a commit nor any file")
        url = hf_hub_url(repo, listed[0].path, revision=revision, endpoint=config.hf_endpoint())
        commit = get_hf_file_metadata(url, token=config.hf_token(), timeout=config.http_timeout()).commit_hash
        if not commit:
            raise ResolveError(f"{repo}@{revision}: the hub did not report which commit it serves")
        return commit

    def _entries_from_tree(self, where: str, repo: str, commit: str) -> dict[str, RemoteEntry] | None:
        """The recursive tree listing at ``commit``, or None where the mirror has none.

        Followed page by page (Link: rel="next") here rather than by huggingface_hub, which follows a
        server's links forever: every entry must be new and every page that links on must hold some, so
        a page linking to itself (or back) fails at once, and the entries are capped at MAX_TREE_ENTRIES.
        """
        from huggingface_hub import errors
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

        headers = build_hf_headers(
            token=config.hf_token(), library_name="ptmlock", library_version=__version__
        )
        url: str | None = f"{config.hf_endpoint()}/api/models/{repo}/tree/{quote(commit, safe='')}"
        params: dict[str, str] | None = {"recursive": "true", "expand": "false"}
        seen: set[Any] = set()
        entries: dict[str, RemoteEntry] = {}
        while url is not None:
            response = get_session().get(url, params=params, headers=headers, timeout=config.http_timeout())
            try:
                hf_raise_for_status(response)
            except (errors.EntryNotFoundError, errors.HfHubHTTPError):
                return None
            page, url, params = response.json(), response.links.get("next", {}).get("url"), None
            if url is not None and _origin(url) != _origin(config.hf_endpoint()):
                raise ResolveError(
                    f"{where}: {_endpoint()} links the next page of a tree listing to another server, "
                    f"{redact(url)}, which would be sent your token; check HF_ENDPOINT"
                )
            if not isinstance(page, list) or (url is not None and not page):
                raise ResolveError(
                    f"{where}: {_endpoint()} answered a tree listing page that is not a list of files "
                    "(or is empty and links to another); check HF_ENDPOINT"
                )
            for item in page:
                path = item["path"]
                if path in seen or len(seen) >= MAX_TREE_ENTRIES:
                    problem = f"lists {_shown(path)} twice" if path in seen else "lists too many files"
                    raise ResolveError(
                        f"{where}: {_endpoint()} {problem} in the tree of {commit[:12]} (a listing that "
                        f"repeats or never ends; at most {MAX_TREE_ENTRIES} entries); check HF_ENDPOINT"
                    )
                seen.add(path)
                if item["type"] == "file":
                    sha256 = item["lfs"]["oid"] if item.get("lfs") else None
                    entries[path] = _remote_entry(where, path, item.get("size"), sha256)
        return entries

    def _complete(
        self, name: str, where: str, repo: str, commit: str, entries: list[RemoteEntry]
    ) -> tuple[LockedFile, ...]:
        """Fill in what the hub did not report (small git files have no sha256) by hashing the bytes."""
        known = [LockedFile(e.path, e.size, e.sha256) for e in entries if e.sha256 and e.size is not None]
        missing = [e for e in entries if not (e.sha256 and e.size is not None)]
        if not missing:
            return tuple(known)
        total = None if any(e.size is None for e in missing) else sum(e.size or 0 for e in missing)
        with (
            progress.bar(f"{name}: downloading to hash, files: {len(missing)}", total, "bytes") as shown,
            ThreadPoolExecutor(max_workers=config.pool_size(len(missing))) as pool,
        ):
            hashed = list(pool.map(lambda e: self._hash_remote(where, repo, commit, e, shown), missing))
        return tuple(sorted(known + hashed, key=lambda f: f.path))

    def _hash_remote(
        self, where: str, repo: str, commit: str, entry: RemoteEntry, shown: progress.Bar
    ) -> LockedFile:
        """Hash the bytes of a file the hub gives no sha256 for, reading no more than it lists."""
        if entry.size is None:
            limit = config.max_download()
            too_long = (
                f"PTM_MAX_DOWNLOAD={limit} bytes; raise PTM_MAX_DOWNLOAD if the file is really that big"
            )
        else:
            limit, too_long = entry.size, f"the {entry.size} bytes it lists for it; check HF_ENDPOINT"
        message = f"{where}: {_endpoint()} sent more of {entry.path!r} than {too_long}"
        digest, size = hashlib.sha256(), 0
        with _stream(repo, commit, entry.path, offset=0) as download:
            for chunk in http.capped(download.chunks, limit, message):
                digest.update(chunk)
                size += len(chunk)
                shown.advance(len(chunk))
        return LockedFile(entry.path, size, digest.hexdigest())

    @contextmanager
    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> Iterator[Download]:
        with (
            _errors_named(model.name, model.repo or "", model.identity),
            _stream(model.repo or "", model.identity, file.path, offset=offset) as download,
        ):
            yield download


@contextmanager
def _stream(repo: str, commit: str, path: str, offset: int) -> Iterator[Download]:
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    url = hf_hub_url(repo, path, revision=commit, endpoint=config.hf_endpoint())
    headers = build_hf_headers(token=config.hf_token(), library_name="ptmlock", library_version=__version__)
    headers["Accept-Encoding"] = "identity"
    if offset:
        headers["Range"] = f"bytes={offset}-"
    session = get_session()
    with session.stream(
        "GET", url, headers=headers, follow_redirects=True, timeout=config.http_timeout()
    ) as response:
        if offset and response.status_code == 416:
            # What we kept is not a prefix of this file (it is as long or longer): fetch it whole.
            with _stream(repo, commit, path, offset=0) as whole:
                yield whole
            return
        hf_raise_for_status(response)
        # A server without Range support answers 200 with the whole file: start over.
        start = offset if response.status_code == 206 else 0
        yield Download(offset=start, chunks=response.iter_bytes(CHUNK))


@contextmanager
def _hub_answer(name: str) -> Iterator[None]:
    """Around the API calls whose JSON the client (or we) parse: a proxy or partial mirror that answers
    200 with a login page, an empty object or fields of the wrong type makes parsing fail with these, not
    with an HTTP error."""
    try:
        yield
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # ValueError: JSONDecodeError
        raise ResolveError(
            f"model '{name}': {_endpoint()} answered something that is not a Hub API response "
            f"({type(error).__name__}: {_first_line(error)}); check HF_ENDPOINT"
        ) from error


@contextmanager
def _errors_named(name: str, repo: str, revision: str) -> Iterator[None]:
    """Around every call to the hub: the client set up, and its exceptions turned into one line that says
    which model and what to do."""
    # Checked before huggingface_hub is first imported: it parses HF_ENDPOINT then, and a malformed one
    # would end in its traceback rather than this one line.
    config.hf_endpoint()
    _use_retrying_client()
    import httpx2
    from huggingface_hub import errors

    where = f"model '{name}' ({repo}@{revision})"
    try:
        yield
    except errors.OfflineModeIsEnabled as error:
        # No model named: the same line for every model, so a lock of many prints it once (errors.combined).
        raise ResolveError(
            "HF_HUB_OFFLINE is set (huggingface_hub's offline mode), and locking or downloading needs the "
            "hub; unset HF_HUB_OFFLINE (`ptm install --offline` installs what the store already holds)"
        ) from error
    except errors.HfHubHTTPError as error:
        raise ResolveError(f"{where}: {_token_refused(error) or _hub_problem(revision, error)}") from error
    except httpx2.TooManyRedirects as error:
        raise ResolveError(f"{where}: {_endpoint()} redirects in a loop; check HF_ENDPOINT") from error
    except (httpx2.TransportError, ConnectionError) as error:
        raise ResolveError(
            f"{where}: cannot reach {_endpoint()} ({type(error).__name__}: "
            f"{_first_line(error)}); check your network or HF_ENDPOINT"
        ) from error


def _token_refused(error: HfHubHTTPError) -> str | None:
    """What to say when the hub answered 401 to a request that carried a token: the token is wrong,
    whatever the error's kind (a gated or private repo answers 401 to a bad token too)."""
    from huggingface_hub import get_token

    if error.response.status_code != 401 or (token := get_token()) is None:
        return None
    origin = "HF_TOKEN" if token == config.hf_token() else "`hf auth login`"
    return (
        f"{_endpoint()} refused the token from {origin} (401: not a valid token, or expired or revoked); "
        "replace it with a valid one (https://huggingface.co/settings/tokens)"
    )


def _hub_problem(revision: str, error: HfHubHTTPError) -> str:
    """An HTTP error of the hub other than a refused token, with its fix."""
    from huggingface_hub import errors

    if isinstance(error, errors.GatedRepoError):
        if error.response.status_code == 403:  # a valid token whose account has no access yet
            return (
                "the repo is gated and your token's account has no access yet; accept its terms on "
                "the hub (and wait for approval where the authors grant it by hand)"
            )
        return (
            "the repo is gated; accept its terms on the hub, then set HF_TOKEN "
            "(or run `hf auth login`) with an account that has access"
        )
    if isinstance(error, errors.RepositoryNotFoundError):
        return f"repository not found on {_endpoint()}; check the repo id, or set HF_TOKEN if it is private"
    if isinstance(error, errors.RevisionNotFoundError):
        return f"revision '{revision}' not found; use an existing branch, tag or commit"
    if isinstance(error, errors.RemoteEntryNotFoundError):
        return f"file not found on the hub ({_first_line(error)})"
    return f"the hub answered an error: {_first_line(error)}"


_client_factory_lock = threading.Lock()
_client_factory_set = False


def _use_retrying_client() -> None:
    """Send huggingface_hub's requests (model info, file metadata, downloads) through http's retrying
    client, so the hub and plain URLs retry alike. Once, under a lock: setting the factory closes the
    client in use, and a second thread doing it would close the one a first thread is already sending on
    ('Cannot send a request, as the client has been closed')."""
    global _client_factory_set
    with _client_factory_lock:
        if _client_factory_set:
            return
        from huggingface_hub import set_client_factory

        set_client_factory(_hub_client)
        _client_factory_set = True


def _hub_client() -> httpx2.Client:
    # What huggingface_hub's default_client_factory builds (its hook: offline mode, request ids), retrying.
    from huggingface_hub.utils._http import hf_request_event_hook

    return http.retrying_client(
        event_hooks={"request": [hf_request_event_hook]}, follow_redirects=True, timeout=None
    )


def _remote_entry(where: str, path: Any, size: Any, sha256: Any) -> RemoteEntry:
    """A file as the hub lists it, once its name, size and digest are of the shapes a lock holds: the
    digest names a blob file and the size bounds its download."""
    if not isinstance(path, str):
        raise ResolveError(
            f"{where}: {_endpoint()} lists a file named {_shown(path)}, not a string; check HF_ENDPOINT"
        )
    if size is not None and not is_size(size):
        problem = f"size {_shown(size)}, not a whole number of bytes"
    elif sha256 is not None and not is_sha256(sha256):
        problem = f"sha256 {_shown(sha256)}, not 64 lowercase hex digits"
    else:
        return RemoteEntry(path, size, sha256)
    raise ResolveError(f"{where}: {_endpoint()} lists {_shown(path)} with {problem}; check HF_ENDPOINT")


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port or {"http": 80, "https": 443}.get(parts.scheme)


def _endpoint() -> str:
    """HF_ENDPOINT as messages show it: without its credentials."""
    return redact(config.hf_endpoint())


def _shown(value: Any) -> str:
    """A value from a server, quoted on one line and cut short (it may be anything, of any length)."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _first_line(error: BaseException) -> str:
    return redact((str(error).strip().splitlines() or [type(error).__name__])[0])


SOURCE = HuggingFaceSource()


# -- what `ptm outdated` asks: refs and history, read-only ------------------------------------------------
# The most bytes read of a refs listing or a page of history (a real one is a few kB to a few hundred).
MAX_ANSWER = 16 << 20


def ref_of(repo: str, revision: str) -> tuple[str | None, str | None]:
    """Whether ``revision`` is a branch or a tag of ``repo`` on the Hub, and the commit it points to, from
    the repo's refs listing; (None, None) where the hub cannot list them (a partial mirror). The commit
    only spares listing the files of a model that did not move: `ptm outdated` reports, never pins
    (the answer is `("branch" | "tag" | None, commit | None)`)."""
    try:
        refs, _ = _api_page(f"/api/models/{repo}/refs", repo)
        for kind, key in (("branch", "branches"), ("tag", "tags")):
            for ref in refs[key]:
                if revision in (ref["name"], ref["ref"]):
                    target = ref["targetCommit"]
                    return kind, target if is_commit(target) else None
    except (PtmError, ValueError, KeyError, TypeError):
        pass  # the files' listing, next, reports what is wrong with the hub
    return None, None


def history_between(repo: str, old: str, new: str) -> tuple[int | None, bool]:
    """How many commits ``new`` is ahead of ``old`` (None: more than a page of history, or unknown), and
    whether ``old`` is missing from ``new``'s whole history (it was rewritten: a force-push)."""
    try:
        page, more = _api_page(f"/api/models/{repo}/commits/{quote(new, safe='')}", repo)
        commits = [item["id"] for item in page]
    except (PtmError, ValueError, KeyError, TypeError):
        return None, False
    if old in commits:
        return commits.index(old), False
    return None, not more and commits[:1] == [new]


def _api_page(path: str, repo: str) -> tuple[Any, bool]:
    """The JSON the Hub answers at ``path`` (at most MAX_ANSWER bytes), and whether it links a next page,
    which is not followed: no server can page forever. Through ptmlock's own client, not huggingface_hub's
    shared one, which `ptm lock`'s sources replace (closing it) while other threads may be using it."""
    from huggingface_hub.utils import build_hf_headers

    headers = build_hf_headers(token=config.hf_token(), library_name="ptmlock", library_version=__version__)
    label = f"{repo} on {config.hf_endpoint()}"
    with http.get(f"{config.hf_endpoint()}{path}", label, headers) as response:
        too_long = f"{label}: the answer at {path} is longer than {MAX_ANSWER} bytes"
        body = b"".join(http.capped(response.iter_bytes(), MAX_ANSWER, too_long))
        return json.loads(body), "next" in response.links
