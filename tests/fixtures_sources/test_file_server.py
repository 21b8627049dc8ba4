"""The fixture file server: validators, ranges, 404s and changing bytes, over real HTTP."""

from __future__ import annotations

import hashlib

import httpx2


def test_serves_length_etag_last_modified_and_ranges(files) -> None:
    served = files.host.get("weights/tiny_mlp-v1.pth")
    assert served is not None
    url = f"{files.url}/weights/tiny_mlp-v1.pth"
    whole = httpx2.get(url)
    assert whole.status_code == 200 and whole.content == served.content
    assert whole.headers["Content-Length"] == str(len(served.content))
    assert whole.headers["ETag"] == served.etag and whole.headers["Last-Modified"] == served.last_modified
    assert whole.headers["Accept-Ranges"] == "bytes"
    tail = httpx2.get(url, headers={"Range": "bytes=100-"})
    assert tail.status_code == 206 and tail.content == served.content[100:]
    assert tail.headers["Content-Range"] == f"bytes 100-{len(served.content) - 1}/{len(served.content)}"
    assert httpx2.head(url).content == b"" and httpx2.head(url).headers["Content-Length"] == str(
        len(served.content)
    )


def test_unknown_path_is_404(files) -> None:
    assert httpx2.get(f"{files.url}/weights/nope.pth").status_code == 404


def test_put_publishes_new_bytes_with_new_validators(files) -> None:
    url = f"{files.url}/mlp/config.json"
    before = httpx2.get(url)
    files.host.put("mlp/config.json", b"{}")
    after = httpx2.get(url)
    assert (
        after.content == b"{}"
        and hashlib.sha256(after.content).hexdigest() != hashlib.sha256(before.content).hexdigest()
    )
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]


def test_range_support_can_be_switched_off(files) -> None:
    files.host.range_requests = False
    response = httpx2.get(f"{files.url}/mlp/config.json", headers={"Range": "bytes=5-"})
    assert response.status_code == 200 and "Accept-Ranges" not in response.headers


def test_requests_are_logged_with_their_headers(files) -> None:
    httpx2.get(f"{files.url}/mlp/config.json", headers={"X-Probe": "1"})
    assert (
        files.host.requests[-1].path == "/mlp/config.json"
        and files.host.requests[-1].headers["x-probe"] == "1"
    )
