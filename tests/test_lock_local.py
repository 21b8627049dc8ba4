"""`ptm lock` of models trained in the repository (or kept on a shared path): hub = "local"."""

from __future__ import annotations

import shutil
from pathlib import Path

from ptmlock.manifest import parse_manifest
from tests.conftest import one_line_error, validate, write_manifest
from tests.test_lock import lock_data, sha256

SCRATCH = """\
[models.scratch]
hub = "local"
path = "models/scratch"
training_script = "train.py"
dataset = "s3://team-data/reviews@2024-05-01"
code_commit = "0123456789abcdef0123456789abcdef01234567"
provenance = { run = "wandb:team/abc123", epochs = "12" }
"""


def train(folder: Path, seed: bytes = b"v1") -> dict[str, bytes]:
    """Stand-in for a training run: writes a small model folder."""
    content = {"config.json": b'{"hidden": 16}\n', "weights/model.bin": b"weights " + seed, "notes.tmp": b"x"}
    for name, data in content.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return content


def test_lock_hashes_every_file_and_records_provenance(ptm) -> None:
    content = train(Path("models/scratch"))
    write_manifest(SCRATCH)
    result = ptm("lock")
    model = lock_data()["models"]["scratch"]
    assert model["path"] == "models/scratch" and "commit" not in model
    assert {f["path"]: (f["size"], f["sha256"]) for f in model["files"]} == {
        name: (len(data), sha256(data)) for name, data in content.items()
    }
    assert model["provenance"] == {
        "code_commit": "0123456789abcdef0123456789abcdef01234567",
        "dataset": "s3://team-data/reviews@2024-05-01",
        "epochs": "12",
        "run": "wandb:team/abc123",
        "training_script": "train.py",
    }
    assert f"models/scratch  {model['digest'][7:19]}" in result.stdout


def test_exclude_drops_scratch_files(ptm) -> None:
    train(Path("models/scratch"))
    write_manifest(SCRATCH + 'exclude = ["*.tmp"]\n')
    ptm("lock")
    assert {f["path"] for f in lock_data()["models"]["scratch"]["files"]} == {
        "config.json",
        "weights/model.bin",
    }


def test_a_single_file_model(ptm) -> None:
    Path("head.pt").write_bytes(b"head weights")
    write_manifest('[models.head]\nhub = "local"\npath = "head.pt"\n')
    ptm("lock")
    model = lock_data()["models"]["head"]
    assert model["files"] == [{"path": "head.pt", "size": 12, "sha256": sha256(b"head weights")}]


def test_absolute_shared_path(ptm, tmp_path) -> None:
    shared = tmp_path / "shared" / "encoder"
    shared.mkdir(parents=True)
    train(shared)
    write_manifest(f'[models.enc]\nhub = "local"\npath = "{shared.as_posix()}"\nallow_outside = true\n')
    ptm("lock")
    assert lock_data()["models"]["enc"]["path"] == shared.as_posix()


def test_relative_path_is_read_from_the_manifest_folder_not_the_cwd(ptm, tmp_path, monkeypatch) -> None:
    project = Path.cwd()
    train(project / "models" / "scratch")
    write_manifest(SCRATCH)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    ptm(["--manifest", str(project / "ptm.toml"), "lock"])
    assert not (elsewhere / "ptm.lock").exists()
    monkeypatch.chdir(project)
    assert len(lock_data()["models"]["scratch"]["files"]) == 3


def test_retrained_model_is_stale_and_lock_records_the_new_bytes(ptm) -> None:
    train(Path("models/scratch"))
    write_manifest(SCRATCH)
    ptm("lock")
    before = lock_data()["models"]["scratch"]
    ptm("lock --check")
    train(Path("models/scratch"), seed=b"v2")
    stale = one_line_error(ptm("lock --check", expect=1))
    assert "scratch: its files changed since it was locked (weights/model.bin)" in stale
    result = ptm("lock")
    after = lock_data()["models"]["scratch"]
    assert (
        f"{before['digest'][7:19]} -> {after['digest'][7:19]}" in result.stdout and "updated" in result.stdout
    )
    assert next(f for f in after["files"] if f["path"] == "weights/model.bin")["sha256"] == sha256(
        b"weights v2"
    )
    ptm("lock --check")


