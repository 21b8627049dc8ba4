"""`ptm lock` of models fetched from plain URLs, against the fixture file server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import one_line_error, validate, write_manifest
from tests.test_lock import lock_data, sha256


def two_files(url: str, config_sha256: str | None = None) -> str:
    pinned = f', sha256 = "{config_sha256}"' if config_sha256 else ""
    return (
        "[models.head]\n"
        'hub = "url"\n'
        "files = [\n"
        f'    {{ url = "{url}/mlp/config.json"{pinned} }},\n'
        f'    {{ url = "{url}/mlp/model.safetensors", path = "weights/model.safetensors" }},\n'
        "]\n"
    )


def test_lock_records_sha256_size_and_validators_of_every_file(files, ptm) -> None:
    write_manifest(two_files(files.url))
    result = ptm("lock")
    model = lock_data()["models"]["head"]
    assert "commit" not in model and "revision" not in model and model["digest"].startswith("sha256:")
    assert f"{files.url}/mlp/config.json (+1 more)" in result.stdout
    by_path = {f["path"]: f for f in model["files"]}
    assert set(by_path) == {"config.json", "weights/model.safetensors"}
    for path, served_as in (
        ("config.json", "mlp/config.json"),
        ("weights/model.safetensors", "mlp/model.safetensors"),
    ):
        served = files.host.get(served_as)
        assert served is not None
        entry = by_path[path]
        assert entry["url"] == f"{files.url}/{served_as}"
        assert (entry["size"], entry["sha256"]) == (len(served.content), sha256(served.content))
        assert (entry["etag"], entry["last_modified"]) == (served.etag, served.last_modified)


def test_single_url_form_names_the_file_after_the_url(files, ptm) -> None:
    served = files.host.get("weights/tiny_mlp-v1.pth")
    assert served is not None
    write_manifest(
        f'[models.ckpt]\nhub = "url"\nurl = "{files.url}/weights/tiny_mlp-v1.pth"\n'
        f'sha256 = "{sha256(served.content).upper()}"\n'
    )
    ptm("lock")
    [entry] = lock_data()["models"]["ckpt"]["files"]
    assert entry["path"] == "tiny_mlp-v1.pth" and entry["sha256"] == sha256(served.content)


def test_expected_sha256_that_does_not_match_fails_and_writes_nothing(files, ptm) -> None:
    write_manifest(two_files(files.url, config_sha256="ab" * 32))
    line = one_line_error(ptm("lock", expect=3))
    assert "mlp/config.json served sha256" in line and f"ptm.toml expects {'ab' * 32}" in line
    assert not Path("ptm.lock").exists()


def test_upstream_change_keeps_the_pin_until_upgrade(files, ptm) -> None:
    write_manifest(two_files(files.url))
    ptm("lock")
    before = lock_data()["models"]["head"]
    files.host.put("mlp/config.json", b'{"changed": true}\n')
    ptm("lock")
    assert lock_data()["models"]["head"] == before
    result = ptm("lock --upgrade head")
    after = lock_data()["models"]["head"]
    changed = next(f for f in after["files"] if f["path"] == "config.json")
    assert changed["sha256"] == sha256(b'{"changed": true}\n') and after["digest"] != before["digest"]
    assert changed["etag"] != next(f for f in before["files"] if f["path"] == "config.json")["etag"]
    assert f"{before['digest'][7:19]} -> {after['digest'][7:19]}" in result.stdout


def test_missing_file_is_one_line(files, ptm) -> None:
    write_manifest(f'[models.x]\nhub = "url"\nurl = "{files.url}/nope.bin"\n')
    line = one_line_error(ptm("lock", expect=1))
    assert "model 'x'" in line and "nope.bin answered HTTP 404" in line


@pytest.mark.hand_edited_lock
def test_hand_edited_file_list_no_longer_matches_the_digest(files, ptm) -> None:
    write_manifest(two_files(files.url))
    ptm("lock")
    text = Path("ptm.lock").read_text()
    Path("ptm.lock").write_text(
        text.replace('path = "config.json", size = ', 'path = "config.json", size = 1', 1)
    )
    assert "digest does not match its files" in one_line_error(ptm("lock --check", expect=1))


def test_lock_schema_is_precise_per_hub(files, ptm) -> None:
    import jsonschema

    write_manifest(two_files(files.url))
    ptm("lock")
    data = lock_data()
    model = data["models"]["head"]
    for broken in (
        {**model, "commit": "0" * 40},
        {**model, "revision": "main"},
        {k: v for k, v in model.items() if k != "digest"},
        {**model, "files": [{k: v for k, v in f.items() if k != "url"} for f in model["files"]]},
        {**model, "hub": "huggingface", "repo": "a/b", "revision": "main", "commit": "0" * 40},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate("ptm-lock", {**data, "models": {"head": broken}})
