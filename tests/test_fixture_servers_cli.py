"""`python -m fixtures.files` and `python -m fixtures.github` serve the tiny models from the command line,
print what to set to use them, and stop on SIGTERM."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest

from tests.conftest import subprocess_env

GIVE_UP_S = 120  # a child that has printed nothing by then is broken; not a timing assertion


@contextmanager
def fixture_server(module: str, cache: str) -> Iterator[str]:
    """Run ``python -m module`` on a free port; yields what it printed once it serves, then stops it with
    SIGTERM and checks it exited cleanly."""
    with subprocess.Popen(
        [sys.executable, "-m", module, "--port", "0", "--cache", cache],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=subprocess_env(),
    ) as child:
        assert child.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in child.stdout], daemon=True).start()
        printed: list[str] = []
        while not printed or not printed[-1].startswith(("  weights", "  ]")):
            printed.append(lines.get(timeout=GIVE_UP_S).rstrip("\n"))
        try:
            yield "\n".join(printed)
        finally:
            child.send_signal(signal.SIGTERM)
            assert child.wait(GIVE_UP_S) == 0


@pytest.fixture
def cache(tiny_models, request: pytest.FixtureRequest) -> str:
    """The tiny models' cache that the tiny_models fixture filled: the children start without building."""
    return str(request.config.cache.mkdir("ptm-tiny-models"))


def test_the_file_server_serves_the_tiny_models_and_prints_a_url_model(tiny_models, cache: str) -> None:
    with fixture_server("fixtures.files", cache) as printed:
        url = re.search(r"serving on (http://\S+)", printed).group(1)
        assert f'{{ url = "{url}/mlp/model.safetensors" }},' in printed
        served = httpx2.get(f"{url}/mlp/model.safetensors")
        assert served.status_code == 200 and served.content == tiny_models.mlp_v1["model.safetensors"]


def test_the_github_server_serves_the_hubconf_repo_and_prints_what_to_set(tiny_models, cache: str) -> None:
    with fixture_server("fixtures.github", cache) as printed:
        api = re.search(r"export PTM_GITHUB_API=(\S+)", printed).group(1)
        commit = httpx2.get(f"{api}/repos/fixtures/tiny-hubconf/commits/v1.0").json()
        assert re.fullmatch(r"[0-9a-f]{40}", commit["sha"])
        weights = re.search(r'weights = \["(\S+)"\]', printed).group(1)
        assert httpx2.get(weights).content == tiny_models.mlp_checkpoints["tiny_mlp-v1.pth"]
