"""`--format json` of `ptm install`, `ptm validate` and `ptm cache`: one object on stdout, in the shapes
docs/cli.md documents, with counts that add up."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import REPO_ROOT, write_manifest
from tests.installing import MODELS, snapshot, store_blobs

PARTS = ("downloaded", "from_store", "from_disk", "from_mirror", "in_place")


def documented(command: str) -> dict[str, Any]:
    """The JSON example under ``### `ptm COMMAND --format json``` in docs/cli.md."""
    text = (REPO_ROOT / "docs" / "cli.md").read_text()
    section = text.split(f"### `ptm {command} --format json`", 1)[1]
    return json.loads(re.search(r"```json\n(.*?)\n```", section, re.S)[1])  # type: ignore[index]


def assert_adds_up(files: dict[str, int]) -> None:
    assert files["total"] == sum(files[part] for part in PARTS), files


def test_install_json_names_what_changed_and_its_counts_add_up(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    first = json.loads(ptm("install --format json").stdout)
    assert first.keys() == documented("install").keys()
    assert first["installed"] == ["bert", "bert-v1", "mlp"] and first["already_installed"] == []
    assert first["files"] == {
        "total": 14,
        "downloaded": 10,
        "from_store": 4,
        "from_disk": 0,
        "from_mirror": 0,
        "in_place": 0,
    }
    for model in first["models"]:
        assert model.keys() == documented("install")["models"][0].keys()
        assert_adds_up(model["files"])
    assert first["downloaded_bytes"] == sum(p.stat().st_size for p in store_blobs().values())
    assert first["relocked"] == [] and first["dropped_exports"] == [] and first["left_out"] == []

    # One file removed: one model changes, the others are in place, and the counts still add up.
    mlp = next(m for m in first["models"] if m["name"] == "mlp")
    (snapshot("mlp") / "config.json").unlink()
    again = json.loads(ptm("install --format json").stdout)
    assert (snapshot("mlp") / "config.json").exists()
    assert again["installed"] == ["mlp"] and again["already_installed"] == ["bert", "bert-v1"]
    assert again["files"] == {
        "total": 14,
        "downloaded": 0,
        "from_store": 1,
        "from_disk": 0,
        "from_mirror": 0,
        "in_place": 13,
    }
    assert next(m for m in again["models"] if m["name"] == "mlp")["pin"] == mlp["pin"]

    noop = json.loads(ptm("install --format json").stdout)
    assert noop["installed"] == [] and noop["files"]["in_place"] == noop["files"]["total"] == 14
    assert [m["pin"] for m in noop["models"]] == [m["pin"] for m in first["models"]]  # known without the lock


def test_install_json_reports_a_relock(hub, ptm) -> None:
    write_manifest(MODELS)
    data = json.loads(ptm("install --format json").stdout)
    assert data["relocked"] == ["ptm.lock did not exist"]


def test_validate_json_is_one_object_valid_or_not(ptm) -> None:
    write_manifest(MODELS)
    data = json.loads(ptm("validate --format json").stdout)
    assert data.keys() == documented("validate").keys() and data["manifest"].endswith("ptm.toml")
    assert (data["valid"], data["models"], data["components"], data["edges"], data["problems"]) == (
        True,
        3,
        0,
        0,
        [],
    )
    write_manifest(MODELS + 'role = "interchangeable"\ngroup = "head"\ntask = "text-classification"\n')
    result = ptm("validate --format json", expect=2)
    data = json.loads(result.stdout)
    assert data["valid"] is False and result.stderr == ""
    [problem] = data["problems"]
    assert problem["severity"] == "error" and "group 'head' has only one member" in problem["message"]
    assert problem["line"] == 12 and problem["path"].endswith("ptm.toml")


def test_cache_json_documents_have_the_documented_keys(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("install")
    for command in ("cache ls", "cache prune", "cache verify"):
        data = json.loads(ptm(f"{command} --format json").stdout)
        assert data.keys() == documented(command).keys(), command
    ls = json.loads(ptm("cache ls --format json").stdout)
    assert ls["models"][0].keys() == documented("cache ls")["models"][0].keys()
    prune = json.loads(ptm("cache prune --format json").stdout)
    assert prune["applied"] is False and prune["blobs"] == [] and prune["freed_bytes"] == 0
