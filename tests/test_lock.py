"""`ptm lock` against the local hub, through the real huggingface_hub client over HTTP."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fixtures.http import silent_server
from fixtures.hub import ServerFeatures
from ptmlock.lockfile import read_lock
from tests.conftest import one_line_error, validate, write_manifest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

THREE_MODELS = """\
# the models of our pipeline
[models.bert]
repo = "fixtures/tiny-bert"
revision = "main"

[models.bert-v1]
repo = "fixtures/tiny-bert"
revision = "v1.0"
include = ["*.json", "*.safetensors", "vocab.txt"]

[models.mlp]
repo = "fixtures/tiny-mlp"

[[edges]]
from = "bert"
to = "mlp"
kind = "feature-handoff"
mode = "sequential"
"""


def lock_data() -> dict:
    data = tomllib.loads(Path("ptm.lock").read_text())
    validate("ptm-lock", data)
    return data


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_lock_pins_commits_and_every_file_hash(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    result = ptm("lock")
    assert "Wrote ptm.lock (3 models)" in result.stdout
    data = lock_data()
    bert = data["models"]["bert"]
    assert bert["commit"] == hub.hub.resolve("fixtures/tiny-bert", "main")
    assert bert["revision"] == "main" and bert["license"] == "apache-2.0"
    served = hub.hub.repo_files("fixtures/tiny-bert", revision="main")
    for entry in bert["files"]:
        content = served[entry["path"]]
        assert entry["sha256"] == sha256(content) and entry["size"] == len(content)
    v1 = data["models"]["bert-v1"]
    assert v1["commit"] == hub.hub.resolve("fixtures/tiny-bert", "v1.0") != bert["commit"]
    assert {f["path"] for f in v1["files"]} == {
        p for p in served if p.endswith((".json", ".safetensors")) or p == "vocab.txt"
    }
    assert data["models"]["mlp"]["license"] == "mit"


def test_default_selection_skips_duplicate_weight_formats(hub, ptm) -> None:
    write_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\n')
    ptm("lock")
    paths = {f["path"] for f in lock_data()["models"]["bert"]["files"]}
    assert "model.safetensors" in paths and "config.json" in paths
    assert "pytorch_model.bin" not in paths and ".gitattributes" not in paths


def test_exclude_patterns_drop_files(hub, ptm) -> None:
    write_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\nexclude = ["README.md", "vocab.txt"]\n')
    ptm("lock")
    paths = {f["path"] for f in lock_data()["models"]["bert"]["files"]}
    assert "README.md" not in paths and "vocab.txt" not in paths and "model.safetensors" in paths


def test_lock_is_byte_identical_on_rerun(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    first = Path("ptm.lock").read_bytes()
    Path("ptm.lock").unlink()
    ptm("lock")
    assert Path("ptm.lock").read_bytes() == first
    result = ptm("lock")
    assert "Up to date: ptm.lock" in result.stdout
    assert Path("ptm.lock").read_bytes() == first


def test_moving_branch_upstream_keeps_pin_until_upgrade_moves_only_that_model(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    before = lock_data()["models"]
    new_commit = hub.hub.commit("fixtures/tiny-bert", {"config.json": b'{"silently": "changed"}'})
    hub.hub.commit("fixtures/tiny-mlp", {"config.json": b'{"also": "changed"}'})

    ptm("lock --check")
    ptm("lock")
    assert lock_data()["models"] == before

    result = ptm("lock --upgrade bert")
    after = lock_data()["models"]
    assert after["bert"]["commit"] == new_commit != before["bert"]["commit"]
    assert after["mlp"] == before["mlp"] and after["bert-v1"] == before["bert-v1"]
    assert "~ bert" in result.stdout


def test_spelling_out_a_default_does_not_move_a_pin(hub, ptm) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    ptm("lock")
    before = lock_data()["models"]["mlp"]
    hub.hub.commit("fixtures/tiny-mlp", {"config.json": b'{"silently": "changed"}'})
    write_manifest(
        '[models.mlp]\nrepo = "fixtures/tiny-mlp"\nrevision = "main"\ninclude = []\nexclude = []\n'
    )
    assert "up to date" in ptm("lock --check").stdout
    assert "= mlp" in ptm("lock").stdout
    assert lock_data()["models"]["mlp"] == before


def test_upgrade_without_names_moves_every_pin(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    mlp_commit = hub.hub.commit("fixtures/tiny-mlp", {"config.json": b"{}"})
    ptm("lock --upgrade")
    assert lock_data()["models"]["mlp"]["commit"] == mlp_commit


def test_check_with_upgrade_is_refused_before_any_work(ptm) -> None:
    write_manifest(THREE_MODELS)
    line = one_line_error(ptm("lock --check --upgrade", expect=2))
    assert line == "error: --check only reads ptm.lock; drop --upgrade (or --check, to move the pins)"


def test_upgrade_of_undeclared_model_is_an_error(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    result = ptm("lock --upgrade nope", expect=1)
    assert "nope" in result.stderr and "not declared" in result.stderr


def test_check_reports_stale_entries_without_network(hub, ptm, monkeypatch) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    count = hub.hub.request_count
    write_manifest(
        THREE_MODELS.replace('revision = "v1.0"', 'revision = "dev"') + '[models.new]\nrepo = "a/b"\n'
    )
    result = ptm("lock --check", expect=1)
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "bert-v1: its entry in ptm.toml changed" in message and "new: declared" in message
    assert hub.hub.request_count == count


def test_check_ignores_comments_and_edges_which_pin_nothing(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    write_manifest("# a new comment\n" + THREE_MODELS)
    ptm("lock --check")
    write_manifest(THREE_MODELS.replace('mode = "sequential"', 'mode = "parallel"'))
    assert "up to date" in ptm("lock --check").stdout


def test_check_without_lock_says_to_run_lock(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    assert "run `ptm lock`" in ptm("lock --check", expect=1).stderr


def test_changed_entry_is_re_resolved_and_others_kept(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    hub.hub.commit("fixtures/tiny-bert", {"config.json": b"{}"})
    write_manifest(THREE_MODELS.replace('revision = "v1.0"', 'revision = "dev"'))
    before = lock_data()["models"]
    ptm("lock")
    after = lock_data()["models"]
    assert after["bert-v1"]["revision"] == "dev"
    assert after["bert"] == before["bert"]


def test_pinned_commit_locks_that_commit(hub, ptm) -> None:
    first = hub.hub.resolve("fixtures/tiny-bert", "v1.0")
    write_manifest(f'[models.bert]\nrepo = "fixtures/tiny-bert"\nrevision = "{first}"\n')
    ptm("lock")
    assert lock_data()["models"]["bert"]["commit"] == first


def test_repo_without_card_has_no_license(hub, ptm) -> None:
    write_manifest('[models.m]\nrepo = "fixtures/no-license"\n')
    ptm("lock")
    assert "license" not in lock_data()["models"]["m"]


def test_paginated_tree_on_a_partial_mirror(hub, ptm) -> None:
    hub.hub.features = ServerFeatures(files_metadata=False, tree_page_size=7)
    write_manifest('[models.many]\nrepo = "fixtures/many-files"\n')
    ptm("lock")
    files = lock_data()["models"]["many"]["files"]
    assert len(files) == 121 and len({f["path"] for f in files}) == 121


@pytest.mark.parametrize(
    "features",
    [
        ServerFeatures(files_metadata=False),
        ServerFeatures(files_metadata=False, tree=False, paths_info=False, range_requests=False),
    ],
    ids=["no-file-metadata", "names-only-mirror"],
)
def test_partial_mirror_gives_the_same_lock(hub, ptm, features) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    full = Path("ptm.lock").read_bytes()
    Path("ptm.lock").unlink()
    hub.hub.features = dataclasses.replace(features)
    ptm("lock")
    assert Path("ptm.lock").read_bytes() == full


ERRORS = [
    ('[models.x]\nrepo = "fixtures/nope"\n', "repository not found"),
    ('[models.x]\nrepo = "fixtures/tiny-bert"\nrevision = "v9"\n', "revision 'v9' not found"),
    ('[models.x]\nrepo = "fixtures/gated-mlp"\n', "gated"),
    ('[models.x]\nrepo = "fixtures/tiny-bert"\ninclude = ["*.onnx"]\n', "no file of"),
]


@pytest.mark.parametrize(("entry", "message"), ERRORS, ids=["repo", "revision", "gated", "no-files"])
def test_resolution_errors_are_one_line_and_keep_the_old_lock(hub, ptm, entry, message) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    before = Path("ptm.lock").read_bytes()
    write_manifest(THREE_MODELS + entry)
    result = ptm("lock", expect=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "model 'x'" in lines[0]
    assert Path("ptm.lock").read_bytes() == before
    assert sorted(p.name for p in Path().iterdir()) == ["ptm.lock", "ptm.toml"]


def test_every_model_that_fails_to_resolve_gets_its_own_line(hub, ptm) -> None:
    write_manifest(
        THREE_MODELS
        + "".join(entry.replace("models.x", f"models.x{i}") for i, (entry, _) in enumerate(ERRORS))
    )
    lines = ptm("lock", expect=1).stderr.splitlines()
    assert len(lines) == len(ERRORS)
    for i, (line, (_, message)) in enumerate(zip(lines, ERRORS, strict=True)):
        assert line.startswith(f"error: model 'x{i}'") and message in line
    assert not Path("ptm.lock").exists()


def test_gated_repo_locks_with_a_token(hub, ptm, monkeypatch) -> None:
    hub.hub.tokens.add("hf_secret")
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    write_manifest('[models.x]\nrepo = "fixtures/gated-mlp"\n')
    ptm("lock")
    assert lock_data()["models"]["x"]["commit"] == hub.hub.resolve("fixtures/gated-mlp", "main")


def test_gated_repo_with_a_token_not_yet_granted_is_one_line(hub, ptm, monkeypatch) -> None:
    hub.hub.tokens.add("hf_waiting")
    hub.hub.pending_tokens.add("hf_waiting")
    monkeypatch.setenv("HF_TOKEN", "hf_waiting")
    write_manifest('[models.x]\nrepo = "fixtures/gated-mlp"\n')
    result = ptm("lock", expect=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "model 'x' (fixtures/gated-mlp@main): the repo is gated" in lines[0]
    assert not Path("ptm.lock").exists()


def test_a_hub_that_never_answers_times_out_in_one_line(ptm, monkeypatch) -> None:
    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    monkeypatch.setenv("PTM_HTTP_TIMEOUT", "0.5")
    with silent_server() as url:
        monkeypatch.setenv("HF_ENDPOINT", url)
        line = one_line_error(ptm("lock", expect=1))
    assert f"cannot reach {url} (ReadTimeout" in line and "check your network or HF_ENDPOINT" in line
    assert not Path("ptm.lock").exists()


@contextmanager
def answering(body: bytes) -> Iterator[str]:
    """A server that answers every request with 200 and ``body`` (a login page, a proxy's JSON, ...)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("body", [b"<html>Please log in</html>", b"{}", b"[]"])
def test_a_mirror_answering_something_else_is_one_line_and_keeps_the_lock(
    hub, ptm, monkeypatch, body
) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    before = Path("ptm.lock").read_bytes()
    write_manifest(THREE_MODELS + '[models.x]\nrepo = "fixtures/tiny-mlp"\n')
    with answering(body) as url:
        monkeypatch.setenv("HF_ENDPOINT", url)
        line = one_line_error(ptm("lock", expect=1))
    assert f"model 'x': {url} answered something that is not a Hub API response" in line
    assert Path("ptm.lock").read_bytes() == before


@pytest.mark.parametrize(
    ("variable", "value"),
    [("HF_ENDPOINT", "http://[bad"), ("HF_ENDPOINT", "hub.local"), ("PTM_HTTP_TIMEOUT", "soon")],
)
def test_a_bad_endpoint_or_timeout_setting_is_one_line(ptm, monkeypatch, variable, value) -> None:
    write_manifest(THREE_MODELS)
    monkeypatch.setenv(variable, value)
    line = one_line_error(ptm("lock", expect=1))
    assert line.startswith(f"error: {variable}={value!r} is not") and "unset it" in line


def test_network_down_is_one_line_per_model(ptm) -> None:
    write_manifest(THREE_MODELS)
    result = ptm("lock", expect=1)
    lines = result.stderr.strip().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "error: model 'bert'",
        "error: model 'bert-v1'",
        "error: model 'mlp'",
    ]
    assert all("cannot reach http://127.0.0.1:9" in line for line in lines)
    assert not Path("ptm.lock").exists()


