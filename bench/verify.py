"""Benchmark `ptm export` and `ptm verify`: the fixture hub's tiny BERT and MLP, and a BERT-small-sized model.

Per model: export time, verify time (full, with PyTorch, and --frozen), and the latency of one
inference on the probe inputs with onnxruntime's CPU provider against PyTorch eager, measured side by
side in this run. On a machine with a usable CUDA provider also: onnxruntime's CUDA provider against its
CPU provider and PyTorch eager (on the GPU too when torch sees one), the largest difference of the CUDA
provider's outputs from PyTorch's on the CPU, where the graph's floating-point nodes ran, and the time of
`ptm verify --require-provider cuda`. Run from the repository root: `python bench/verify.py` (or
`make bench`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import timed
from fixtures.hub import FakeHub, HubServer, build_tiny_models, populate_standard

MANIFEST = """\
[models.bert]
repo = "fixtures/tiny-bert"

[models.bert.export]
formats = ["onnx", "torchscript"]
inputs = [
    { name = "input_ids", dtype = "int64", shape = ["batch", "sequence"], range = [0, 60] },
    { name = "attention_mask", dtype = "int64", shape = ["batch", "sequence"], fill = 1 },
]

[models.bert.verify]
axes = { batch = 8, sequence = 32 }

[models.mlp]
repo = "fixtures/tiny-mlp"

[models.mlp.export]
formats = ["onnx", "torchscript"]
loader = "fixtures.export:tiny_mlp"
inputs = [{ name = "x", dtype = "float32", shape = ["batch", 8] }]

[models.mlp.verify]
axes = { batch = 64 }

[models.bert-small]
repo = "bench/bert-small"

[models.bert-small.export]
formats = ["onnx"]
inputs = [
    { name = "input_ids", dtype = "int64", shape = ["batch", "sequence"], range = [0, 30522] },
    { name = "attention_mask", dtype = "int64", shape = ["batch", "sequence"], fill = 1 },
]

