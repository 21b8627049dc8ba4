"""examples/mixed: Hugging Face, torch.hub, URL and local models lock and install from a fresh clone,
and every model loads from the installed bytes once every server is stopped."""

from __future__ import annotations

import subprocess
import sys

import tomlkit

from tests.conftest import REPO_ROOT, subprocess_env, validate

EXAMPLE = REPO_ROOT / "examples" / "mixed"


def test_mixed_example_validates(ptm) -> None:
    result = ptm(["-m", str(EXAMPLE / "ptm.toml"), "validate", "--strict"])
    assert "4 models" in result.stdout and "0 warnings" in result.stdout
    validate("ptm", tomlkit.parse((EXAMPLE / "ptm.toml").read_text()).unwrap())


def test_mixed_example_locks_installs_and_loads_offline(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "run.py")],
        env=subprocess_env(PTM_MIXED_DIR=str(tmp_path / "mixed")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Wrote ptm.lock (4 models)." in out and "Installed 4 models (14 files" in out
    assert "All 4 models already installed" in out  # the --frozen re-run
    lock = tomlkit.parse((tmp_path / "mixed" / "project" / "ptm.lock").read_text()).unwrap()
    validate("ptm-lock", lock)
    assert {name: m["hub"] for name, m in lock["models"].items()} == {
        "encoder": "huggingface",
        "projector-hub": "torchhub",
        "projector-url": "url",
        "scorer": "local",
    }
    assert lock["models"]["scorer"]["provenance"]["training_script"] == "train_scorer.py"
    after_servers_stopped = out.split("# every server is stopped now", 1)[1]
    assert after_servers_stopped.count("score ") == 2 and "projectors agree: True" in after_servers_stopped
