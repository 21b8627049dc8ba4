"""Files ptm reads and writes (ptm.toml, ptm.lock, graph pages): permissions, one-line errors."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import one_line_error, write_manifest
from tests.installing import MODELS


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_init_writes_ptm_toml_readable_by_others_under_the_umask(ptm, umask_022) -> None:
    ptm("init")
    assert mode("ptm.toml") == 0o644


def test_add_and_lock_keep_the_permissions_a_file_already_has(hub, ptm, umask_022) -> None:
    write_manifest(MODELS)
    os.chmod("ptm.toml", 0o640)
    ptm("add fixtures/tiny-mlp --name head --revision v1.0")
    assert mode("ptm.toml") == 0o640
    ptm("lock")
    assert mode("ptm.lock") == 0o644
    os.chmod("ptm.lock", 0o600)
    ptm("add fixtures/tiny-bert --name other --revision v1.0")
    assert "Wrote ptm.lock (5 models)" in ptm("lock").stdout
    assert mode("ptm.lock") == 0o600


def test_graph_into_a_missing_folder_is_one_line_and_writes_nothing(ptm, tmp_path) -> None:
    write_manifest(MODELS)
    line = one_line_error(ptm("graph --format html -o out/missing/graph.html", expect=1))
    assert line == f"error: cannot write {Path('out/missing/graph.html')}: No such file or directory"
    assert not Path("out").exists() and sorted(os.listdir()) == ["ptm.toml"]


def test_a_folder_where_ptm_toml_or_ptm_lock_should_be_is_one_line(ptm) -> None:
    Path("ptm.toml").mkdir()
    assert one_line_error(ptm("lock", expect=2)).endswith(
        "ptm.toml: cannot be read (Is a directory); it must be a TOML file"
    )
    Path("ptm.toml").rmdir()
    write_manifest(MODELS)
    Path("ptm.lock").mkdir()
    line = one_line_error(ptm("lock --check", expect=1))
    assert line.endswith(
        "ptm.lock: cannot be read (Is a directory); it must be the TOML file `ptm lock` writes"
    )
    Path("ptm.lock").rmdir()
