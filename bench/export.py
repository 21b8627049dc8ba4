"""Benchmark `ptm export` + `ptm verify` against `optimum-cli export onnx` on twelve tiny random-weight
architectures, in one run.

The bench makes the models itself (`save_pretrained` into a scratch folder, with the builders of
tests/export): BERT (sentence encoder and sequence classifier), RoBERTa, GPT-2 (logits, and `task =
"text-generation-with-past"` against optimum's `text-generation-with-past`), Llama, T5, BART, ViT,
ResNet, CLIP and Whisper. Per model it runs, as fresh processes taking turns round after round (so that
a change in the machine's load slows all alike; medians of `--repeat` rounds), in a project holding every
model as `hub = "local"` (installed once beforehand, not timed): `ptm export NAME` (which includes ptm's
onnxruntime-vs-PyTorch check), `ptm verify NAME`, `ptm verify --frozen NAME`, and `optimum-cli export
onnx --model DIR --task TASK OUT` (which validates its graphs with onnxruntime) with the Python of a
separate venv, since optimum pins an older transformers. Each round ends with one `ptm export`, one `ptm
verify` and one `ptm verify --frozen` of all the models, as a project with many models runs them. It
prints the wall times, the ratios and whether each succeeded; it never judges the times.

    python -m venv /tmp/optimum-venv
    /tmp/optimum-venv/bin/pip install torch==2.13.0 "optimum-onnx[onnxruntime]==0.1.0"
    .venv/bin/python bench/export.py --optimum-python /tmp/optimum-venv/bin/python
"""

from __future__ import annotations

import argparse
import os
import re
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
from tests.export import architectures  # noqa: E402
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


# ptm's loader and inputs are inferred from config.json (the model classes match optimum's tasks'); GPT-2,
# Llama, T5 and BART without a task export one graph of logits, as optimum's `text-generation` does for
# the decoders (its seq2seq tasks write an encoder and a decoder graph).
CASES = {
    "bert": Case("bert", _builder("bert"), "", "feature-extraction"),
    "bert-classifier": Case("bert-classifier", architectures.bert_classifier, "", "text-classification"),
    "roberta": Case("roberta", architectures.roberta, "", "feature-extraction"),
    "gpt2": Case("gpt2", _builder("gpt2"), "", "text-generation"),
    "gpt2-with-past": Case(
        "gpt2-past", generation._gpt2, 'task = "text-generation-with-past"', "text-generation-with-past"
    ),
    "llama": Case("llama", _builder("llama"), "", "text-generation"),
    "t5": Case("t5", _builder("t5"), "", "text2text-generation"),
    "bart": Case("bart", architectures.bart, "", "text2text-generation"),
    "vit": Case("vit", _builder("vit"), "", "image-classification"),
    "resnet": Case("resnet", architectures.resnet, "", "image-classification"),
    "clip": Case("clip", _builder("clip"), "", "zero-shot-image-classification"),
    # optimum's dummy features are 3000 frames long whatever the config: 2 x max_source_positions here.
    "whisper": Case(
        "whisper", _builder("whisper"), "", "automatic-speech-recognition", ("--nb_max_frames", "32")
    ),
}
PTM_STEPS = {"export": ("export",), "verify": ("verify",), "frozen": ("verify", "--frozen")}


@dataclass
class Outcome:
    """What the latest run of one command did: success, and the last line of its output when it failed."""

    ok: bool = False
    problem: str = "not run"
    output: str = ""


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
        outcome.output = done.stdout
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        failed = [line for line in lines if line.startswith(("FAIL", "error:"))]
        last = (failed or lines or [""])[-1].strip()
        outcome.problem = "" if outcome.ok else f"exit {done.returncode}: {last[:200]}"

    return run


def _mark(ok: bool) -> str:
    return "ok" if ok else "FAIL"


