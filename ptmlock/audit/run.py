"""`ptm audit`: every locked file read from the store, its format told from its bytes, judged by the policy.

Offline and built on the lock's digests: a blob the store still vouches for (verified.json) is read as
is; one whose stat moved since is hashed first, and a mismatch is a finding rather than an audit of
bytes the lock does not pin. Each distinct blob is inspected once, in parallel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..check.rules import ERROR, WARNING
from ..errors import PtmError
from ..files import hash_file
from . import findings as rules
from .findings import Finding
from .formats import (
    OUTSIDE_PATH,
    RUNS_CODE,
    UNKNOWN,
    UNREADABLE,
    UNSAFE_GLOBAL,
    WEIGHT_FORMATS,
    Inspection,
    inspect,
)
from .pickles import SAFE_GLOBALS
from .policy import ALWAYS, NEVER, Policy, read_policy

if TYPE_CHECKING:
    from ..install.store import Store
    from ..lockfile import Lock, LockedFile, LockedModel

# Where Transformers looks for the classes trust_remote_code=True imports from the repository.
_AUTO_MAP = "auto_map"
_OBSERVED = {
    UNSAFE_GLOBAL: rules.UNSAFE_GLOBAL,
    RUNS_CODE: rules.RUNS_CODE,
    UNREADABLE: rules.UNREADABLE,
    OUTSIDE_PATH: rules.OUTSIDE_PATH,
}


@dataclass(frozen=True)
class AuditedFile:
    model: str
    path: str
    sha256: str
    size: int
    format: str  # one of formats' names; '' when the blob could not be read
    pickled: bool


@dataclass(frozen=True)
class AuditResult:
    files: tuple[AuditedFile, ...]
    findings: tuple[Finding, ...]
    models: tuple[str, ...]

    def failed(self, strict: bool) -> bool:
        """Errors always fail; warnings (what the default policy says) only with --strict."""
        failing = (ERROR, WARNING) if strict else (ERROR,)
        return any(f.severity in failing for f in self.findings)


@dataclass(frozen=True)
class _Blob:
    """What one distinct blob is: inspected, or why it could not be."""

    inspection: Inspection | None
    code: str = ""
    reason: str = ""


def policy_findings(manifest_path: Path, lock: Lock, store: Store) -> list[Finding]:
    """The findings of every locked model under ptm.toml's [policy]: what `ptm lock` and `ptm install`
    call to enforce it (error findings refuse, warnings print)."""
    return list(audit(lock, read_policy(manifest_path), store).findings)


def audit(lock: Lock, policy: Policy, store: Store, names: Sequence[str] = ()) -> AuditResult:
    """Every locked file of ``names`` (all models when empty), read from ``store``, under ``policy``."""
    unknown = [n for n in names if n not in lock.models]
    if unknown:
        known = ", ".join(sorted(lock.models)) or "none"
        raise PtmError(f"no model named {unknown[0]!r} in ptm.lock (locked: {known})", exit_code=2)
    models = [lock.models[n] for n in (names or sorted(lock.models))]
    allowed = SAFE_GLOBALS | policy.allow_globals
    blobs = {f.sha256: f for m in models for f in _locked_files(m)}
    with ThreadPoolExecutor(max_workers=config.pool_size(len(blobs))) as pool:
        inspected = dict(
            zip(blobs, pool.map(lambda f: _read_blob(store, f, allowed), blobs.values()), strict=True)
        )
    found: list[Finding] = []
    audited: list[AuditedFile] = []
    for model in models:
        for file in _locked_files(model):
            blob = inspected[file.sha256]
            kind = blob.inspection.format if blob.inspection else ""
            pickled = bool(blob.inspection and blob.inspection.pickled)
            audited.append(AuditedFile(model.name, file.path, file.sha256, file.size, kind, pickled))
            found += _file_findings(model.name, file.path, blob, policy)
        found += _remote_code(model, store, inspected, policy)
        found += _licence(model, policy)
    return AuditResult(tuple(audited), tuple(found), tuple(m.name for m in models))


def _locked_files(model: LockedModel) -> tuple[LockedFile, ...]:
    return model.files + model.weights


def _read_blob(store: Store, file: LockedFile, allowed: frozenset[tuple[str, str]]) -> _Blob:
    path = store.path(file.sha256)
    if not store.has(file.sha256, file.size):
        return _Blob(
            None, rules.NOT_AUDITED, "not in the store; run `ptm install` to fetch it, then audit again"
        )
    try:
        if not store.unchanged(file.sha256) and hash_file(path) != (file.sha256, file.size):
            return _Blob(
                None,
                rules.STORE_CHANGED,
                f"the store's blob {path} no longer holds the locked bytes; `ptm install --verify-hashes` "
                "fetches them again",
            )
        with open(path, "rb") as stream:
            return _Blob(inspect(stream, allowed))
    except OSError as error:
        return _Blob(None, rules.NOT_AUDITED, f"cannot read the store's blob {path} ({error.strerror})")
    except Exception as error:  # a hostile file (JSON nested past the recursion limit, ...)
        # must neither stop the audit of the others nor pass: what broke its reading is the finding.
        reason = f"{type(error).__name__}: {error}"[:200]
        return _Blob(
            None, rules.UNREADABLE, f"cannot be read statically ({reason}); a loader may still load it"
        )


def _file_findings(model: str, path: str, blob: _Blob, policy: Policy) -> Iterable[Finding]:
    if blob.inspection is None:
        yield Finding(blob.code, model, blob.reason, path)
        return
    inspection = blob.inspection
    if inspection.pickled and policy.allow_pickle == NEVER:
        yield Finding(
            rules.PICKLE_FORBIDDEN,
            model,
            f'{inspection.format} file: loading it runs the unpickler, and [policy] allow_pickle = "never"',
            path,
        )
    # Weights, or any archive that holds pickles: a zip of pickles is no more allowed than a pickle.
    weights = inspection.format in WEIGHT_FORMATS or inspection.pickled
    if policy.formats is not None and weights and inspection.format not in policy.formats:
        yield Finding(
            rules.FORMAT_FORBIDDEN,
            model,
            f"weights in {inspection.format}, not one of [policy] formats ({', '.join(policy.formats)})",
            path,
            subject=inspection.format,
        )
    if inspection.format == UNKNOWN:
        yield Finding(
            rules.UNKNOWN_FORMAT, model, "binary file in no format the audit knows; not checked", path
        )
    for seen in inspection.observations:
        if seen.kind == UNSAFE_GLOBAL and policy.allow_pickle == ALWAYS:
            continue  # the policy trusts every pickle: what it imports is not a finding
        yield Finding(_OBSERVED[seen.kind], model, seen.message, path, seen.member, seen.offset, seen.subject)


def _remote_code(
    model: LockedModel, store: Store, inspected: dict[str, _Blob], policy: Policy
) -> list[Finding]:
    """Modelling code the model ships: *.py files (a torch.hub hubconf among them) and the classes a
    config.json auto_map names, which trust_remote_code=True imports."""
    if policy.trust_remote_code:
        return []
    code = sorted(f.path for f in model.files if f.path.endswith(".py"))
    config_file = next((f for f in model.files if f.path == "config.json"), None)
    mapped = []
    if config_file is not None and inspected[config_file.sha256].inspection is not None:
        mapped = _auto_map(store.path(config_file.sha256))
    if not code and not mapped:
        return []
    parts = ([f"config.json auto_map ({', '.join(mapped)})"] if mapped else []) + code
    explicit = policy.trust_remote_code is False
    return [
        Finding(
            rules.REMOTE_CODE,
            model.name,
            f"ships code that loading it with trust_remote_code (or torch.hub) runs: {', '.join(parts)}"
            + ("" if explicit else "; set [policy] trust_remote_code to decide"),
            subject=", ".join(code),
            severity=ERROR if explicit else WARNING,
        )
    ]


def _auto_map(path: Path) -> list[str]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return []
    mapping = data.get(_AUTO_MAP) if isinstance(data, dict) else None
    if not isinstance(mapping, dict):
        return []
    return sorted(
        {str(v) for value in mapping.values() for v in (value if isinstance(value, list) else [value]) if v}
    )


def _licence(model: LockedModel, policy: Policy) -> list[Finding]:
    licences = [name.strip().lower() for name in (model.license or "").split(",") if name.strip()]
    if not licences:
        return [
            Finding(
                rules.LICENSE_UNKNOWN,
                model.name,
                "licence unknown: ptm.lock records none (the Hub's model card gives one at `ptm lock`)",
                severity=ERROR if policy.licenses_allow is not None else WARNING,
            )
        ]
    problems = []
    for name in licences:
        if name in policy.licenses_deny:
            problems.append(
                Finding(
                    rules.LICENSE_FORBIDDEN,
                    model.name,
                    f"licence {name} is denied by [policy] licenses.deny",
                    subject=name,
                )
            )
        elif policy.licenses_allow is not None and name not in policy.licenses_allow:
            problems.append(
                Finding(
                    rules.LICENSE_FORBIDDEN,
                    model.name,
                    f"licence {name} is not in [policy] licenses.allow ({', '.join(policy.licenses_allow)})",
                    subject=name,
                )
            )
    return problems


@dataclass(frozen=True)
class PolicyVerdict:
    """ptm.toml's [policy] applied where ptm lock or ptm install enforces it: the models refused, one error
    per finding that refuses, and the warnings to print."""

    refused: frozenset[str]
    errors: tuple[PtmError, ...]
    warnings: tuple[str, ...]


def enforce_policy(
    manifest_path: Path, lock: Lock, store: Store, names: Sequence[str] = (), *, consequence: str
) -> PolicyVerdict:
    """Audit ``names`` (all locked models when empty) under ptm.toml's [policy]. A file not in the store
    yet is left to the next enforcement (`ptm lock` keeps only what it downloads to hash; `ptm install`
    audits everything before linking), not reported. ``consequence``: what a refusal means, for its line."""
    found = [
        f
        for f in audit(lock, read_policy(manifest_path), store, names).findings
        if f.code != rules.NOT_AUDITED
    ]
    where = f"{manifest_path.name} [policy]"

    def subject(f: Finding) -> str:
        return f"model '{f.model}'{f' file {f.path}' if f.path else ''}: {f.code} {f.message}"

    refusing = [f for f in found if f.severity == ERROR]
    return PolicyVerdict(
        frozenset(f.model for f in refusing),
        tuple(
            PtmError(f"{subject(f)}; refused by {where}, {consequence} (see `ptm audit`)") for f in refusing
        ),
        tuple(f"warning: {subject(f)} ({where})" for f in found if f.severity != ERROR),
    )
