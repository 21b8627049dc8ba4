"""Fixtures for `ptm export`/`ptm verify`: a project exported once per run, copied per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from fixtures.hub import FakeHub, HubServer, TinyModels, populate_standard
from tests.conftest import Ptm, write_manifest
from tests.export.support import MANIFEST, cuda_usable


@pytest.fixture(scope="session")
def exported_template(tiny_models, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MANIFEST locked, installed and exported once a run: tests copy it instead of exporting again.

    Built by the first xdist worker to need it, in the run's temporary folder that every worker shares,
    while the others wait on a file lock (exporting takes most of a minute on a loaded machine).
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # pytest-N/, above this worker's popen-gwN/
    root = shared / "exported"
    built = root / "built"  # written last: a template without it is the remains of a failed build
    with FileLock(shared / "exported.lock"):
        if not built.exists():
            shutil.rmtree(root, ignore_errors=True)
            _export(root, tiny_models)
            built.touch()
    return root


def _export(root: Path, tiny_models: TinyModels) -> None:
    (root / "project").mkdir(parents=True)
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
