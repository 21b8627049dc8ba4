"""`ptm lock` and `ptm install` against a hostile or broken hub, mirror or file host (fixtures/hostile.py).

Whatever such a server sends, ptm ends with one line (or succeeds after retrying), writes nothing
outside its store and cache, reads no more than it must, and never shows credentials.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from fixtures.files import FileHost, files_route, populate_files
from fixtures.hostile import (
    EndlessServer,
    HangingUpServer,
    everything,
    failing_first,
    is_download,
    is_model_info,
    is_tree,
    link_to_self,
    rate_limited,
    redirect_loop,
    replace_body,
    rewrite_headers,
    rewrite_json,
    unavailable,
)
from fixtures.http import FixtureServer, Request, Response, Route
from fixtures.hub import FakeHub, ServerFeatures, populate_standard
from fixtures.hub.server import hub_route
from ptmlock.hubs import http
from tests.conftest import one_line_error, subprocess_env, write_manifest
from tests.test_lock import lock_data

MLP = '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n'
PARTIAL_MIRROR = ServerFeatures(files_metadata=False)  # model info without sizes: the tree is listed

Spoil = Callable[[Route], Route]


@pytest.fixture
def spoiled_hub(tiny_models, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """Starts the fixture Hub behind a spoiling wrapper and points HF_ENDPOINT at it; returns its URL."""
    with ExitStack() as stack:

        def start(spoil: Spoil, features: ServerFeatures | None = None) -> str:
            fake = FakeHub(features)
            populate_standard(fake, tiny_models)
            server = stack.enter_context(FixtureServer(spoil(hub_route(fake))))
            monkeypatch.setenv("HF_ENDPOINT", server.url)
            return server.url

        yield start


@pytest.fixture
def spoiled_files(tiny_models) -> Iterator[Callable[[Spoil], str]]:
    """Starts the fixture file host (tiny MLP files under mlp/ and weights/) behind a spoiling wrapper."""
    with ExitStack() as stack:

        def start(spoil: Spoil) -> str:
            host = FileHost()
            populate_files(host, tiny_models)
            return stack.enter_context(FixtureServer(spoil(files_route(host)))).url

        yield start


def config_json(req: Request) -> bool:
    """A download of tiny-mlp's config.json (its only file without a sha256 in the listing)."""
    return is_download(req) and req.path.endswith("/config.json")


def url_model(url: str) -> str:
    return f'[models.head]\nhub = "url"\nurl = "{url}"\n'


def nothing_escaped(tmp_path: Path) -> None:
    """No model file was written under a served name anywhere (the store names blobs by sha256, and a
    failed install makes no snapshot), so nothing landed outside the cache either."""
    assert not [p for p in tmp_path.rglob("*") if p.name in ("config.json", "model.safetensors")]
    assert not [p for p in tmp_path.rglob("*dropped*")]


def store_temporaries(tmp_path: Path) -> list[Path]:
    tmp = tmp_path / "home" / "ptm" / "tmp"
    return sorted(tmp.iterdir()) if tmp.is_dir() else []


# -- item 1: commits from the server ---------------------------------------------------------------------
@pytest.mark.parametrize("sha", ["../../../../..", "A" * 40, 12345, "0" * 39, "../" * 13 + "a"])
@pytest.mark.parametrize("command", ["lock", "install"])
def test_a_commit_that_is_not_hex_is_refused(spoiled_hub, ptm, tmp_path, sha, command) -> None:
    def edit(info: dict[str, Any]) -> dict[str, Any]:
        return {**info, "sha": sha}

    url = spoiled_hub(lambda route: rewrite_json(route, is_model_info, edit))
    write_manifest(MLP)
    line = one_line_error(ptm(command, expect=1))
    assert line.startswith(f"error: model 'mlp' (fixtures/tiny-mlp@main): {url} answered commit {sha!r}")
    assert "not a commit id" in line and "check HF_ENDPOINT" in line
    assert not Path("ptm.lock").exists()
    nothing_escaped(tmp_path)


def test_a_commit_from_the_download_headers_that_is_not_hex_is_refused(spoiled_hub, ptm, tmp_path) -> None:
    def no_sha(info: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in info.items() if k != "sha"}

    def bad_commit(headers: dict[str, str]) -> None:
        headers["x-repo-commit"] = "../../../../.."

    url = spoiled_hub(
        lambda route: rewrite_headers(rewrite_json(route, is_model_info, no_sha), is_download, bad_commit)
    )
    write_manifest(MLP)
    line = one_line_error(ptm("install", expect=1))
    assert f"{url} answered commit '../../../../..', which is not a commit id" in line
    nothing_escaped(tmp_path)


