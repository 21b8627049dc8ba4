"""The fixture Hub, exercised with the real huggingface_hub client over real HTTP (nothing is mocked)."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # before huggingface_hub reads its constants
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import hashlib
import http.client
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import (
    HfApi,
    get_hf_file_metadata,
    hf_hub_download,
    hf_hub_url,
    snapshot_download,
)
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import RepoFile, RepoFolder

from fixtures.hub import FakeHub, HubServer, ServerFeatures, TinyModels, build_tiny_models, populate_standard

BERT = "fixtures/tiny-bert"
MLP = "fixtures/tiny-mlp"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tiny_models(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    # Same cache folder as tests/conftest.py: persists across sessions, so warm runs never import torch.
    cache = getattr(request.config, "cache", None)
    cache_dir = cache.mkdir("ptm-tiny-models") if cache is not None else tmp_path_factory.mktemp("models")
    return build_tiny_models(Path(cache_dir))


@pytest.fixture
def hub(tiny_models: TinyModels) -> FakeHub:
    fake = FakeHub()
    populate_standard(fake, tiny_models)
    return fake


@pytest.fixture
def server(hub: FakeHub) -> Iterator[HubServer]:
    with HubServer(hub) as srv:
        yield srv


@pytest.fixture
def api(server: HubServer) -> HfApi:
    return HfApi(endpoint=server.url, token=False)


@pytest.fixture
def hf_cache(tmp_path: Path) -> Path:
    return tmp_path / "hf-cache"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(server: HubServer, cache: Path, repo: str, filename: str, **kwargs: object) -> Path:
    kwargs.setdefault("token", False)
    return Path(hf_hub_download(repo, filename, cache_dir=cache, endpoint=server.url, **kwargs))  # type: ignore[arg-type]


# -- model info ------------------------------------------------------------------------------------------
def test_model_info_with_files_metadata(hub: FakeHub, api: HfApi) -> None:
    info = api.model_info(BERT, files_metadata=True)
    files = hub.repo_files(BERT)
    assert info.id == BERT
    assert info.sha == hub.resolve(BERT, "main")
    assert info.gated is False and info.private is False
    assert info.card_data is not None and info.card_data.license == "apache-2.0"
    assert "license:apache-2.0" in (info.tags or [])
    assert info.siblings is not None
    assert {s.rfilename for s in info.siblings} == set(files)
    for sib in info.siblings:
        content = files[sib.rfilename]
        assert sib.size == len(content)
        if sib.rfilename.endswith((".safetensors", ".bin")):
            assert sib.lfs is not None
            assert sib.lfs.sha256 == sha256(content) and sib.lfs.size == len(content)
            assert sib.lfs.pointer_size > 0
        else:
            assert sib.lfs is None
            assert sib.blob_id == hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def test_model_info_at_revisions(hub: FakeHub, api: HfApi, hf_cache: Path) -> None:
    first = hub.resolve(BERT, "v1.0")
    assert first != hub.resolve(BERT, "main")
    assert api.model_info(BERT, revision="v1.0").sha == first
    assert api.model_info(BERT, revision="dev").sha == first
    assert api.model_info(BERT, revision=first).sha == first
    assert api.resolve_revision(BERT, revision="v1.0", cache_dir=hf_cache).resolved == first
    assert api.model_info("fixtures/no-license").card_data is None
    assert api.repo_exists(BERT) and not api.repo_exists("fixtures/nope")
    assert api.revision_exists(BERT, "v1.0") and not api.revision_exists(BERT, "v9")
    assert api.file_exists(BERT, "vocab.txt") and not api.file_exists(BERT, "nope.txt")


def test_moving_a_branch_changes_sha(hub: FakeHub, api: HfApi) -> None:
    before = api.model_info(BERT).sha
    hub.set_branch(BERT, "main", revision="v1.0")
    after = api.model_info(BERT).sha
    assert before != after == hub.resolve(BERT, "v1.0")


def test_commit_semantics_and_determinism(tiny_models: TinyModels, hub: FakeHub) -> None:
    rebuilt = FakeHub()
    populate_standard(rebuilt, tiny_models)
    assert hub.repo_ids == rebuilt.repo_ids
    assert all(hub.resolve(repo) == rebuilt.resolve(repo) for repo in hub.repo_ids)
    parent = hub.resolve(MLP)
    sha = hub.commit(MLP, {"extra.txt": b"x"}, message="add", delete=("README.md",))
    assert len(sha) == 40 and sha != parent
    assert set(hub.repo_files(MLP)) == {"config.json", "model.safetensors", "extra.txt"}
    assert hub.repo_files(MLP, "v1.0")["README.md"].startswith(b"---")  # tags stay put


# -- downloads -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("revision", ["main", "v1.0", "sha"])
@pytest.mark.parametrize("filename", ["config.json", "model.safetensors"])
def test_hf_hub_download(
    hub: FakeHub, server: HubServer, hf_cache: Path, revision: str, filename: str
) -> None:
    rev = hub.resolve(BERT, "dev") if revision == "sha" else revision
    path = download(server, hf_cache, BERT, filename, revision=rev)
    assert path.read_bytes() == hub.repo_files(BERT, rev)[filename]
    commit = hub.resolve(BERT, rev)
    storage = hf_cache / "models--fixtures--tiny-bert"
    assert path == storage / "snapshots" / commit / filename
    blob = hub.get_repo(BERT).commits[commit].files[filename]
    assert (storage / "blobs" / blob.etag).is_file()
    if revision != "sha":
        assert (storage / "refs" / rev).read_text() == commit


def test_snapshot_download(hub: FakeHub, server: HubServer, hf_cache: Path) -> None:
    folder = Path(
        snapshot_download(BERT, revision="v1.0", cache_dir=hf_cache, endpoint=server.url, token=False)
    )
    assert folder.name == hub.resolve(BERT, "v1.0")
    got = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert got == hub.repo_files(BERT, "v1.0")


def test_file_metadata_headers_and_no_xet(hub: FakeHub, server: HubServer) -> None:
    meta = get_hf_file_metadata(hf_hub_url(BERT, "model.safetensors", endpoint=server.url), token=False)
    content = hub.repo_files(BERT)["model.safetensors"]
    assert meta.commit_hash == hub.resolve(BERT) and meta.etag == sha256(content)
    assert meta.size == len(content) and meta.xet_file_data is None
    response = httpx2.head(f"{server.url}/{BERT}/resolve/main/config.json")
    assert response.status_code == 200 and response.headers["Accept-Ranges"] == "bytes"
    assert not [h for h in response.headers if h.lower().startswith("x-xet")]
    assert "X-Linked-Etag" not in response.headers  # not an LFS file
    assert response.headers["Content-Length"] == str(len(hub.repo_files(BERT)["config.json"]))


def test_range_requests(hub: FakeHub, server: HubServer) -> None:
    content = hub.repo_files(BERT)["model.safetensors"]
    url = f"{server.url}/{BERT}/resolve/main/model.safetensors"
    cases = {"bytes=10-19": content[10:20], "bytes=100-": content[100:], "bytes=-5": content[-5:]}
    for header, expected in cases.items():
        response = httpx2.get(url, headers={"Range": header})
        assert response.status_code == 206 and response.content == expected
        assert response.headers["Content-Range"].endswith(f"/{len(content)}")
    assert httpx2.get(url, headers={"Range": f"bytes={len(content)}-"}).status_code == 416
    hub.features = replace(hub.features, range_requests=False)
    response = httpx2.get(url, headers={"Range": "bytes=10-19"})
    assert response.status_code == 200 and response.content == content
    assert "Accept-Ranges" not in response.headers


def test_keep_alive_and_concurrency(hub: FakeHub, server: HubServer, hf_cache: Path) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    requests = [
        ("HEAD", "config.json"),
        ("GET", "missing.txt"),
        ("HEAD", "missing.txt"),
        ("GET", "vocab.txt"),
    ]
    for method, path in requests:
        conn.request(method, f"/{BERT}/resolve/main/{path}")
        response = conn.getresponse()
        body = response.read()
        assert len(body) == (0 if method == "HEAD" else int(response.headers["Content-Length"]))
    assert body == hub.repo_files(BERT)["vocab.txt"]
    conn.close()
    files = sorted(hub.repo_files("fixtures/many-files"))[:40]
    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda f: download(server, hf_cache, "fixtures/many-files", f), files))
    assert [p.read_bytes() for p in paths] == [hub.repo_files("fixtures/many-files")[f] for f in files]


# -- listings --------------------------------------------------------------------------------------------
def test_tree_recursive_pagination(hub: FakeHub, api: HfApi) -> None:
    hub.features = replace(hub.features, tree_page_size=7)
    before = hub.request_count
    entries = list(api.list_repo_tree("fixtures/many-files", recursive=True))
    files = [e.path for e in entries if isinstance(e, RepoFile)]
    assert len(files) == len(set(files)) == 121
    assert set(files) == set(hub.repo_files("fixtures/many-files"))
    assert [e.path for e in entries if isinstance(e, RepoFolder)] == ["data"]
    assert hub.request_count - before == -(-122 // 7)  # one request per page


def test_tree_non_recursive_subpath_and_lfs(hub: FakeHub, api: HfApi) -> None:
    root = {e.path: e for e in api.list_repo_tree("fixtures/many-files")}
    assert set(root) == {"config.json", "data"} and isinstance(root["data"], RepoFolder)
    sub = list(api.list_repo_tree("fixtures/many-files", path_in_repo="data", expand=True))
    assert len(sub) == 120 and all(e.last_commit is not None for e in sub)
    bert = {e.path: e for e in api.list_repo_tree(BERT, revision="v1.0") if isinstance(e, RepoFile)}
    content = hub.repo_files(BERT, "v1.0")["model.safetensors"]
    lfs = bert["model.safetensors"].lfs
    assert lfs is not None and lfs.sha256 == sha256(content) and lfs.size == len(content)
    with pytest.raises(EntryNotFoundError):
        list(api.list_repo_tree(BERT, path_in_repo="nope"))


def test_paths_info(hub: FakeHub, api: HfApi) -> None:
    infos = api.get_paths_info(
        BERT, ["config.json", "model.safetensors", "missing"], revision="v1.0", expand=True
    )
    by_path = {i.path: i for i in infos}
    assert set(by_path) == {"config.json", "model.safetensors"}
    weights = by_path["model.safetensors"]
    assert isinstance(weights, RepoFile) and weights.lfs is not None
    assert weights.lfs.sha256 == sha256(hub.repo_files(BERT, "v1.0")["model.safetensors"])
    main_weights = api.get_paths_info(BERT, "model.safetensors", expand=True)[0]
    assert main_weights.last_commit is not None and main_weights.last_commit.title == "update weights"
    folders = api.get_paths_info("fixtures/many-files", ["data"])
    assert len(folders) == 1 and isinstance(folders[0], RepoFolder)


def test_refs_and_commits(hub: FakeHub, api: HfApi) -> None:
    refs = api.list_repo_refs(BERT)
    assert {b.name: b.target_commit for b in refs.branches} == {
        "main": hub.resolve(BERT, "main"),
        "dev": hub.resolve(BERT, "v1.0"),
    }
    assert [(t.name, t.ref) for t in refs.tags] == [("v1.0", "refs/tags/v1.0")] and refs.converts == []
    commits = api.list_repo_commits(BERT)
    assert [c.commit_id for c in commits] == [hub.resolve(BERT, "main"), hub.resolve(BERT, "v1.0")]
    assert [c.title for c in commits] == ["update weights", "initial"]
    hub.features = replace(hub.features, tree_page_size=1)  # commits paginate too
    assert [c.commit_id for c in api.list_repo_commits(BERT, revision="dev")] == [hub.resolve(BERT, "dev")]


# -- features, errors, access ----------------------------------------------------------------------------
def test_partial_mirror_features(hub: FakeHub, api: HfApi) -> None:
    hub.features = ServerFeatures(files_metadata=False, tree=False, paths_info=False)
    info = api.model_info(BERT, files_metadata=True)
    assert info.siblings and all(s.size is None and s.lfs is None for s in info.siblings)
    for call in (lambda: list(api.list_repo_tree(BERT)), lambda: api.get_paths_info(BERT, ["config.json"])):
        with pytest.raises(HfHubHTTPError) as excinfo:
            call()
        assert excinfo.value.response.status_code == 404


def test_error_classes(server: HubServer, api: HfApi, hf_cache: Path) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("fixtures/does-not-exist")
    with pytest.raises(RepositoryNotFoundError):
        download(server, hf_cache, "fixtures/does-not-exist", "config.json")
    with pytest.raises(RevisionNotFoundError):
        api.model_info(BERT, revision="v9.9")
    with pytest.raises(RevisionNotFoundError):
        download(server, hf_cache, BERT, "config.json", revision="no-such-branch")
    with pytest.raises(EntryNotFoundError):
        download(server, hf_cache, BERT, "missing.bin")
    with pytest.raises(EntryNotFoundError):
        get_hf_file_metadata(hf_hub_url(BERT, "missing.bin", endpoint=server.url), token=False)
    response = httpx2.get(f"{server.url}/api/unknown/route")
    assert response.status_code == 404 and response.json() == {"error": "Not Found"}


def test_gated_repo(hub: FakeHub, server: HubServer, api: HfApi, hf_cache: Path) -> None:
    gated = "fixtures/gated-mlp"
    with pytest.raises(GatedRepoError):
        api.model_info(gated)
    with pytest.raises(GatedRepoError) as excinfo:
        download(server, hf_cache, gated, "model.safetensors")
    assert "Access to model fixtures/gated-mlp is restricted" in str(excinfo.value.server_message)
    hub.tokens.add("hf_fixture_token")
    with pytest.raises(GatedRepoError):
        download(server, hf_cache, gated, "model.safetensors", token="hf_wrong_token")
    authed = HfApi(endpoint=server.url, token="hf_fixture_token")
    assert authed.model_info(gated).gated == "auto"
    path = download(server, hf_cache, gated, "model.safetensors", token="hf_fixture_token")
    assert path.read_bytes() == hub.repo_files(gated)["model.safetensors"]
    hub.tokens.add("hf_waiting")
    hub.pending_tokens.add("hf_waiting")  # logged in, access not granted yet: 403, as the Hub answers
    with pytest.raises(GatedRepoError) as excinfo:
        HfApi(endpoint=server.url, token="hf_waiting").model_info(gated)
    assert excinfo.value.response.status_code == 403
    assert "not in the authorized list" in str(excinfo.value.server_message)
    hub.features = replace(hub.features, gate_metadata=False)  # real-Hub behaviour: only files are gated
    assert api.model_info(gated).gated == "auto"


def test_private_repo(hub: FakeHub, server: HubServer, api: HfApi) -> None:
    hub.create_repo("fixtures/private", private=True)
    hub.commit("fixtures/private", {"config.json": b"{}"})
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("fixtures/private")
    hub.tokens.add("secret")
    assert HfApi(endpoint=server.url, token="secret").model_info("fixtures/private").private is True


def test_tamper_serves_other_bytes_with_same_metadata(
    hub: FakeHub, server: HubServer, hf_cache: Path
) -> None:
    original = hub.repo_files(BERT)["model.safetensors"]
    evil = bytes(b ^ 0xFF for b in original)  # same length: the client's size check passes
    meta_url = hf_hub_url(BERT, "model.safetensors", endpoint=server.url)
    etag_before = get_hf_file_metadata(meta_url, token=False).etag
    hub.tamper(BERT, "model.safetensors", evil)
    assert get_hf_file_metadata(meta_url, token=False).etag == etag_before == sha256(original)
    path = download(server, hf_cache, BERT, "model.safetensors")
    assert path.read_bytes() == evil and sha256(evil) != etag_before
    assert hub.repo_files(BERT, served=True)["model.safetensors"] == evil
    assert hub.repo_files(BERT)["model.safetensors"] == original
    hub.tamper(BERT, "config.json", b"evil")  # other length: still served verbatim
    assert httpx2.get(f"{server.url}/{BERT}/resolve/v1.0/config.json").content == b"evil"


def test_latency_injection(hub: FakeHub, api: HfApi) -> None:
    api.model_info(MLP)  # warm the connection
    start = time.perf_counter()
    api.model_info(MLP)
    fast = time.perf_counter() - start
    hub.features = replace(hub.features, latency_s=0.2)
    start = time.perf_counter()
    api.model_info(MLP)
    slow = time.perf_counter() - start
    assert slow >= 0.2 and slow > fast + 0.15


def test_server_stop_closes_connections(hub: FakeHub) -> None:
    server = HubServer(hub).start()
    url = f"{server.url}/api/models/{MLP}"
    with httpx2.Client() as client:
        assert client.get(url).status_code == 200
        server.stop()
        with pytest.raises(httpx2.HTTPError):
            client.get(url)


def test_tiny_models_are_real(tiny_models: TinyModels) -> None:
    from safetensors.numpy import load
    from tokenizers import Tokenizer

    mlp = load(tiny_models.mlp_v1["model.safetensors"])
    assert mlp["0.weight"].shape == (16, 8) and mlp["2.weight"].shape == (4, 16)
    assert not (mlp["0.weight"] == load(tiny_models.mlp_v2["model.safetensors"])["0.weight"]).all()
    bert = load(tiny_models.bert_v1["model.safetensors"])
    config = json.loads(tiny_models.bert_v1["config.json"])
    assert config["hidden_size"] == 32 and config["num_hidden_layers"] == 2
    assert any(t.shape == (config["vocab_size"], 32) for t in bert.values())
    vocab = tiny_models.bert_v1["vocab.txt"].decode().split()
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] and len(vocab) == config["vocab_size"]
    tokenizer = Tokenizer.from_str(tiny_models.bert_v1["tokenizer.json"].decode())
    assert tokenizer.encode("the cat sat").tokens == ["[CLS]", "the", "cat", "sat", "[SEP]"]
    assert tiny_models.bert_v1["pytorch_model.bin"] != tiny_models.bert_v2["pytorch_model.bin"]


def test_entry_point_subprocess(
    request: pytest.FixtureRequest, tmp_path: Path, tiny_models: TinyModels
) -> None:
    cache = getattr(request.config, "cache", None)
    cache_dir = cache.mkdir("ptm-tiny-models") if cache is not None else tmp_path  # warm: no torch import
    log = tmp_path / "stderr.txt"
    args = ["--port", "0", "--latency-ms", "1", "--cache", str(cache_dir)]
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fixtures.hub", *args],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("fixture hub serving on http://127.0.0.1:"), log.read_text()
        url = line.rsplit(" ", 1)[1]
        info = HfApi(endpoint=url, token=False).model_info(BERT, revision="v1.0", files_metadata=True)
        assert info.sha == populated_sha(tiny_models) and info.siblings is not None
        assert len(info.siblings) == len(tiny_models.bert_v1)
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        assert proc.stdout is not None
        proc.stdout.close()


def populated_sha(models: TinyModels) -> str:
    fake = FakeHub()
    populate_standard(fake, models)
    return fake.resolve(BERT, "v1.0")