@pytest.mark.parametrize("bad_path", ["../escape.txt", "a/../../b.txt", "C:/win.txt", "a\\b.txt"])
def test_unsafe_filenames_from_the_hub_are_refused(hub, ptm, bad_path) -> None:
    hub.hub.create_repo("evil/model")
    hub.hub.commit("evil/model", {"config.json": b"{}", bad_path: b"x"})
    write_manifest('[models.evil]\nrepo = "evil/model"\n')
    result = ptm("lock", expect=1)
    assert "refusing to lock it" in result.stderr and not Path("ptm.lock").exists()


@pytest.mark.hand_edited_lock
def test_hand_edited_lock_that_breaks_the_schema_is_reported(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    text = Path("ptm.lock").read_text()
    Path("ptm.lock").write_text(text.replace('sha256 = "', 'sha256 = "zz', 1))
    result = ptm("lock --check", expect=1)
    assert "ptm.lock: at models." in result.stderr
    assert "or delete the file and run `ptm lock` to resolve every pin anew" in result.stderr
    Path("ptm.lock").unlink()
    ptm("lock")


@pytest.mark.hand_edited_lock
def test_a_lock_with_merge_conflict_markers_says_to_run_ptm_lock(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    text = Path("ptm.lock").read_text()
    Path("ptm.lock").write_text(
        text.replace("[models.mlp]", "<<<<<<< HEAD\n[models.mlp]", 1) + "=======\n>>>>>>> x\n"
    )
    line = one_line_error(ptm("install", expect=1))
    assert line.startswith("error: ") and "ptm.lock: has git merge conflict markers; run `ptm lock`" in line
    assert "= mlp " in ptm("lock").stdout and Path("ptm.lock").read_text() == text  # kept from ours


def test_lock_reads_back_as_the_same_data(hub, ptm) -> None:
    write_manifest(THREE_MODELS)
    ptm("lock")
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None and set(lock.models) == {"bert", "bert-v1", "mlp"}
    assert all(len(f.sha256) == 64 for m in lock.models.values() for f in m.files)


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../x", "a/../../x", "C:/x", "a\\b", "a//b", "./a", "", " a", "a\x00b"]
)
def test_unsafe_path_reasons(path: str) -> None:
    from ptmlock.paths import unsafe_path_reason

    assert unsafe_path_reason(path) is not None


@pytest.mark.parametrize("path", ["config.json", "onnx/model.onnx", "a/b/c.d.txt", "..hidden", "v1..2.bin"])
def test_plain_relative_paths_are_safe(path: str) -> None:
    from ptmlock.paths import unsafe_path_reason

    assert unsafe_path_reason(path) is None
