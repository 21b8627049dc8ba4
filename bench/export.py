"""Benchmark `ptm export` against `optimum-cli export onnx` on tiny random-weight models, in one run.

The bench makes the models itself (the builders of tests/export, `save_pretrained` into a scratch
folder): BERT, GPT-2 (logits, and `task = "text-generation-with-past"` against optimum's
`text-generation-with-past`), T5, ViT, CLIP and Whisper. Per model it runs, as fresh processes taking
turns round after round (so that a change in the machine's load slows both alike; medians of
`--repeat` rounds): `ptm export NAME` in a project holding every model as `hub = "local"` (installed
once beforehand, not timed; the export includes ptm's onnxruntime-vs-PyTorch check) and
`optimum-cli export onnx --model DIR --task TASK OUT` (which also validates its graphs with onnxruntime)
with the Python of a separate venv, since optimum pins an older transformers. It prints both wall
times, their ratio and whether each succeeded; it never judges the times.

    python -m venv /tmp/optimum-venv
    /tmp/optimum-venv/bin/pip install torch==2.13.0 "optimum-onnx[onnxruntime]==0.1.0"
    .venv/bin/python bench/export.py --optimum-python /tmp/optimum-venv/bin/python
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.startup import taking_turns  # noqa: E402
from tests.export import test_export_generation as generation  # noqa: E402
from tests.export.test_export_inferred_inputs import MODELS as INFERRED  # noqa: E402


@dataclass(frozen=True)
class Case:
    """One model exported both ways: its folder's builder, ptm's export table, optimum's task and the
    sizes optimum must be told (ptm infers them from config.json)."""

    folder: str
    build: Callable[[Path], None]
    ptm_export: str
    optimum_task: str
    optimum_sizes: tuple[str, ...] = ()


def _builder(name: str) -> Callable[[Path], None]:
    return INFERRED[name][0]


# ptm's loader and inputs are inferred from config.json (the model classes match optimum's tasks'); GPT-2
# without a task exports logits alone, as optimum's `text-generation` does.
CASES = {
    "bert": Case("bert", _builder("bert"), "", "feature-extraction"),
    "gpt2": Case("gpt2", _builder("gpt2"), "", "text-generation"),
    "gpt2-with-past": Case(
        "gpt2-past", generation._gpt2, 'task = "text-generation-with-past"', "text-generation-with-past"
    ),
    "t5": Case("t5", _builder("t5"), "", "text2text-generation"),
    "vit": Case("vit", _builder("vit"), "", "image-classification"),
    "clip": Case("clip", _builder("clip"), "", "zero-shot-image-classification"),
    # optimum's dummy features are 3000 frames long whatever the config: 2 x max_source_positions here.
    "whisper": Case(
        "whisper", _builder("whisper"), "", "automatic-speech-recognition", ("--nb_max_frames", "32")
    ),
}


@dataclass
class Outcome:
    """What the latest run of one side did: success, and the last line of its output when it failed."""

    ok: bool = False
    problem: str = "not run"


def manifest(names: list[str], exporter: str) -> str:
    exporter_line = f'exporter = "{exporter}"\n' if exporter != "auto" else ""
    return "".join(
        f'[models.{name}]\nhub = "local"\npath = "{CASES[name].folder}"\n\n'
        f"[models.{name}.export]\n{CASES[name].ptm_export}\n{exporter_line}\n"
        for name in names
    )


def runner(
    argv: list[str], cwd: Path, env: dict[str, str], outcome: Outcome, out: Path | None
) -> Callable[[], None]:
    """An action running ``argv`` and recording in ``outcome`` whether it succeeded (exit 0 and, for
    optimum, an .onnx file written into ``out``, which each run starts without)."""

    def run() -> None:
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        wrote = out is None or any(out.glob("*.onnx"))
        outcome.ok = done.returncode == 0 and wrote
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        last = lines[-1].strip() if lines else ""
        outcome.problem = "" if outcome.ok else f"exit {done.returncode}: {last[:200]}"

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optimum-python", type=Path, default=Path("/tmp/optimum-venv/bin/python"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--models", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--exporter", choices=("auto", "dynamo", "torchscript"), default="auto")
    args = parser.parse_args()
    optimum_cli = args.optimum_python.parent / "optimum-cli"
    if not optimum_cli.exists():
        raise SystemExit(
            f"error: no optimum-cli beside {args.optimum_python}; install it as the docstring says"
        )

    with tempfile.TemporaryDirectory(prefix="ptm-bench-export-") as scratch:
        root = Path(scratch)
        project = root / "project"
        project.mkdir()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PTM_HOME": str(root / "ptm"),
            "HF_HOME": str(root / "hf"),
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
        }
        env.pop("PTM_MANIFEST", None)
        for name in args.models:
            if not (project / CASES[name].folder).exists():
                CASES[name].build(project / CASES[name].folder)
        (project / "ptm.toml").write_text(manifest(args.models, args.exporter))
        installed = subprocess.run(
            [sys.executable, "-m", "ptmlock", "install"], cwd=project, env=env, capture_output=True, text=True
        )
        if installed.returncode != 0:
            raise SystemExit(f"ptm install failed: {installed.stdout[-500:]}{installed.stderr[-500:]}")

        outcomes: dict[str, Outcome] = {}
        actions: dict[str, Callable[[], object]] = {}
        for name in args.models:
            case = CASES[name]
            outcomes[f"ptm {name}"] = Outcome()
            actions[f"ptm {name}"] = runner(
                [sys.executable, "-m", "ptmlock", "export", name], project, env, outcomes[f"ptm {name}"], None
            )
            optimum_out = root / "optimum" / name
            outcomes[f"optimum {name}"] = Outcome()
            optimum = [str(optimum_cli), "export", "onnx", "--model", str(project / case.folder)]
            actions[f"optimum {name}"] = runner(
                [*optimum, "--task", case.optimum_task, *case.optimum_sizes, str(optimum_out)],
                project,
                env,
                outcomes[f"optimum {name}"],
                optimum_out,
            )
        start = time.perf_counter()
        times = taking_turns(actions, args.repeat, warmup=0)
        total_s = time.perf_counter() - start

    versions = subprocess.run(
        [str(args.optimum_python), "-c", VERSIONS], capture_output=True, text=True, check=False
    ).stdout.strip()
    ours = subprocess.run([sys.executable, "-c", VERSIONS], capture_output=True, text=True).stdout.strip()
    print(f"cpu cores {os.cpu_count()}; ptm: {ours}; optimum venv: {versions}; exporter {args.exporter}")
    print(f"wall seconds per command, median of {args.repeat} rounds taking turns ({total_s:.0f} s in all):")
    header = f"{'model':16} {'ptm export':>12} {'optimum-cli':>12} {'ptm/optimum':>12}  ptm  optimum  task"
    print(header)
    successes = {"ptm": 0, "optimum": 0}
    for name in args.models:
        ptm_s, optimum_s = times[f"ptm {name}"], times[f"optimum {name}"]
        ptm_ok, optimum_ok = outcomes[f"ptm {name}"].ok, outcomes[f"optimum {name}"].ok
        successes["ptm"] += ptm_ok
        successes["optimum"] += optimum_ok
        print(
            f"{name:16} {ptm_s:12.1f} {optimum_s:12.1f} {ptm_s / optimum_s:11.2f}x"
            f"  {'ok ' if ptm_ok else 'FAIL'} {'ok     ' if optimum_ok else 'FAIL   '}"
            f"  {' '.join((CASES[name].optimum_task, *CASES[name].optimum_sizes))}"
        )
    count = len(args.models)
    print(f"succeeded: ptm {successes['ptm']} of {count}, optimum {successes['optimum']} of {count}")
    for label, outcome in outcomes.items():
        if not outcome.ok:
            print(f"  {label}: {outcome.problem}")


VERSIONS = (
    "import importlib.metadata as m; print(', '.join(f'{p} {m.version(p)}' for p in "
    "('torch', 'transformers', 'onnxruntime', *[d for d in ('optimum', 'optimum-onnx') "
    "if any(x.metadata['Name'] == d for x in m.distributions())])))"
)


if __name__ == "__main__":
    main()
