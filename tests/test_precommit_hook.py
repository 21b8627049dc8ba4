"""The pre-commit hook, run by the real `pre-commit` in a throwaway git repository: pre-commit installs this
checkout into a virtualenv of its own with pip, as a user's `pre-commit install` would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from tests.conftest import REPO_ROOT, write_manifest

GOOD = f'from transformers import AutoModel\nAutoModel.from_pretrained("org/model", revision="{"b" * 40}")\n'
BAD = 'from transformers import AutoModel\nmodel = AutoModel.from_pretrained("org/model")\n'
# Building the hook's virtualenv takes seconds to minutes, as loaded as the machine is: the limit only
# turns a hang into a failure.
HANG_S = 1800
# A snapshot's commit is a function of its files alone (fixed dates, no parent): an unchanged checkout is
# the same revision in every run, and pre-commit reuses the virtualenv it built for that revision.
FIXED_DATE = "2000-01-01T00:00:00+0000"


def _git(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=ptm", "-c", "user.email=ptm@example.invalid", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return done.stdout.strip()


def _snapshot(cache: Path) -> str:
    """Commit this checkout's files as they are (tracked or not, less the ignored ones) into a bare
    repository in ``cache``, without touching the checkout's own .git, and return the commit."""
    repo = cache / "checkout.git"
    if not repo.exists():
        _git("init", "-q", "--bare", str(repo))
    env = {
        **os.environ,
        "GIT_DIR": str(repo),
        "GIT_WORK_TREE": str(REPO_ROOT),
        "GIT_INDEX_FILE": str(cache / "index"),
        "GIT_AUTHOR_DATE": FIXED_DATE,
        "GIT_COMMITTER_DATE": FIXED_DATE,
    }
    _git("add", "--all", env=env)
    commit = _git("commit-tree", _git("write-tree", env=env), "-m", "snapshot", env=env)
    _git("update-ref", "refs/heads/snapshot", commit, env=env)  # pre-commit fetches what a ref reaches
    return commit


@dataclass(frozen=True)
class Hook:
    config: Path
    home: Path  # PRE_COMMIT_HOME: its clone of the snapshot and the virtualenv pre-commit built

    def __call__(self, *files: str, hook_id: str = "ptm-check") -> subprocess.CompletedProcess[str]:
        selection = ["--files", *files] if files else ["--all-files"]
        command = [sys.executable, "-m", "pre_commit", "run", "--config", str(self.config), hook_id]
        result = subprocess.run(
            [*command, *selection],
            capture_output=True,
            text=True,
            env={**os.environ, "PRE_COMMIT_HOME": str(self.home), "PRE_COMMIT_COLOR": "never"},
            timeout=HANG_S,
        )
        if f"- hook id: {hook_id}" not in result.stdout and "ptm check (" not in result.stdout:
            output = result.stdout + result.stderr
            assert "is not present in repository" not in output, output  # .pre-commit-hooks.yaml lacks it
            # The hook never ran: pre-commit could not build its virtualenv (no package index here).
            pytest.skip(f"pre-commit could not install the hook: {output[-400:]}")
        return result


@pytest.fixture
def hook(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hook]:
    """The hook of this checkout as it is now. pre-commit's home is kept across runs (its virtualenv is
    the slow part) and holds one revision: the checkout's latest."""
    cache = Path(request.config.cache.mkdir("ptm-pre-commit"))
    # Held while the hook runs: another test run at once would move the snapshot or empty the home.
    with FileLock(cache / "lock"):
        commit = _snapshot(cache)
        home, built_for = cache / "home", cache / "home-revision"
        if not built_for.exists() or built_for.read_text() != commit:
            shutil.rmtree(home, ignore_errors=True)
            built_for.write_text(commit)
        config = tmp_path / "pre-commit-config.yaml"  # outside the repository the hook checks
        repo = json.dumps(str(cache / "checkout.git"))  # JSON is YAML: a quoted path, whatever it holds
        hooks = "".join(f"  - id: {hook_id}\n" for hook_id in ("ptm-check", "ptm-check-lock"))
        config.write_text(f"repos:\n- repo: {repo}\n  rev: {commit}\n  hooks:\n{hooks}")
        yield Hook(config, home)


def test_pre_commit_hook_passes_a_good_commit_and_fails_a_bad_one(hook: Hook) -> None:
    _git("init", "-q")
    Path("good.py").write_text(GOOD)
    _git("add", "good.py")
    _git("commit", "-q", "-m", "good")
    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    Path("bad.py").write_text(BAD)
    _git("add", "bad.py")
    _git("commit", "-q", "-m", "bad")
    failed = hook("bad.py")
    assert failed.returncode == 1
    assert 'bad.py:2:9: PTM001 AutoModel.from_pretrained("org/model"): no revision' in failed.stdout
    assert hook("good.py").returncode == 0


def test_pre_commit_hook_checks_the_code_again_when_only_the_lock_changes(hook: Hook, hub, ptm) -> None:
    _git("init", "-q")
    write_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\nrevision = "main"\n')
    ptm("lock")
    main = hub.hub.resolve("fixtures/tiny-bert", "main")
    load = f'AutoModel.from_pretrained("fixtures/tiny-bert", revision="{main}")'
    Path("app.py").write_text(f"from transformers import AutoModel\n{load}\n")
    _git("add", "ptm.toml", "ptm.lock", "app.py")
    _git("commit", "-q", "-m", "pinned")
    assert hook("ptm.toml", "ptm.lock", hook_id="ptm-check-lock").returncode == 0

    # Only ptm.toml and ptm.lock change: the code's pin no longer matches the lock.
    write_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\nrevision = "v1.0"\n')
    ptm("lock")
    _git("add", "ptm.toml", "ptm.lock")
    assert "Skipped" in hook("ptm.toml", "ptm.lock").stdout  # the Python hook sees no Python file
    failed = hook("ptm.toml", "ptm.lock", hook_id="ptm-check-lock")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "app.py:2:1: PTM011" in failed.stdout
    assert "Skipped" in hook("app.py", hook_id="ptm-check-lock").stdout  # a Python file alone: not this hook
