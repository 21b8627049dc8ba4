"""torch.hub's checkpoint folder is shared by every project: `ptm install` never replaces a file it did not
put there with other bytes (torch.hub itself never overwrites one)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.conftest import one_line_error, write_manifest
from tests.installing import assert_store_consistent, locked, sha256, torchhub_model

WEIGHTS = "tiny_mlp-v1.pth"


def checkpoint() -> Path:
    folder = Path(os.environ["TORCH_HOME"]) / "hub" / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / WEIGHTS


def test_install_refuses_to_overwrite_another_checkpoint_and_adopts_identical_bytes(
    github, files, ptm
) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    theirs = b"another project's fine-tuned weights"
    checkpoint().write_bytes(theirs)
    pinned = locked("mlp").weights[0].sha256
    line = one_line_error(ptm("install", expect=1))
    assert f"refusing to install model 'mlp' file {WEIGHTS}: {checkpoint()} already holds other bytes" in line
    assert f"(sha256 {sha256(theirs)} on disk, {pinned} in ptm.lock)" in line
    assert line.endswith("remove that file if nothing needs it, or set TORCH_HOME to another folder")
    assert checkpoint().read_bytes() == theirs

    served = files.host.get(f"weights/{WEIGHTS}")
    assert served is not None
    checkpoint().write_bytes(served.content)  # e.g. torch.hub downloaded the same file earlier
    assert "Installed 1 model (" in ptm("install").stdout
    assert checkpoint().read_bytes() == served.content
    assert_store_consistent()


def test_another_project_cannot_replace_a_checkpoint_one_project_installed(
    github, files, ptm, tmp_path, monkeypatch
) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    ptm("install")
    mine = checkpoint().read_bytes()
    files.host.put(f"other/{WEIGHTS}", b"other weights under the same name")
    other = tmp_path / "other-project"
    other.mkdir()
    monkeypatch.chdir(other)
    write_manifest(torchhub_model(files.url).replace("/weights/", "/other/"))
    ptm("lock")
    assert "already holds other bytes" in one_line_error(ptm("install", expect=1))
    assert checkpoint().read_bytes() == mine


def test_install_refuses_a_fifo_in_place_of_a_checkpoint_without_opening_it(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    os.mkfifo(checkpoint())
    outcome: list[str] = []
    # Opening a FIFO blocks until a writer comes: run the install where a hang fails the test instead.
    worker = threading.Thread(target=lambda: outcome.append(one_line_error(ptm("install", expect=1))))
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():
        with open(checkpoint(), "wb"):  # unblock the reader, so that the test process can end
            pass
        pytest.fail("ptm install opened the FIFO")
    assert outcome and f"{checkpoint()} exists and is not a regular file" in outcome[0]
    assert Path(checkpoint()).is_fifo()
