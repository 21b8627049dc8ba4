"""Fixtures for `ptm export`/`ptm verify`: a project exported once per session, copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.hub import FakeHub, HubServer, populate_standard
from tests.conftest import Ptm, write_manifest
from tests.export.support import MANIFEST, cuda_usable


@pytest.fixture(scope="session")
def exported_template(tiny_models, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MANIFEST locked, installed and exported once: tests copy it instead of exporting again."""
    root = tmp_path_factory.mktemp("exported")
    (root / "project").mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PTM_HOME", str(root / "home" / "ptm"))
        env.setenv("HF_HOME", str(root / "home" / "hf"))
        env.delenv("HF_HUB_CACHE", raising=False)
        env.chdir(root / "project")
        hub = FakeHub()
        populate_standard(hub, tiny_models)
        with HubServer(hub) as server:
            env.setenv("HF_ENDPOINT", server.url)
            write_manifest(MANIFEST)
            Ptm()("install")
        Ptm()("export")
    return root


@pytest.fixture
def exported(exported_template: Path, isolated_env: Path) -> Iterator[Path]:
    """This test's project (with its artifacts folder) and store, holding the session's exported MANIFEST
    (safe to modify)."""
    home = isolated_env.parent / "home"
    shutil.copytree(exported_template / "home", home, symlinks=True, dirs_exist_ok=True)
    shutil.copytree(exported_template / "project", isolated_env, dirs_exist_ok=True)
    yield isolated_env


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu_tests = [item for item in items if item.get_closest_marker("gpu")]
    if gpu_tests and not cuda_usable():
        for item in gpu_tests:
            item.add_marker(pytest.mark.skip(reason="no usable onnxruntime CUDA execution provider"))
