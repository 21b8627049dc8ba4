"""`ptm sign` and the model_signing CLI on the installed Hugging Face snapshot: each verifies the other's
signatures. The CLI runs as a child process: an e2e test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_env, write_manifest
from tests.installing import snapshot
from tests.test_sign import write_key


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    private, public, _ = write_key(tmp_path, "signer")
    return {"private": private, "public": public}


def model_signing_cli(*args: str) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).with_name("model_signing")
    command = [str(cli)] if cli.exists() else [shutil.which("model_signing") or "model_signing"]
    return subprocess.run([*command, *args], env=subprocess_env(), capture_output=True, text=True)


@pytest.fixture
def installed_bert(ptm, hub) -> Path:
    write_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\n')
    ptm("lock")
    ptm("install")
    return snapshot("bert")


def test_a_ptm_signature_verifies_with_the_model_signing_cli_on_the_snapshot(
    ptm, keys, installed_bert
) -> None:
    ptm(f"sign --key {keys['private']}")
    run = model_signing_cli(
        "verify", "key", "--allow_symlinks", "--signature", "ptm.lock.sig/bert.sig",
        "--public_key", str(keys["public"]), str(installed_bert),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Verification succeeded" in run.stdout + run.stderr


def test_a_model_signing_cli_signature_of_the_snapshot_verifies_with_ptm(ptm, keys, installed_bert) -> None:
    os.makedirs("ptm.lock.sig")
    run = model_signing_cli(
        "sign", "key", "--allow_symlinks", "--private_key", str(keys["private"]),
        "--signature", "ptm.lock.sig/bert.sig", str(installed_bert),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "ok     bert: signed" in ptm(f"verify-signature bert --key {keys['public']}").stdout
