"""What `ptm add` declares: a model's [models.X] keys from the command line, for any hub.

A source is written as people copy it: a Hugging Face id (``org/name``, ``org/name@rev``) or a page of
the Hub (``https://huggingface.co/org/name/tree/rev``, ``/blob/rev/file``, ``/resolve/rev/file``), a
torch.hub repository (``owner/name:ref``, ``https://github.com/owner/name/tree/ref``), a file URL, or a
local path. Pure: no I/O; ptm.toml's own checks (manifest_check) still judge the values.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import PtmError
from .wording import count

HUGGINGFACE, TORCHHUB, URL, LOCAL = "huggingface", "torchhub", "url", "local"
HF_HOSTS = ("huggingface.co", "www.huggingface.co", "hf.co")
GITHUB_HOSTS = ("github.com", "www.github.com")
# The options that only one kind of source takes (the others, --revision, --include and --exclude, are
# shared), and the hubs that take each option.
OPTION_HUBS: Mapping[str, tuple[str, ...]] = {
    "--revision": (HUGGINGFACE, TORCHHUB),
    "--include": (HUGGINGFACE, LOCAL),
    "--exclude": (HUGGINGFACE, LOCAL),
    "--entry": (TORCHHUB,),
    "--weights": (TORCHHUB,),
    "--url": (URL,),
    "--file": (URL,),
    "--sha256": (URL,),
    "--path": (LOCAL,),
    "--allow-outside": (LOCAL,),
}
# The keys that say where a model's bytes come from: given again, they replace all of these at once
# (url = and files = exclude each other; a sha256 belongs to the url it was given with).
LOCATION_KEYS: Mapping[str, tuple[str, ...]] = {
    HUGGINGFACE: ("repo",),
    TORCHHUB: ("repo",),
    URL: ("url", "files", "sha256"),
    LOCAL: ("path",),
}
# Hub page paths that hold something other than a model.
_NOT_MODELS = {
    "datasets": "a dataset",
    "spaces": "a Space",
    "collections": "a collection",
    "papers": "a paper",
}
# What a new model of each hub must be given.
NEEDS = {
    HUGGINGFACE: "a huggingface model needs its repository: `ptm add org/name` (or a link to it)",
    TORCHHUB: "a torchhub model needs its repository: `ptm add --hub torchhub owner/name --entry ...`",
    URL: "a url model needs --url URL (repeatable) or --file URL=PATH",
    LOCAL: "a local model needs --path, its file or folder (relative to ptm.toml or absolute)",
}
_PAGES = ("tree", "blob", "resolve", "commit", "commits", "discussions", "edit")


@dataclass(frozen=True)
class AddRequest:
    """What `ptm add` was given, as typed (empty tuples and None for what was not)."""

    source: str | None = None
    hub: str | None = None
    revision: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    entry: str | None = None
    weights: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # URL=PATH
    sha256: str | None = None
    path: str | None = None
    allow_outside: bool = False
    describe: Mapping[str, Any] = field(default_factory=dict)  # role, group, task, description

    def options_given(self) -> list[str]:
        given = {
            "--revision": self.revision is not None,
            "--include": bool(self.include),
            "--exclude": bool(self.exclude),
            "--entry": self.entry is not None,
            "--weights": bool(self.weights),
            "--url": bool(self.urls),
            "--file": bool(self.files),
            "--sha256": self.sha256 is not None,
            "--path": self.path is not None,
            "--allow-outside": self.allow_outside,
        }
        return [option for option, used in given.items() if used]


@dataclass(frozen=True)
class Declaration:
    """The keys to write into [models.<name>] (in this order), and those to drop first."""

    name: str
    hub: str
    keys: Mapping[str, Any]
    drop: tuple[str, ...] = ()


def summary(hub: str, options: Mapping[str, Any]) -> str:
    """A declared source as one short phrase: ``huggingface org/name@rev``, ``url 2 files``."""
    where = options.get("repo") or options.get("path") or options.get("url")
    if "files" in options:
        where = count(len(options["files"]), "file")
    if "revision" in options:
        where = f"{where}@{options['revision']}"
    return f"{hub} {where}"


def usage(message: str) -> PtmError:
    return PtmError(f"ptm add: {message}", exit_code=2)


def declare(
    request: AddRequest,
    declared_hubs: Mapping[str, str],
    *,
    name: str | None,
    hf_endpoint: str,
    cwd: Path,
    project_dir: Path,
) -> Declaration:
    """The declaration ``request`` makes. ``declared_hubs``: the hub of each model ptm.toml declares (a
    model of that name is updated and keeps its hub); relative paths are read from ``cwd`` and written
    relative to ``project_dir``, where ptm.toml is."""
    source = None
    if request.source is not None:
        # A local path is taken as written (C:/models has a colon, not a torch.hub ref).
        local = request.hub == LOCAL
        source = _Source(None, request.source) if local else _parse_source(request.source, hf_endpoint)
    named = _named_hub(request, source)
    if named == URL and source is not None and source.hub != URL:
        raise usage(f"{source.text!r} is not an http(s) URL; a url model takes --url URL or --file URL=PATH")
    name = name or _default_name(named, source, request)
    existing = declared_hubs.get(name)
    # A bare id or path names no hub, but cannot be a url model's source.
    bare_for_url = existing == URL and source is not None and named is None
    if (existing is not None and (named or existing) != existing) or bare_for_url:
        raise usage(
            f"'{name}' is a {existing} model in ptm.toml; `ptm remove {name}` first to declare it anew, "
            "or give another --name"
        )
    hub = named or existing or HUGGINGFACE
    for option in request.options_given():
        if hub not in OPTION_HUBS[option]:
            takes = [o for o, hubs in OPTION_HUBS.items() if hub in hubs]
            raise usage(f"{option} is not for a {hub} model (it takes {', '.join(takes)})")
    creating = existing is None
    keys: dict[str, Any] = {"hub": hub} if creating and (request.hub or hub != HUGGINGFACE) else {}
    if hub in (HUGGINGFACE, TORCHHUB):
        keys.update(_repo_keys(request, source, hub, creating))
    elif hub == URL:
        keys.update(_url_keys(request, source, creating))
    else:
        keys.update(_local_keys(request, source, cwd, project_dir, creating))
    for key, value in (("include", request.include), ("exclude", request.exclude)):
        if value:
            keys[key] = list(value)
    if request.allow_outside:
        keys["allow_outside"] = True
    keys.update({k: v for k, v in request.describe.items() if v is not None})
    if keys.get("group") and not keys.get("role"):
        keys["role"] = "interchangeable"  # a group is a slot of interchangeable models
    location = LOCATION_KEYS[hub]
    drop = location if not creating and any(k in keys for k in location) else ()
    return Declaration(name, hub, keys, drop)


@dataclass(frozen=True)
class _Source:
    """The positional source, read: which hub it names (None: any that takes an id or a path) and what
    it says."""

    hub: str | None
    text: str
    repo: str | None = None
    revision: str | None = None
    include: tuple[str, ...] = ()


def _parse_source(text: str, hf_endpoint: str) -> _Source:
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.netloc:
        host = parts.netloc.lower()
        if host in HF_HOSTS or host == urlsplit(hf_endpoint).netloc.lower():
            return _hub_page(text, parts.path)
        if host in GITHUB_HOSTS:
            return _github_page(text, parts.path)
        return _Source(URL, text)
    repo, at, revision = text.partition("@")
    if not at:
        repo, colon, revision = text.partition(":")  # torch.hub.load("owner/name:ref", ...)
        if colon:
            return _Source(TORCHHUB, text, repo, _revision(revision, text))
    return _Source(None, text, repo, _revision(revision, text) if at else None)


def _revision(revision: str, text: str) -> str:
    if not revision:
        raise usage(f"{text!r} ends without a revision; write org/name@<branch, tag or commit>")
    return revision


def _segments(path: str) -> list[str]:
    # Split before unquoting: a branch such as refs%2Fpr%2F1 is one segment.
    return [unquote(s) for s in path.strip("/").split("/") if s]


def _hub_page(text: str, path: str) -> _Source:
    """A page or file URL of the Hub: /org/name, /org/name/tree/rev[/folder], /org/name/blob/rev/file,
    /org/name/resolve/rev/file, /org/name/commit/sha."""
    segments = _segments(path)
    if segments and segments[0] in _NOT_MODELS:
        raise usage(f"{text} is {_NOT_MODELS[segments[0]]}, not a model; ptm pins models")
    if segments[:1] == ["models"]:
        segments = segments[1:]
    # A canonical model has no org: huggingface.co/gpt2/tree/main.
    if not segments:
        raise usage(f"{text} names no model; paste a model's page, e.g. https://huggingface.co/org/name")
    width = 1 if len(segments) == 1 or segments[1] in _PAGES else 2
    repo, rest = "/".join(segments[:width]), segments[width:]
    if not rest:
        return _Source(HUGGINGFACE, text, repo)
    page, tail = rest[0], rest[1:]
    if page not in ("tree", "blob", "resolve", "commit") or not tail:
        raise usage(
            f"{text} is not a model's page or file; paste https://huggingface.co/{repo} "
            "(or its /tree/<revision>, /blob/<revision>/<file> or /resolve/<revision>/<file> form)"
        )
    revision, inside = tail[0], "/".join(tail[1:])
    if page in ("blob", "resolve") and not inside:
        raise usage(f"{text} names no file after the revision; paste the file's link, or the /tree/ page")
    if page == "commit" or not inside:
        return _Source(HUGGINGFACE, text, repo, revision)
    # A file's link selects that file; a folder's, what it holds.
    return _Source(HUGGINGFACE, text, repo, revision, (inside if page != "tree" else f"{inside}/*",))


def _github_page(text: str, path: str) -> _Source:
    """A GitHub repository's page: /owner/name[.git], /owner/name/tree/ref, /owner/name/commit/sha."""
    segments = _segments(path)
    if len(segments) < 2:
        raise usage(f"{text} names no repository; paste https://github.com/owner/name")
    repo = f"{segments[0]}/{segments[1].removesuffix('.git')}"
    rest = segments[2:]
    if not rest:
        return _Source(TORCHHUB, text, repo)
    if rest[0] in ("tree", "commit") and len(rest) >= 2:
        # A branch may hold "/" (release/2.0): everything after tree/ is the ref.
        return _Source(TORCHHUB, text, repo, "/".join(rest[1:]))
    raise usage(f"{text} is not a repository's page; paste https://github.com/{repo} or its /tree/<ref>")


