"""`ptm install` of torch.hub, url and local models: verified bytes in place, loadable with no network."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ptmlock
from fixtures.github import HUBCONF_REPO, ZIP_SLIP, damage_member
from ptmlock.errors import IntegrityError, PtmError
from ptmlock.hubs import torchhub
from tests.conftest import one_line_error, subprocess_env, write_manifest
from tests.installing import (
    assert_store_consistent,
    locked,
    sha256,
    store_blobs,
    store_root,
    torchhub_model,
)
from tests.test_lock_local import SCRATCH, train


def url_model(files_url: str) -> str:
    return (
        '[models.head]\nhub = "url"\nfiles = [\n'
        f'    {{ url = "{files_url}/mlp/config.json" }},\n'
        f'    {{ url = "{files_url}/mlp/model.safetensors", path = "weights/model.safetensors" }},\n]\n'
    )


def checkpoints() -> Path:
    return Path(os.environ["TORCH_HOME"]) / "hub" / "checkpoints"


def forget_kept_archives() -> None:
    """Drop the zipballs `ptm lock` (or an install) kept, so that the next install fetches the tree."""
    shutil.rmtree(store_root() / "archives")


def forget_what_lock_downloaded() -> None:
    """Drop the url files and weights `ptm lock` kept in the store, as a clone on another machine has
    none of them: the next install downloads them."""
    shutil.rmtree(store_root() / "blobs")


LOAD_TORCH_HUB = """
import sys
import torch
import ptmlock

