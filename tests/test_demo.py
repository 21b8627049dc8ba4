"""The README's demo command works: the demo script runs the real CLI end to end against the local hub."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT, subprocess_env

# The demo takes one to five minutes, as loaded as the machine is: the limit only turns a hang into a
# failure, and no slow machine comes near it.
HANG_S = 1800


def test_demo_runs_end_to_end(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "demo" / "run.py")],
        env=subprocess_env(PTM_DEMO_DIR=str(tmp_path / "demo")),
        capture_output=True,
        text=True,
        timeout=HANG_S,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Created ptm.toml" in out and "Added model 'encoder' in ptm.toml" in out
    assert "Wrote ptm.lock (1 model)." in out
    assert "Wrote ptm.lock (3 models)." in out
    assert "All 3 models already installed" in out
    assert "offline: features (1, " in out
    assert "Wrote ptm.lock (2 models exported)." in out
    assert "All 20 checks passed." in out and "All 7 checks passed." in out
    assert "interchangeable group encoder: encoder, encoder-v1" in out
    assert "Wrote graph.html (html)." in out
    assert "~ encoder" in out and "= head" in out
    assert "1 downloaded" in out
    assert "branch moved" in out and "1 commit ahead" in out  # ptm outdated after the upstream push
    assert "nothing written (--dry-run)" in out
