"""`ptm add` for every hub: sources written as people copy them (ids, Hub and GitHub links, URLs, paths)
become the [models.X] tables `ptm lock` accepts; wrong combinations are one line and change nothing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from fixtures.github import HUBCONF_REPO
from tests.conftest import one_line_error, write_manifest
from tests.test_lock import lock_data, sha256

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def declared() -> dict[str, dict[str, object]]:
    return tomllib.loads(Path("ptm.toml").read_text())["models"]


def test_models_added_from_every_hub_lock_against_the_fixture_servers(hub, github, files, ptm) -> None:
    ptm("init")
    Path("checkpoints/ranker").mkdir(parents=True)
    Path("checkpoints/ranker/weights.bin").write_bytes(b"trained here")
    ptm(f"add {hub.url}/fixtures/tiny-bert/tree/v1.0 --name encoder")
    ptm(f"add {HUBCONF_REPO}:v1.0 --entry tiny_mlp --weights {files.url}/weights/tiny_mlp-v1.pth")
    weights = f"{files.url}/mlp/model.safetensors=weights/model.safetensors"
    ptm(f"add --url {files.url}/mlp/config.json --file {weights}")
    ptm("add --hub local --path checkpoints/ranker")

    result = ptm("lock")

    assert "Wrote ptm.lock (4 models)." in result.stdout
    models = lock_data()["models"]
    assert models["encoder"]["commit"] == hub.hub.resolve("fixtures/tiny-bert", "v1.0")
    assert models["tiny_mlp"]["commit"] == github.github.repos.resolve(HUBCONF_REPO, "v1.0")
    assert [w["path"] for w in models["tiny_mlp"]["weights"]] == ["tiny_mlp-v1.pth"]
    assert sorted(f["path"] for f in models["config"]["files"]) == [
        "config.json",
        "weights/model.safetensors",
    ]
    assert [(f["path"], f["sha256"]) for f in models["ranker"]["files"]] == [
        ("weights.bin", sha256(b"trained here"))
    ]
    assert declared()["tiny_mlp"] == {
        "hub": "torchhub",
        "repo": HUBCONF_REPO,
        "revision": "v1.0",
        "entry": "tiny_mlp",
        "weights": [f"{files.url}/weights/tiny_mlp-v1.pth"],
    }


@pytest.mark.parametrize(
    ("source", "table"),
    [
        ("fixtures/tiny-bert@v1.0", {"repo": "fixtures/tiny-bert", "revision": "v1.0"}),
        ("https://huggingface.co/fixtures/tiny-bert", {"repo": "fixtures/tiny-bert"}),
        (
            "https://huggingface.co/fixtures/tiny-bert/tree/refs%2Fpr%2F1",
            {"repo": "fixtures/tiny-bert", "revision": "refs/pr/1"},
        ),
        (
            "https://huggingface.co/fixtures/tiny-bert/blob/main/onnx/model.onnx",
            {"repo": "fixtures/tiny-bert", "revision": "main", "include": ["onnx/model.onnx"]},
        ),
        (
            "https://hf.co/fixtures/tiny-bert/resolve/v1.0/model.safetensors?download=true",
            {"repo": "fixtures/tiny-bert", "revision": "v1.0", "include": ["model.safetensors"]},
        ),
        (
            "https://huggingface.co/fixtures/tiny-bert/tree/main/onnx",
            {"repo": "fixtures/tiny-bert", "revision": "main", "include": ["onnx/*"]},
        ),
        (
            f"https://huggingface.co/fixtures/tiny-bert/commit/{'a' * 40}",
            {"repo": "fixtures/tiny-bert", "revision": "a" * 40},
        ),
        ("https://huggingface.co/gpt2/tree/main", {"repo": "gpt2", "revision": "main"}),
    ],
)
def test_add_reads_hugging_face_ids_and_links(ptm, source, table) -> None:
    ptm("init")
    ptm(["add", source, "--name", "m"])
    assert declared()["m"] == table


def test_add_reads_links_of_the_mirror_hf_endpoint_names(hub, ptm) -> None:
    ptm("init")
    result = ptm(f"add {hub.url}/fixtures/tiny-mlp/blob/v1.0/config.json")
    assert "Added model 'tiny-mlp' in ptm.toml (huggingface fixtures/tiny-mlp@v1.0)" in result.stdout
    assert declared()["tiny-mlp"]["include"] == ["config.json"]
    ptm("lock")
    assert [f["path"] for f in lock_data()["models"]["tiny-mlp"]["files"]] == ["config.json"]


@pytest.mark.parametrize(
    ("args", "name", "table"),
    [
        (
            "https://github.com/pytorch/vision/tree/release/0.19 --entry resnet18",
            "resnet18",
            {"hub": "torchhub", "repo": "pytorch/vision", "revision": "release/0.19", "entry": "resnet18"},
        ),
        (
            "--hub torchhub https://github.com/facebookresearch/dinov2.git --entry dinov2_vits14",
            "dinov2_vits14",
            {"hub": "torchhub", "repo": "facebookresearch/dinov2", "entry": "dinov2_vits14"},
        ),
        (
            f"https://example.com/m/head.safetensors --sha256 {'AB' * 32}",
            "head",
            {"hub": "url", "url": "https://example.com/m/head.safetensors", "sha256": "AB" * 32},
        ),
        (
            "--file https://example.com/get?id=7=weights/w.bin --url https://example.com/c/config.json",
            "config",
            {
                "hub": "url",
                "files": [
                    "https://example.com/c/config.json",
                    {"url": "https://example.com/get?id=7", "path": "weights/w.bin"},
                ],
            },
        ),
        (
            "--file https://example.com/get?id=7=w.bin",
            "w",
            {"hub": "url", "files": [{"url": "https://example.com/get?id=7", "path": "w.bin"}]},
        ),
        (
            "--hub local models/ranker/ --include *.bin --allow-outside",
            "ranker",
            {"hub": "local", "path": "models/ranker/", "include": ["*.bin"], "allow_outside": True},
        ),
        ("https://huggingface.co/Qwen/Qwen2.5-0.5B", "Qwen2-5-0-5B", {"repo": "Qwen/Qwen2.5-0.5B"}),
    ],
)
def test_add_declares_what_ptm_lock_takes_for_each_hub(ptm, args, name, table) -> None:
    ptm("init")
    ptm(f"add {args}")
    assert declared() == {name: table}


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            "org/name@v1 --revision v2",
            "the revision is given twice: 'v1' in 'org/name@v1' and --revision 'v2'",
        ),
        ("--entry e --path p", "--entry is for a torchhub model and --path for a local one"),
        (
            "--hub huggingface org/name --url https://x.org/a",
            "--hub huggingface is for a huggingface model and --url",
        ),
        ("org/name --weights https://x.org/w.pth", "a torchhub model needs --entry"),
        ("org/name --sha256 " + "a" * 64, "'org/name' is not an http(s) URL"),
        (
            "--url https://x.org/a --url https://x.org/b --sha256 " + "a" * 64,
            "--sha256 goes with a single --url",
        ),
        ("--hub local org/name --path p", "the path is given twice"),
        ("--hub local", "a local model needs --path"),
        ("--hub url --name m", "a url model needs --url URL"),
        ("--hub torchhub --entry e", "a torchhub model needs its repository"),
        ("--file https://x.org/a", "--file 'https://x.org/a' must be URL=PATH"),
        ("--hub local p --revision v1", "--revision is not for a local model"),
        ("--hub url https://x.org/a --include *.bin", "--include is not for a url model"),
        ("https://huggingface.co/datasets/org/data", "is a dataset, not a model"),
        ("https://huggingface.co/org/name/blob/main", "names no file after the revision"),
        ("https://huggingface.co/org/name/discussions/3", "is not a model's page or file"),
        ("https://github.com/pytorch", "names no repository"),
        ("org/name@", "'org/name@' ends without a revision"),
        ("--revision v2", "give the model's source"),
        ("https://x.org/dir/", "cannot name the model after ''; give it a name with --name"),
        ("https://x.org/m.bin --sha256 nothex", "sha256 'nothex' must be 64 hex digits"),
        ("--hub torchhub org/name:v1 --entry 'bad entry'", "entry 'bad entry' is not a public name"),
    ],
)
def test_add_refuses_wrong_combinations_in_one_line_and_changes_nothing(ptm, args, error) -> None:
    ptm("init")
    before = Path("ptm.toml").read_text()
    line = one_line_error(ptm(f"add {args}", expect=2))
    assert line.startswith("error: ptm add: ") and error in line
    assert Path("ptm.toml").read_text() == before


def test_an_added_model_keeps_its_hub_and_its_location_is_replaced_whole(ptm) -> None:
    write_manifest(
        '# the head\n[models.head]\nhub = "url"\nurl = "https://x.org/a.bin"  # v1\nsha256 = "'
        + "a" * 64
        + '"\n'
    )
    ptm("add --name head --file https://x.org/b.bin=b.bin --task classify")
    assert declared() == {
        "head": {"hub": "url", "files": [{"url": "https://x.org/b.bin", "path": "b.bin"}], "task": "classify"}
    }
    assert Path("ptm.toml").read_text().startswith("# the head\n[models.head]\n")
    line = one_line_error(ptm("add org/name --name head", expect=2))
    assert "'head' is a url model in ptm.toml; `ptm remove head` first" in line


def test_a_local_path_typed_in_a_subfolder_is_written_relative_to_ptm_toml(ptm) -> None:
    ptm("init")
    Path("training/out").mkdir(parents=True)
    os.chdir("training")
    ptm("add --hub local --path out --name ranker")
    ptm(f"add --hub local --path {Path('out').resolve()} --name absolute --allow-outside")
    models = tomllib.loads(Path("../ptm.toml").read_text())["models"]
    assert models["ranker"]["path"] == "training/out"
    assert models["absolute"]["path"] == str(Path("out").resolve())