def _named_hub(request: AddRequest, source: _Source | None) -> str | None:
    """The hub that --hub, the options only one hub takes and the source's form name, if any; two
    different ones are an error."""
    reasons: dict[str, str] = {}
    if request.hub:
        reasons[request.hub] = f"--hub {request.hub}"
    for option in request.options_given():
        if len(OPTION_HUBS[option]) == 1:
            reasons.setdefault(OPTION_HUBS[option][0], option)
    if source and source.hub:
        reasons.setdefault(source.hub, repr(source.text))
    if len(reasons) > 1:
        (first, why), (second, other) = list(reasons.items())[:2]
        raise usage(
            f"{why} is for a {first} model and {other} for a {second} one; give the options of one hub"
        )
    if request.sha256 is not None and (request.files or len(request.urls) + bool(source) != 1):
        raise usage(
            "--sha256 goes with a single --url; for several files, give each its sha256 in the "
            "files = [...] entries of ptm.toml"
        )
    return next(iter(reasons), None)


def _repo_keys(request: AddRequest, source: _Source | None, hub: str, creating: bool) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    if source is not None:
        keys["repo"] = source.repo
    elif creating:
        raise usage(NEEDS[hub])
    if source and source.revision and request.revision and source.revision != request.revision:
        raise usage(
            f"the revision is given twice: {source.revision!r} in {source.text!r} and --revision "
            f"{request.revision!r}; keep one"
        )
    revision = request.revision or (source.revision if source else None)
    if revision is not None:
        keys["revision"] = revision
    if source and source.include:
        if request.include:
            raise usage(
                f"{source.text} selects {source.include[0]!r} already; drop --include, or link the repo"
            )
        keys["include"] = list(source.include)
    if hub == TORCHHUB:
        if request.entry is None and creating:
            raise usage("a torchhub model needs --entry, the function of hubconf.py to call (e.g. resnet18)")
        if request.entry is not None:
            keys["entry"] = request.entry
        if request.weights:
            keys["weights"] = list(request.weights)
    return keys


