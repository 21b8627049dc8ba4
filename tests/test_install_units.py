"""The pure middle of `ptm install`, without servers: the plan, the survey's statuses, the layouts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ptmlock.errors import LockError, PtmError
from ptmlock.files import fingerprint
from ptmlock.install.layouts import folders_written, layout
from ptmlock.install.plan import Status, Target, plan, survey
from ptmlock.install.store import Store
from ptmlock.lockfile import LockedFile, LockedModel
from ptmlock.paths import UnsafePathError

INSTALLED, IN_STORE, ON_DISK, MISSING, CHANGED = Status
COMMIT = "a" * 40
SHA = "b" * 64


def test_plan_fetches_each_blob_once_and_links_every_path() -> None:
    statuses = [INSTALLED, IN_STORE, MISSING, MISSING, MISSING]
    shas = ["a", "b", "c", "c", "d"]
    work = plan(statuses, shas)
    assert work.link == (1, 2, 3, 4)
    assert sorted(shas[i] for i in work.fetch) == ["c", "d"]
    assert work.missing == (2, 3, 4)


def test_plan_prefers_a_copy_already_on_disk_and_then_nothing_is_missing() -> None:
    statuses = [MISSING, ON_DISK, MISSING]
    shas = ["x", "x", "y"]
    work = plan(statuses, shas)
    assert sorted(work.fetch) == [1, 2]
    assert work.missing == (2,)


def test_plan_fetches_a_changed_blob_again_and_links_an_in_store_one_only() -> None:
    work = plan([CHANGED, IN_STORE], ["x", "y"])
    assert work.fetch == (0,) and work.link == (0, 1) and work.missing == ()


def test_plan_of_everything_installed_is_empty() -> None:
    assert plan([INSTALLED, INSTALLED], ["x", "y"]) == plan([], [])


def model(hub: str = "huggingface", **fields: object) -> LockedModel:
    defaults: dict[str, object] = {
        "name": "m",
        "hub": hub,
        "repo": "org/name",
        "revision": "main",
        "commit": COMMIT,
        "license": None,
        "declaration_hash": "",
        "files": (LockedFile("config.json", 3, SHA),),
    }
    return LockedModel(**{**defaults, **fields})  # type: ignore[arg-type]


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PTM_HOME", str(tmp_path / "ptm"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path


def test_a_huggingface_model_goes_into_the_hf_cache_with_a_ref_for_its_branch(homes: Path) -> None:
    laid_out = layout(model())
    repo = homes / "hf" / "models--org--name"
    assert laid_out.folder == repo / "snapshots" / COMMIT and laid_out.ref == (repo, "main")
    [placement] = laid_out.placements
    assert placement.blob == repo / "blobs" / SHA
    assert placement.path == repo / "snapshots" / COMMIT / "config.json"
    assert folders_written(placement) == {"blobs", "snapshots", f"snapshots/{COMMIT}"}


def test_a_model_pinned_to_a_commit_writes_no_ref(homes: Path) -> None:
    assert layout(model(revision=COMMIT)).ref is None


def test_url_and_torchhub_trees_go_into_the_store_and_weights_into_torch_checkpoints(homes: Path) -> None:
    url = layout(model("url", repo=None, revision=None, commit=None, digest=SHA))
    assert url.folder == homes / "ptm" / "models" / "url--m" / "snapshots" / SHA
    weights = LockedFile("w.pth", 1, SHA, url="https://example.com/w.pth")
    tree, checkpoint = layout(model("torchhub", entry="e", weights=(weights,))).placements
    assert tree.path.is_relative_to(homes / "ptm" / "models" / "torchhub--org--name")
    assert checkpoint.blob == checkpoint.path == homes / "torch" / "hub" / "checkpoints" / "w.pth"


@pytest.mark.parametrize(
    ("hub", "fields", "message"),
    [
        ("huggingface", {"repo": "../etc"}, "not a Hugging Face repo id"),
        ("torchhub", {"commit": "main"}, "is not 40 lowercase hex digits"),
        ("torchhub", {"repo": "org/name:v1"}, "write the ref separately"),
    ],
)
def test_a_lock_naming_an_unusable_place_is_a_lock_error(homes: Path, hub, fields, message) -> None:
    with pytest.raises(LockError, match=rf"^ptm\.lock: model 'm': .*{message}"):
        layout(model(hub, **fields))


def test_a_file_path_out_of_the_snapshot_is_refused(homes: Path) -> None:
    with pytest.raises(UnsafePathError):
        layout(model(files=(LockedFile("../../escape", 1, SHA),)))


def test_an_unknown_hub_is_named() -> None:
    with pytest.raises(PtmError, match="hub 'nope' is not supported"):
        layout(model("nope"))


def targets(*files: LockedFile) -> list[Target]:
    locked = model(revision=COMMIT, files=files)
    return [Target(locked, p) for p in layout(locked).placements]


def test_survey_finds_each_status_from_stats(homes: Path) -> None:
    store = Store(homes / "ptm")
    kept, gone, cached = (LockedFile(n, 3, c * 64) for n, c in (("a", "1"), ("b", "2"), ("c", "3")))
    found = targets(kept, gone, cached)
    assert survey(found, store, {}) == [MISSING, MISSING, MISSING]
    for sha in (kept.sha256, gone.sha256):
        blob = store.path(sha)
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(b"abc")
        store.vouch(sha, fingerprint(blob))
    found[2].cache_blob.parent.mkdir(parents=True)
    found[2].cache_blob.write_bytes(b"abc")  # e.g. what huggingface_hub downloaded before
    assert survey(found, store, {}) == [IN_STORE, IN_STORE, ON_DISK]
    os.utime(store.path(gone.sha256), ns=(1, 1))  # its stat is not the one ptm vouched for
    dest = found[0].dest
    dest.parent.mkdir(parents=True)
    os.link(store.path(kept.sha256), dest)  # the store's own blob, linked
    store.vouch(kept.sha256, fingerprint(dest))
    assert survey(found, store, {}) == [INSTALLED, CHANGED, ON_DISK]


def test_survey_trusts_a_recorded_stat_only_while_it_holds(homes: Path) -> None:
    [target] = targets(LockedFile("a", 3, SHA))
    target.dest.parent.mkdir(parents=True)
    target.dest.write_bytes(b"abc")
    trusted = {(str(target.dest), SHA): fingerprint(target.dest)}
    store = Store(homes / "ptm")
    assert survey([target], store, trusted) == [INSTALLED]
    target.dest.write_bytes(b"xyz")
    assert survey([target], store, trusted) == [MISSING]
