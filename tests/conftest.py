"""Shared fixtures: the local Hugging Face Hub, an isolated project folder and the real CLI."""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib
from click.testing import CliRunner, Result

from fixtures.files import FileHost, FileServer, populate_files
from fixtures.github import FakeGitHub, GitHubServer, populate_github
from fixtures.hub import FakeHub, HubServer, build_tiny_models, populate_standard
from ptmlock.cli import cli
from ptmlock.errors import ManifestError
from ptmlock.manifest import parse_manifest

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS = REPO_ROOT / "tests"
# The end-to-end tests, marked e2e (`make test-fast` leaves them out, `make test` runs them): whole programs
# in child processes (the demo, an example, pre-commit building a virtualenv, headless Chromium, terminals,
# the model_signing CLI, the registry and S3 servers) and exports with torch, most of the suite's time.
# Modules or folders, relative to tests/.
E2E = (
    "test_demo.py",
    "test_example_mixed.py",
    "test_precommit_hook.py",
    "test_graph_browser.py",
    "export/",
    "test_sign_interop.py",
    "test_progress.py",
    "test_fixture_servers_cli.py",
    "test_missing_extras.py",
    "test_install_mirrors.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(TESTS) and item.path.relative_to(TESTS).as_posix().startswith(E2E):
            item.add_marker(pytest.mark.e2e)


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for running `python -m ptmlock` (or fixtures) in a child process from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def tiny_models(request: pytest.FixtureRequest):
    # Built once and cached across sessions and xdist workers (atomic writes inside).
    return build_tiny_models(Path(request.config.cache.mkdir("ptm-tiny-models")))


@dataclass
class LiveHub:
    hub: FakeHub
    url: str


@pytest.fixture
def hub(tiny_models, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveHub]:
    fake = FakeHub()
    populate_standard(fake, tiny_models)
    with HubServer(fake) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield LiveHub(fake, server.url)


@dataclass
class LiveFiles:
    host: FileHost
    url: str
    server: FileServer


@pytest.fixture
def files(tiny_models) -> Iterator[LiveFiles]:
    """A plain file server with the tiny MLP's torch.hub checkpoints and safetensors files."""
    host = FileHost()
    populate_files(host, tiny_models)
    with FileServer(host) as server:
        yield LiveFiles(host, server.url, server)


@dataclass
class LiveGitHub:
    github: FakeGitHub
    url: str
    server: GitHubServer


@pytest.fixture
def github(files: LiveFiles, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveGitHub]:
    """The fake GitHub API with fixtures/tiny-hubconf (its weights on the ``files`` server)."""
    fake = FakeGitHub()
    populate_github(fake, files.url)
    with GitHubServer(fake) as server:
        monkeypatch.setenv("PTM_GITHUB_API", server.url)
        yield LiveGitHub(fake, server.url, server)


@pytest.fixture(autouse=True)
def isolated_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Path]:
    """Every test gets its own project folder, store and HF cache, and never reaches the real Hub.

    Whatever ptm.lock a test leaves behind must match the lock schema (tests that edit a lock by hand
    to break it are marked ``hand_edited_lock``).
    """
    home = tmp_path / "home"
    monkeypatch.setenv("PTM_HOME", str(home / "ptm"))
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("PTM_MANIFEST", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: any stray call fails fast
    monkeypatch.setenv("PTM_GITHUB_API", "http://127.0.0.1:9")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(home / "torch"))
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    yield project
    lock = project / "ptm.lock"
    if lock.exists() and request.node.get_closest_marker("hand_edited_lock") is None:
        validate("ptm-lock", tomllib.loads(lock.read_text()))


@dataclass(frozen=True)
class Ptm:
    """The real CLI, in process through click's runner."""

    def __call__(self, args: str | list[str], expect: int | None = 0) -> Result:
        argv = shlex.split(args) if isinstance(args, str) else args
        result = CliRunner().invoke(cli, argv, catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, (
                f"ptm {args} exited {result.exit_code}, expected {expect}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result


@pytest.fixture
def ptm() -> Ptm:
    return Ptm()


def validate(schema_name: str, data: object) -> None:
    import jsonschema

    from ptmlock.schemas import schema_path

    schema = json.loads(schema_path(schema_name).read_text())
    jsonschema.Draft202012Validator(schema).validate(data)


def one_line_error(result: Result) -> str:
    """The error a failed command printed, checked to be exactly one line."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def manifest_error(text: str, parse: Callable[..., object] = parse_manifest) -> ManifestError:
    """The error ``parse`` (the format's, or manifest_check's with the sources' checks) raises for ``text``
    as ptm.toml, checked to be exactly one line."""
    with pytest.raises(ManifestError) as caught:
        parse(text, "ptm.toml")
    assert "\n" not in caught.value.message
    return caught.value


def write_manifest(text: str, path: Path | None = None) -> Path:
    path = path or Path(os.getcwd()) / "ptm.toml"
    path.write_text(text)
    return path
