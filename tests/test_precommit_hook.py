"""The pre-commit hook, run by the real `pre-commit` (try-repo installs this checkout into its own
virtualenv with pip, as a user's `pre-commit install` would) in a throwaway git repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

GOOD = f'from transformers import AutoModel\nAutoModel.from_pretrained("org/model", revision="{"b" * 40}")\n'
BAD = 'from transformers import AutoModel\nmodel = AutoModel.from_pretrained("org/model")\n'


def _git(*args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=ptm", "-c", "user.email=ptm@example.invalid", *args],
        check=True,
        capture_output=True,
    )


def _hook(home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    selection = ["--files", *files] if files else ["--all-files"]
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT), "ptm-check", *selection],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if "- hook id: ptm-check" not in result.stdout and "ptm check (" not in result.stdout:
        # The hook never ran: pre-commit could not build its virtualenv (no package index here).
        pytest.skip(f"pre-commit could not install the hook: {(result.stdout + result.stderr)[-400:]}")
    return result


def test_pre_commit_hook_passes_a_good_commit_and_fails_a_bad_one(tmp_path: Path) -> None:
    home = tmp_path / "pre-commit-home"
    _git("init", "-q")
    Path("good.py").write_text(GOOD)
    _git("add", "good.py")
    _git("commit", "-q", "-m", "good")
    passed = _hook(home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    Path("bad.py").write_text(BAD)
    _git("add", "bad.py")
    _git("commit", "-q", "-m", "bad")
    failed = _hook(home, "bad.py")
    assert failed.returncode == 1
    assert 'bad.py:2:9: PTM001 AutoModel.from_pretrained("org/model"): no revision' in failed.stdout
    assert _hook(home, "good.py").returncode == 0
