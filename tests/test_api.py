"""The Python API's project and lock lookups: PTM_MANIFEST as for the CLI, the lock parsed once per change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ptmlock
from ptmlock import api
from tests.conftest import write_manifest

MANIFEST = '[models.weights]\nhub = "local"\npath = "weights.bin"\n'


@pytest.fixture
def project(tmp_path: Path, ptm) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"w")
    write_manifest(MANIFEST, folder / "ptm.toml")
    ptm(["--manifest", str(folder / "ptm.toml"), "lock"])
    return folder


def test_ptm_manifest_names_the_project_when_no_manifest_is_passed(project, monkeypatch) -> None:
    with pytest.raises(ptmlock.PtmError, match=r"no ptm\.toml found in this folder or above"):
        ptmlock.path("weights")
    monkeypatch.setenv("PTM_MANIFEST", str(project / "ptm.toml"))
    with pytest.raises(ptmlock.PtmError, match=r"model 'weights' is not installed .*; run `ptm install`"):
        ptmlock.path("weights")


def test_the_lock_is_parsed_again_only_when_the_file_changes(project, monkeypatch) -> None:
    parsed: list[Path] = []
    real = api.Project.lock

    def counting(self: api.Project) -> object:
        parsed.append(self.lock_path)
        return real(self)

    monkeypatch.setattr(api.Project, "lock", counting)
    manifest = project / "ptm.toml"
    with pytest.raises(ptmlock.PtmError, match="model 'other' is not in"):
        api.revision("other", manifest)
    with pytest.raises(ptmlock.PtmError, match="has no commit"):
        api.revision("weights", manifest)
    assert len(parsed) == 1
    lock = project / "ptm.lock"
    seen = lock.stat()
    lock.write_text(lock.read_text().replace("[models.weights]", "[models.renamed]"))
    os.utime(lock, ns=(seen.st_atime_ns, seen.st_mtime_ns))  # the ctime still moved
    with pytest.raises(ptmlock.PtmError, match=r"model 'weights' is not in .*\(locked: renamed\)"):
        api.revision("weights", manifest)
    assert len(parsed) == 2
