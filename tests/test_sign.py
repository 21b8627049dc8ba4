"""`ptm sign` / `ptm verify-signature`: model_signing signatures built from ptm.lock's digests.

Keys and certificates are made here with cryptography; Sigstore keyless signing needs a network and an
OIDC identity, so it is documented, not tested.
"""

from __future__ import annotations

import datetime
import json
import sys
from base64 import b64decode
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ptmlock.errors import IntegrityError
from ptmlock.lockfile import read_lock
from ptmlock.signing import GIT_PATHS, require_signatures, trust_from
from tests.conftest import one_line_error, write_manifest

LOCAL = '[models.m]\nhub = "local"\npath = "model"\n'


def write_key(folder: Path, name: str) -> tuple[Path, Path, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    private, public = folder / f"{name}.key", folder / f"{name}.pub"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public, key


def write_certificate(
    path: Path,
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
) -> None:
    """A CA certificate (self-signed when ``issuer`` is None), or a code-signing one issued by ``issuer``."""
    now = datetime.datetime.now(datetime.timezone.utc)
    issuer_name, signer = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        usage = dict(digital_signature=False, key_cert_sign=True, crl_sign=True)
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
        )
        usage = dict(digital_signature=True, key_cert_sign=False, crl_sign=False)
    builder = builder.add_extension(
        x509.KeyUsage(
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    path.write_bytes(builder.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "keys"
    folder.mkdir()
    private, public, _ = write_key(folder, "signer")
    other_private, other_public, _ = write_key(folder, "other")
    return {
        "private": private,
        "public": public,
        "other_private": other_private,
        "other_public": other_public,
    }


@pytest.fixture
def local_lock(ptm) -> dict[str, bytes]:
    files = {"config.json": b"{}", "weights/model.safetensors": b"weights", ".gitattributes": b"*.bin lfs\n"}
    for name, data in files.items():
        Path("model", name).parent.mkdir(parents=True, exist_ok=True)
        Path("model", name).write_bytes(data)
    write_manifest(LOCAL)
    ptm("lock")
    return files


def statement(signature: Path) -> dict:
    envelope = json.loads(signature.read_text())["dsseEnvelope"]
    return json.loads(b64decode(envelope["payload"]))


def test_sign_writes_model_signings_statement_of_the_locked_digests(ptm, keys, local_lock) -> None:
    result = ptm(f"sign --key {keys['private']}")
    assert result.stdout.splitlines() == ["Signed m -> ptm.lock.sig/m.sig", "Signed 1 model."]
    predicate = statement(Path("ptm.lock.sig/m.sig"))["predicate"]
    lock_text = Path("ptm.lock").read_text()
    resources = {r["name"]: r["digest"] for r in predicate["resources"]}
    assert set(resources) == {
        "config.json",
        "weights/model.safetensors",
    }  # .gitattributes left out, as model_signing does
    assert all(digest in lock_text for digest in resources.values())
    assert set(predicate["serialization"]["ignore_paths"]) == set(GIT_PATHS)


def test_verify_signature_accepts_the_key_and_refuses_another(ptm, keys, local_lock) -> None:
    ptm(f"sign --key {keys['private']}")
    assert "ok     m: signed" in ptm(f"verify-signature --key {keys['public']}").stdout
    result = ptm(f"verify-signature --key {keys['other_public']}", expect=3)
    assert result.stdout.startswith("FAILED m: ")
    assert one_line_error(result) == "error: 1 of 1 signatures did not verify, first m"


def test_a_signature_of_other_digests_does_not_verify_against_the_lock(ptm, keys, local_lock) -> None:
    ptm(f"sign --key {keys['private']}")
    Path("model/config.json").write_bytes(b'{"changed": true}')
    ptm("lock")  # the lock now pins other bytes than the ones signed
    result = ptm(f"verify-signature --key {keys['public']}", expect=3)
    assert "FAILED m: signed over other digests than ptm.lock pins: changed config.json" in result.stdout


def test_an_unsigned_model_fails_verification(ptm, keys, local_lock) -> None:
    result = ptm(f"verify-signature --key {keys['public']}", expect=3)
    assert "FAILED m: no signature (ptm.lock.sig/m.sig); run `ptm sign`" in result.stdout


def test_certificate_signatures_verify_against_their_ca_only(ptm, tmp_path: Path, local_lock) -> None:
    folder = tmp_path / "pki"
    folder.mkdir()
    _, _, ca_key = write_key(folder, "ca")
    leaf_private, _, leaf_key = write_key(folder, "leaf")
    _, _, other_ca_key = write_key(folder, "other-ca")
    write_certificate(folder / "ca.pem", "ptm test CA", ca_key, None)
    write_certificate(folder / "other-ca.pem", "another CA", other_ca_key, None)
    write_certificate(folder / "leaf.pem", "release signer", leaf_key, ("ptm test CA", ca_key))
    ptm(
        [
            "sign",
            "--key",
            leaf_private,
            "--certificate",
            folder / "leaf.pem",
            "--certificate-chain",
            folder / "ca.pem",
        ]
    )
    ptm(f"verify-signature --certificate-chain {folder / 'ca.pem'}")
    ptm(f"verify-signature --certificate-chain {folder / 'other-ca.pem'}", expect=3)


def test_sign_needs_exactly_one_way_to_sign(ptm, keys, local_lock) -> None:
    assert "give either --key PRIVATE.pem or --sigstore" in one_line_error(ptm("sign", expect=2))
    assert "say whom to trust" in one_line_error(ptm("verify-signature", expect=2))


def test_without_the_extra_sign_says_which_to_install(ptm, keys, local_lock, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "model_signing", None)  # as if model-signing were not installed
    error = one_line_error(ptm(f"sign --key {keys['private']}", expect=2))
    assert error == "error: ptm sign and verify-signature need model-signing: pip install 'ptmlock[sign]'"


def test_require_signatures_refuses_an_unsigned_lock_and_takes_a_key_or_identity(
    ptm, keys, local_lock
) -> None:
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    trust = trust_from(str(keys["public"]))
    assert trust.public_key == keys["public"]
    with pytest.raises(
        IntegrityError, match="1 model\\(s\\) not signed as required, nothing installed: m: no signature"
    ):
        require_signatures(lock, Path("ptm.lock").absolute(), trust)
    ptm(f"sign --key {keys['private']}")
    require_signatures(lock, Path("ptm.lock").absolute(), trust)
    sigstore = trust_from("release@example.com@https://accounts.google.com")
    assert (sigstore.identity, sigstore.issuer) == ("release@example.com", "https://accounts.google.com")


def test_an_encrypted_key_takes_its_password_from_the_named_variable(
    ptm, tmp_path, local_lock, monkeypatch
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    private, public = tmp_path / "encrypted.key", tmp_path / "encrypted.pub"
    encryption = serialization.BestAvailableEncryption(b"s3cret")
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert "cannot use the signing key" in one_line_error(ptm(f"sign --key {private}", expect=2))
    monkeypatch.setenv("SIGNING_KEY_PASSWORD", "s3cret")
    ptm(f"sign --key {private} --password-env SIGNING_KEY_PASSWORD")
    ptm(f"verify-signature --key {public}")


def test_install_require_signature_refuses_unsigned_or_wrongly_signed_locks_and_installs_signed_ones(
    ptm, keys, local_lock
) -> None:
    unsigned = one_line_error(ptm(f"install --require-signature {keys['public']}", expect=3))
    assert "not signed as required, nothing installed" in unsigned and "m: no signature" in unsigned
    ptm(f"sign --key {keys['other_private']}")
    assert "not signed as required" in one_line_error(
        ptm(f"install --require-signature {keys['public']}", expect=3)
    )
    ptm(f"sign --key {keys['private']}")
    assert "Installed 1 model" in ptm(f"install --require-signature {keys['public']}").stdout
    Path("model/config.json").write_bytes(b'{"changed": true}')  # ptm.toml's model moved on: a new lock
    stale = one_line_error(ptm(f"install --require-signature {keys['public']}", expect=1))
    assert "ptm.lock is stale" in stale and "never re-locks" in stale  # a new lock would be unsigned
