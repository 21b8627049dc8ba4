"""`ptm sign` / `ptm verify-signature`: OpenSSF model signatures over the lock's own digests.

Each locked model gets the signature model_signing (the `sign` extra) would make of its installed
folder: an in-toto statement whose resources are the model's (path, sha256) pairs, in a Sigstore bundle.
The pairs are taken from ptm.lock, so nothing is hashed to sign or to verify; and since they are what
`model_signing` computes by hashing the installed snapshot, its CLI verifies ptm's signatures on that
folder, and ptm verifies signatures its CLI made there.

The library is driven through its public configuration objects: a hashing configuration whose "hash"
is the lock's listing takes the place of hashing the folder.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .errors import IntegrityError, PtmError
from .wording import count

if TYPE_CHECKING:
    from .lockfile import Lock, LockedModel

SIGNATURES = "ptm.lock.sig"  # the folder beside ptm.lock: one <model>.sig per model
# What model_signing leaves out of a folder's signature by default, so that its signatures and ptm's agree.
GIT_PATHS = (".git", ".gitattributes", ".github", ".gitignore")
_EXTRA = "ptm sign and verify-signature need model-signing: pip install 'ptmlock[sign]'"


@dataclass(frozen=True)
class Key:
    """How to sign: a private EC key; with ``certificate``, a certificate for it (and its chain); or,
    with neither key nor certificate, Sigstore keyless (an OIDC identity, a network)."""

    private_key: Path | None = None
    password: str | None = None
    certificate: Path | None = None
    chain: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Trust:
    """Whom to trust: a public key, a certificate chain, or a Sigstore identity and its OIDC issuer."""

    public_key: Path | None = None
    chain: tuple[Path, ...] = ()
    identity: str | None = None
    issuer: str | None = None


@dataclass(frozen=True)
class Verdict:
    model: str
    ok: bool
    detail: str


def signature_path(lock_path: Path, name: str) -> Path:
    return lock_path.parent / SIGNATURES / f"{name}.sig"


def _subjects(model: LockedModel) -> list[tuple[str, str]]:
    """(path, sha256) of every file the model installs in its folder, as model_signing names them."""
    return sorted((f.path, f.sha256) for f in (*model.files, *model.weights))


def _ignored(path: str, ignored: Iterable[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in ignored)


def _lock_hashing(model: LockedModel) -> Any:
    """A model_signing hashing configuration whose manifest of a folder is the lock's listing of it."""
    try:
        from model_signing import hashing, manifest
        from model_signing._hashing.hashing import Digest  # the value type of a manifest's digests
    except ImportError as error:
        raise PtmError(_EXTRA, exit_code=2) from error

    class LockListing(hashing.Config):
        def __init__(self) -> None:
            super().__init__()
            self.ignore = set(GIT_PATHS)

        def add_ignored_paths(self, *, model_path: Any, paths: Iterable[Any]) -> None:
            self.ignore |= {PurePosixPath(p).as_posix() for p in paths}

        def hash(self, model_path: Any, *, files_to_hash: Iterable[Any] | None = None) -> Any:
            serialization = manifest.SerializationType.from_args(
                # allow_symlinks: an installed snapshot is links into the store, which is how it is hashed
                {
                    "method": "files",
                    "hash_type": "sha256",
                    "allow_symlinks": True,
                    "ignore_paths": sorted(self.ignore),
                }
            )
            items = [
                manifest.FileManifestItem(
                    path=PurePosixPath(path), digest=Digest("sha256", bytes.fromhex(sha256))
                )
                for path, sha256 in _subjects(model)
                if not _ignored(path, self.ignore)
            ]
            return manifest.Manifest(model.name, items, serialization)

    return LockListing()


def _signing_config(key: Key) -> Any:
    try:
        from model_signing import signing
    except ImportError as error:
        raise PtmError(_EXTRA, exit_code=2) from error
    config = signing.Config()
    if key.certificate is not None:
        if key.private_key is None or not key.chain:
            raise PtmError(
                "--certificate needs --key (its private key) and --certificate-chain (its issuers)",
                exit_code=2,
            )
        return config.use_certificate_signer(
            private_key=key.private_key, signing_certificate=key.certificate, certificate_chain=key.chain
        )
    if key.private_key is not None:
        # model_signing annotates the password as str, but hands it to cryptography, which takes bytes.
        password = key.password.encode() if key.password is not None else None
        return config.use_elliptic_key_signer(private_key=key.private_key, password=password)  # type: ignore[arg-type]
    # Keyless: a CI's ambient OIDC credentials (GitHub Actions, ...), else the browser flow.
    return config.use_sigstore_signer(use_ambient_credentials=True)


