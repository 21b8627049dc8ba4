"""A cloned ptm.toml (or ptm.lock) with hub = "local" must not read ~/.ssh, /proc or a FIFO into the store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import one_line_error, subprocess_env, write_manifest
from tests.installing import sha256, store_blobs

# A child process: a FIFO opened by mistake blocks forever, and the test must fail rather than hang.
CHILD_TIMEOUT_S = 60


def ptm_child(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ptmlock", *args],
        env=subprocess_env(PTM_TEST_SECRET="hunter2-secret"),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
    )


def child_error(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1, (result.returncode, result.stderr)
    return lines[0]


def fake_ssh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder outside the project, with a private key in ~/.ssh."""
    home = tmp_path / "victim-home"
    (home / ".ssh").mkdir(parents=True)
    key = home / ".ssh" / "id_ed25519"
    key.write_bytes(b"-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n")
    key.chmod(0o600)
    monkeypatch.setenv("HOME", str(home))
    return home / ".ssh"


def test_lock_and_install_refuse_a_path_outside_the_project_without_allow_outside(
    ptm, tmp_path, monkeypatch
) -> None:
    ssh = fake_ssh_home(tmp_path, monkeypatch)
    write_manifest('[models.keys]\nhub = "local"\npath = "~/.ssh"\n')
    for command in ("lock", "install"):
        line = one_line_error(ptm(command, expect=2))
        assert "ptm.toml:3: model 'keys': path '~/.ssh' reads " in line
        assert f"{ssh.resolve()}, outside the project folder {Path.cwd().resolve()}" in line
        assert line.endswith("set allow_outside = true in [models.keys] if you trust this path")
    assert not Path("ptm.lock").exists() and not store_blobs()


def test_a_symlinked_file_leading_outside_the_project_is_refused(ptm, tmp_path, monkeypatch) -> None:
    ssh = fake_ssh_home(tmp_path, monkeypatch)
    Path("models/m").mkdir(parents=True)
    Path("models/m/config.json").write_text("{}")
    Path("models/m/weights.bin").symlink_to(ssh / "id_ed25519")
    write_manifest('[models.m]\nhub = "local"\npath = "models/m"\n')
    line = one_line_error(ptm("lock", expect=2))
    assert f"path 'models/m' reads {(ssh / 'id_ed25519').resolve()}, outside the project folder" in line
    assert not Path("ptm.lock").exists()


def test_a_symlinked_file_to_a_system_file_is_refused_even_with_allow_outside(ptm) -> None:
    Path("models/m").mkdir(parents=True)
    Path("models/m/config.json").write_text("{}")
    Path("models/m/env.txt").symlink_to("/proc/self/environ")
    write_manifest('[models.m]\nhub = "local"\npath = "models/m"\nallow_outside = true\n')
    line = one_line_error(ptm("lock", expect=1))
    assert "model 'm' (models/m): env.txt is /proc/" in line and "a system file, not model bytes" in line
    assert not Path("ptm.lock").exists()


def test_allow_outside_locks_a_shared_path_and_lock_names_it(ptm, tmp_path) -> None:
    shared = tmp_path / "shared" / "encoder"
    shared.mkdir(parents=True)
    (shared / "model.bin").write_bytes(b"encoder weights")
    write_manifest(f'[models.enc]\nhub = "local"\npath = "{shared.as_posix()}"\nallow_outside = true\n')
    result = ptm("lock")
    note = f"note: model 'enc' reads files outside the project: {shared.resolve()} (allow_outside = true)"
    assert note in result.stderr.splitlines()
    assert "Installed 1 model (" in ptm("install").stdout
    assert sha256(b"encoder weights") in store_blobs()


def test_models_inside_the_project_get_no_note(ptm) -> None:
    Path("head.pt").write_bytes(b"head")
    write_manifest('[models.head]\nhub = "local"\npath = "head.pt"\nallow_outside = true\n')
    assert "note:" not in ptm("lock").stderr


def test_allow_outside_must_be_a_boolean(ptm) -> None:
    write_manifest('[models.m]\nhub = "local"\npath = "m"\nallow_outside = "yes"\n')
    assert "ptm.toml:4: allow_outside must be true or false" in one_line_error(ptm("lock", expect=2))


SPECIAL = {
    "fifo": "is a FIFO, not a regular file",
    "/dev/zero": "a system file, not model bytes",
    "/proc/self/environ": "a system file, not model bytes",
}


def special_file(kind: str, where: Path) -> None:
    """Make ``where`` the special file ``kind``: a FIFO, or a symlink to a system file."""
    if kind == "fifo":
        os.mkfifo(where)
    else:
        where.symlink_to(kind)


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_lock_refuses_a_special_file_as_a_path_without_opening_it(kind) -> None:
    special_file(kind, Path("model.bin"))
    write_manifest('[models.m]\nhub = "local"\npath = "model.bin"\n')
    line = child_error(ptm_child("lock"))
    assert line.startswith("error: model 'm' (model.bin): ") and SPECIAL[kind] in line
    assert not Path("ptm.lock").exists()


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_install_refuses_a_locked_file_that_became_a_special_file(ptm, kind) -> None:
    """A lock made from an empty file, whose file is then swapped: the install must not open it."""
    Path("model.bin").write_bytes(b"")
    write_manifest('[models.m]\nhub = "local"\npath = "model.bin"\n')
    ptm("lock")
    Path("model.bin").unlink()
    special_file(kind, Path("model.bin"))
    line = child_error(ptm_child("install"))
    # Install re-reads a local model's files to see whether the lock is stale: that is where it stops.
    assert line.startswith("error: model 'm' (model.bin): ") and SPECIAL[kind] in line
    assert all(b"hunter2-secret" not in blob.read_bytes() for blob in store_blobs().values())


def test_a_cloned_lock_with_a_matching_pin_does_not_let_a_path_outside_the_project_through(
    ptm, tmp_path, monkeypatch
) -> None:
    """The attacker ships ptm.lock with the pin ptm would write, so nothing looks stale: re-reading the
    files must still refuse them (only files that are absent keep the old pin)."""
    from ptmlock.lockfile import Lock, LockedFile, LockedModel, files_digest, render_lock
    from ptmlock.project import find_project

    ssh = fake_ssh_home(tmp_path, monkeypatch)
    write_manifest('[models.keys]\nhub = "local"\npath = "~/.ssh"\n')
    manifest = find_project(None).manifest()
    key = (ssh / "id_ed25519").read_bytes()
    files = (LockedFile("id_ed25519", len(key), sha256(key)),)
    model = LockedModel(
        name="keys",
        hub="local",
        revision=None,
        commit=None,
        declaration_hash=manifest.models["keys"].declaration_hash,
        files=files,
        digest=files_digest(files),
        path="~/.ssh",
    )
    Path("ptm.lock").write_text(render_lock(Lock({"keys": model})))
    for command in ("lock", "lock --check", "install"):
        line = one_line_error(ptm(command, expect=2))
        assert "outside the project folder" in line and "allow_outside = true" in line
    assert not store_blobs()
