"""hub = "torchhub": a GitHub repository with a hubconf.py, as torch.hub.load("owner/name:ref", entry) uses.

Lock resolves the ref to a commit through the GitHub REST API (``config.github_api()``, GITHUB_TOKEN
honoured), downloads the zipball at that commit and pins its tree file by file, since hosted archives
are not byte-stable; the weight files the entry downloads are pinned by URL and sha256.
"""

from __future__ import annotations

import ast
import json
import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from .. import archive, config, progress
from ..errors import IntegrityError, PtmError, ResolveError
from ..files import Stat, fingerprint
from ..lockfile import LockedFile
from ..paths import contained
from ..pins import is_commit
from ..redact import redact
from . import http
from .base import Download, Keeper, OptionError, Resolution
from .url import lock_remote_files, open_remote, remote_files

if TYPE_CHECKING:
    import httpx2

    from ..lockfile import LockedModel
    from ..manifest import ModelSpec

HUBCONF = "hubconf.py"
# hubconf.py is read whole to find its entries; real ones are a few KB (torchvision's, among the longest,
# about 3 KB), so a larger one is a payload, not a hubconf.
MAX_HUBCONF = 1024 * 1024
# The branches torch.hub.load tries, in order, for a repository given without a ref.
DEFAULT_BRANCHES = ("main", "master")
_ENTRY_RE = re.compile(r"^[A-Za-z0-9][!-~]*$")
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/(?!\.+$)[A-Za-z0-9._-]+$")


def check_repo(repo: Any) -> None:
    if repo is None:
        raise OptionError("repo", 'a torchhub model needs repo = "owner/name" (a GitHub repository)')
    if isinstance(repo, str) and ":" in repo:
        name, _, ref = repo.partition(":")
        raise OptionError("repo", f'write the ref separately: repo = "{name}", revision = "{ref}"')
    if not isinstance(repo, str) or not _REPO_RE.match(repo):
        raise OptionError("repo", f'repo {repo!r} is not a GitHub repository such as "pytorch/vision"')


def check_entry(entry: Any) -> None:
    if entry is None:
        raise OptionError(
            "entry", 'a torchhub model needs entry = "<function of hubconf.py>", e.g. "resnet18"'
        )
    # torch.hub.load looks the entry up with getattr, so a hubconf that fills globals() (fairseq's
    # "transformer.wmt19.en-de") has entries that are not Python identifiers.
    if not isinstance(entry, str) or not _ENTRY_RE.match(entry):
        raise OptionError(
            "entry", f"entry {entry!r} is not a public name of hubconf.py (ASCII, no spaces, no leading _)"
        )


@dataclass(frozen=True)
class HubconfNames:
    defined: frozenset[str] | None  # every public name; None when hubconf.py star-imports (anything goes)
    entries: tuple[str, ...]  # the likely entry points (functions), to suggest


