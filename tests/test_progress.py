"""Progress of long steps: bars on stderr when it is a terminal, nothing in pipes, never in stdout."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env, write_manifest
from tests.test_lock_url import two_files


def run_with_terminal_stderr(*args: str) -> tuple[int, str, str]:
    """`python -m ptmlock ARGS` with stderr on a pseudo-terminal and stdout in a pipe: (exit code,
    stdout, what the terminal showed)."""
    terminal, child_end = pty.openpty()
    env = subprocess_env(TERM="xterm-256color", COLUMNS="160")
    env.pop("NO_COLOR", None)
    with subprocess.Popen(
        [sys.executable, "-m", "ptmlock", *args], stdout=subprocess.PIPE, stderr=child_end, env=env
    ) as child:
        os.close(child_end)
        shown = b""
        while True:
            try:
                data = os.read(terminal, 65536)
            except OSError:  # EIO: the child closed the terminal's other end
                break
            if not data:
                break
            shown += data
        os.close(terminal)
        assert child.stdout is not None
        stdout = child.stdout.read().decode()
    return child.wait(), stdout, shown.decode(errors="replace")


def test_lock_shows_a_bar_on_a_terminal_while_it_downloads_url_files_to_hash_them(files) -> None:
    write_manifest(two_files(files.url))
    code, stdout, terminal = run_with_terminal_stderr("lock")
    assert code == 0, terminal
    assert "head: downloading to hash, files: 2" in terminal
    assert "downloading to hash" not in stdout and "+ head" in stdout
    assert Path("ptm.lock").is_file()


def test_lock_shows_a_bar_while_it_downloads_a_torchhub_archive(github, files) -> None:
    write_manifest(
        '[models.mlp]\nhub = "torchhub"\nrepo = "fixtures/tiny-hubconf"\nrevision = "v1.0"\n'
        f'entry = "tiny_mlp"\nweights = ["{files.url}/weights/tiny_mlp-v1.pth"]\n'
    )
    code, stdout, terminal = run_with_terminal_stderr("lock")
    assert code == 0, terminal
    assert "fixtures/tiny-hubconf: downloading the archive of " in terminal
    assert "mlp: downloading to hash, files: 1" in terminal
    assert "downloading" not in stdout and "+ mlp" in stdout
