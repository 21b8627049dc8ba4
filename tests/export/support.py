"""Shared pieces of the export/verify tests: the manifest, installing snapshots, CUDA detection."""

from __future__ import annotations

import contextlib
import functools
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.conftest import Ptm, subprocess_env, write_manifest

BERT_INPUTS = """inputs = [
    { name = "input_ids", dtype = "int64", shape = ["batch", "sequence"], range = [0, 60] },
    { name = "attention_mask", dtype = "int64", shape = ["batch", "sequence"], fill = 1 },
]"""
MLP_EXPORT = """[models.mlp.export]
formats = ["onnx", "torchscript"]
loader = "fixtures.export:tiny_mlp"
inputs = [{ name = "x", dtype = "float32", shape = ["batch", 8] }]
"""
# Two interchangeable encoders (v1 and v2 weights of the tiny BERT) and a complementary MLP head.
MANIFEST = f"""\
[models.bert]
repo = "fixtures/tiny-bert"
role = "interchangeable"
group = "encoder"
task = "feature-extraction"

[models.bert.export]
formats = ["onnx", "torchscript"]
{BERT_INPUTS}

[models.bert-v1]
repo = "fixtures/tiny-bert"
revision = "v1.0"
role = "interchangeable"
group = "encoder"
task = "feature-extraction"

[models.bert-v1.export]
{BERT_INPUTS}

[models.mlp]
repo = "fixtures/tiny-mlp"

{MLP_EXPORT}"""


@functools.cache
def cuda_usable() -> bool:
    """Whether onnxruntime really runs a session on CUDA here (not merely lists the provider)."""
    try:
        import onnx
        import onnxruntime
    except ImportError:
        return False
    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        return False
    tensor = onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Identity", ["x"], ["y"])],
        "probe",
        [tensor],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])],
    )
    # IR 9: what every onnxruntime ptm supports reads (a newer onnx writes a newer IR by default).
    model = onnx.helper.make_model(graph, ir_version=9, opset_imports=[onnx.helper.make_opsetid("", 18)])
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    return session.get_providers()[0] == "CUDAExecutionProvider"


def auto_provider() -> str:
    """Where `provider = "auto"` (the default) runs here."""
    return "CUDAExecutionProvider" if cuda_usable() else "CPUExecutionProvider"


def run_ptm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -X importtime -m ptmlock ARGS` in a child process: stderr also lists every import."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ptmlock", *args],
        capture_output=True,
        text=True,
        env=env or subprocess_env(),
        check=False,
    )


def heavy_imports(stderr: str) -> set[str]:
    """The ML libraries (torch, transformers, onnx) a `run_ptm` child imported."""
    imported = {line.rsplit("|", 1)[-1].strip() for line in stderr.splitlines() if "import time:" in line}
    assert "ptmlock.cli" in imported  # the import log is really there
    return {m for m in imported if m.split(".")[0] in ("torch", "transformers", "onnx", "onnxscript")}


@contextlib.contextmanager
def local_models_project(
    root: Path, models: Mapping[str, tuple[Callable[[Path], None], str]], extra: str = ""
) -> Iterator[Ptm]:
    """A project in ``root``/project declaring each model (built into its folder) as ``hub = "local"`` with
    its ``[export]`` table's body, plus ``extra``, installed; inside the block the current folder is the
    project and PTM_HOME/HF_HOME are ``root``/home."""
    project = root / "project"
    project.mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PTM_HOME", str(root / "home" / "ptm"))
        env.setenv("HF_HOME", str(root / "home" / "hf"))
        env.chdir(project)
        manifest = ""
        for name, (build, body) in models.items():
            build(project / name)
            manifest += (
                f'[models.{name}]\nhub = "local"\npath = "{name}"\n\n[models.{name}.export]\n{body}\n\n'
            )
        write_manifest(manifest + extra)
        ptm = Ptm()
        ptm("install")
        yield ptm