def hubconf_names(source: bytes) -> HubconfNames:
    """The names hubconf.py defines or imports, read without running it: its top-level statements and
    the if/try/with/for blocks among them, whose names the module gets too (functions' bodies are not)."""
    tree = ast.parse(source)
    defined: set[str] = set()
    entries: set[str] = set()
    # Names made at import time (fairseq: globals()[name] = ...) can be anything.
    anything = any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DYNAMIC
        for node in ast.walk(tree)
    )
    for node in _run_on_import(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
            entries.update([node.name] if isinstance(node, ast.FunctionDef) else [])
        elif isinstance(node, ast.ImportFrom) and node.module not in ("__future__", "typing"):
            anything = anything or any(alias.name == "*" for alias in node.names)
            names = [alias.asname or alias.name for alias in node.names]
            defined.update(names)
            entries.update(n for n in names if n[:1].islower())  # torchvision imports its entry functions
        elif isinstance(node, ast.Import):
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            defined.update(_bound_names(node))
    public = frozenset(n for n in defined if not n.startswith("_"))
    suggested = tuple(sorted(n for n in entries if not n.startswith("_")))
    return HubconfNames(None if anything else public, suggested)


_DYNAMIC = frozenset({"globals", "vars", "setattr"})


def _run_on_import(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body`` and of the blocks nested in them, except function and class bodies."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        blocks = [getattr(node, name, []) for name in ("body", "orelse", "finalbody")]
        blocks += [handler.body for handler in getattr(node, "handlers", [])]  # try: ... except
        blocks += [case.body for case in getattr(node, "cases", [])]  # match
        for block in blocks:
            yield from _run_on_import(block)


def _bound_names(node: ast.stmt) -> Iterator[str]:
    """The names an assignment, a for loop or a with statement binds (tuples unpacked)."""
    if isinstance(node, ast.Assign):
        targets: list[ast.expr] = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    else:
        targets = []
    for target in targets:
        yield from (n.id for n in ast.walk(target) if isinstance(n, ast.Name))


class UnknownRevision(ResolveError):
    """GitHub knows the repository but not the revision asked for."""


def github_error(revision: str) -> http.ErrorMapper:
    def explain(response: httpx2.Response, label: str) -> PtmError:
        try:
            message = str(json.loads(response.content).get("message", ""))
        except (ValueError, AttributeError):
            message = ""
        status = response.status_code
        if status in (403, 429) and (
            response.headers.get("x-ratelimit-remaining") == "0" or "rate limit" in message.lower()
        ):
            fix = (
                "wait for it to reset, or use a token with a higher limit"
                if config.github_token()
                else "set GITHUB_TOKEN to a GitHub token (authenticated requests get a higher limit)"
            )
            return ResolveError(f"{label}: GitHub API rate limit exceeded; {fix}")
        if status == 401:
            return ResolveError(
                f"{label}: GitHub rejected GITHUB_TOKEN ({message or 'Bad credentials'}); fix or unset it"
            )
        if status == 404:
            return ResolveError(
                f'{label}: repository not found on {redact(config.github_api())}; check repo = "owner/name", '
                "or set GITHUB_TOKEN if it is private"
            )
        if status == 422:
            return UnknownRevision(
                f"{label}: revision '{revision}' not found; use an existing branch, tag or commit"
            )
        return ResolveError(f"{label}: GitHub answered HTTP {status}: {message or response.reason_phrase}")

    return explain


def api_headers() -> dict[str, str]:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token := config.github_token():
        headers["Authorization"] = f"Bearer {token}"  # only ever sent to the API host: redirects drop it
    return headers


def api_url(path: str, label: str) -> str:
    base = config.github_api()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ResolveError(
            f"{label}: PTM_GITHUB_API={redact(base)!r} is not an http(s) URL such as "
            f"{config.DEFAULT_GITHUB_API}; fix or unset it"
        )
    return base + path


def resolve_commit(repo: str, revision: str, label: str) -> str:
    url = api_url(f"/repos/{repo}/commits/{quote(revision, safe='')}", label)
    with http.get(url, label, api_headers(), on_error=github_error(revision)) as response:
        body = response.read()
    try:
        sha = json.loads(body)["sha"]
    except (ValueError, KeyError, TypeError) as error:
        raise ResolveError(f"{label}: GitHub's answer for the revision has no commit sha") from error
    # The commit names the kept archive and the store folder: anything but 40 lowercase hex could be a path.
    if not is_commit(sha):
        shown = repr(sha) if len(repr(sha)) <= 60 else repr(sha)[:57] + "..."
        raise ResolveError(
            f"{label}: the GitHub API at {redact(config.github_api())} (PTM_GITHUB_API) answered {shown} "
            "for the commit, which is not 40 hex digits; point PTM_GITHUB_API at GitHub or a faithful mirror"
        )
    return sha


# A GitHub answer to a ref or compare question is a few hundred bytes; more is not GitHub.
_MAX_ANSWER = 1 << 20


class _UnrelatedHistories(ResolveError):
    """GitHub's compare found no commit the two share."""


def _compare_error(response: httpx2.Response, label: str) -> PtmError:
    if response.status_code == 404 and b"No common ancestor" in response.content[:4096]:
        return _UnrelatedHistories(f"{label}: the locked commit shares no history with the new one")
    return github_error("")(response, label)


def _api_answer(path: str, label: str, on_error: http.ErrorMapper | None = None) -> Any:
    """The JSON GitHub answers at ``path``, or None when it cannot: `ptm outdated` reports what it can
    learn, and the commit lookup before it already said what is wrong with the API."""
    try:
        mapper = on_error or github_error("")
        with http.get(api_url(path, label), label, api_headers(), on_error=mapper) as response:
            too_long = f"{label}: GitHub's answer at {path} is longer than {_MAX_ANSWER} bytes"
            return json.loads(b"".join(http.capped(response.iter_bytes(), _MAX_ANSWER, too_long)))
    except _UnrelatedHistories:
        raise
    except (PtmError, ValueError):
        return None


def ref_kind(repo: str, revision: str, label: str) -> str | None:
    """ "branch" or "tag" for what ``revision`` names in ``repo`` (a branch first, as GitHub resolves
    it); None for a commit, or when GitHub cannot tell."""
    for kind, folder in (("branch", "heads"), ("tag", "tags")):
        answer = _api_answer(f"/repos/{repo}/git/ref/{folder}/{quote(revision, safe='/')}", label)
        if isinstance(answer, dict) and answer.get("ref") == f"refs/{folder}/{revision}":
            return kind
    return None


def history_between(repo: str, old: str, new: str, label: str) -> tuple[int | None, bool]:
    """How many commits ``new`` is ahead of ``old`` (None: unknown), and whether ``old`` is not in
    ``new``'s history (a force-push rewrote it), from GitHub's compare of the two commits."""
    try:
        answer = _api_answer(f"/repos/{repo}/compare/{old}...{new}", label, _compare_error)
    except _UnrelatedHistories:
        return None, True
    if not isinstance(answer, dict):
        return None, False
    status, ahead = answer.get("status"), answer.get("ahead_by")
    if status in ("behind", "diverged"):
        return None, True
    if status in ("ahead", "identical") and type(ahead) is int and ahead >= 0:
        return ahead, False
    return None, False


def default_branch_commit(repo: str, label: str) -> str:
    """The commit of the first of DEFAULT_BRANCHES the repository has, as torch.hub.load picks it."""
    for branch in DEFAULT_BRANCHES:
        try:
            return resolve_commit(repo, branch, label)
        except UnknownRevision:
            continue
    raise ResolveError(
        f"{label}: the repository has neither a main nor a master branch; "
        'set revision = "<branch, tag or commit>"'
    )


def fetch_zipball(repo: str, commit: str, sink: IO[bytes], label: str) -> None:
    """The repository at ``commit`` as GitHub zips it (following its redirect to codeload)."""
    url = api_url(f"/repos/{repo}/zipball/{commit}", label)
    with progress.bar(f"{repo}: downloading the archive of {commit[:12]}", None, "bytes") as shown:
        http.fetch(url, label, sink, api_headers(), github_error(commit), shown.advance)


@contextmanager
def zipball(repo: str, commit: str, label: str, keep: bool) -> Iterator[zipfile.ZipFile]:
    """The repository at ``commit`` as an open zip.

    When ``keep`` and the caller's block succeeds (it pinned the tree from this zip), the zip is kept where
    installs look for it (archive_path), so installing the new lock reads the tree without downloading it
    again.
    """
    kept = archive_path(repo, commit)
    if keep:
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            fd, spool = tempfile.mkstemp(prefix=f".{kept.name}.", suffix=".partial", dir=kept.parent)
        except OSError:  # a store this user cannot write to: lock all the same, keeping nothing
            keep = False
    if not keep:
        fd, spool = tempfile.mkstemp(prefix="ptm-zipball-")
    try:
        with open(fd, "w+b") as sink:
            fetch_zipball(repo, commit, sink, label)
            sink.seek(0)
            with archive.open_archive(sink, label) as opened:
                yield opened
        if keep:
            _publish(Path(spool), kept)
    finally:
        Path(spool).unlink(missing_ok=True)


def pin_tree(opened: zipfile.ZipFile, entry: str, label: str) -> tuple[LockedFile, ...]:
    members = archive.tree_members(opened, label)
    hubconf = next((m for m in members if m.path == HUBCONF), None)
    if hubconf is None:
        raise ResolveError(
            f"{label}: the repository has no {HUBCONF} at its top, so torch.hub cannot load it"
        )
    source = archive.read_small(opened, hubconf.info, MAX_HUBCONF, HUBCONF, label)
    try:
        names = hubconf_names(source)
    except SyntaxError as error:
        raise ResolveError(f"{label}: {HUBCONF} does not parse (line {error.lineno}: {error.msg})") from error
    except (RecursionError, MemoryError):  # what ast.parse raises for expressions nested too deep
        raise ResolveError(f"{label}: {HUBCONF} is nested too deeply to parse") from None
    if names.defined is not None and entry not in names.defined:
        raise ResolveError(
            f"{label}: {HUBCONF} has no entry '{entry}'; its entries: {', '.join(names.entries) or 'none'}"
        )
    return tuple(archive.hash_member(opened, m, label) for m in members)


def archive_path(repo: str, commit: str) -> Path:
    """Where the zipball of a commit is kept once its tree was pinned or checked (the store's archives/)."""
    return contained(config.ptm_home() / "archives" / folder_name(repo), f"{commit}.zip", "commit")


def _publish(spool: Path, kept: Path) -> None:
    from filelock import FileLock

    try:
        with FileLock(f"{kept}.lock"):  # not while an install is fetching or checking it
            os.replace(spool, kept)
    except OSError:
        pass  # keeping it only saves a download


def folder_name(repo: str) -> str:
    return "torchhub--" + repo.replace("/", "--")


def _tree_mismatch(expected: Mapping[str, LockedFile], got: Mapping[str, LockedFile]) -> str | None:
    for path in sorted(expected.keys() & got.keys()):
        if got[path] != expected[path]:
            return f"{path} has sha256 {got[path].sha256[:12]}…, ptm.lock {expected[path].sha256[:12]}…"
    if missing := sorted(expected.keys() - got.keys()):
        return f"{missing[0]} is missing"
    if extra := sorted(got.keys() - expected.keys()):
        return f"{extra[0]} is not in ptm.lock"
    return None


def check_tree(path: Path, model: LockedModel, label: str) -> dict[str, str]:
    """The archive's member name for each locked path, if its tree is exactly the locked one."""
    with archive.open_archive(path, label) as opened:
        members = archive.tree_members(opened, label)
        got = {m.path: archive.hash_member(opened, m, label) for m in members}
    if problem := _tree_mismatch({f.path: f for f in model.files}, got):
        raise IntegrityError(
            f"{label}: the archive of {model.repo}@{model.identity} does not match ptm.lock ({problem}); "
            "nothing of it was installed"
        )
    return {m.path: m.info.filename for m in members}


@dataclass(frozen=True)
class CheckedArchive:
    """A zipball whose tree matched a model's locked files, kept open: every file of the tree is read
    from it, and parsing its directory once per file would make installing a tree quadratic."""

    path: Path
    files: tuple[LockedFile, ...]
    stat: Stat | None  # (size, mtime, ctime, inode) when it was checked
    opened: zipfile.ZipFile
    names: Mapping[str, str]  # locked path -> member name
    forget: Callable[[CheckedArchive], None]  # called when it turns out damaged
    # ZipFile reads members from many threads, but its count of open members is not thread-safe.
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answers(self, model: LockedModel) -> bool:
        files_match = self.files is model.files or self.files == model.files
        return files_match and fingerprint(self.path) == self.stat

    @contextmanager
    def member(self, path: str, label: str) -> Iterator[IO[bytes]]:
        try:
            with self.lock:
                handle = self.opened.open(self.names[path])
            try:
                yield handle
            finally:
                with self.lock:
                    handle.close()
        except archive.DAMAGED as error:
            # It was whole when checked, so the file changed since: forget it, so that the next use
            # checks it again (and, finding it damaged, fetches it anew).
            self.forget(self)
            raise IntegrityError(
                f"{label}: {path} cannot be read from the kept archive {self.path} ({error}); nothing of "
                "this file was installed, run `ptm install` again to fetch the archive anew"
            ) from error


class Archives:
    """The archives one install reads tree files from (base.Reader), closed when it ends.

    Each file of a tree asks for its archive: the first checks it (or fetches it), the others find it
    here. An archive that could not be fetched or did not match answers every other file of its tree
    with the same error, instead of one download (or one timeout) per file.
    """

    def __init__(self) -> None:
        self._checked: dict[Path, CheckedArchive] = {}
        self._failed: dict[Path, tuple[tuple[LockedFile, ...], PtmError]] = {}
        # Every zip opened, superseded ones too: another thread may still be reading from one.
        self._opened: list[zipfile.ZipFile] = []

    def close(self) -> None:
        for opened in self._opened:
            opened.close()
        self._opened.clear()
        self._checked.clear()

    def _forget(self, checked: CheckedArchive) -> None:
        if self._checked.get(checked.path) is checked:
            self._checked.pop(checked.path, None)

    def checked(self, model: LockedModel, label: str) -> CheckedArchive:
        """The zipball of the locked commit, downloaded once per machine and checked against the lock.

        Hosted archives are not byte-stable, so what is checked is the tree: every path, size and sha256.
        """
        from filelock import FileLock

        path = archive_path(model.repo or "", model.identity)
        if (known := self._checked.get(path)) is not None and known.answers(model):
            return known
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{path}.lock"):  # one download at a time, across threads and processes
            if (known := self._checked.get(path)) is not None and known.answers(model):
                return known
            files, error = self._failed.get(path, ((), None))
            if error is not None and files == model.files:
                raise error
            try:
                names = _kept(path, model, label) or _fetch_checked(model, path, label)
            except PtmError as failure:
                self._failed[path] = (model.files, failure)
                raise
            self._failed.pop(path, None)
            opened = archive.open_archive(path, label)
            self._opened.append(opened)
            checked = CheckedArchive(path, model.files, fingerprint(path), opened, names, self._forget)
            self._checked[path] = checked
        return checked

    @contextmanager
    def open(self, model: LockedModel, file: LockedFile, offset: int = 0) -> Iterator[Download]:
        """Weights stream from their URL; a tree file from the commit's archive, fetched once and checked."""
        if file.url:
            with open_remote(model, file, offset) as download:
                yield download
            return
        checked = self.checked(model, f"model '{model.name}' ({model.repo}@{model.pin})")
        # A member of a deflated archive cannot be entered midway: always start at 0.
        with checked.member(file.path, f"model '{model.name}'") as member:
            yield Download(offset=0, chunks=iter(lambda: member.read(http.CHUNK), b""))


def _kept(path: Path, model: LockedModel, label: str) -> dict[str, str] | None:
    """The archive an earlier run kept, if it is there and still matches the lock."""
    if not path.exists():
        return None
    try:
        return check_tree(path, model, label)
    except (IntegrityError, ResolveError):
        path.unlink()  # a damaged copy: fetch it again
        return None


def _fetch_checked(model: LockedModel, path: Path, label: str) -> dict[str, str]:
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "wb") as sink:
            fetch_zipball(model.repo or "", model.identity, sink, label)
        names = check_tree(partial, model, label)
        os.replace(partial, path)
        return names
    finally:
        partial.unlink(missing_ok=True)


class TorchHubSource:
    name = "torchhub"
    pinned_by_local_files = False

    def check_options(self, options: Mapping[str, Any]) -> tuple[str, str] | None:
        try:
            check_repo(options.get("repo"))
            check_entry(options.get("entry"))
            if "weights" in options:
                remote_files(options["weights"], "weights", named_by_url=True)
        except OptionError as error:
            return error.key, error.message
        return None

    def resolve(self, spec: ModelSpec, keeper: Keeper | None = None) -> Resolution:
        repo, revision, entry = spec.options["repo"], spec.options.get("revision"), spec.options["entry"]
        if revision is None:
            label = f"model '{spec.name}' ({repo})"
            commit = default_branch_commit(repo, label)
        else:
            label = f"model '{spec.name}' ({repo}@{revision})"
            commit = resolve_commit(repo, revision, label)
        # Kept with what else locking downloads: a lock given no keeper (a dry run) keeps nothing.
        label_at = f"model '{spec.name}' ({repo}@{commit[:12]})"
        with zipball(repo, commit, label_at, keep=keeper is not None) as opened:
            tree = pin_tree(opened, entry, label)
        declared = (
            remote_files(spec.options["weights"], "weights", named_by_url=True)
            if "weights" in spec.options
            else ()
        )
        weights = lock_remote_files(spec.name, declared, keeper) if declared else ()
        return Resolution(commit=commit, files=tree, entry=entry, weights=weights)

    @contextmanager
    def reader(self) -> Iterator[Archives]:
        archives = Archives()
        try:
            yield archives
        finally:
            archives.close()


SOURCE = TorchHubSource()
