"""`ptm --deadline` ends any command against a server that never answers, and no credential from the
environment or a URL is ever printed or written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures.http import silent_server
from tests.conftest import one_line_error, subprocess_env, write_manifest

SECRET = "s3cr3t-pa55"
TOKEN = "hf_t0ken_never_printed"


def run_ptm(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ptmlock", *args],
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("command", ["lock", "install"])
def test_deadline_ends_a_command_whose_server_never_answers(command) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    with silent_server() as url:
        started = time.monotonic()
        # The read timeout alone would wait 300 s: the deadline is what ends it.
        done = run_ptm("--deadline", "1", command, env={"HF_ENDPOINT": url, "PTM_HTTP_TIMEOUT": "300"})
        elapsed = time.monotonic() - started
    assert done.returncode == 124, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"`ptm {command}` did not finish within 1 s" in lines[0], done.stderr
    assert elapsed < 30
    assert not Path("ptm.lock").exists()


def test_deadline_from_the_environment_and_a_bad_value_is_one_line(ptm, monkeypatch) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    monkeypatch.setenv("PTM_DEADLINE", "soon")
    line = one_line_error(ptm("lock", expect=1))
    assert line == (
        "error: --deadline='soon' is not a positive number of seconds; set e.g. 600, or leave it out"
    )


def test_a_deadline_that_is_not_reached_changes_nothing(hub, ptm) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    ptm("--deadline 120 lock")
    assert Path("ptm.lock").exists()


def test_credentials_in_an_unreachable_endpoint_are_never_printed(ptm, monkeypatch) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    monkeypatch.setenv("HF_ENDPOINT", f"http://alice:{SECRET}@127.0.0.1:9")
    result = ptm("lock", expect=1)
    assert SECRET not in result.output
    assert "alice:****@127.0.0.1:9" in result.stderr


def test_malformed_endpoint_with_credentials_is_redacted(ptm, monkeypatch) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    monkeypatch.setenv("HF_ENDPOINT", f"http://alice:{SECRET}@[::1")
    line = one_line_error(ptm("lock", expect=1))
    assert SECRET not in line and "HF_ENDPOINT=" in line


def test_no_secret_reaches_any_output_lock_state_graph_or_sarif(hub, ptm, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url.replace("http://", f"http://alice:{SECRET}@"))
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    Path("train.py").write_text(
        'from transformers import AutoModel\nAutoModel.from_pretrained("fixtures/tiny-mlp")\n'
        'AutoModel.from_pretrained("someone/else")\n'
    )
    outputs = [ptm("lock").output, ptm("install").output, ptm("install").output]
    outputs += [ptm(f"graph --format {fmt}").output for fmt in ("text", "json", "mermaid", "dot")]
    sarif = ptm("check --format sarif train.py", expect=None)
    outputs.append(sarif.output)
    # A failure against the same endpoint: the message names it.
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n[models.gone]\nrepo = "no/such-repo"\n')
    outputs.append(ptm("lock", expect=1).output)
    files = [Path("ptm.lock"), *Path(os.environ["PTM_HOME"]).rglob("*.json")]
    written = [path.read_text(errors="replace") for path in files if path.is_file()]
    for text in outputs + written:
        assert SECRET not in text and TOKEN not in text
    assert json.loads(sarif.stdout)["runs"]


@pytest.mark.parametrize("how", ["--debug lock", "PTM_DEBUG"])
def test_debug_prints_the_traceback_before_the_one_line_error_still_redacted(ptm, monkeypatch, how) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    monkeypatch.setenv("HF_ENDPOINT", f"http://alice:{SECRET}@127.0.0.1:9")
    if how == "PTM_DEBUG":
        monkeypatch.setenv("PTM_DEBUG", "1")
    result = ptm(how if how.startswith("--") else "lock", expect=1)
    assert "Traceback (most recent call last):" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: model 'mlp'")
    assert SECRET not in result.stderr


def test_debug_shows_the_transport_error_that_caused_the_one_line_error(ptm) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')  # HF_ENDPOINT: the discard port
    result = ptm("--debug lock", expect=1)
    # The cause's own traceback comes first, ending in its type and message (the one line only names it).
    cause, _, rest = result.stderr.partition(
        "The above exception was the direct cause of the following exception"
    )
    assert rest, result.stderr
    assert re.search(r"^[\w.]+\.ConnectError: ", cause, re.MULTILINE), result.stderr
    assert rest.rstrip().splitlines()[-1].startswith("error: model 'mlp'")


def test_without_debug_there_is_no_traceback(ptm, monkeypatch) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    monkeypatch.setenv("PTM_DEBUG", "0")
    assert "Traceback" not in ptm("lock", expect=1).stderr