[models.bert-small.verify]
axes = { batch = 32, sequence = 128 }
"""
MODELS = ("bert", "mlp", "bert-small")
SHAPES = "bert batch 8 x sequence 32, mlp batch 64, bert-small batch 32 x sequence 128"
SECONDS_PER_MEASURE = 2.0


def per_call(run: Callable[[], object]) -> float:
    """Median seconds of one call, after a warm-up; as many calls as fit in about two seconds."""
    start = time.perf_counter()
    for _ in range(3):
        run()
    once = (time.perf_counter() - start) / 3
    return timed(run, max(10, min(300, int(SECONDS_PER_MEASURE / once))), warmup=5)


def bert_small_files(work: Path) -> dict[str, bytes]:
    """BERT-small-sized (4 layers, hidden 512), random weights: big enough that a GPU has work to do."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(hidden_size=512, num_hidden_layers=4, num_attention_heads=8, intermediate_size=2048)
    folder = work / "bert-small"
    BertModel(config).eval().save_pretrained(str(folder))
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ptm-bench-verify-"))
    os.environ.update(PTM_HOME=str(work / "ptm"), HF_HOME=str(work / "hf"), HF_HUB_DISABLE_TELEMETRY="1")
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    project_dir = work / "project"
    project_dir.mkdir()
    (project_dir / "ptm.toml").write_text(MANIFEST)
    os.chdir(project_dir)

    start = time.perf_counter()
    import onnxscript  # noqa: F401  (imported here so that export times leave imports out)
    import torch
    import transformers  # noqa: F401

    imports_s = time.perf_counter() - start

    from ptmlock.errors import PtmError
    from ptmlock.export import artifacts, runtime
    from ptmlock.export.build import build_module, run
    from ptmlock.export.exporter import export_models
    from ptmlock.export.outcome import VerifyOptions
    from ptmlock.export.probes import probe_inputs
    from ptmlock.export.records import exports_of
    from ptmlock.export.verifier import verify_models
    from ptmlock.install import Options, install
    from ptmlock.install.verify import installed_snapshot
    from ptmlock.project import Project

    torch.set_num_threads(os.cpu_count() or 1)
    project = Project(project_dir / "ptm.toml")
    hub = FakeHub()
    populate_standard(hub, build_tiny_models(Path.home() / ".cache" / "fixture-hub"))
    hub.create_repo("bench/bert-small")
    hub.commit("bench/bert-small", bert_small_files(work), message="random weights")
    with HubServer(hub) as server:
        os.environ["HF_ENDPOINT"] = server.url
        install(project, Options())

    ort = runtime.import_onnxruntime()
    gpu_torch = torch.cuda.is_available()
    print(
        f"cpu cores {os.cpu_count()}, torch {torch.__version__}, onnxruntime {ort.__version__}"
        + (f", GPU {torch.cuda.get_device_name()}" if gpu_torch else "")
        + f"; importing torch, transformers and onnxscript took {imports_s:.2f} s (not in the times below)"
    )
    columns = ("export s", "verify s", "frozen s", "eager ms", "ORT CPU ms", "eager/ORT")
    print(f"{'model':10} " + " ".join(f"{c:>11}" for c in columns))
    gpu_lines, gpu_problem = [], ""
    for name in MODELS:
        export_s = timed(lambda name=name: export_models(project, [name], trusted=False), 1)
        verify_s = timed(lambda name=name: verify_models(project, [name], None, VerifyOptions()), 1)
        frozen_s = timed(
            lambda name=name: verify_models(project, [name], None, VerifyOptions(frozen=True)), 1
        )
        spec = project.manifest().models[name]
        locked = project.lock().models[name]
        probe = probe_inputs(spec.export)
        module = build_module(name, spec.export, installed_snapshot(locked), project)
        tensors = [torch.from_numpy(a) for a in probe.values()]

        def eager(module=module, tensors=tensors) -> object:
            with torch.no_grad():
                return module(*tensors)

        record = exports_of(locked)["onnx"]
        located = artifacts.locate(artifacts.ArtifactsFolder.of(project.root, spec), record.files)
        with runtime.onnx_file(record, located) as path:
            cpu_session = runtime.open_session(path, "cpu")
            try:
                gpu_session = runtime.open_session(path, "cuda")
                placed = runtime.used_provider(gpu_session, path, probe)
                # What onnxruntime does unasked on Ampere and newer: TF32 matmuls (ptm verifies float32).
                tf32_session = ort.InferenceSession(
                    str(path), providers=[(runtime.CUDA, {"use_tf32": "1"}), runtime.CPU]
                )
            except PtmError as error:
                gpu_session, gpu_problem = None, error.message
        eager_s = per_call(eager)
        cpu_s = per_call(lambda s=cpu_session, p=probe: s.run(None, p))
        row = (export_s, verify_s, frozen_s, eager_s * 1e3, cpu_s * 1e3, eager_s / cpu_s)
        print(f"{name:10} " + " ".join(f"{v:>11.3f}" for v in row))
        if gpu_session is None:
            continue
        gpu_s = per_call(lambda s=gpu_session, p=probe: s.run(None, p))
        tf32_s = per_call(lambda s=tf32_session, p=probe: s.run(None, p))
        expected = run(module, probe, name)

        def difference(session: Any, expected: list[Any] = expected, probe: dict[str, Any] = probe) -> float:
            outputs = session.run(None, probe)
            return max(
                float(abs(a.astype("float64") - e).max()) for a, e in zip(outputs, expected, strict=True)
            )

        cuda_verify_s = timed(
            lambda name=name: verify_models(project, [name], None, VerifyOptions(provider="cuda")), 1
        )
        line = (
            f"{name}: CUDA EP {gpu_s * 1e3:.3f} ms, CPU EP {cpu_s * 1e3:.3f} ms ({cpu_s / gpu_s:.2f}x), "
            f"eager CPU {eager_s * 1e3:.3f} ms ({eager_s / gpu_s:.2f}x)"
        )
        if gpu_torch:
            on_gpu = module.to("cuda")
            gpu_tensors = [t.to("cuda") for t in tensors]

            def eager_gpu(module=on_gpu, tensors=gpu_tensors) -> object:
                with torch.no_grad():
                    result = module(*tensors)
                torch.cuda.synchronize()
                return result

            eager_gpu_s = per_call(eager_gpu)
            line += f", eager CUDA {eager_gpu_s * 1e3:.3f} ms ({eager_gpu_s / gpu_s:.2f}x)"
        gpu_lines.append(
            f"{line}; max |CUDA EP - eager CPU| {difference(gpu_session):.2e}; ran on {placed}; "
            f"verify --require-provider cuda {cuda_verify_s:.2f} s; with TF32 {tf32_s * 1e3:.3f} ms, "
            f"max |diff| {difference(tf32_session):.2e}"
        )
    print(f"(latency: median of repeated calls on the probe inputs; {SHAPES})")
    if gpu_lines:
        print("\n".join(gpu_lines))
    else:
        print(f"CUDA EP: not available ({gpu_problem})")


if __name__ == "__main__":
    main()