def _url_keys(request: AddRequest, source: _Source | None, creating: bool) -> dict[str, Any]:
    urls = [*([source.text] if source else []), *request.urls]
    files: list[Any] = [*urls]
    for pair in request.files:
        url, equals, path = pair.rpartition("=")  # the URL's query may hold "=", a file name rarely does
        if not equals or not url or not path:
            raise usage(f"--file {pair!r} must be URL=PATH, e.g. --file https://host/m.bin=weights/m.bin")
        files.append({"url": url, "path": path})
    if not files:
        if creating:
            raise usage(NEEDS[URL])
        return {}
    if len(files) == 1 and urls:
        keys: dict[str, Any] = {"url": urls[0]}
        if request.sha256 is not None:
            keys["sha256"] = request.sha256
        return keys
    return {"files": files}


def _local_keys(
    request: AddRequest, source: _Source | None, cwd: Path, project_dir: Path, creating: bool
) -> dict[str, Any]:
    if source is not None and request.path is not None:
        raise usage(f"the path is given twice: {source.text!r} and --path {request.path!r}; keep one")
    path = request.path if request.path is not None else source.text if source else None
    if path is None:
        if creating:
            raise usage(NEEDS[LOCAL])
        return {}
    return {"path": _project_relative(path, cwd, project_dir)}


