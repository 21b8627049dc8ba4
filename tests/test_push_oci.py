"""`ptm push` to a real OCI registry (CNCF Distribution on a loopback port), read back with ORAS."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.registry import Registry, available
from fixtures.registry_token import TokenAuthority, TokenServer, token_config
from tests.conftest import Ptm, one_line_error, write_manifest
from tests.installing import MODELS, locked

pytestmark = pytest.mark.skipif(
    available() is None, reason="docker-registry is not installed (`make system-deps`, or apt-get)"
)
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    with Registry() as running:
        yield running


@pytest.fixture
def installed(hub, ptm: Ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    ptm("install --quiet")


def oras_manifest(registry: Registry, repository: str, tag: str) -> dict:
    """The manifest as an independent client (the ORAS Python SDK) reads it."""
    import oras.client

    client = oras.client.OrasClient(hostname=registry.address, insecure=True)
    return client.get_manifest(f"{registry.address}/{repository}:{tag}")


def repositories(registry: Registry) -> list[str]:
    with urllib.request.urlopen(f"http://{registry.address}/v2/_catalog") as answer:
        return json.load(answer)["repositories"]


def pushed(ptm: Ptm, target: str, *extra: str) -> list[dict]:
    return json.loads(ptm(["push", target, "--format", "json", *extra]).stdout)["pushed"]


def test_push_sends_each_locked_file_as_a_layer_whose_digest_is_its_sha256(
    installed: None, ptm: Ptm, registry: Registry, unique_prefix: str
) -> None:
    result = ptm(f"push oci://{registry.address}/{unique_prefix} --only bert,mlp")
    assert "Pushed 2 models" in result.stdout
    for name in ("bert", "mlp"):
        model = locked(name)
        manifest = oras_manifest(registry, f"{unique_prefix}/{name}", model.commit or "")
        assert manifest["artifactType"] == "application/vnd.cncf.model.manifest.v1+json"
        assert manifest["config"]["mediaType"] == "application/vnd.cncf.model.config.v1+json"
        layers = {layer["annotations"]["org.cncf.model.filepath"]: layer for layer in manifest["layers"]}
        assert {path: (layer["digest"], layer["size"]) for path, layer in layers.items()} == {
            f.path: (f"sha256:{f.sha256}", f.size) for f in model.files
        }
        assert layers["config.json"]["mediaType"] == "application/vnd.cncf.model.weight.config.v1.raw"
        weights = [p for p in layers if p.endswith(".safetensors")]
        assert weights and all(
            layers[p]["mediaType"] == "application/vnd.cncf.model.weight.v1.raw" for p in weights
        )
        assert manifest["annotations"]["org.opencontainers.image.revision"] == model.commit


def test_the_config_records_source_commit_and_every_file_digest(
    installed: None, ptm: Ptm, registry: Registry, unique_prefix: str
) -> None:
    import oras.client

    ptm(f"push oci://{registry.address}/{unique_prefix} --only bert")
    model = locked("bert")
    manifest = oras_manifest(registry, f"{unique_prefix}/bert", model.commit or "")
    client = oras.client.OrasClient(hostname=registry.address, insecure=True)
    blob = client.get_blob(f"{registry.address}/{unique_prefix}/bert", manifest["config"]["digest"]).content
    assert "sha256:" + hashlib.sha256(blob).hexdigest() == manifest["config"]["digest"]
    config = json.loads(blob)
    assert config["descriptor"]["revision"] == model.commit
    assert config["descriptor"]["sourceURL"] == "https://huggingface.co/fixtures/tiny-bert"
    assert config["modelfs"] == {"type": "layers", "diffIds": [f"sha256:{f.sha256}" for f in model.files]}


def test_pushing_an_unchanged_lock_again_sends_nothing_and_keeps_the_digest(
    installed: None, ptm: Ptm, registry: Registry, unique_prefix: str
) -> None:
    target = f"oci://{registry.address}/{unique_prefix}"
    first = pushed(ptm, target)
    again = pushed(ptm, target)
    assert [p["digest"] for p in again] == [p["digest"] for p in first]
    assert all(p["unchanged"] and p["uploaded"] == 0 and p["sent_bytes"] == 0 for p in again)
    assert not any(p["unchanged"] for p in first) and all(p["uploaded"] > 0 for p in first)
    assert "= bert" in ptm(f"push {target} --only bert").stdout


def test_blobs_the_registry_already_has_are_not_sent_again(
    installed: None, ptm: Ptm, registry: Registry, unique_prefix: str
) -> None:
    ptm(f"push oci://{registry.address}/{unique_prefix} --only mlp")
    [retagged] = pushed(ptm, f"oci://{registry.address}/{unique_prefix}:release", "--only", "mlp")
    assert not retagged["unchanged"]
    assert retagged["uploaded"] == 0 and retagged["present"] == len(locked("mlp").files)
    assert retagged["reference"].endswith(f"/{unique_prefix}/mlp:release")
    assert oras_manifest(registry, f"{unique_prefix}/mlp", "release")["layers"]


def test_push_before_install_names_the_fix_and_sends_nothing(
    hub, ptm: Ptm, registry: Registry, unique_prefix: str
) -> None:
    write_manifest(MODELS)
    ptm("lock")
    result = ptm(f"push oci://{registry.address}/{unique_prefix}", expect=1)
    assert "run `ptm install` first" in one_line_error(result)
    assert not [r for r in repositories(registry) if r.startswith(f"{unique_prefix}/")]


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("docker://127.0.0.1:5000/x", "is not an OCI reference"),
        ("oci://127.0.0.1:5000", "names no registry host"),
        ("oci://127.0.0.1:5000/Team/Models", "is not a valid repository name"),
        ("oci://127.0.0.1:5000/team:bad/tag", "is not a valid repository name"),
    ],
)
def test_push_rejects_a_malformed_reference_as_a_usage_error(
    installed: None, ptm: Ptm, target: str, says: str
) -> None:
    assert says in one_line_error(ptm(["push", target], expect=2))


def test_push_of_an_unknown_model_lists_the_locked_ones(
    installed: None, ptm: Ptm, registry: Registry
) -> None:
    line = one_line_error(ptm(f"push oci://{registry.address}/x --only nope", expect=2))
    assert "no model nope" in line and "bert" in line


@pytest.fixture(scope="module")
def private_registry() -> Iterator[Registry]:
    with Registry(users={"ci": "s3cret-pass"}) as running:
        yield running


def test_a_private_registry_takes_credentials_from_the_environment_and_never_prints_them(
    installed: None, ptm: Ptm, private_registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker"))
    target = f"oci://{private_registry.address}/team"
    refused = one_line_error(ptm(f"push {target} --only mlp", expect=1))
    assert "HTTP 401" in refused and "PTM_OCI_USERNAME" in refused
    monkeypatch.setenv("PTM_OCI_USERNAME", "ci")
    monkeypatch.setenv("PTM_OCI_PASSWORD", "s3cret-pass")
    result = ptm(f"push {target} --only mlp")
    assert "s3cret" not in result.output and "Pushed 1 model" in result.stdout


def test_a_private_registry_takes_credentials_from_dockers_config(
    installed: None, ptm: Ptm, private_registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    docker = tmp_path / "docker"
    docker.mkdir()
    auth = base64.b64encode(b"ci:s3cret-pass").decode()
    (docker / "config.json").write_text(json.dumps({"auths": {private_registry.address: {"auth": auth}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(docker))
    result = ptm(f"push oci://{private_registry.address}/team2 --only mlp")
    assert "Pushed 1 model" in result.stdout and "s3cret" not in result.output


@pytest.fixture
def unique_prefix(request: pytest.FixtureRequest) -> str:
    """A repository prefix of this test's own, since the registry is shared by the module's tests."""
    return "t" + hashlib.sha256(request.node.name.encode()).hexdigest()[:10]


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, TokenServer]]:
    """A registry that answers 401 with a Bearer challenge, and the token server its realm names."""
    authority = TokenAuthority({"ci": "t0ken-pass"})
    with TokenServer(authority) as server:
        section = token_config(tmp_path_factory.mktemp("token"), f"{server.url}/token", authority)
        with Registry(token_auth=section) as running:
            yield running, server


def test_a_registry_that_wants_a_bearer_token_gets_one_from_its_realm(
    installed: None, ptm: Ptm, token_registry: tuple[Registry, TokenServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry, server = token_registry
    monkeypatch.setenv("PTM_OCI_USERNAME", "ci")
    monkeypatch.setenv("PTM_OCI_PASSWORD", "wrong")
    refused = one_line_error(ptm(f"push oci://{registry.address}/team --only mlp", expect=1))
    assert "HTTP 401" in refused and "t0ken" not in refused
    monkeypatch.setenv("PTM_OCI_PASSWORD", "t0ken-pass")
    issued = server.authority.issued
    result = ptm(f"push oci://{registry.address}/team --only mlp")
    assert "Pushed 1 model" in result.stdout and server.authority.issued > issued
    assert "t0ken" not in result.output


def test_a_registry_that_sends_the_upload_to_another_host_gets_nothing(
    installed: None, ptm: Ptm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile (or misconfigured) registry's upload Location elsewhere: no bytes and no credentials go."""
    from fixtures.http import FixtureServer, Request, Response

    elsewhere: list[Request] = []

    def catch(request: Request) -> Response:
        elsewhere.append(request)
        return Response(201)

    with FixtureServer(catch) as other:

        def hostile(request: Request) -> Response:
            if request.method == "POST":
                return Response(202, headers=(("Location", f"{other.url}/steal"),))
            return Response(404)

        with FixtureServer(hostile) as registry:
            monkeypatch.setenv("PTM_OCI_USERNAME", "ci")
            monkeypatch.setenv("PTM_OCI_PASSWORD", "s3cret-pass")
            address = registry.url.removeprefix("http://")
            line = one_line_error(ptm(f"push oci://{address}/team --only mlp", expect=1))
    assert "sent the upload to" in line and "another host" in line and "s3cret" not in line
    assert elsewhere == []