# -- item 2: digests, sizes and names from the server ----------------------------------------------------
def _siblings(change: Callable[[dict[str, Any]], None]) -> Callable[[Any], Any]:
    def edit(info: dict[str, Any]) -> dict[str, Any]:
        for sibling in info["siblings"]:
            if sibling["rfilename"] == "model.safetensors":
                change(sibling)
        return info

    return edit


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s["lfs"].update(sha256="../../../../../dropped"), "with sha256 '../../../../../dropped'"),
        (lambda s: s["lfs"].update(sha256=s["lfs"]["sha256"].upper()), "not 64 lowercase hex digits"),
        (lambda s: s.update(size="12"), "with size '12', not a whole number of bytes"),
        (lambda s: s.update(size=True), "with size True, not a whole number of bytes"),
        (lambda s: s.update(size=-1), "with size -1, not a whole number of bytes"),
    ],
)
def test_file_metadata_of_the_wrong_shape_is_refused(spoiled_hub, ptm, tmp_path, change, problem) -> None:
    url = spoiled_hub(lambda route: rewrite_json(route, is_model_info, _siblings(change)))
    write_manifest(MLP)
    line = one_line_error(ptm("install", expect=1))
    assert line.startswith(f"error: model 'mlp' (fixtures/tiny-mlp@main): {url} lists 'model.safetensors' ")
    assert problem in line and line.endswith("check HF_ENDPOINT")
    assert not Path("ptm.lock").exists() and not store_temporaries(tmp_path)
    nothing_escaped(tmp_path)


def test_a_file_name_that_is_not_a_string_is_refused(spoiled_hub, ptm) -> None:
    url = spoiled_hub(
        lambda route: rewrite_json(route, is_model_info, _siblings(lambda s: s.update(rfilename=5)))
    )
    write_manifest(MLP)
    line = one_line_error(ptm("lock", expect=1))
    assert f"{url} lists a file named 5, not a string" in line


