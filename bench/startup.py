"""Benchmark the start of the commands run many times a day, against the floor of starting Python at all.

Side by side in one run, each a fresh process (median of repeated runs, the cases taking turns so that
a change in the machine's load slows them alike):

- floor: `python -c "import click"` (an interpreter that loads the CLI library and does nothing);
- `ptm install` with nothing to do, on a locked and installed 2-model project (the issue's aim: within
  2x of the floor);
- `ptm check` on one Python file, with a 5-model ptm.lock (aim: within 1.5x of the floor).

Both run as the `ptm` console script beside the interpreter, as the pre-commit hook and a shell run them.
Run: `python bench/startup.py` from the repo root, in the venv.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.hub import FakeHub, HubServer, build_tiny_models, populate_standard  # noqa: E402

TWO_MODELS = '[models.bert]\nrepo = "fixtures/tiny-bert"\n\n[models.mlp]\nrepo = "fixtures/tiny-mlp"\n'
FIVE_MODELS = TWO_MODELS + "".join(
    f'\n[models.{name}]\nrepo = "{repo}"\n'
    for name, repo in (
        ("v1", "fixtures/tiny-bert"),
        ("nolicense", "fixtures/no-license"),
        ("many", "fixtures/many-files"),
    )
)
CODE = (
    "from transformers import AutoModel\n"
    'encoder = AutoModel.from_pretrained("fixtures/tiny-bert", revision="main")\n'
    'head = AutoModel.from_pretrained("fixtures/tiny-mlp")\n'
)


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # `ptm check` exits 1 when it finds something, as it does here
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-500:]}")


def taking_turns(actions: dict[str, Callable[[], object]], repeat: int, warmup: int) -> dict[str, float]:
    """Median wall seconds of each action, run one after the other round after round: on a shared machine
    whose load changes during the run, timing each case in a block of its own skews the ratios."""
    times: dict[str, list[float]] = {label: [] for label in actions}
    for round_ in range(warmup + repeat):
        for label, action in actions.items():
            start = time.perf_counter()
            action()
            if round_ >= warmup:
                times[label].append(time.perf_counter() - start)
    return {label: statistics.median(runs) for label, runs in times.items()}


def project(root: Path, name: str, manifest: str, env: dict[str, str], install: bool) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "ptm.toml").write_text(manifest)
    (folder / "train.py").write_text(CODE)
    ptm = [sys.executable, "-m", "ptmlock"]
    run([*ptm, "lock"], folder, env)
    if install:
        run([*ptm, "install"], folder, env)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ptm-bench-startup-") as scratch:
        root = Path(scratch)
        hub = FakeHub()
        populate_standard(hub, build_tiny_models(root / "models"))
        with HubServer(hub) as server:
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "HF_ENDPOINT": server.url,
                "PTM_HOME": str(root / "ptm"),
                "HF_HOME": str(root / "hf"),
                "TORCH_HOME": str(root / "torch"),
            }
            env.pop("PTM_MANIFEST", None)
            # As an installed package runs: from bytecode (written once, outside the checkout), not from
            # source compiled anew each start, which PYTHONDONTWRITEBYTECODE would force on ptmlock alone.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
            installed = project(root, "two", TWO_MODELS, env, install=True)
            checked = project(root, "five", FIVE_MODELS, env, install=False)
        # As the pre-commit hook (`entry: ptm check`) and a shell run it: the console script beside this
        # interpreter, which imports ptmlock.cli directly (`python -m` would add runpy's lookup).
        script = Path(sys.executable).parent / "ptm"
        ptm = [sys.executable, str(script)] if script.is_file() else [sys.executable, "-m", "ptmlock"]
        cases = {
            "python -c 'import click'": ([sys.executable, "-c", "import click"], installed),
            "ptm install (no-op, 2 models)": ([*ptm, "install"], installed),
            "ptm check train.py (5-model lock)": ([*ptm, "check", "train.py"], checked),
        }
        times = taking_turns(
            {label: lambda argv=argv, cwd=cwd: run(argv, cwd, env) for label, (argv, cwd) in cases.items()},
            args.repeat,
            warmup=2,
        )
    floor = times["python -c 'import click'"]
    aims = {"ptm install (no-op, 2 models)": 2.0, "ptm check train.py (5-model lock)": 1.5}
    print(f"start-up, median of {args.repeat} fresh processes each:")
    for label, seconds in times.items():
        ratio = seconds / floor
        aim = (
            f"  (aim: within {aims[label]}x: {'met' if ratio <= aims[label] else 'not met'})"
            if label in aims
            else ""
        )
        print(f"  {label:<36} {seconds * 1000:7.1f} ms  {ratio:5.2f}x the floor{aim}")


if __name__ == "__main__":
    main()
