"""ptm.toml's side of inferred inputs and generation tasks: what an [export] table without inputs means,
how the settings hash tells them apart (so records go stale), and the one-line errors with lines."""

from __future__ import annotations

import pytest

from ptmlock.export_settings import IMPLIED_LOADER
from ptmlock.manifest import parse_manifest
from tests.conftest import manifest_error, validate

LOCAL = '[models.m]\nhub = "local"\npath = "m"\n\n[models.m.export]\n'


def settings_of(text: str):
    manifest = parse_manifest(text)
    validate("ptm", dict(manifest.data))
    settings = manifest.models["m"].export
    assert settings is not None
    return settings


def test_an_export_table_without_inputs_infers_them_and_the_loader() -> None:
    settings = settings_of(LOCAL)
    assert settings.inputs_inferred and settings.inputs == () and settings.loader == IMPLIED_LOADER
    declared = settings_of(LOCAL + 'loader = "transformers:AutoModelForCausalLM"\n')
    assert declared.inputs_inferred and declared.loader == "transformers:AutoModelForCausalLM"
    assert len({settings.settings_hash, declared.settings_hash}) == 2


def test_the_task_and_its_decode_steps_change_the_settings_hash() -> None:
    plain = settings_of(LOCAL)
    task = settings_of(LOCAL + 'task = "text-generation-with-past"\n')
    steps = settings_of(LOCAL + 'task = "text-generation-with-past"\n\n[models.m.verify]\ndecode_steps = 4\n')
    assert task.task == "text-generation-with-past" and task.verify.decode_steps == 8
    assert steps.verify.decode_steps == 4
    assert len({plain.settings_hash, task.settings_hash, steps.settings_hash}) == 3


def test_axes_of_inferred_inputs_take_the_inferred_axis_names() -> None:
    settings = settings_of(LOCAL + "axes = { sequence = 5 }\n\n[models.m.verify]\naxes = { sequence = 7 }\n")
    assert dict(settings.example_axes) == {"sequence": 5} and dict(settings.verify.probe_axes) == {
        "sequence": 7
    }


TASK = 'task = "text-generation-with-past"\n'
DECLARED = 'inputs = [{ name = "x", dtype = "float32", shape = [1] }]\n'
TORCH_HUB = '[models.m]\nhub = "torchhub"\nrepo = "o/r"\nentry = "e"\n\n[models.m.export]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            LOCAL + TASK + DECLARED,
            "ptm.toml:7: task = \"text-generation-with-past\" builds the graphs' inputs from the model's "
            "config; remove inputs",
        ),
        (
            LOCAL + 'task = "text2text-generation-with-past"\nformats = ["onnx", "torchscript"]\n',
            'ptm.toml:7: task = "text2text-generation-with-past" exports ONNX graphs only; '
            'declare formats = ["onnx"]',
        ),
        (LOCAL + 'task = "generate"\n', "ptm.toml:6: "),
        (LOCAL + "axes = { frames = 5 }\n", "ptm.toml:6: axis 'frames' is not used by any input"),
        (
            TORCH_HUB,
            "export needs inputs = [{ name = ..., dtype = ..., shape = [...] }, ...] (the model's "
            "arguments): they are inferred only for transformers models (huggingface, local hubs)",
        ),
    ],
)
def test_task_and_inference_errors_name_the_line_and_the_fix(text: str, message: str) -> None:
    assert message in manifest_error(text).message
