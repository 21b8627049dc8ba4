"""`ptm install` against the local hub: locked bytes in the HF cache layout, modes, no-op, verification."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ptmlock
from fixtures.hub import FakeHub, HubServer, populate_standard
from ptmlock.errors import PtmError
from tests.conftest import one_line_error, subprocess_env, write_manifest
from tests.installing import (
    MODELS,
    assert_installed,
    assert_store_consistent,
    hf_cache,
    locked,
    overwrite_in_place,
    partials,
    repo_dir,
    snapshot,
    store_blobs,
    without_links,
)

LOAD_OFFLINE = """
import sys
import ptmlock
from transformers import AutoModel, AutoTokenizer

commit = ptmlock.revision("bert")
model = AutoModel.from_pretrained("fixtures/tiny-bert", revision=commit)
tokenizer = AutoTokenizer.from_pretrained("fixtures/tiny-bert", revision=commit)
same = AutoModel.from_pretrained(ptmlock.path("bert"))
AutoTokenizer.from_pretrained(ptmlock.path("bert"))
ids = tokenizer("the cat sat on the mat", return_tensors="pt")
print(type(model).__name__, model(**ids).last_hidden_state.shape[-1], same.config.hidden_size)
"""


@pytest.fixture
def installed(hub, ptm):
    write_manifest(MODELS)
    ptm("lock")
    result = ptm("install")
    return result


def test_install_puts_exactly_the_locked_bytes_in_the_hf_cache_layout(hub, installed) -> None:
    assert "Installed 3 models (14 files, " in installed.stdout
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
    assert_installed("bert-v1", hub.hub.repo_files("fixtures/tiny-bert", "v1.0"))
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp", "main"))
    bert = locked("bert")
    folder = repo_dir(bert)
    for file in bert.files:
        entry = snapshot("bert") / file.path
        assert os.readlink(entry) == f"../../blobs/{file.sha256}"  # as huggingface_hub makes them
        store_blob = store_blobs()[file.sha256]
        assert (folder / "blobs" / file.sha256).samefile(store_blob)  # hardlinked, not copied
        assert not os.access(store_blob, os.W_OK) or os.geteuid() == 0
        assert store_blob.stat().st_mode & 0o222 == 0
    assert (folder / "refs" / "main").read_text() == bert.commit
    assert (folder / "refs" / "v1.0").read_text() == locked("bert-v1").commit
    assert_store_consistent()
    assert not partials()


def test_transformers_loads_the_installed_model_offline(hub, installed) -> None:
    env = subprocess_env(HF_HUB_OFFLINE="1", HF_ENDPOINT="http://127.0.0.1:9")
    run = subprocess.run(
        [sys.executable, "-c", LOAD_OFFLINE], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["BertModel", "32", "32"]


def test_later_online_hf_hub_download_reuses_installed_files(hub, installed) -> None:
    from huggingface_hub import hf_hub_download, snapshot_download

    bert = locked("bert")
    blobs = repo_dir(bert) / "blobs"
    before = {p.name: p.stat().st_ino for p in blobs.iterdir()}
    for name in ("config.json", "model.safetensors"):
        path = hf_hub_download(
            "fixtures/tiny-bert", name, revision="main", cache_dir=hf_cache(), endpoint=hub.url
        )
        assert Path(path) == snapshot("bert") / name
    wanted = [f.path for f in bert.files]
    folder = snapshot_download(
        "fixtures/tiny-bert",
        revision=bert.commit,
        allow_patterns=wanted,
        cache_dir=hf_cache(),
        endpoint=hub.url,
    )
    assert Path(folder) == snapshot("bert")
    assert {p.name: p.stat().st_ino for p in blobs.iterdir()} == before  # nothing downloaded again
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))


def test_python_api_gives_the_locked_snapshot_and_commit(hub, ptm, tmp_path, monkeypatch) -> None:
    write_manifest(MODELS)
    ptm("lock")
    with pytest.raises(PtmError, match=r"model 'bert' is not installed .*run `ptm install`"):
        ptmlock.path("bert")
    ptm("install")
    assert ptmlock.path("bert") == snapshot("bert")
    assert ptmlock.revision("bert") == hub.hub.resolve("fixtures/tiny-bert", "main")
    with pytest.raises(PtmError, match=r"model 'nope' is not in .*locked: bert, bert-v1, mlp"):
        ptmlock.path("nope")
    project = Path.cwd()
    monkeypatch.chdir(tmp_path)
    assert ptmlock.path("mlp", manifest=project / "ptm.toml") == snapshot_of(project, "mlp")
    (snapshot_of(project, "mlp") / "config.json").unlink()
    with pytest.raises(PtmError, match=r"1 of 3 files missing"):
        ptmlock.path("mlp", manifest=project / "ptm.toml")


def test_python_api_outside_a_project_names_the_missing_manifest(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PtmError, match=r"no ptm\.toml found in this folder or above .*pass manifest="):
        ptmlock.path("bert")
    with pytest.raises(PtmError, match=r"no ptm\.toml given \(/nowhere/ptm\.toml\)"):
        ptmlock.revision("bert", manifest="/nowhere/ptm.toml")


def snapshot_of(project: Path, name: str) -> Path:
    cwd = Path.cwd()
    os.chdir(project)
    try:
        return snapshot(name)
    finally:
        os.chdir(cwd)


def test_noop_rerun_answers_from_stats_without_network_or_hashing(hub, ptm, installed) -> None:
    requests = hub.hub.request_count
    result = ptm("install")
    assert "All 3 models already installed (14 files, " in result.stdout
    assert hub.hub.request_count == requests
    # Same size, inode and mtime, other bytes: the write moved the ctime, so the rerun looks, hashes the
    # blob and fetches it again.
    weights = snapshot("mlp") / "model.safetensors"
    size = weights.stat().st_size
    overwrite_in_place(weights, b"\0" * size)
    assert "1 downloaded" in ptm("install").stdout
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp"))
    ptm("install --verify-hashes")


def test_rerun_relinks_a_deleted_entry_from_the_store_without_network(hub, ptm, installed) -> None:
    requests = hub.hub.request_count
    (snapshot("bert") / "config.json").unlink()
    result = ptm("install")
    assert re.search(
        r"^Installed 1 model \(6 files, [^)]*\) in [0-9.]+ s: 1 from the store, 5 already in place; "
        r"2 other models already installed\.$",
        result.stdout.splitlines()[-1],
    )
    assert hub.hub.request_count == requests
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))


def test_verify_hashes_detects_and_repairs_a_corrupted_store_blob(hub, ptm, installed) -> None:
    file = next(f for f in locked("bert").files if f.path == "model.safetensors")
    blob = store_blobs()[file.sha256]
    overwrite_in_place(blob, b"x" * 100)
    result = ptm("install --verify-hashes", expect=3)
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "bert/model.safetensors (store)" in message and f"expected {file.sha256[:12]}" in message
    assert_store_consistent()
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
    ptm("install --verify-hashes")


def test_locked_refuses_a_stale_or_missing_lock_without_resolving(hub, ptm) -> None:
    write_manifest(MODELS)
    requests = hub.hub.request_count
    assert "ptm.lock does not exist" in ptm("install --locked", expect=1).stderr
    ptm("lock")
    write_manifest(MODELS.replace('revision = "v1.0"', 'revision = "dev"') + '[models.x]\nrepo = "a/b"\n')
    requests = hub.hub.request_count
    message = ptm("install --locked", expect=1).stderr
    assert "stale" in message and "bert-v1: its entry in ptm.toml changed" in message
    assert "x: declared in ptm.toml but not locked" in message
    assert hub.hub.request_count == requests
    assert not hf_cache().exists() and not store_blobs()


def test_install_relocks_a_stale_lock_without_locked(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    write_manifest(MODELS.replace('revision = "v1.0"', 'revision = "dev"'))
    result = ptm("install")
    assert "Re-locked ptm.lock (bert-v1: its entry in ptm.toml changed" in result.stdout
    assert locked("bert-v1").revision == "dev"
    ptm("lock --check")
    ptm("install --locked")


def test_install_does_not_lock_what_ptm_lock_refuses(hub, ptm) -> None:
    write_manifest(MODELS + 'role = "interchangeable"\ngroup = "head"\ntask = "text-classification"\n')
    line = one_line_error(ptm("install", expect=2))
    assert "group 'head' has only one member" in line
    assert not Path("ptm.lock").exists() and not hf_cache().exists()


def test_offline_with_an_empty_store_names_every_missing_file(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    requests = hub.hub.request_count
    message = ptm("install --offline", expect=1).stderr.strip()
    assert len(message.splitlines()) == 1
    assert "--offline" in message and "bert (all 6 files)" in message and "mlp (all 3 files)" in message
    assert hub.hub.request_count == requests


def test_offline_install_works_from_the_store_with_the_server_stopped(tiny_models, ptm, monkeypatch) -> None:
    fake = FakeHub()
    populate_standard(fake, tiny_models)
    write_manifest(MODELS)
    with HubServer(fake) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        ptm("lock")
        ptm("install")
    shutil.rmtree(hf_cache())  # a fresh checkout on a machine whose store is warm
    result = ptm("install --offline")
    assert result.stdout.endswith(": 14 from the store.\n")
    assert_installed("bert", fake.repo_files("fixtures/tiny-bert", "main"))
    assert_installed("mlp", fake.repo_files("fixtures/tiny-mlp", "main"))


def test_only_installs_the_named_models(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    result = ptm("install --only mlp")
    assert "Installed 1 model (3 files, " in result.stdout
    assert snapshot("mlp").is_dir() and not snapshot("bert").exists()
    ptm("install --only bert,mlp --quiet")
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
    assert not snapshot("bert-v1").exists()
    assert "already installed" in ptm("install --only bert --only mlp").stdout
    assert "--only: nope not in ptm.lock" in ptm("install --only nope", expect=2).stderr


def test_runtime_profile_leaves_out_models_used_only_for_evaluation(hub, ptm) -> None:
    judged = MODELS + '[[edges]]\nfrom = "bert"\nto = "mlp"\nkind = "evaluation"\nstage = "evaluation"\n'
    judged += '[[edges]]\nfrom = "bert-v1"\nto = "bert"\nkind = "feature-handoff"\nmode = "sequential"\n'
    write_manifest(judged)
    ptm("lock")
    result = ptm("install --profile runtime")
    assert "Installed 2 models (11 files, " in result.stdout
    assert "Left out by the 'runtime' profile: mlp." in result.stdout
    assert "Left out by the 'runtime' profile: mlp." in ptm("install --profile runtime").stdout
    assert snapshot("bert").is_dir() and snapshot("bert-v1").is_dir() and not snapshot("mlp").exists()
    assert "not in the 'runtime' profile" in ptm("install --profile runtime --only mlp", expect=2).stderr
    ptm("install")
    assert snapshot("mlp").is_dir()


def test_quiet_prints_only_the_summary(hub, ptm) -> None:
    write_manifest(MODELS)
    result = ptm("install -q")
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("Installed 3 models")


def test_install_rejects_tampered_bytes_and_keeps_nothing_of_them(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    weights = hub.hub.repo_files("fixtures/tiny-mlp")["model.safetensors"]
    hub.hub.tamper("fixtures/tiny-mlp", "model.safetensors", b"\1" * len(weights))
    result = ptm("install", expect=3)
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    file = next(f for f in locked("mlp").files if f.path == "model.safetensors")
    assert "model 'mlp'" in message and "file model.safetensors" in message
    assert f"expected {file.sha256}" in message and "got " in message
    assert file.sha256 not in store_blobs() and not partials()
    assert not (snapshot("mlp") / "model.safetensors").exists()
    assert not (repo_dir(locked("mlp")) / "blobs" / file.sha256).exists()
    assert (snapshot("mlp") / "config.json").is_file()
    assert_installed("bert", hub.hub.repo_files("fixtures/tiny-bert", "main"))
    with pytest.raises(PtmError, match="not installed"):
        ptmlock.path("mlp")
    assert_store_consistent()


@pytest.mark.parametrize(
    ("change", "shown"),
    [(lambda b: b + b"extra", "more bytes than locked"), (lambda b: b[:-7], "a short file")],
)
def test_install_rejects_a_file_of_the_wrong_length_and_keeps_nothing(hub, ptm, change, shown) -> None:
    write_manifest(MODELS)
    ptm("lock")
    config = hub.hub.repo_files("fixtures/tiny-mlp")["config.json"]
    hub.hub.tamper("fixtures/tiny-mlp", "config.json", change(config))
    message = ptm("install --only mlp", expect=3).stderr
    assert "file config.json: sha256 mismatch" in message and f"got {shown}" in message
    file = next(f for f in locked("mlp").files if f.path == "config.json")
    assert file.sha256 not in store_blobs() and not partials()
    assert not (snapshot("mlp") / "config.json").exists()


@pytest.mark.parametrize("workers", ["four", "0", "-2"])
def test_a_bad_worker_count_is_one_line(hub, ptm, monkeypatch, workers) -> None:
    write_manifest(MODELS)
    monkeypatch.setenv("PTM_MAX_WORKERS", workers)
    line = one_line_error(ptm("install", expect=1))
    assert (
        line
        == f"error: PTM_MAX_WORKERS={workers!r} is not a positive whole number; set it to e.g. 8, or unset it"
    )
    assert not Path("ptm.lock").exists()


def test_hand_edited_lock_with_a_wrong_hash_is_caught(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    file = next(f for f in locked("mlp").files if f.path == "config.json")
    wrong = "0" * 64
    Path("ptm.lock").write_text(Path("ptm.lock").read_text().replace(file.sha256, wrong))
    message = ptm("install --frozen", expect=3).stderr
    assert "model 'mlp'" in message and "config.json" in message and f"expected {wrong}" in message
    assert wrong not in store_blobs() and not (snapshot("mlp") / "config.json").exists()


class RecordingReporter:
    def __init__(self) -> None:
        self.planned: tuple[int, int] | None = None
        self.advanced = 0
        self.closed = False

    def start(self, files: int, total_bytes: int) -> None:
        self.planned = (files, total_bytes)

    def advance(self, nbytes: int) -> None:
        self.advanced += nbytes

    def close(self) -> None:
        self.closed = True


def test_progress_accounts_for_every_fetched_byte(hub, ptm) -> None:
    from ptmlock.install import Options, install
    from ptmlock.project import find_project

    write_manifest(MODELS)
    ptm("lock")
    reporter = RecordingReporter()
    result = install(find_project(), Options(), reporter)
    downloaded = sum(m.counts.downloaded for m in result.models)
    assert reporter.planned == (downloaded, result.downloaded_bytes)
    assert reporter.advanced == result.downloaded_bytes and reporter.closed
    assert len(store_blobs()) == downloaded


def test_install_copies_where_links_cannot_be_made(hub, ptm, monkeypatch) -> None:
    without_links(monkeypatch)
    write_manifest(MODELS)
    ptm("lock")
    ptm("install")
    served = hub.hub.repo_files("fixtures/tiny-bert", "main")
    assert_installed("bert", served)
    entry = snapshot("bert") / "model.safetensors"
    weights = next(f for f in locked("bert").files if f.path == "model.safetensors")
    assert not entry.is_symlink() and not entry.samefile(store_blobs()[weights.sha256])
    requests = hub.hub.request_count
    assert "already installed" in ptm("install").stdout
    entry.unlink()
    assert ": 1 from the store, 5 already in place; " in ptm("install").stdout
    assert hub.hub.request_count == requests
    ptm("install --verify-hashes")


def test_install_takes_weights_huggingface_hub_already_downloaded_from_disk(hub, ptm) -> None:
    from huggingface_hub import snapshot_download

    write_manifest(MODELS)
    ptm("lock")
    mlp = locked("mlp")
    snapshot_download("fixtures/tiny-mlp", revision=mlp.commit, cache_dir=hf_cache(), endpoint=hub.url)
    # Served bytes are now wrong: the weights can only come from the blob already on disk (hashed first).
    weights = hub.hub.repo_files("fixtures/tiny-mlp")["model.safetensors"]
    hub.hub.tamper("fixtures/tiny-mlp", "model.safetensors", b"\0" * len(weights))
    ptm("install --only mlp")
    assert_installed("mlp", hub.hub.repo_files("fixtures/tiny-mlp"))
    assert_store_consistent()