def _project_relative(path: str, cwd: Path, project_dir: Path) -> str:
    """``path`` as typed in ``cwd``, as ptm.toml reads it (relative to its folder): unchanged when absolute
    or from ~, or when ptm.toml is in ``cwd``."""
    if not path.strip() or path.startswith("~") or Path(path).is_absolute() or cwd == project_dir:
        return path
    return Path(os.path.relpath(cwd / path, project_dir)).as_posix()


def _default_name(hub: str | None, source: _Source | None, request: AddRequest) -> str:
    """The model's name when --name is not given: the repo's last part (torch.hub: the entry), the first
    file's name without its suffix, or the local path's last part."""
    if hub == TORCHHUB and request.entry:
        base = request.entry
    elif hub == URL and (source or request.urls or request.files):
        # The first file's name: the URL's last segment, or the PATH of --file URL=PATH.
        first = source.text if source else request.urls[0] if request.urls else request.files[0]
        named = urlsplit(first).path if source or request.urls else first.rpartition("=")[2]
        base = PurePosixPath(posixpath.basename(named)).stem
    elif hub == LOCAL and (request.path or source):
        base = PurePosixPath(request.path or request.source or "").stem
    elif source is not None and source.repo:
        base = source.repo.rstrip("/").split("/")[-1]
    elif hub is not None:
        raise usage(NEEDS[hub])
    else:
        raise usage(
            "give the model's source (org/name, a link, --url or --path), or --name of a model to update"
        )
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-_")
    if not name:
        raise usage(f"cannot name the model after {base!r}; give it a name with --name")
    return name