def exporter_used(output: str) -> str:
    """Which exporter wrote the graphs `ptm export` printed (and which failed first), e.g. ``torchscript
    (dynamo failed)``; ``-`` when it wrote none."""
    used = {
        f"{found[1]}{f' ({found[2]} failed)' if found[2] else ''}"
        for found in re.finditer(r" opset \d+ by (\w+)(?: \((\w+) failed)?", output)
    }
    return ", ".join(sorted(used)) or "-"


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

        ptm = [sys.executable, "-m", "ptmlock"]
        outcomes: dict[str, Outcome] = {}
        actions: dict[str, Callable[[], object]] = {}

        def add(label: str, argv: list[str], out: Path | None = None) -> None:
            outcomes[label] = Outcome()
            actions[label] = runner(argv, project, env, outcomes[label], out)

        for name in args.models:
            case = CASES[name]
            for step, command in PTM_STEPS.items():
                add(f"ptm {step} {name}", [*ptm, *command, name])
            optimum_out = root / "optimum" / name
            optimum = [str(optimum_cli), "export", "onnx", "--model", str(project / case.folder)]
            add(
                f"optimum {name}",
                [*optimum, "--task", case.optimum_task, *case.optimum_sizes, str(optimum_out)],
                optimum_out,
            )
        # How a project with many models runs ptm: one process for all of them, libraries imported once.
        for step, command in PTM_STEPS.items():
            add(f"ptm {step} all", [*ptm, *command])
        start = time.perf_counter()
        times = taking_turns(actions, args.repeat, warmup=0)
        total_s = time.perf_counter() - start

    versions = subprocess.run(
        [str(args.optimum_python), "-c", VERSIONS], capture_output=True, text=True, check=False
    ).stdout.strip()
    ours = subprocess.run([sys.executable, "-c", VERSIONS], capture_output=True, text=True).stdout.strip()
    print(f"cpu cores {os.cpu_count()}; ptm: {ours}; optimum venv: {versions}; exporter {args.exporter}")
    print(f"wall seconds per command, median of {args.repeat} rounds taking turns ({total_s:.0f} s in all):")
    print(
        f"{'model':16} {'export':>7} {'verify':>7} {'frozen':>7} {'ptm e+v':>8} {'optimum':>8}"
        f" {'e+v/opt':>8}  export verify frozen optimum  {'ptm exporter':27}  optimum task"
    )
    steps = (*PTM_STEPS, "optimum")
    successes = dict.fromkeys(steps, 0)
    for name in args.models:
        took = {step: times[f"{'ptm ' if step in PTM_STEPS else ''}{step} {name}"] for step in steps}
        ok = {step: outcomes[f"{'ptm ' if step in PTM_STEPS else ''}{step} {name}"].ok for step in steps}
        for step in steps:
            successes[step] += ok[step]
        ptm_s = took["export"] + took["verify"]
        print(
            f"{name:16} {took['export']:7.1f} {took['verify']:7.1f} {took['frozen']:7.1f} {ptm_s:8.1f}"
            f" {took['optimum']:8.1f} {ptm_s / took['optimum']:7.2f}x  {_mark(ok['export']):6}"
            f" {_mark(ok['verify']):6} {_mark(ok['frozen']):6} {_mark(ok['optimum']):7}"
            f"  {exporter_used(outcomes[f'ptm export {name}'].output):27}"
            f"  {' '.join((CASES[name].optimum_task, *CASES[name].optimum_sizes))}"
        )
    count = len(args.models)
    print(
        f"succeeded: ptm export {successes['export']} of {count}, ptm verify {successes['verify']} of"
        f" {count}, ptm verify --frozen {successes['frozen']} of {count}, optimum {successes['optimum']}"
        f" of {count}"
    )
    optimum_sum = sum(times[f"optimum {name}"] for name in args.models)
    together = {step: times[f"ptm {step} all"] for step in PTM_STEPS}
    all_ok = ", ".join(f"{step} {_mark(outcomes[f'ptm {step} all'].ok)}" for step in PTM_STEPS)
    print(
        f"all {count} in one process: ptm export {together['export']:.1f} s, ptm verify"
        f" {together['verify']:.1f} s, ptm verify --frozen {together['frozen']:.1f} s ({all_ok});"
        f" optimum-cli, {count} runs: {optimum_sum:.1f} s; ptm export / optimum"
        f" {together['export'] / optimum_sum:.2f}x, ptm export + verify / optimum"
        f" {(together['export'] + together['verify']) / optimum_sum:.2f}x"
    )
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
