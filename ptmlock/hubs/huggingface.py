"""Hugging Face Hub (or any Hub-compatible mirror set through HF_ENDPOINT), via huggingface_hub."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import __version__, config
from ..errors import ResolveError
from ..lockfile import LockedFile
from ..paths import unsafe_path_reason
from ..pins import COMMIT_RE
from .base import Download, Resolution

if TYPE_CHECKING:
    from huggingface_hub import HfApi

    from ..install_layout import Layout
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


class HuggingFaceSource:
    name = "huggingface"
    manifest_keys = ("repo", "revision", "include", "exclude")
    always_resolve = False

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

    def resolve(self, spec: ModelSpec) -> Resolution:
        repo = spec.options["repo"]
        with _errors_named(spec.name, repo, spec.revision):
            api = self._api()
            with _hub_answer(spec.name):
                info = api.model_info(
                    repo, revision=spec.revision, files_metadata=True, timeout=config.http_timeout()
                )
            commit = info.sha or self._commit_from_head(repo, spec.revision, info)
            entries = {
                s.rfilename: RemoteEntry(s.rfilename, s.size, s.lfs.sha256 if s.lfs else None)
                for s in info.siblings or []
            }
            if any(e.size is None for e in entries.values()):
                # Partial mirrors answer model_info without file metadata; the tree listing has it.
                with _hub_answer(spec.name):
                    entries = self._entries_from_tree(api, repo, commit) or entries
            for path in entries:
                if reason := unsafe_path_reason(path):
                    raise ResolveError(
                        f"model '{spec.name}': {repo}@{commit[:12]} lists file {path!r}, "
                        f"which {reason}; refusing to lock it"
                    )
            selected = select_files(list(entries), spec.include, spec.exclude)
            if not selected:
                raise ResolveError(
                    f"model '{spec.name}': no file of {repo}@{spec.revision} matches the include/"
                    f"exclude patterns; available: {', '.join(sorted(entries)[:8])}"
                )
            files = self._complete(repo, commit, [entries[p] for p in selected])
            license_ = getattr(info.card_data, "license", None) if info.card_data else None
        if isinstance(license_, list):
            license_ = ", ".join(map(str, license_))
        return Resolution(commit=commit, files=files, license=license_)

    def _commit_from_head(self, repo: str, revision: str, info: Any) -> str:
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        first = (info.siblings or [None])[0]
        if first is None:
            raise ResolveError(f"{repo}@{revision}: the hub reported neither a commit nor any file")
        url = hf_hub_url(repo, first.rfilename, revision=revision, endpoint=config.hf_endpoint())
        commit = get_hf_file_metadata(url, token=config.hf_token(), timeout=config.http_timeout()).commit_hash
        if not commit:
            raise ResolveError(f"{repo}@{revision}: the hub did not report which commit it serves")
        return commit

    def _entries_from_tree(self, api: HfApi, repo: str, commit: str) -> dict[str, RemoteEntry] | None:
        from huggingface_hub import errors
        from huggingface_hub.hf_api import RepoFile

        try:
            tree = list(api.list_repo_tree(repo, revision=commit, recursive=True))
        except (errors.EntryNotFoundError, errors.HfHubHTTPError):
            return None
        return {
            f.path: RemoteEntry(f.path, f.size, f.lfs.sha256 if f.lfs else None)
            for f in tree
            if isinstance(f, RepoFile)
        }

    def _complete(self, repo: str, commit: str, entries: list[RemoteEntry]) -> tuple[LockedFile, ...]:
        """Fill in what the hub did not report (small git files have no sha256) by hashing the bytes."""
        known = [LockedFile(e.path, e.size, e.sha256) for e in entries if e.sha256 and e.size is not None]
        missing = [e.path for e in entries if not (e.sha256 and e.size is not None)]
        with ThreadPoolExecutor(max_workers=min(8, len(missing) or 1)) as pool:
            hashed = list(pool.map(lambda path: self._hash_remote(repo, commit, path), missing))
        return tuple(sorted(known + hashed, key=lambda f: f.path))

    def _hash_remote(self, repo: str, commit: str, path: str) -> LockedFile:
        digest, size = hashlib.sha256(), 0
        with _stream(repo, commit, path, offset=0) as download:
            for chunk in download.chunks:
                digest.update(chunk)
                size += len(chunk)
        return LockedFile(path, size, digest.hexdigest())

    @contextmanager
    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> Iterator[Download]:
        with (
            _errors_named(model.name, model.repo or "", model.identity),
            _stream(model.repo or "", model.identity, file.path, offset=offset) as download,
        ):
            yield download

    def layout(self, model: LockedModel) -> Layout:
        """The Hugging Face cache's own layout, with refs/<revision> naming the locked commit."""
        from ..hf_cache import repo_folder
        from ..install_layout import Layout, bad_lock, snapshot_layout

        if problem := self.check_options({"repo": model.repo}):
            raise bad_lock(model, problem[1])
        root = repo_folder(model.repo or "")
        revision = model.revision
        ref = (root, revision) if revision and not COMMIT_RE.match(revision) else None
        placements = tuple(snapshot_layout(root, model.identity, model.files))
        return Layout(root / "snapshots" / model.identity, placements, ref)


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
    """Around the API calls whose JSON the client parses: a proxy or partial mirror that answers 200 with
    a login page or an empty object makes it fail with these, not with an HTTP error."""
    try:
        yield
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ResolveError(
            f"model '{name}': {config.hf_endpoint()} answered something that is not a Hub API response "
            f"({type(error).__name__}: {_first_line(error)}); check HF_ENDPOINT"
        ) from None


@contextmanager
def _errors_named(name: str, repo: str, revision: str) -> Iterator[None]:
    """Turn the client's exceptions into one line that says which model and what to do."""
    import httpx2
    from huggingface_hub import errors

    where = f"model '{name}' ({repo}@{revision})"
    try:
        yield
    except errors.GatedRepoError:
        raise ResolveError(
            f"{where}: the repo is gated; accept its terms on the hub, then set HF_TOKEN "
            "(or run `hf auth login`) with an account that has access"
        ) from None
    except errors.RepositoryNotFoundError:
        raise ResolveError(
            f"{where}: repository not found on {config.hf_endpoint()}; check the repo id, "
            "or set HF_TOKEN if it is private"
        ) from None
    except errors.RevisionNotFoundError:
        raise ResolveError(
            f"{where}: revision '{revision}' not found; use an existing branch, tag or commit"
        ) from None
    except errors.RemoteEntryNotFoundError as error:
        raise ResolveError(f"{where}: file not found on the hub ({_first_line(error)})") from None
    except errors.HfHubHTTPError as error:
        raise ResolveError(f"{where}: the hub answered an error: {_first_line(error)}") from None
    except (httpx2.TransportError, ConnectionError) as error:
        raise ResolveError(
            f"{where}: cannot reach {config.hf_endpoint()} ({type(error).__name__}: "
            f"{_first_line(error)}); check your network or HF_ENDPOINT"
        ) from None


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


SOURCE = HuggingFaceSource()
