"""`ptm sbom`: the lock as a CycloneDX 1.6 ML-BOM, validated with cyclonedx-python-lib's own validators."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator

from fixtures.github import HUBCONF_REPO
from ptmlock.export.records import with_records
from ptmlock.lockfile import read_lock, write_lock
from tests.conftest import one_line_error, write_manifest
from tests.installing import torchhub_model
from tests.test_lock import lock_data
from tests.test_remove import export_record

SYSTEM = """\
[models.bert]
repo = "fixtures/tiny-bert"
task = "feature-extraction"
description = "Encodes reviews"

[models.mlp]
repo = "fixtures/tiny-mlp"
base = "bert"
adaptation = "addition"

[models.scratch]
hub = "local"
path = "models/scratch"
training_script = "train.py"
dataset = "s3://team-data/reviews@2024-05-01"
trained_with = ["bert"]

[components.fusion]
kind = "rules"

[[edges]]
from = "bert"
to = "mlp"
kind = "feature-handoff"
mode = "sequential"

[[edges]]
from = "mlp"
to = "fusion"
kind = "post-processing"

[[edges]]
from = "scratch"
to = "fusion"
kind = "post-processing"
"""


def valid_json(text: str) -> dict:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, error
    return json.loads(text)


def components(bom: dict) -> dict[str, dict]:
    return {c["bom-ref"]: c for c in bom["components"]}


@pytest.fixture
def system(ptm, hub) -> dict:
    Path("models/scratch").mkdir(parents=True)
    Path("models/scratch/model.safetensors").write_bytes(b"weights")
    write_manifest(SYSTEM)
    ptm("lock")
    return lock_data()


def test_sbom_is_valid_cyclonedx_1_6_with_a_model_component_per_locked_model(ptm, system) -> None:
    bom = valid_json(ptm("sbom").stdout)
    assert bom["specVersion"] == "1.6"
    found = components(bom)
    bert = found["model:bert"]
    locked = system["models"]["bert"]
    assert bert["type"] == "machine-learning-model"
    assert bert["purl"] == f"pkg:huggingface/fixtures/tiny-bert@{locked['commit']}"
    assert bert["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert bert["description"] == "Encodes reviews"
    assert {p["name"]: p["value"] for p in bert["properties"]}["ptm:revision"] == "main"
    files = {c["name"]: c["hashes"][0]["content"] for c in bert["components"]}
    assert files == {f["path"]: f["sha256"] for f in locked["files"]}
    assert bert["modelCard"] == {"modelParameters": {"task": "feature-extraction"}}
    scratch = found["model:scratch"]
    assert scratch["purl"] == f"pkg:generic/scratch@{system['models']['scratch']['digest'][7:]}"
    assert "licenses" not in scratch
    card = scratch["modelCard"]
    assert card["modelParameters"]["datasets"] == [
        {"type": "dataset", "name": "s3://team-data/reviews@2024-05-01"}
    ]
    assert {"name": "ptm:provenance:training_script", "value": "train.py"} in card["properties"]
    assert {"name": "ptm:trained_with", "value": "bert"} in card["properties"]
    assert found["component:fusion"]["type"] == "application"


def test_the_graph_becomes_dependencies(ptm, system) -> None:
    bom = valid_json(ptm("sbom").stdout)
    needs = {d["ref"]: set(d.get("dependsOn", [])) for d in bom["dependencies"]}
    assert needs["model:mlp"] == {"model:bert"}  # an edge from bert, and bert is its base
    assert needs["model:scratch"] == {"model:bert"}  # trained with bert
    assert needs["component:fusion"] == {"model:mlp", "model:scratch"}
    root = bom["metadata"]["component"]["bom-ref"]
    assert needs[root] == {"model:bert", "model:mlp", "model:scratch"}


def test_sbom_xml_is_valid_and_the_format_follows_the_extension(ptm, system) -> None:
    result = ptm("sbom -o bom.xml")
    assert "Wrote bom.xml (3 models)." in result.stderr
    text = Path("bom.xml").read_text()
    error = XmlValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, error
    assert "<modelCard>" in text and "<task>feature-extraction</task>" in text


def test_the_same_lock_gives_the_same_document(ptm, system, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = ptm("sbom").stdout
    assert ptm("sbom").stdout == first
    assert json.loads(first)["metadata"]["timestamp"] == "2023-11-14T22:13:20+00:00"


def test_torch_hub_and_url_models_get_github_and_generic_purls(ptm, github, files) -> None:
    url = f"{files.url}/weights/tiny_mlp-v1.pth"
    write_manifest(torchhub_model(files.url) + f'\n[models.raw]\nhub = "url"\nurl = "{url}"\n')
    ptm("lock")
    locked = lock_data()["models"]
    found = components(valid_json(ptm("sbom").stdout))
    assert found["model:mlp"]["purl"] == f"pkg:github/{HUBCONF_REPO}@{locked['mlp']['commit']}"
    file_names = {c["name"] for c in found["model:mlp"]["components"]}
    assert "hubconf.py" in file_names and "tiny_mlp-v1.pth" in file_names  # the weights it downloads too
    raw = found["model:raw"]["purl"]
    sha = locked["raw"]["files"][0]["sha256"]
    assert raw.startswith("pkg:generic/raw@") and f"checksum=sha256:{sha}" in raw and "download_url=" in raw


def test_without_the_extra_sbom_says_which_to_install(ptm, system, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "cyclonedx", None)  # as if cyclonedx-python-lib were not installed
    error = one_line_error(ptm("sbom", expect=2))
    assert error == "error: ptm sbom needs cyclonedx-python-lib: pip install 'ptmlock[sbom]'"


def test_sbom_without_a_lock_says_to_lock(ptm) -> None:
    write_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\n')
    assert "run `ptm lock` first" in one_line_error(ptm("sbom", expect=1))


def test_export_artifacts_are_components_derived_from_their_model(ptm, system) -> None:
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    record = export_record("exports/mlp.onnx", b"onnx bytes")
    write_lock(
        Path("ptm.lock"),
        lock._replace(
            models={**lock.models, "mlp": with_records(lock.models["mlp"], {"onnx": record}, None)}
        ),
    )
    bom = valid_json(ptm("sbom").stdout)
    artifact = components(bom)["export:mlp/onnx"]
    assert artifact["type"] == "machine-learning-model"
    assert artifact["hashes"] == [{"alg": "SHA-256", "content": record.sha256}]
    assert {"name": "ptm:path", "value": "exports/mlp.onnx"} in artifact["properties"]
    needs = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert needs["export:mlp/onnx"] == ["model:mlp"]