def _verifying_config(trust: Trust) -> Any:
    try:
        from model_signing import verifying
    except ImportError as error:
        raise PtmError(_EXTRA, exit_code=2) from error
    config = verifying.Config()
    if trust.public_key is not None:
        return config.use_elliptic_key_verifier(public_key=trust.public_key)
    if trust.chain:
        return config.use_certificate_verifier(certificate_chain=trust.chain)
    if trust.identity and trust.issuer:
        return config.use_sigstore_verifier(identity=trust.identity, oidc_issuer=trust.issuer)
    raise PtmError(
        "say whom to trust: --key PUBLIC.pem, --certificate-chain CA.pem, or --identity and --issuer",
        exit_code=2,
    )


def _models(lock: Lock, names: Sequence[str]) -> list[LockedModel]:
    unknown = [n for n in names if n not in lock.models]
    if unknown:
        known = ", ".join(sorted(lock.models)) or "none"
        raise PtmError(f"no model named {unknown[0]!r} in ptm.lock (locked: {known})", exit_code=2)
    return [lock.models[n] for n in (names or sorted(lock.models))]


def sign(lock: Lock, lock_path: Path, key: Key, names: Sequence[str] = ()) -> list[Path]:
    """Sign each model's locked digests; the signatures written, each replaced atomically."""
    from . import atomic

    config = _signing_config_checked(key)
    written = []
    for model in _models(lock, names):
        dest = signature_path(lock_path, model.name)
        config.set_hashing_config(_lock_hashing(model))
        try:  # the folder is only named in the statement: the listing stands for it
            dest.parent.mkdir(exist_ok=True)
            atomic.replace_with(dest, functools.partial(config.sign, Path(model.name)))
        except (OSError, ValueError) as error:
            raise PtmError(f"cannot sign model '{model.name}': {error}") from error
        written.append(dest)
    return written


def _signing_config_checked(key: Key) -> Any:
    """The signing configuration; a key the library refuses (not EC, wrong password) is one line."""
    try:
        return _signing_config(key)
    except (OSError, ValueError, TypeError) as error:
        raise PtmError(f"cannot use the signing key: {' '.join(str(error).split())}", exit_code=2) from error


def verify(lock: Lock, lock_path: Path, trust: Trust, names: Sequence[str] = ()) -> list[Verdict]:
    """Each model's signature checked against ``trust`` and against the lock's digests (no hashing)."""
    _verifying_config(trust)  # whom to trust is checked before any model
    verdicts = []
    for model in _models(lock, names):
        path = signature_path(lock_path, model.name)
        if not path.is_file():
            verdicts.append(
                Verdict(
                    model.name, False, f"no signature ({path.relative_to(lock_path.parent)}); run `ptm sign`"
                )
            )
            continue
        config = _verifying_config(trust).set_hashing_config(_lock_hashing(model))
        try:
            config.verify(Path(model.name), path)
        except Exception as error:  # the library raises ValueError, its crypto backends their own types
            verdicts.append(Verdict(model.name, False, _reason(error)))
            continue
        signed = [path for path, _ in _subjects(model) if not _ignored(path, GIT_PATHS)]
        verdicts.append(Verdict(model.name, True, f"signed, {count(len(signed), 'file')} match ptm.lock"))
    return verdicts


def _reason(error: Exception) -> str:
    """One line: for a valid signature over other digests, which files differ from ptm.lock."""
    text = " ".join(str(error).split()) or type(error).__name__
    if not text.startswith("Signature mismatch"):
        return text[:300]
    changed = re.findall(r"Hash mismatch for '([^']+)'", text)
    unsigned = re.findall(r"Extra files found in model '[^']*': ([^\]\"]+)", text)
    only_signed = re.findall(r"Missing files in model '[^']*': ([^\]\"]+)", text)
    parts = ([f"changed {', '.join(changed)}"] if changed else []) + [f"not signed {x}" for x in unsigned]
    parts += [f"signed but not locked {x}" for x in only_signed]
    return "signed over other digests than ptm.lock pins: " + "; ".join(parts or [text[:200]])


def require_signatures(lock: Lock, lock_path: Path, trust: Trust) -> None:
    """For `ptm install --require-signature`: IntegrityError unless every model is signed by ``trust``
    over exactly the locked digests."""
    failed = [v for v in verify(lock, lock_path, trust) if not v.ok]
    if failed:
        listed = "; ".join(f"{v.model}: {v.detail}" for v in failed)
        raise IntegrityError(f"{len(failed)} model(s) not signed as required, nothing installed: {listed}")


def trust_from(value: str) -> Trust:
    """`--require-signature KEY|IDENTITY`: a PEM file (a public key, or a CA certificate chain), else a
    Sigstore identity written IDENTITY@ISSUER-URL (e.g. ci@example.com@https://accounts.google.com)."""
    path = Path(value)
    if path.is_file():
        head = path.read_text(encoding="utf-8", errors="replace")
        return Trust(chain=(path,)) if "BEGIN CERTIFICATE" in head else Trust(public_key=path)
    identity, at, issuer = value.rpartition("@")
    if not at or not issuer.startswith("https://"):
        raise PtmError(
            f"--require-signature {value!r} is neither a PEM file nor IDENTITY@https://ISSUER", exit_code=2
        )
    return Trust(identity=identity, issuer=issuer)
