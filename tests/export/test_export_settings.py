"""[models.X.export] and [models.X.verify] in ptm.toml: defaults, hashes and one-line errors with lines."""

from __future__ import annotations

import pytest

from ptmlock.manifest import parse_manifest
from tests.conftest import manifest_error, validate

BERT = """\
[models.bert]
repo = "fixtures/tiny-bert"

[models.bert.export]
inputs = [
    { name = "input_ids", dtype = "int64", shape = ["batch", "sequence"], range = [0, 60] },
    { name = "attention_mask", dtype = "int64", shape = ["batch", "sequence"], fill = 1 },
]
"""


def test_export_table_defaults_for_a_hugging_face_model() -> None:
    manifest = parse_manifest(BERT)
    settings = manifest.models["bert"].export
    assert settings is not None
    assert settings.formats == ("onnx",) and settings.loader == "transformers:AutoModel"
    assert settings.opset == 18 and settings.external_data is None and settings.outputs is None
    assert settings.inputs[0].range == (0, 60) and settings.inputs[1].fill == 1
    # Distinct sizes above 1 for the export example; other sizes for the probe.
    assert dict(settings.example_axes) == {"batch": 2, "sequence": 6}
    assert dict(settings.verify.probe_axes) == {"batch": 3, "sequence": 8}
    assert settings.verify.provider == "auto" and settings.verify.atol is None
    assert settings.artifacts == "artifacts/bert" and dict(settings.loader_kwargs) == {}
    validate("ptm", dict(manifest.data))


TORCH_HUB = """\
[models.backbone]
hub = "torchhub"
repo = "pytorch/vision"
revision = "v0.10.0"
entry = "resnet18"

[models.backbone.export]
loader_kwargs = { pretrained = true }
artifacts = "deploy/backbone/"
inputs = [{ name = "x", dtype = "float32", shape = ["batch", 3, 32, 32] }]
"""


def test_a_torch_hub_model_is_loaded_by_its_hubconf_entry_by_default() -> None:
    manifest = parse_manifest(TORCH_HUB)
    settings = manifest.models["backbone"].export
    assert settings is not None
    assert settings.loader == "ptmlock:torch_hub_load" and dict(settings.loader_kwargs) == {
        "pretrained": True
    }
    assert settings.artifacts == "deploy/backbone"
    validate("ptm", dict(manifest.data))
    assert (
        "loader 'ptmlock:torch_hub_load' builds torch.hub models; 'bert' is from hub 'huggingface'"
        in manifest_error(header('loader = "ptmlock:torch_hub_load"')).message
    )


def test_export_settings_change_the_settings_hash_not_the_pin() -> None:
    base = parse_manifest(BERT).models["bert"]
    other_opset = parse_manifest(BERT + "opset = 19\n").models["bert"]
    tolerance = parse_manifest(BERT + '\n[models.bert.verify]\natol = 0.01\nprovider = "cpu"\n').models[
        "bert"
    ]
    seed = parse_manifest(BERT + "\n[models.bert.verify]\nseed = 7\n").models["bert"]
    plain = parse_manifest('[models.bert]\nrepo = "fixtures/tiny-bert"\n').models["bert"]
    hashes = {m.declaration_hash for m in (base, other_opset, tolerance, seed, plain)}
    assert len(hashes) == 1
    assert base.export and other_opset.export and tolerance.export and seed.export
    assert base.export.settings_hash != other_opset.export.settings_hash
    assert base.export.settings_hash != seed.export.settings_hash  # another probe, another reference
    assert base.export.settings_hash == tolerance.export.settings_hash  # judging, not recording
    for other in (header('artifacts = "ship/bert"'), header("loader_kwargs = { revision = 'x' }")):
        changed = parse_manifest(other).models["bert"].export
        assert changed is not None and changed.settings_hash != base.export.settings_hash