model = ptmlock.torch_hub_load("mlp", pretrained=True)
expected = torch.load(sys.argv[1])
assert all(torch.equal(model.state_dict()[k], v) for k, v in expected.items()), "other weights"
plain = torch.hub.load(str(ptmlock.path("mlp")), "tiny_mlp", source="local", pretrained=True)
x = torch.ones(3, 8)
assert torch.equal(model(x), plain(x))
print("loaded", tuple(model(x).shape))
"""


def test_torchhub_install_loads_offline_with_its_pinned_weights(github, files, ptm, tmp_path) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    before = github.github.request_count
    result = ptm("install")
    assert "Installed 1 model (5 files, " in result.stdout
    assert github.github.request_count == before  # the zipball `ptm lock` pinned serves the install
    tree = github.github.repos.repo_files(HUBCONF_REPO, "v1.0")
    folder = ptmlock.path("mlp")
    assert folder.name == locked("mlp").commit
    assert {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    } == tree
    weights = files.host.get("weights/tiny_mlp-v1.pth")
    assert weights is not None and (checkpoints() / "tiny_mlp-v1.pth").read_bytes() == weights.content
    assert_store_consistent()

    expected = tmp_path / "expected.pth"
    expected.write_bytes(weights.content)
    files.server.stop()
    github.server.stop()
    load = subprocess.run(
        [sys.executable, "-c", LOAD_TORCH_HUB, str(expected)],
        env=subprocess_env(HF_HUB_OFFLINE="1"),
        capture_output=True,
        text=True,
    )
    assert load.returncode == 0, load.stderr
    assert "loaded (3, 4)" in load.stdout


def test_install_into_another_torch_home_is_not_taken_for_a_noop(github, files, ptm, tmp_path, monkeypatch):
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    ptm("install")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "other-torch"))
    assert "Installed 1 model (5 files, " in ptm("install").stdout
    assert (checkpoints() / "tiny_mlp-v1.pth").is_file()
    assert "already installed" in ptm("install").stdout


def test_two_checkpoints_bound_for_one_torch_hub_path_are_refused(github, files, ptm) -> None:
    files.host.put("a/model.pth", b"weights of one")
    files.host.put("b/model.pth", b"weights of two")
    write_manifest(
        "".join(
            f'[models.{name}]\nhub = "torchhub"\nrepo = "{HUBCONF_REPO}"\nrevision = "v1.0"\n'
            f'entry = "tiny_mlp"\nweights = ["{files.url}/{folder}/model.pth"]\n\n'
            for name, folder in (("one", "a"), ("two", "b"))
        )
    )
    ptm("lock")
    line = one_line_error(ptm("install", expect=1))
    assert line.startswith(
        "error: refusing to install: model 'one' file model.pth and model 'two' file model.pth"
    )
    assert f"both go to {checkpoints() / 'model.pth'} with different bytes" in line
    assert not checkpoints().exists()
    ptm("install --only one")
    assert (checkpoints() / "model.pth").read_bytes() == b"weights of one"


def test_torchhub_install_fetches_the_zipball_once_when_lock_kept_none(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    forget_kept_archives()
    before = github.github.request_count
    ptm("install")
    assert github.github.request_count - before == 2  # the zipball (a redirect, then the archive), once
    assert (ptmlock.path("mlp") / "models" / "mlp.py").is_file()


def test_torchhub_install_checks_the_tree_not_the_archive_bytes(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    forget_kept_archives()
    github.github.features = dataclasses.replace(github.github.features, zip_date_time=(2031, 3, 3, 3, 3, 4))
    ptm("install")
    assert (ptmlock.path("mlp") / "hubconf.py").is_file()


def test_torchhub_tree_changed_upstream_installs_nothing_of_it(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    forget_kept_archives()
    github.github.repos.tamper(HUBCONF_REPO, "models/mlp.py", b"import os\nos.system('echo pwned')\n")
    before = github.github.request_count
    line = one_line_error(ptm("install", expect=3))
    assert github.github.request_count - before == 2  # one download answers every file of the tree
    assert (
        "does not match ptm.lock (models/mlp.py has sha256" in line and "nothing of it was installed" in line
    )
    snapshot = (
        store_root() / "models" / "torchhub--fixtures--tiny-hubconf" / "snapshots" / locked("mlp").commit
    )
    assert not (snapshot / "models" / "mlp.py").exists()
    assert not list((store_root() / "archives").rglob("*.zip"))


def test_torchhub_archive_with_a_zip_slip_entry_is_refused_at_install(github, files, ptm, tmp_path) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    forget_kept_archives()
    github.github.features = dataclasses.replace(github.github.features, planted=ZIP_SLIP)
    line = one_line_error(ptm("install", expect=1))
    assert "'../evil.py'" in line and "refusing the archive" in line
    assert not list(tmp_path.rglob("evil.py"))


def test_torchhub_archive_damaged_in_transit_is_one_line_at_install(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    forget_kept_archives()
    github.github.features = dataclasses.replace(github.github.features, damaged="models/mlp.py")
    line = one_line_error(ptm("install", expect=1))
    assert "archive entry 'models/mlp.py' is damaged" in line and "try again" in line
    assert not list((store_root() / "archives").rglob("*.zip"))
    github.github.features = dataclasses.replace(github.github.features, damaged=None)
    assert install_in_a_new_process().returncode == 0
    assert (ptmlock.path("mlp") / "models" / "mlp.py").is_file()


def test_tampered_weights_never_reach_torch_checkpoints(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    forget_what_lock_downloaded()
    files.host.put("weights/tiny_mlp-v1.pth", b"not the pinned weights")
    line = one_line_error(ptm("install", expect=3))
    assert "tiny_mlp-v1.pth: sha256 mismatch" in line
    assert not (checkpoints() / "tiny_mlp-v1.pth").exists()


def test_torchhub_reinstalls_from_the_store_with_no_network(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    ptm("install")
    shutil.rmtree(checkpoints())
    shutil.rmtree(store_root() / "models")
    files.server.stop()
    github.server.stop()
    result = ptm("install --frozen --offline")
    assert "downloaded" not in result.stdout and "from the store" in result.stdout
    assert (ptmlock.path("mlp") / "hubconf.py").is_file() and (checkpoints() / "tiny_mlp-v1.pth").is_file()


def test_corrupted_checkpoint_is_found_and_repaired_by_verify_hashes(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    ptm("install")
    checkpoint = checkpoints() / "tiny_mlp-v1.pth"
    content = checkpoint.read_bytes()
    checkpoint.unlink()  # a hardlink of the store's blob: replace it rather than write through it
    checkpoint.write_bytes(b"X" + content[1:])
    line = one_line_error(ptm("install --verify-hashes", expect=3))
    assert "mlp/tiny_mlp-v1.pth (cache)" in line
    assert checkpoint.read_bytes() == content


def test_url_install_puts_the_files_in_the_store_by_their_paths(files, ptm) -> None:
    write_manifest(url_model(files.url))
    ptm("lock")
    ptm("install")
    folder = ptmlock.path("head")
    assert (folder / "config.json").read_bytes() == files.host.get("mlp/config.json").content  # type: ignore[union-attr]
    weights = (folder / "weights" / "model.safetensors").read_bytes()
    assert sha256(weights) in store_blobs() and weights == files.host.get("mlp/model.safetensors").content  # type: ignore[union-attr]
    with pytest.raises(PtmError, match="no commit"):
        ptmlock.revision("head")
    with pytest.raises(PtmError, match=r"not a torch\.hub one"):
        ptmlock.torch_hub_load("head")


def test_url_file_changed_upstream_fails_install_naming_it(files, ptm) -> None:
    write_manifest(url_model(files.url))
    ptm("lock")
    forget_what_lock_downloaded()
    files.host.put("mlp/config.json", b'{"hidden": 999}\n')
    line = one_line_error(ptm("install", expect=3))
    assert "model 'head'" in line and "config.json: sha256 mismatch" in line
    assert f"{files.url}/mlp/config.json changed upstream since it was locked (ETag " in line
    assert line.endswith("or move the pin with `ptm lock --upgrade head`")
    with pytest.raises(PtmError, match="not installed"):
        ptmlock.path("head")


def test_installing_right_after_lock_takes_the_bytes_lock_downloaded(files, ptm) -> None:
    write_manifest(url_model(files.url))
    ptm("lock")
    requests = len(files.host.requests)
    assert ": 2 from the store." in ptm("install").stdout
    assert len(files.host.requests) == requests
    weights = files.host.get("mlp/model.safetensors")
    assert weights is not None
    assert (ptmlock.path("head") / "weights" / "model.safetensors").read_bytes() == weights.content
    assert not list((store_root() / "tmp").iterdir())


def test_url_download_resumes_with_a_range_request(files, ptm) -> None:
    write_manifest(url_model(files.url))
    ptm("lock")
    forget_what_lock_downloaded()
    weights = files.host.get("mlp/model.safetensors")
    assert weights is not None
    partial = store_root() / "tmp" / f"{sha256(weights.content)}.partial"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(weights.content[:500])
    ptm("install")
    ranges = [s.headers.get("range") for s in files.host.requests if s.path == "/mlp/model.safetensors"]
    assert ranges[-1] == "bytes=500-"
    assert (ptmlock.path("head") / "weights" / "model.safetensors").read_bytes() == weights.content


def test_local_install_copies_the_locked_bytes_into_the_store(ptm) -> None:
    content = train(Path("models/scratch"))
    write_manifest(SCRATCH)
    ptm("lock")
    ptm("install")
    folder = ptmlock.path("scratch")
    assert folder.is_relative_to(store_root())
    assert {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    } == content
    assert "already installed" in ptm("install").stdout


def test_locked_install_fails_when_a_local_model_was_retrained(ptm) -> None:
    train(Path("models/scratch"))
    write_manifest(SCRATCH)
    ptm("lock")
    ptm("install")
    installed = (ptmlock.path("scratch") / "weights" / "model.bin").read_bytes()
    train(Path("models/scratch"), seed=b"v2")
    line = one_line_error(ptm("install --locked", expect=1))
    assert "scratch: its files changed since it was locked (weights/model.bin)" in line and "ptm lock" in line
    assert (ptmlock.path("scratch") / "weights" / "model.bin").read_bytes() == installed

    result = ptm("install")
    assert "Re-locked ptm.lock" in result.stdout
    assert (ptmlock.path("scratch") / "weights" / "model.bin").read_bytes() == b"weights v2"


@pytest.mark.parametrize("change", ["add", "remove"])
def test_locked_install_fails_when_a_file_was_added_to_or_removed_from_a_local_model(ptm, change) -> None:
    train(Path("models/scratch"))
    write_manifest(SCRATCH)
    ptm("lock")
    ptm("install")
    if change == "add":
        Path("models/scratch/weights/extra.bin").write_bytes(b"a new checkpoint")
    else:
        Path("models/scratch/notes.tmp").unlink()
    changed = "weights/extra.bin" if change == "add" else "notes.tmp"
    line = one_line_error(ptm("install --locked", expect=1))
    assert f"scratch: its files changed since it was locked ({changed})" in line
    assert "Re-locked ptm.lock" in ptm("install").stdout
    assert "already installed" in ptm("install --locked").stdout


def test_local_model_installs_from_the_store_when_its_files_are_not_here(ptm) -> None:
    content = train(Path("models/scratch"))
    write_manifest(SCRATCH)
    ptm("lock")
    ptm("install")
    shutil.rmtree("models")
    shutil.rmtree(store_root() / "models")
    ptm("install --frozen --offline")
    assert (ptmlock.path("scratch") / "config.json").read_bytes() == content["config.json"]


def forget_installed_tree() -> None:
    """Drop the store's blobs and laid-out models, keeping the archive an earlier install left."""
    shutil.rmtree(store_root() / "blobs")
    shutil.rmtree(store_root() / "models")
    shutil.rmtree(store_root() / "installed")


