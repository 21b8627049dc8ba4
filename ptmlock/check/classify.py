"""Decide how a recognised load call is pinned, by what "pinned" means for its library.

Precise on purpose: only a full 40-hex commit pins a git revision (a short hex string is a tag
until proven otherwise), a revision held in a variable is dynamic, not a pin, and a local path
is not a hub load at all.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from ..pins import COMMIT_RE
from . import catalog
from .catalog import LoadApi
from .loads import DYNAMIC, LOCAL, MUTABLE, PINNED, UNPINNED, Classified
from .values import (
    BOOL,
    DICT,
    DYNAMIC_VALUE,
    NONE,
    OBJECT,
    OTHER,
    PATH,
    REF,
    STR,
    UNBOUND,
    CallArgs,
    Scope,
    Value,
    evaluate,
    source_text,
)

# Patterns, not compiled regexes: re compiles (and keeps) each on first use, and most checks use few.
_SHORT_HEX = r"[0-9a-fA-F]{7,39}"
_UPPER_COMMIT = r"[0-9a-fA-F]{40}"  # a lowercase one is a pin and never asks why not
_HUB_ID = r"(?:[A-Za-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*"
_GITHUB_REPO = r"[A-Za-z0-9][\w.-]*/[\w.-]+"
_DRIVE = r"[A-Za-z]:[\\/]"
_HF_URL = (
    r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(?:(datasets|spaces)/)?"
    r"((?:[\w.-]+/)?[\w.-]+)/(?:resolve|raw|blob)/([^/]+)/"
)
_IMMUTABLE_SEGMENT = r"/(?:[0-9a-f]{40}|[0-9a-f]{64})(?:/|$)"
_HASH_NAMED_FILE = r"-([0-9a-f]{6,64})\.[^/]*$"
_HF_HUB_PREFIX = r"hf[-_]hub:"
WEIGHT_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".safetensors", ".h5", ".keras", ".onnx", ".gguf", ".pkl")
# load_dataset names that build a dataset from local files rather than a hub repo.
_DATASET_BUILDERS = frozenset(
    {"csv", "json", "parquet", "text", "arrow", "pandas", "imagefolder", "audiofolder", "videofolder"}
    | {"webdataset", "xml", "sql", "generator", "spark", "cache"}
)
PIN_HINT = 'pass revision="<40-hex commit>"'
_URL_HINT = (
    'use an immutable URL, or declare the file as a hub = "url" model (with its sha256) in ptm.toml and '
    'load ptmlock.path("<name>")'
)
_HIDDEN_REVISION = "a revision may come in **kwargs, which is not known statically"
_CONSTANTS = (BOOL, NONE, STR, OTHER)

Exists = Callable[[str], bool]


def is_local(text: str, exists: Exists) -> bool:
    """A path on disk rather than a hub id: ./x, /x, ~/x, C:\\x, a/b/c, a weights file, or one that exists."""
    return (
        text.startswith(("./", "../", "/", "~", ".\\", "file:"))
        or text in (".", "..")
        or bool(re.match(_DRIVE, text))
        or "\\" in text
        or text.count("/") > 1
        or text.lower().endswith(WEIGHT_SUFFIXES)
        or exists(text)
    )


def revision_state(revision: str) -> str:
    return PINNED if COMMIT_RE.match(revision) else MUTABLE


def _why_mutable(label: str, value: Value, found: tuple[ast.expr, object] | None = None) -> str:
    where = f" (the default of ${value.env})" if value.env else ""
    if found is not None and not value.env and not isinstance(found[0], ast.Constant):
        label = f"{label} {_source(found)} ="
    if re.fullmatch(_UPPER_COMMIT, value.data):
        return (
            f'{label} "{value.data}"{where} is not a pinned commit: a commit is 40 lowercase hex digits, '
            f'"{value.data.lower()}"'
        )
    if re.fullmatch(_SHORT_HEX, value.data):
        return (
            f'{label} "{value.data}"{where} is not a full 40-hex commit: a short hex name is a tag or '
            "branch until proven otherwise"
        )
    return f'{label} "{value.data}"{where} is a branch or tag, which can move'


def _source(found: tuple[ast.expr, object]) -> str:
    """The argument as written, shortened for a message."""
    return source_text(found[0], 40)


def _remote_code(api: LoadApi, args: CallArgs) -> str | None:
    if api.remote_code == "always":
        return f"{api.name} runs the repository's hubconf.py"
    if api.remote_code != "keyword":
        return None
    # Written in the call or a literal **dict; one an unknown **kwargs may hold is not counted.
    found = args.expr(None, ("trust_remote_code",))
    if found is None:
        return None
    trust, source = evaluate(*found), _source(found)
    if trust.kind in _CONSTANTS and not trust.env:
        return f"trust_remote_code={source} runs Python code from the hub" if trust.data else None
    return f"trust_remote_code={source} may run Python code from the hub (it is only known at run time)"


def _model(api: LoadApi, args: CallArgs) -> Value | None:
    assert api.model is not None
    given = args.value(api.model.position, api.model.keywords)
    return Value(STR, api.default_repo) if given is None and api.default_repo else given


def _switch(api: LoadApi, args: CallArgs) -> Value:
    assert api.switch is not None
    value = args.value(api.switch.position, api.switch.keywords)
    if value is not None:
        return value
    default = api.switch_default
    if isinstance(default, bool):
        return Value(BOOL, default)
    return Value(STR, default) if isinstance(default, str) else Value(NONE)


def _hub_repo(api: LoadApi, text: str) -> str:
    """The repo a hub id names for its library: sentence-transformers reads all-MiniLM-L6-v2 as
    sentence-transformers/all-MiniLM-L6-v2, faster-whisper large-v3 as Systran/faster-whisper-large-v3."""
    if not api.bare_prefix or "/" in text or text.lower() in catalog.LEGACY_HF_IDS:
        return text
    return dict(api.bare_repos).get(text, api.bare_prefix + text)


def _nested_revision(api: LoadApi, args: CallArgs) -> tuple[ast.expr, Scope] | None:
    """The "revision" of a literal dict keyword (sentence-transformers' model_args={"revision": ...})."""
    for keyword in api.revision_in:
        given = args.value(None, (keyword,))
        if given is not None and given.kind == DICT and "revision" in given.data.items:
            item: tuple[ast.expr, Scope] = given.data.items["revision"]
            return item
    return None


def _ptmlock_call(found: tuple[ast.expr, Scope] | None, function: str) -> str | None:
    """The model name in ``ptmlock.<function>("name")`` when the argument is such a call (also inside
    str(...) or under a / b): "" when the name is not known statically; None when it is no such call."""
    if found is None:
        return None
    expr, scope = found
    while True:  # str(ptmlock.path(x)), os.fspath(...), ptmlock.path(x) / "sub"
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            expr = expr.left
        elif isinstance(expr, ast.Call) and len(expr.args) == 1 and _is_str_call(expr.func, scope):
            expr = expr.args[0]
        else:
            break
    value = evaluate(expr, scope)
    if value.kind != OBJECT or value.data not in (f"ptmlock.{function}()", f"ptmlock.api.{function}()"):
        return None
    if isinstance(expr, ast.Call):
        given = expr.args[0] if expr.args else next((k.value for k in expr.keywords if k.arg == "name"), None)
        name = evaluate(given, scope) if given is not None else DYNAMIC_VALUE
        if name.kind == STR:
            return name.data
    return ""


def _is_str_call(func: ast.expr, scope: Scope) -> bool:
    callee = evaluate(func, scope)
    return (callee.kind == UNBOUND and callee.data == "str") or (
        callee.kind == REF and callee.data == "os.fspath"
    )


def _declared(name: str, kind: str = "model", model: str | None = None) -> Classified:
    """A load of the path or revision ptm.lock pins for a ptm.toml model: pinned by construction."""
    return Classified(PINNED, kind, model=model, declared=name or None)


def _hf_url(text: str, env: str | None) -> Classified | None:
    """A Hugging Face file URL (.../resolve/<revision>/<file>): pinned by a 40-hex revision."""
    hf = re.match(_HF_URL, text)
    if hf is None:
        return None
    repo, revision = hf.group(2), unquote(hf.group(3))
    kind = {"datasets": "dataset", "spaces": "space"}.get(hf.group(1) or "", "model")
    state = revision_state(revision)
    reason = "" if state == PINNED else _why_mutable("revision", Value(STR, revision, env))
    hint = f"use /resolve/<40-hex commit>/ in the URL, or hf_hub_download({repo!r}, revision=...)"
    return Classified(
        state,
        kind,
        model=repo,
        repo=repo,
        revision=revision,
        reason=reason,
        hint=hint,
        hub=catalog.HUGGINGFACE,
    )


def _hugging_face(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    model = _model(api, args)
    kind = api.kind
    repo_type = args.value(None, ("repo_type",))
    if repo_type is not None and repo_type.kind == STR and repo_type.data in ("dataset", "space"):
        kind = repo_type.data
    if model is None or model.kind == NONE:
        if not api.default_model:
            return None
        return Classified(
            UNPINNED,
            kind,
            reason="no model, so transformers picks the task's default, which changes between releases",
            hint='pass model="org/name" and revision="<40-hex commit>"',
        )
    if model.kind == OBJECT:  # an already built model handed on: its own load is reported where it is
        return None
    text = repo = None
    if model.kind == PATH:
        return Classified(LOCAL, kind)
    if model.kind == STR:
        text = model.data
        if (from_url := _hf_url(text, model.env)) is not None:
            return from_url
        if is_local(text, exists) or not re.fullmatch(_HUB_ID, text) or len(text) > 96:
            return Classified(LOCAL, kind, model=text)
        if kind == "dataset" and text in _DATASET_BUILDERS:
            return Classified(LOCAL, kind, model=text)
        repo = _hub_repo(api, text)
    elif api.literal_only:
        return None
    offline = args.value(None, ("local_files_only",))
    if offline is not None and offline.kind == BOOL and offline.data and not offline.env:
        return Classified(LOCAL, kind, model=text)  # reads what is already on disk, downloads nothing
    found = args.expr(None, api.revision) if api.revision else _nested_revision(api, args)
    if (name := _ptmlock_call(found, "revision")) is not None:
        return _declared(name, kind, text)
    if found is not None:
        revision: Value | None = evaluate(*found)
    else:
        revision = args.value(None, api.revision) if api.revision else None
    remote = _remote_code(api, args)
    hint = api.hint or PIN_HINT
    forwarded = found is None and revision is not None  # only an unknown **kwargs can hold it
    verdict = functools.partial(
        Classified, kind=kind, model=text, repo=repo, remote_code=remote, forwarded=forwarded
    )
    if revision is not None and revision.kind == STR:
        state = revision_state(revision.data)
        reason = "" if state == PINNED else _why_mutable("revision", revision, found)
        hint = "pin the 40-hex commit it points at"
        return verdict(state, revision=revision.data, reason=reason, hint=hint, override=revision.env)
    dynamic_revision = revision is not None and revision.kind != NONE
    if repo is None:
        # A helper that forwards whatever model and revision it is given pins nothing itself.
        reason = (
            f"the {kind} id and its revision are only known at run time"
            if dynamic_revision
            else f"the {kind} id is only known at run time and no revision is pinned"
        )
        return verdict(DYNAMIC, dynamic="model", reason=reason, hint=hint)
    if dynamic_revision:
        return verdict(
            DYNAMIC,
            dynamic="revision",
            reason=f"revision={_source(found)} is not known statically" if found else _HIDDEN_REVISION,
            hint="pass a 40-hex commit (a literal or a module constant) so it can be checked",
        )
    return verdict(UNPINNED, reason="no revision, so it loads whatever the hub serves that day", hint=hint)


def _torch_hub(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    source = args.value(None, ("source",))
    target = _model(api, args)
    if target is None:
        return None
    if (source is not None and source.kind == STR and source.data == "local") or target.kind == PATH:
        return Classified(LOCAL)
    remote = _remote_code(api, args)
    if target.kind != STR:
        return Classified(
            DYNAMIC,
            dynamic="model",
            remote_code=remote,
            reason="the repository is only known at run time",
            hint='load "owner/repo:<40-hex commit>"',
        )
    repo, _, ref = target.data.partition(":")
    entry = args.value(1, ("model",))
    verdict = functools.partial(
        Classified,
        model=repo,
        repo=repo if re.fullmatch(_GITHUB_REPO, repo) else None,
        entry=entry.data if entry is not None and entry.kind == STR else None,
        hint=f'load "{repo}:<40-hex commit>"',
        remote_code=remote,
    )
    if not ref:
        reason = f"no ref, so it runs hubconf.py and fetches weights from the default branch of {repo}"
        return verdict(UNPINNED, reason=reason)
    state = revision_state(ref)
    reason = "" if state == PINNED else _why_mutable("ref", Value(STR, ref, target.env))
    return verdict(state, revision=ref, reason=reason, override=target.env)


def _url(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    url = _model(api, args)
    if url is None or url.kind == OBJECT:  # hf_hub_url(...) handed on: reported where it is built
        return None
    if url.kind != STR and (from_template := _hf_url_template(api, args)) is not None:
        return from_template
    is_url = url.kind == STR and url.data.startswith(("http://", "https://", "s3://"))
    if api.hub_urls_only and not (is_url and re.match(_HF_URL, url.data)):
        return None
    hashed = any(value is not None and value.kind not in (NONE, BOOL) for value in _hashes(api, args))
    takes_ids = api.model is not None and "id" in api.model.keywords  # gdown: a Drive file id is remote
    if url.kind == PATH or (url.kind == STR and not is_url and not takes_ids):
        return Classified(LOCAL)
    if url.kind != STR:
        if hashed:
            return Classified(PINNED)
        return Classified(
            DYNAMIC, dynamic="model", reason="the URL is only known at run time", hint="use an immutable URL"
        )
    text = url.data
    if (from_url := _hf_url(text, url.env)) is not None:
        return from_url
    checked = args.value(None, ("check_hash",))
    path = urlsplit(text).path
    named = (
        checked is not None and checked.kind == BOOL and checked.data and re.search(_HASH_NAMED_FILE, path)
    )
    if named or hashed or re.search(_IMMUTABLE_SEGMENT, path):
        return Classified(PINNED, model=text)
    return Classified(
        UNPINNED,
        model=text,
        reason="the bytes at this URL can change and nothing checks them",
        hint=api.hint or _URL_HINT,
    )


def _hf_url_template(api: LoadApi, args: CallArgs) -> Classified | None:
    """f"https://huggingface.co/org/m/resolve/main/{name}": a Hugging Face URL whose repo and revision
    are written out, though the file is only known at run time."""
    assert api.model is not None
    found = args.expr(api.model.position, api.model.keywords)
    if found is None:
        return None
    verdict = _hf_url(_template(*found), None)
    if verdict is None or _UNKNOWN_PART in f"{verdict.repo}/{verdict.revision}":
        return None
    return verdict


_UNKNOWN_PART = "\0"


def _template(expr: ast.expr, scope: Scope) -> str:
    """A string built by an f-string or +, with each part not known statically as _UNKNOWN_PART."""
    if isinstance(expr, ast.JoinedStr):
        return "".join(
            _template(part.value if isinstance(part, ast.FormattedValue) else part, scope)
            for part in expr.values
        )
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _template(expr.left, scope) + _template(expr.right, scope)
    value = evaluate(expr, scope)
    return str(value.data) if value.kind == STR else _UNKNOWN_PART


def _hashes(api: LoadApi, args: CallArgs) -> list[Value | None]:
    return [args.value(None, (keyword,)) for keyword in api.hashes]


def _timm(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    switch = _switch(api, args)
    if switch.kind in (NONE, BOOL) and not switch.data:
        return None
    overlay = args.value(None, ("pretrained_cfg_overlay",))
    if overlay is not None and overlay.kind != NONE:
        return Classified(LOCAL)
    name = _model(api, args) or DYNAMIC_VALUE
    if name.kind != STR:
        return Classified(
            DYNAMIC,
            dynamic="model",
            reason="the model name is only known at run time",
            hint='load "hf-hub:<repo>@<40-hex commit>"',
        )
    text = name.data
    # Said as the caller wrote it: pretrained=args.pretrained may be False at run time.
    found = _switch_expr(api, args)
    if found is None:
        downloads = "a pretrained=True in **kwargs downloads"
    elif switch.kind == BOOL and isinstance(found[0], ast.Constant):
        downloads = "pretrained=True downloads"
    elif switch.kind == BOOL:
        downloads = f"pretrained={_source(found)} (True) downloads"
    else:
        downloads = f"pretrained={_source(found)}, when true, downloads"
    if switch.kind not in (BOOL, STR, OTHER):  # whether it downloads at all is only known at run time
        reason = f"{downloads} the weights from the hub with no revision (it is only known at run time)"
        hint = f'load "hf-hub:timm/{text}@<40-hex commit>" when it downloads'
        return Classified(DYNAMIC, model=text, dynamic="model", reason=reason, hint=hint)
    if not re.match(_HF_HUB_PREFIX, text):
        return Classified(
            UNPINNED,
            model=text,
            reason=f"{downloads} the weights from the hub with no revision",
            hint=f'load "hf-hub:timm/{text}@<40-hex commit>" (the repo of the weights you want)',
        )
    repo, _, revision = text[len("hf-hub:") :].partition("@")
    hint = f'load "hf-hub:{repo}@<40-hex commit>"'
    if not revision:
        reason = f"no @revision, so {downloads} whatever the hub serves that day"
        return Classified(UNPINNED, model=repo, repo=repo, reason=reason, hint=hint)
    state = revision_state(revision)
    reason = "" if state == PINNED else _why_mutable("revision", Value(STR, revision, name.env))
    return Classified(state, model=repo, repo=repo, revision=revision, reason=reason, hint=hint)


def _switch_expr(api: LoadApi, args: CallArgs) -> tuple[ast.expr, Scope] | None:
    assert api.switch is not None
    return args.expr(api.switch.position, api.switch.keywords)


def _open_clip(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    name = _model(api, args) or DYNAMIC_VALUE
    hint = 'fetch the file with hf_hub_download(..., revision="<40-hex commit>") and pass it as pretrained='
    if name.kind == STR and re.match(_HF_HUB_PREFIX, name.data):
        repo = name.data[len("hf-hub:") :]
        reason = "open_clip downloads hf-hub: models with no revision"
        return Classified(UNPINNED, model=repo, repo=repo, reason=reason, hint=hint)
    pretrained = _switch(api, args)
    if pretrained.kind == NONE:
        return None
    if pretrained.kind == PATH or (pretrained.kind == STR and is_local(pretrained.data, exists)):
        return Classified(LOCAL)
    if pretrained.kind != STR:
        reason = "the pretrained weights are only known at run time"
        return Classified(DYNAMIC, dynamic="model", reason=reason, hint=hint)
    model = f"{name.data}/{pretrained.data}" if name.kind == STR else pretrained.data
    reason = f'pretrained "{pretrained.data}" is downloaded from the hub with no revision'
    return Classified(UNPINNED, model=model, reason=reason, hint=hint)


def _torchvision(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    model: str | None = final
    if api.model is not None:
        name = _model(api, args)
        model = name.data if name is not None and name.kind == STR else None
    weights = args.value(None, ("weights",))
    if weights is None or weights.kind == NONE:
        legacy = args.value(None, ("pretrained",))
        if legacy is None or (legacy.kind in (BOOL, NONE) and not legacy.data):
            return None
        return Classified(PINNED, model=model)  # pretrained=True means fixed, checksummed V1 weights
    if weights.kind == STR or (weights.kind in (REF, OBJECT)):
        entry = weights.data.rsplit(".", 1)[-1]
        if entry != "DEFAULT":
            return Classified(PINNED, model=model, revision=entry)
        return Classified(
            MUTABLE,
            model=model,
            revision=entry,
            reason="weights DEFAULT is an alias torchvision moves to newer weights between releases",
            hint="name the weights entry, e.g. ResNet50_Weights.IMAGENET1K_V2",
        )
    found = args.expr(None, ("weights",))
    return Classified(
        DYNAMIC,
        model=model,
        dynamic="revision" if model else "model",
        reason=f"weights={_source(found)} are not known statically"
        if found
        else "weights are not known statically",
        hint="name the weights entry, e.g. ResNet50_Weights.IMAGENET1K_V2",
    )


def _checksum(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    if api.switch is not None:  # keras applications: weights="imagenet" unless told otherwise
        weights = _switch(api, args)
        if weights.kind == NONE:
            return None
        if weights.kind == STR and weights.data != "imagenet":
            return Classified(LOCAL, model=final)
        return Classified(PINNED, model=final, revision="imagenet")
    name = _model(api, args)
    if name is None:
        return None
    if name.kind == PATH or (name.kind == STR and is_local(name.data, exists)):
        return Classified(LOCAL)
    if name.kind != STR:
        if not api.aliases:
            return Classified(PINNED)
        reason = f"the {api.name} name is only known at run time and may be an alias that moves"
        return Classified(DYNAMIC, dynamic="model", reason=reason, hint="name a checkpoint, not an alias")
    if name.data in api.aliases:
        return Classified(
            MUTABLE,
            model=name.data,
            reason=f'"{name.data}" is an alias {api.name} maps to newer checkpoints between releases',
            hint="name the checkpoint it stands for",
        )
    return Classified(PINNED, model=name.data)


def _tfhub(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    handle = _model(api, args)
    if handle is None:
        return None
    if handle.kind == PATH or (handle.kind == STR and not handle.data.startswith(("http", "gs://"))):
        return Classified(LOCAL)
    if handle.kind != STR:
        reason = "the handle is only known at run time"
        return Classified(DYNAMIC, dynamic="model", reason=reason, hint="end the handle with /<version>")
    last = urlsplit(handle.data).path.rstrip("/").rsplit("/", 1)[-1]
    if last.isdigit():
        return Classified(PINNED, model=handle.data, revision=last)
    return Classified(
        UNPINNED,
        model=handle.data,
        reason="the handle has no version, so it loads the latest",
        hint="end the handle with /<version>",
    )


def _ptmlock_loader(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    name = _model(api, args)
    return _declared(name.data if name is not None and name.kind == STR else "", api.kind)


def _kaggle_pin(handle: str, kind: str) -> Classified:
    """owner/model/framework/variation/<version>, owner/dataset/versions/<version>: the version pins."""
    parts = handle.strip("/").split("/")
    versioned = parts[-1].isdigit() and (
        parts[-2:-1] == ["versions"] if kind == "dataset" else len(parts) == 5
    )
    if versioned:
        return Classified(PINNED, kind, model=handle, revision=parts[-1])
    shape = "owner/dataset/versions/<n>" if kind == "dataset" else "owner/model/framework/variation/<n>"
    return Classified(
        UNPINNED,
        kind,
        model=handle,
        reason="the handle names no version, so it loads the latest",
        hint=f"end the handle with its version ({shape})",
    )


def _kaggle(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    handle = _model(api, args)
    if handle is None:
        return None
    if handle.kind != STR:
        reason = "the handle is only known at run time"
        return Classified(
            DYNAMIC, api.kind, dynamic="model", reason=reason, hint="end the handle with its version"
        )
    return _kaggle_pin(handle.data, api.kind)


def _preset(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    preset = _model(api, args)
    if preset is None or preset.kind in (OBJECT, NONE):
        return None
    if preset.kind == PATH:
        return Classified(LOCAL)
    if preset.kind != STR:
        if api.literal_only:
            return None
        reason = "the preset is only known at run time"
        return Classified(
            DYNAMIC, dynamic="model", reason=reason, hint="name a built-in preset or a versioned handle"
        )
    text = preset.data
    scheme, _, rest = text.partition("://")
    if scheme == "kaggle":
        return _kaggle_pin(rest, "model")
    if scheme == "hf":
        reason = "an hf:// preset loads whatever the Hugging Face Hub serves that day (it takes no revision)"
        hint = f'fetch it with snapshot_download("{rest}", revision="<40-hex commit>") and pass the folder'
        return Classified(UNPINNED, model=rest, repo=rest, reason=reason, hint=hint, hub=catalog.HUGGINGFACE)
    if rest or is_local(text, exists):
        return Classified(LOCAL, model=text)
    # A built-in preset: the installed library maps it to a versioned Kaggle handle.
    return None if api.literal_only else Classified(PINNED, model=text)


def _release_asset(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    weights = _model(api, args)
    if weights is None or weights.kind != STR:
        return None  # a path, an object, or a name known only at run time: not known to be a download
    text = weights.data
    if text.startswith(("http://", "https://")):
        return _url(api, args, final, exists)
    if not text.lower().endswith(WEIGHT_SUFFIXES) or "/" in text or "\\" in text or exists(text):
        return Classified(LOCAL, model=text)  # a .yaml builds a fresh model; a path is a file on disk
    return Classified(
        UNPINNED,
        model=text,
        reason=f'{api.name} downloads "{text}" by name from a GitHub release, and checks no hash',
        hint=_URL_HINT.replace("use an immutable URL, or ", ""),
    )


def _named(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    name = _names(api, args) or _model(api, args)
    if name is None or name.kind in (NONE, OBJECT):
        return None
    if name.kind == PATH:
        return Classified(LOCAL, api.kind)
    if name.kind != STR:
        reason = f"the {api.kind} name is only known at run time"
        return Classified(DYNAMIC, api.kind, dynamic="model", reason=reason, hint=api.hint)
    base, mark, version = name.data.rpartition(api.version_mark) if api.version_mark else ("", "", "")
    if not mark:
        base, version = name.data, ""
    parts = version.split(".")
    if version and len(parts) == 3 and all(part.isdigit() for part in parts):
        return Classified(PINNED, api.kind, model=base, revision=version)
    if version:
        reason = f'version "{version}" is not a full major.minor.patch version, so it can move'
        return Classified(MUTABLE, api.kind, model=base, revision=version, reason=reason, hint=api.hint)
    reason = f'"{base}" names no version, so {api.name} fetches whatever its index serves that day'
    return Classified(UNPINNED, api.kind, model=base, reason=reason, hint=api.hint)


def _names(api: LoadApi, args: CallArgs) -> Value | None:
    """nltk.download(["punkt", "wordnet"]): literal names, one value for a message."""
    assert api.model is not None
    found = args.expr(api.model.position, api.model.keywords)
    if found is None or not isinstance(found[0], (ast.List, ast.Tuple)) or not found[0].elts:
        return None
    names = [evaluate(item, found[1]) for item in found[0].elts]
    if any(name.kind != STR for name in names):
        return None
    return Value(STR, ", ".join(name.data for name in names))


_BY_PINNING = {
    catalog.REVISION: _hugging_face,
    catalog.REF_IN_ID: _torch_hub,
    catalog.DOWNLOAD_URL: _url,
    catalog.TIMM: _timm,
    catalog.OPEN_CLIP: _open_clip,
    catalog.TORCHVISION: _torchvision,
    catalog.CHECKSUM: _checksum,
    catalog.TFHUB_HANDLE: _tfhub,
    catalog.KAGGLE_HANDLE: _kaggle,
    catalog.PRESET: _preset,
    catalog.DECLARED: _ptmlock_loader,
    catalog.RELEASE_ASSET: _release_asset,
    catalog.NAMED: _named,
}


def classify(api: LoadApi, args: CallArgs, final: str, exists: Exists) -> Classified | None:
    """How the call pins what it loads; None when, on a closer look, it loads nothing."""
    # Whatever the library, a folder or file that ptmlock.path gives is pinned by ptm.lock.
    for arg in (api.model, api.switch):
        if (
            arg is not None
            and (name := _ptmlock_call(args.expr(arg.position, arg.keywords), "path")) is not None
        ):
            return _declared(name, api.kind)
    return _BY_PINNING[api.pinning](api, args, final, exists)