def test_lock_keeps_the_pin_of_a_local_model_whose_files_are_not_here(ptm) -> None:
    train(Path("models/scratch"))
    write_manifest(SCRATCH)
    ptm("lock")
    before = Path("ptm.lock").read_text()
    shutil.rmtree("models")
    assert "scratch" in ptm("lock").stdout
    ptm("lock --check")
    assert Path("ptm.lock").read_text() == before
    assert "does not exist" in one_line_error(ptm("lock --upgrade scratch", expect=1))


def test_a_model_at_the_project_root_leaves_out_ptm_toml_and_ptm_lock(ptm) -> None:
    Path("model.bin").write_bytes(b"weights")
    write_manifest('[models.here]\nhub = "local"\npath = "."\n')
    ptm("lock")
    before = Path("ptm.lock").read_text()
    assert [f["path"] for f in lock_data()["models"]["here"]["files"]] == ["model.bin"]
    assert "Up to date" in ptm("lock").stdout and Path("ptm.lock").read_text() == before
    ptm("lock --check")


def test_a_symlinked_folder_inside_the_model_folder_is_followed(ptm) -> None:
    content = train(Path("models/scratch"))
    Path("models/scratch/latest").symlink_to("weights", target_is_directory=True)
    write_manifest(SCRATCH)
    ptm("lock")
    files = {f["path"]: f["sha256"] for f in lock_data()["models"]["scratch"]["files"]}
    assert files["latest/model.bin"] == files["weights/model.bin"] == sha256(content["weights/model.bin"])


def test_a_symlinked_folder_leading_outside_the_model_folder_is_refused(ptm, tmp_path) -> None:
    train(Path("models/scratch"))
    (tmp_path / "elsewhere").mkdir()
    Path("models/scratch/data").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    write_manifest(SCRATCH)
    line = one_line_error(ptm("lock", expect=1))
    assert f"data is a symlink to {tmp_path / 'elsewhere'}, outside the model folder" in line
    assert not Path("ptm.lock").exists()


def test_a_symlinked_folder_that_loops_is_refused(ptm) -> None:
    train(Path("models/scratch"))
    Path("models/scratch/weights/again").symlink_to("..", target_is_directory=True)
    write_manifest(SCRATCH)
    assert "weights/again is a symlink to a folder it is in (a loop)" in one_line_error(ptm("lock", expect=1))


def test_missing_path_is_one_line(ptm) -> None:
    write_manifest(SCRATCH)
    line = one_line_error(ptm("lock", expect=1))
    assert "model 'scratch' (models/scratch)" in line and "does not exist" in line
    assert not Path("ptm.lock").exists()


def test_empty_folder_is_one_line(ptm) -> None:
    Path("models/scratch").mkdir(parents=True)
    write_manifest(SCRATCH)
    assert "holds no files" in one_line_error(ptm("lock", expect=1))


def test_edges_connect_local_models_and_pretrained_ones(hub, ptm) -> None:
    train(Path("models/scratch"))
    text = (
        SCRATCH
        + '\n[models.encoder]\nrepo = "fixtures/tiny-bert"\n'
        + '\n[[edges]]\nfrom = "encoder"\nto = "scratch"\nkind = "feature-handoff"\nmode = "sequential"\n'
    )
    write_manifest(text)
    ptm("lock")
    assert set(lock_data()["models"]) == {"encoder", "scratch"}
    manifest = parse_manifest(text)
    assert manifest.edges[0].target == "scratch" and manifest.models["scratch"].revision is None
    validate("ptm", dict(manifest.data))


def test_graph_shows_a_local_model_pinned_by_its_digest(ptm) -> None:
    train(Path("models/scratch"))
    write_manifest(SCRATCH)
    assert "files unpinned" in ptm("graph").stdout
    ptm("lock")
    digest = lock_data()["models"]["scratch"]["digest"].removeprefix("sha256:")
    drawn = ptm("graph").stdout
    assert f"scratch  local  {digest[:7]}" in drawn and "None" not in drawn
