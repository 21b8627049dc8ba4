"""One exit-code table for every command (docs/cli.md): the table, the error classes, and the commands
themselves agree."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ptmlock.deadline import DeadlineExceeded
from ptmlock.errors import IntegrityError, LockError, ManifestError, PtmError, ResolveError, VerificationError
from tests.conftest import REPO_ROOT, one_line_error, write_manifest
from tests.installing import MODELS, locked, overwrite_in_place, store_blobs

STALE = MODELS.replace('revision = "v1.0"', 'revision = "dev"')
BROKEN = '[models.bert]\nrepo = "fixtures/tiny-bert"\nrevison = "main"\n'


def documented_codes() -> dict[int, str]:
    """The first table of docs/cli.md: code -> meaning."""
    text = (REPO_ROOT / "docs" / "cli.md").read_text()
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \| (.+) \|$", table, re.M)}


def test_the_documented_table_is_the_one_the_error_classes_use() -> None:
    codes = documented_codes()
    assert sorted(codes) == [0, 1, 2, 3, 4, 124]
    assert PtmError("x").exit_code == LockError("x").exit_code == ResolveError("x").exit_code == 1
    assert ManifestError("ptm.toml", 1, "x").exit_code == 2 and "manifest error" in codes[2]
    assert IntegrityError("x").exit_code == 3 and codes[3].startswith("integrity")
    assert VerificationError("x").exit_code == 4 and codes[4].startswith("verification")
    assert DeadlineExceeded.exit_code == 124 and "--deadline" in codes[124]


def locked_project(ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")


def installed_project(ptm) -> None:
    locked_project(ptm)
    ptm("install")


def stale_project(ptm) -> None:
    locked_project(ptm)
    write_manifest(STALE)


def broken_manifest(ptm) -> None:
    write_manifest(BROKEN)


def corrupt_store(ptm) -> None:
    installed_project(ptm)
    file = next(f for f in locked("mlp").files if f.path == "model.safetensors")
    overwrite_in_place(store_blobs()[file.sha256], b"\0" * file.size)


def other_lock(ptm) -> None:
    locked_project(ptm)
    Path("old.lock").write_text(Path("ptm.lock").read_text())
    write_manifest(MODELS.split("[models.mlp]")[0])
    ptm("lock")


CASES: list[tuple[Callable[..., None], str, int]] = [
    (installed_project, "install", 0),
    (installed_project, "install --locked --format json", 0),
    (locked_project, "validate", 0),
    (installed_project, "cache verify", 0),
    (installed_project, "cache prune --keep-lock ptm.lock", 0),
    (stale_project, "lock --check", 1),
    (stale_project, "install --locked", 1),
    (stale_project, "install --offline", 1),
    (broken_manifest, "install --frozen", 1),  # no ptm.lock: --frozen does not read ptm.toml
    (other_lock, "diff old.lock ptm.lock", 1),
    (locked_project, "install --nope", 2),
    (locked_project, "install --only nope", 2),
    (locked_project, "install --locked --frozen", 2),
    (locked_project, "cache prune --nope", 2),
    (locked_project, "cache ls no/such/folder", 2),
    (broken_manifest, "validate", 2),
    (broken_manifest, "validate --format json", 2),
    (broken_manifest, "lock", 2),
    (broken_manifest, "install", 2),
    (broken_manifest, "install --locked", 2),
    (corrupt_store, "cache verify", 3),
    (corrupt_store, "install --verify-hashes", 3),
    (corrupt_store, "install --offline --verify-hashes", 3),
]


@pytest.mark.parametrize(
    ("setup", "command", "code"), CASES, ids=[f"{code}-{command}" for _, command, code in CASES]
)
def test_each_command_exits_with_the_documented_code(hub, ptm, setup, command: str, code: int) -> None:
    setup(ptm)
    result = ptm(command, expect=code)
    if code == 0:
        assert "error:" not in result.stderr
    elif "error:" in result.stderr:  # click's usage errors print their own lines
        # One line per independent failure, each an error.
        assert all(line.startswith("error: ") for line in result.stderr.strip().splitlines())


def test_a_tampered_download_exits_3(hub, ptm) -> None:
    locked_project(ptm)
    weights = hub.hub.repo_files("fixtures/tiny-mlp")["model.safetensors"]
    hub.hub.tamper("fixtures/tiny-mlp", "model.safetensors", b"\1" * len(weights))
    assert "sha256 mismatch" in one_line_error(ptm("install --only mlp", expect=3))