def install_in_a_new_process() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ptmlock", "install"], env=subprocess_env(), capture_output=True, text=True
    )


def test_the_kept_archive_serves_a_later_install_without_github(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    ptm("install")
    forget_installed_tree()
    github.server.stop()
    result = install_in_a_new_process()
    assert result.returncode == 0, result.stderr
    assert (ptmlock.path("mlp") / "models" / "mlp.py").is_file()


@pytest.mark.parametrize(
    "damage",
    [lambda kept: b"not a zip any more", lambda kept: damage_member(kept, "models/mlp.py")],
    ids=["not-a-zip", "one-member"],
)
def test_a_damaged_kept_archive_is_fetched_again(github, files, ptm, damage) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    ptm("install")
    [kept] = (store_root() / "archives").rglob("*.zip")
    kept.write_bytes(damage(kept.read_bytes()))
    forget_installed_tree()
    before = github.github.request_count
    result = install_in_a_new_process()
    assert result.returncode == 0, result.stderr
    assert github.github.request_count - before == 2 and kept.read_bytes()[:2] == b"PK"
    assert (ptmlock.path("mlp") / "hubconf.py").is_file()


def test_a_superseded_kept_archive_stays_readable_for_a_worker_holding_it(github, files, ptm) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    model = locked("mlp")
    with torchhub.SOURCE.reader() as archives:
        held = archives.checked(model, "model 'mlp'")  # one install worker has it
        kept = torchhub.archive_path(HUBCONF_REPO, model.identity)
        seen = kept.stat()
        os.utime(kept, ns=(seen.st_atime_ns, seen.st_mtime_ns + 1))  # another sees the file change
        assert archives.checked(model, "model 'mlp'") is not held
        with held.member("hubconf.py", "model 'mlp'") as member:
            assert member.read() == github.github.repos.repo_files(HUBCONF_REPO, "v1.0")["hubconf.py"]
    assert held.opened.fp is None  # the install's end closes every archive it opened


def test_a_kept_archive_damaged_while_open_fails_the_file_and_is_checked_again(github, files, ptm):
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    model = locked("mlp")
    with torchhub.SOURCE.reader() as archives:
        checked = archives.checked(model, "model 'mlp'")
        assert checked.stat is not None
        damaged = damage_member(checked.path.read_bytes(), "models/mlp.py")
        with open(checked.path, "r+b") as overwrite:  # in place: the open archive reads the damaged bytes
            overwrite.write(damaged)
        os.utime(checked.path, ns=(checked.stat[1], checked.stat[1]))  # damage that leaves the stat as it was
        unreadable = r"models/mlp\.py cannot be read from the kept archive"
        with (
            pytest.raises(IntegrityError, match=unreadable),
            checked.member("models/mlp.py", "model") as member,
        ):
            member.read()
        before = github.github.request_count
        again = archives.checked(model, "model 'mlp'")
        assert again is not checked and github.github.request_count - before == 2
        with again.member("models/mlp.py", "model 'mlp'") as member:
            assert member.read() == github.github.repos.repo_files(HUBCONF_REPO, "v1.0")["models/mlp.py"]