def test_a_bad_digest_in_the_tree_listing_is_refused(spoiled_hub, ptm, tmp_path) -> None:
    def edit(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for entry in page:
            if entry.get("lfs"):
                entry["lfs"]["oid"] = "../../../../../dropped"
        return page

    url = spoiled_hub(lambda route: rewrite_json(route, is_tree, edit), PARTIAL_MIRROR)
    write_manifest(MLP)
    line = one_line_error(ptm("install", expect=1))
    assert f"{url} lists 'model.safetensors' with sha256 '../../../../../dropped'" in line
    nothing_escaped(tmp_path)


# -- item 8: pagination and download bounds --------------------------------------------------------------
def test_a_tree_page_linking_to_itself_fails_instead_of_hanging(spoiled_hub, ptm) -> None:
    url = spoiled_hub(lambda route: link_to_self(route, is_tree), PARTIAL_MIRROR)
    write_manifest(MLP)
    line = one_line_error(ptm("lock", expect=1))
    assert f"{url} lists '" in line and "twice in the tree of" in line and "repeats or never ends" in line


def test_an_empty_tree_page_linking_on_fails_instead_of_hanging(spoiled_hub, ptm) -> None:
    url = spoiled_hub(
        lambda route: link_to_self(rewrite_json(route, is_tree, lambda _: []), is_tree), PARTIAL_MIRROR
    )
    write_manifest(MLP)
    line = one_line_error(ptm("lock", expect=1))
    assert f"{url} answered a tree listing page that is not a list of files (or is empty" in line


def test_a_tree_page_linking_to_another_server_is_not_followed(spoiled_hub, ptm) -> None:
    def elsewhere(headers: dict[str, str]) -> None:
        headers["link"] = '<http://other.invalid/api/models/x/tree/main?cursor=1>; rel="next"'

    spoiled_hub(lambda route: rewrite_headers(route, is_tree, elsewhere), PARTIAL_MIRROR)
    write_manifest(MLP)
    line = one_line_error(ptm("lock", expect=1))
    assert "links the next page of a tree listing to another server" in line and "your token" in line


def test_a_hub_file_longer_than_listed_is_not_read_past_its_size(spoiled_hub, ptm) -> None:
    url = spoiled_hub(lambda route: replace_body(route, config_json, b"{}" + b" " * (4 << 20)))
    write_manifest(MLP)
    line = one_line_error(ptm("lock", expect=1))
    assert f"{url} sent more of 'config.json' than the " in line and "bytes it lists for it" in line
    assert not Path("ptm.lock").exists()


def test_an_endless_url_body_stops_at_the_download_limit(ptm, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PTM_MAX_DOWNLOAD", "1M")
    with EndlessServer() as server:
        url = server.url
        write_manifest(url_model(f"{url}/model.bin"))
        line = one_line_error(ptm("lock", expect=1))
        sent = server.sent
    assert f"{url}/model.bin sent more than PTM_MAX_DOWNLOAD=1048576 bytes" in line
    assert sent < 64 << 20, sent  # the client hung up soon after the limit (socket buffers aside)
    assert not Path("ptm.lock").exists() and not store_temporaries(tmp_path)


def test_a_url_announcing_more_than_the_limit_is_refused_before_reading(ptm, monkeypatch) -> None:
    monkeypatch.setenv("PTM_MAX_DOWNLOAD", "1G")
    with EndlessServer(content_length=5 << 30) as server:
        url = server.url
        write_manifest(url_model(f"{url}/model.bin"))
        line = one_line_error(ptm("lock", expect=1))
    assert f"{url}/model.bin is {5 << 30} bytes, more than PTM_MAX_DOWNLOAD={1 << 30}" in line


def test_a_bad_download_limit_setting_is_one_line(files, ptm, monkeypatch) -> None:
    monkeypatch.setenv("PTM_MAX_DOWNLOAD", "lots")
    write_manifest(url_model(f"{files.url}/mlp/config.json"))
    line = one_line_error(ptm("lock", expect=1))
    assert line.startswith("error: PTM_MAX_DOWNLOAD='lots' is not a size such as 500M")


# -- item 9: redirect loops and a malformed endpoint -----------------------------------------------------
def test_a_url_redirecting_in_a_loop_is_one_line(spoiled_files, ptm) -> None:
    url = spoiled_files(lambda route: redirect_loop(route, everything))
    write_manifest(url_model(f"{url}/mlp/config.json"))
    line = one_line_error(ptm("lock", expect=1))
    assert line == f"error: model 'head': {url}/mlp/config.json redirects in a loop; check the URL"


def test_a_hub_redirecting_in_a_loop_is_one_line(spoiled_hub, ptm) -> None:
    url = spoiled_hub(lambda route: redirect_loop(route, is_model_info))
    write_manifest(MLP)
    line = one_line_error(ptm("lock", expect=1))
    assert (
        line == f"error: model 'mlp' (fixtures/tiny-mlp@main): {url} redirects in a loop; check HF_ENDPOINT"
    )


@pytest.mark.parametrize("endpoint", ["http://user:secret@[::1", "http://127.0.0.1:99999"])
@pytest.mark.parametrize("command", ["lock", "install"])
def test_a_malformed_endpoint_is_one_line_in_a_fresh_process(isolated_env, endpoint, command) -> None:
    # A fresh process: huggingface_hub parses HF_ENDPOINT when first imported, which this test process
    # has long done.
    write_manifest(MLP)
    result = subprocess.run(
        [sys.executable, "-m", "ptmlock", command],
        capture_output=True,
        text=True,
        env=subprocess_env(HF_ENDPOINT=endpoint),
        cwd=isolated_env,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: HF_ENDPOINT=") and "is not an http(s) URL" in line
    assert "secret" not in line


# -- item 10: retries -------------------------------------------------------------------------------------
def flaky() -> list[Response]:
    return [unavailable(retry_after="1"), rate_limited(retry_after="0")]


def retried(stderr: str, url: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 2, stderr
    assert lines[0].startswith(f"warning: retrying {url}") and "in 1 s (HTTP 503; retry 1 of 5)" in lines[0]
    assert lines[1].startswith(f"warning: retrying {url}") and "in 0 s (HTTP 429; retry 2 of 5)" in lines[1]


def test_hub_metadata_answering_503_then_429_is_retried(spoiled_hub, ptm) -> None:
    url = spoiled_hub(lambda route: failing_first(route, flaky(), is_model_info))
    write_manifest(MLP)
    result = ptm("lock")
    retried(result.stderr, f"{url}/api/models/fixtures/tiny-mlp")
    assert lock_data()["models"]["mlp"]["commit"]


def test_hub_downloads_answering_503_then_429_are_retried(spoiled_hub, ptm) -> None:
    failures: list[Response] = []
    url = spoiled_hub(lambda route: failing_first(route, failures, config_json))
    write_manifest(MLP)
    ptm("lock")
    failures += flaky()
    result = ptm("install")
    commit = lock_data()["models"]["mlp"]["commit"]
    retried(result.stderr, f"{url}/fixtures/tiny-mlp/resolve/{commit}/config.json")
    assert "Installed 1 model" in result.stdout


def test_a_url_answering_503_then_429_is_retried_at_lock_and_install(spoiled_files, ptm, tmp_path) -> None:
    failures = flaky()
    url = spoiled_files(lambda route: failing_first(route, failures))
    write_manifest(url_model(f"{url}/mlp/config.json"))
    retried(ptm("lock").stderr, f"{url}/mlp/config.json")
    shutil.rmtree(tmp_path / "home" / "ptm")  # locking kept the bytes: make install fetch them again
    failures += flaky()
    result = ptm("install")
    retried(result.stderr, f"{url}/mlp/config.json")
    assert "Installed 1 model" in result.stdout


def test_retries_are_bounded_and_the_last_answer_is_the_error(spoiled_files, ptm, monkeypatch) -> None:
    monkeypatch.setenv("PTM_HTTP_RETRIES", "1")
    url = spoiled_files(lambda route: failing_first(route, [unavailable("0")] * 3))
    write_manifest(url_model(f"{url}/mlp/config.json"))
    lines = ptm("lock", expect=1).stderr.strip().splitlines()
    assert len(lines) == 2 and "(HTTP 503; retry 1 of 1)" in lines[0]
    assert lines[1] == (
        f"error: model 'head': {url}/mlp/config.json answered HTTP 503 Service Unavailable; "
        "try again later, or check the URL"
    )


def test_a_retry_after_date_is_honoured_and_capped() -> None:
    assert http.retry_after("3") == 3.0
    assert http.retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: at once
    assert http.retry_after("Fri, 01 Jan 9999 00:00:00 GMT") > http.MAX_WAIT_S  # waited MAX_WAIT_S at most
    assert http.retry_after("soon") is None and http.retry_after(None) is None


def test_a_connection_dropped_before_any_answer_is_retried(ptm) -> None:
    with HangingUpServer(drops=1, body=b"weights") as server:
        url = server.url
        write_manifest(url_model(f"{url}/model.bin"))
        result = ptm("lock")
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"warning: retrying {url}/model.bin in 0.5 s (RemoteProtocolError: ")
    assert line.endswith("; retry 1 of 5)")
    assert lock_data()["models"]["head"]["files"][0]["size"] == len(b"weights")


# -- item 6: credentials in URLs -------------------------------------------------------------------------
def test_a_url_with_credentials_is_refused_before_it_reaches_the_lock(files, ptm) -> None:
    host = files.url.removeprefix("http://")
    write_manifest(url_model(f"http://alice:secret@{host}/mlp/config.json"))
    result = ptm("lock", expect=None)
    assert result.exit_code != 0 and not Path("ptm.lock").exists()
    line = one_line_error(result)
    assert f"http://alice:****@{host}/mlp/config.json carries credentials" in line and "~/.netrc" in line
    assert "secret" not in result.output


def test_torchhub_weights_with_credentials_are_refused(files, ptm) -> None:
    host = files.url.removeprefix("http://")
    write_manifest(
        '[models.mlp]\nhub = "torchhub"\nrepo = "fixtures/tiny-hubconf"\nrevision = "v1.0"\n'
        f'entry = "tiny_mlp"\nweights = ["http://alice:secret@{host}/weights/tiny_mlp-v1.pth"]\n'
    )
    result = ptm("lock", expect=None)
    assert result.exit_code != 0 and "carries credentials" in one_line_error(result)
    assert "secret" not in result.output


def test_credentials_for_plain_urls_come_from_netrc(files, ptm, monkeypatch, tmp_path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setattr(http, "_client", None)  # the client reads the netrc file when it is made
    write_manifest(url_model(f"{files.url}/mlp/config.json"))
    ptm("lock")
    sent = files.host.requests[-1].headers.get("authorization")
    assert sent == "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert "s3cret" not in Path("ptm.lock").read_text()


def test_endpoint_credentials_are_not_in_the_messages_themselves(monkeypatch) -> None:
    """The CLI redacts every line it prints; the messages are built redacted too, for library callers
    (ptmlock.resolve) and logs."""
    from ptmlock.errors import PtmError
    from ptmlock.hubs.huggingface import SOURCE
    from ptmlock.manifest import parse_manifest

    monkeypatch.setenv("HF_ENDPOINT", "http://hf-user:hf-secret@127.0.0.1:9")
    with pytest.raises(PtmError) as raised:
        SOURCE.resolve(parse_manifest(MLP).models["mlp"])
    assert "cannot reach http://hf-user:****@127.0.0.1:9" in raised.value.message
    assert "hf-secret" not in raised.value.message


# -- item 3: the whole resolved lock is read back before it is written, printed or installed -------------
@pytest.mark.parametrize("licence", ["mit\x7f", "lone \ud800 surrogate", 12345, {"name": "mit"}])
@pytest.mark.parametrize("command", ["lock", "install"])
def test_card_data_that_cannot_be_locked_is_refused_before_anything_is_written(
    spoiled_hub, ptm, tmp_path, licence, command
) -> None:
    def edit(info: dict[str, Any]) -> dict[str, Any]:
        return {**info, "cardData": {**(info.get("cardData") or {}), "license": licence}}

    spoiled_hub(lambda route: rewrite_json(route, is_model_info, edit))
    write_manifest(MLP)
    result = ptm(command, expect=1)
    line = one_line_error(result)
    assert "refusing to write ptm.lock: the resolved pins are not valid lock data" in line
    assert result.stdout == "" and not Path("ptm.lock").exists()
    assert not list(tmp_path.rglob("snapshots"))