def test_exporter_and_dtype_are_export_settings_that_leave_earlier_records_fresh() -> None:
    base = parse_manifest(BERT).models["bert"].export
    defaults = parse_manifest(header('exporter = "auto"\ndtype = "float32"')).models["bert"].export
    assert base is not None and defaults is not None
    assert (defaults.exporter, defaults.dtype) == ("auto", "float32")
    # Spelling out the defaults keeps the hash that records exported before these settings existed carry.
    assert defaults.settings_hash == base.settings_hash
    for other in ('exporter = "torchscript"', 'dtype = "float16"'):
        changed = parse_manifest(header(other)).models["bert"].export
        assert changed is not None and changed.settings_hash != base.settings_hash
    assert manifest_error(header('exporter = "tracing"')).message.startswith(
        "ptm.toml:5: exporter 'tracing' is not known; expected one of: auto, dynamo, torchscript"
    )
    assert manifest_error(header('dtype = "fp16"')).message.startswith(
        "ptm.toml:5: dtype 'fp16' is not known; "
    )


def header(extra: str) -> str:
    """BERT with ``extra`` as the first line of its export table (line 5)."""
    return BERT.replace("[models.bert.export]\n", f"[models.bert.export]\n{extra}\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            BERT.replace(
                '"int64", shape = ["batch", "sequence"], range',
                '"int46", shape = ["batch", "sequence"], range',
            ),
            "input 'input_ids' has dtype 'int46'; expected one of: float16, float32",
        ),
        (BERT.replace(", range = [0, 60]", ""), "integer input 'input_ids' needs range = [low, high)"),
        (
            BERT.replace("fill = 1", "fill = 1, range = [0, 2]"),
            "input 'attention_mask' has more than one of range, fill and mask; keep one",
        ),
        (
            BERT.replace("fill = 1", 'mask = "left-padded"'),
            "input 'attention_mask': mask = \"right-padded\" is for an integer input of shape "
            "[batch, sequence]",
        ),
        (
            BERT.replace("range = [0, 60]", "range = [60, 0]"),
            "input 'input_ids': range = [low, high) of two integers",
        ),
        (header("opset = 0"), "'opset' must be an integer >= 1"),
        (
            header('format = ["onnx"]'),
            "unknown key 'format' in [models.bert.export]; did you mean 'formats'?",
        ),
        (header('formats = ["tflite"]'), "format 'tflite' is not known; expected one of: onnx, torchscript"),
        (header('loader = "AutoModel"'), "loader 'AutoModel' must look like"),
        (
            header("axes = { time = 4 }"),
            "axis 'time' is not used by any input (symbolic axes: batch, sequence)",
        ),
        (header("external_data = 1"), 'external_data must be true, false or "auto"'),
        (header("loader_kwargs = 1"), "'loader_kwargs' must be a table, e.g. { pretrained = true }"),
        (
            header('artifacts = "../out"'),
            "'artifacts' contains '..', '.' or an empty segment; it must be a folder inside the project, "
            'e.g. "artifacts/bert"',
        ),
        (
            header('artifacts = "/srv/models"'),
            "'artifacts' is absolute; it must be a folder inside the project",
        ),
    ],
)
def test_export_errors_name_file_line_and_fix(text: str, message: str) -> None:
    assert manifest_error(text).message.startswith(f"ptm.toml:5: {message}")


def test_verify_table_errors() -> None:
    assert (
        "probe axes of 'bert' equal the export example's"
        in manifest_error(BERT + "\n[models.bert.verify]\naxes = { batch = 2, sequence = 6 }\n").message
    )
    for atol in ("-1", "nan", "inf"):
        assert (
            "ptm.toml:11: 'atol' must be a finite, non-negative number"
            in manifest_error(BERT + f"\n[models.bert.verify]\natol = {atol}\n").message
        )
    assert (
        "ptm.toml:11: provider 'gpu' is not known; did you mean 'cpu'?"
        in manifest_error(BERT + '\n[models.bert.verify]\nprovider = "gpu"\n').message
    )
    assert (
        "[models.mlp.verify] needs a [models.mlp.export] table"
        in manifest_error(
            '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n[models.mlp.verify]\nseed = 1\n'
        ).message
    )
