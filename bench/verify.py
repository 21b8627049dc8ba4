"""Benchmark `ptm export` and `ptm verify` on the fixture hub's tiny BERT and MLP.

Per model: export time, verify time (full, with PyTorch, and --frozen), and the latency of one
inference on the probe inputs with onnxruntime's CPU provider against PyTorch eager, measured side by
side in this run; on a machine with a usable CUDA provider also CUDA against CPU. Run from the
repository root: `python bench/verify.py` (or `make bench`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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
"""
CALLS = 300


def per_call(run: Callable[[], object]) -> float:
    """Median seconds of one call, after a warm-up."""
    return timed(run, CALLS, warmup=20)


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
    from ptmlock.export.build import build_module
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
    with HubServer(hub) as server:
        os.environ["HF_ENDPOINT"] = server.url
        install(project, Options())

    ort = runtime.import_onnxruntime()
    print(
        f"cpu cores {os.cpu_count()}, torch {torch.__version__}, onnxruntime {ort.__version__}; "
        f"importing torch, transformers and onnxscript took {imports_s:.2f} s (not in the times below)"
    )
    columns = ("export s", "verify s", "frozen s", "eager ms", "ORT CPU ms", "eager/ORT")
    print(f"{'model':6} " + " ".join(f"{c:>11}" for c in columns))
    gpu_lines, gpu_problem = [], ""
    for name in ("bert", "mlp"):
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
            except PtmError as error:
                gpu_session, gpu_problem = None, error.message
        eager_s = per_call(eager)
        cpu_s = per_call(lambda s=cpu_session, p=probe: s.run(None, p))
        row = (
            f"{export_s:.2f}",
            f"{verify_s:.2f}",
            f"{frozen_s:.2f}",
            f"{eager_s * 1e3:.3f}",
            f"{cpu_s * 1e3:.3f}",
        )
        print(f"{name:6} " + " ".join(f"{v:>11}" for v in (*row, f"{eager_s / cpu_s:.2f}")))
        if gpu_session is not None:
            gpu_s = per_call(lambda s=gpu_session, p=probe: s.run(None, p))
            gpu_lines.append(
                f"{name}: CUDA EP {gpu_s * 1e3:.3f} ms vs CPU EP {cpu_s * 1e3:.3f} ms ({cpu_s / gpu_s:.2f}x)"
            )
    shapes = "bert probe batch 8 x sequence 32, mlp probe batch 64"
    print(f"(latency: median of {CALLS} calls on the probe inputs; {shapes})")
    if gpu_lines:
        print("\n".join(gpu_lines))
    else:
        print(f"CUDA EP: not available ({gpu_problem})")


if __name__ == "__main__":
    main()
