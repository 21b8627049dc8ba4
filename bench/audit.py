"""`ptm audit` against modelscan and picklescan, on the same files, in one run.

1. Detection: every file of fixtures/audit_payloads.malicious() (pickles calling os.system, eval behind
   getattr, exec behind a decoy string, a computed module name, subprocess, a poisoned torch.save archive,
   zip in zip, .npy/.npz object arrays, a Keras Lambda) and a few benign checkpoints (torch.save zip and
   legacy, safetensors, a numeric .npy), each scanned alone by each tool: which ones it flags.
2. Time: a folder of benign torch.save checkpoints (COUNT files of SIZE MB), scanned whole by each tool,
   best wall time of REPEAT fresh processes, and each tool's time over ptm's.

ptm audits a lock, so the files become one local model that is locked and installed first (not timed);
the other two scan the folder. They run from their own virtualenv (they pull heavy dependencies):

    python -m venv /tmp/scanners && /tmp/scanners/bin/pip install picklescan 'modelscan[h5py]'
    python bench/audit.py [--scanners /tmp/scanners/bin] [--count 8] [--size 25] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fixtures.audit_payloads import malicious  # noqa: E402

LOCAL = '[models.m]\nhub = "local"\npath = "model"\n'


def benign() -> dict[str, bytes]:
    import numpy as np
    import torch
    from safetensors.torch import save

    layer = torch.nn.Linear(16, 8)
    files = {}
    for name, zip_format in (("state_dict.bin", True), ("legacy_state_dict.pt", False)):
        buffer = io.BytesIO()
        torch.save(layer.state_dict(), buffer, _use_new_zipfile_serialization=zip_format)
        files[name] = buffer.getvalue()
    files["model.safetensors"] = save({k: v.contiguous() for k, v in layer.state_dict().items()})
    buffer = io.BytesIO()
    np.save(buffer, np.arange(12, dtype=np.float32))
    files["numbers.npy"] = buffer.getvalue()
    return files


def large_checkpoints(count: int, megabytes: int) -> dict[str, bytes]:
    import torch

    files = {}
    per_tensor = megabytes * (1 << 20) // 4 // 8
    for index in range(count):
        state = {f"layer{i}.weight": torch.zeros(per_tensor) for i in range(8)}
        buffer = io.BytesIO()
        torch.save(state, buffer)
        files[f"checkpoint_{index}.pt"] = buffer.getvalue()
    return files


def env() -> dict[str, str]:
    """Child processes start from bytecode, as installed tools do (the first run writes it)."""
    variables = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**variables, "PYTHONPATH": str(REPO)}


def ptm(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "ptmlock", *args], cwd=project, env=env(), capture_output=True, text=True
    )
    if check and run.returncode not in (0, 1):
        raise SystemExit(f"ptm {' '.join(args)} failed: {run.stderr}")
    return run


def ptm_project(root: Path, files: dict[str, bytes]) -> Path:
    """A project whose one local model holds ``files``, locked and installed into its own store."""
    project = root / "project"
    for name, data in files.items():
        (project / "model").mkdir(parents=True, exist_ok=True)
        (project / "model" / name).write_bytes(data)
    (project / "ptm.toml").write_text(LOCAL)
    os.environ["PTM_HOME"] = str(root / "store")
    os.environ["HF_HOME"] = str(root / "hf")
    ptm(project, "lock")
    ptm(project, "install")
    return project


def ptm_flags(project: Path) -> dict[str, bool]:
    report = json.loads(ptm(project, "audit", "--format", "json").stdout)
    flagged = {f["path"] for f in report["findings"] if f["severity"] == "error"}
    return {f["path"]: f["path"] in flagged for f in report["files"]}


def scanner_flags(command: Callable[[Path], list[str]], folder: Path) -> dict[str, bool | None]:
    """Per file: True when the tool reports an issue, False when it passes it, None when it skips it."""
    flags: dict[str, bool | None] = {}
    for path in sorted(folder.iterdir()):
        run = subprocess.run(command(path), capture_output=True, text=True)
        # picklescan: 1 = dangerous import found; modelscan: 1 = issues, 3 = nothing it supports
        flags[path.name] = True if run.returncode == 1 else None if run.returncode == 3 else False
    return flags


def best_time(command: list[str], cwd: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env(), capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def mark(flag: bool | None) -> str:
    return {True: "flags", False: "passes", None: "skips"}[flag]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scanners", type=Path, default=Path("/tmp/scanners/bin"))
    parser.add_argument("--count", type=int, default=8, help="benign checkpoints in the timed folder")
    parser.add_argument("--size", type=int, default=25, help="MB per benign checkpoint")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    tools: dict[str, Callable[[Path], list[str]]] = {
        "picklescan": lambda path: [str(options.scanners / "picklescan"), "-p", str(path)],
        "modelscan": lambda path: [str(options.scanners / "modelscan"), "-p", str(path)],
    }
    missing = [name for name in tools if not (options.scanners / name).exists()]
    if missing:
        raise SystemExit(f"{', '.join(missing)} not found in {options.scanners}; see this file's docstring")

    with tempfile.TemporaryDirectory(prefix="ptm-bench-audit-") as scratch:
        root = Path(scratch)
        bad, good = malicious(), benign()
        print("1. Detection (each file alone): flags / passes / skips")
        corpus = {**bad, **good}
        folder = root / "corpus"
        folder.mkdir()
        for name, data in corpus.items():
            (folder / name).write_bytes(data)
        results = {"ptm audit": ptm_flags(ptm_project(root / "detect", corpus))}
        results |= {name: scanner_flags(command, folder) for name, command in tools.items()}
        print(f"{'file':28} {'kind':9} " + " ".join(f"{name:>11}" for name in results))
        for name in corpus:
            kind = "malicious" if name in bad else "benign"
            print(f"{name:28} {kind:9} " + " ".join(f"{mark(r.get(name)):>11}" for r in results.values()))
        for tool, flags in results.items():
            caught = f"caught {sum(bool(flags.get(n)) for n in bad)} of {len(bad)} malicious files"
            print(
                f"  {tool}: {caught}, flagged {sum(bool(flags.get(n)) for n in good)} of {len(good)} benign"
            )

        what = f"{options.count} benign torch.save checkpoints of {options.size} MB"
        print(f"\n2. Time: {what}, best of {options.repeat}")
        checkpoints = large_checkpoints(options.count, options.size)
        project = ptm_project(root / "timed", checkpoints)
        timed = root / "timed" / "project" / "model"
        ptm_time = best_time([sys.executable, "-m", "ptmlock", "audit"], project, options.repeat)
        print(f"  ptm audit   {ptm_time:7.2f} s")
        for name, command in tools.items():
            seconds = best_time(command(timed), timed, options.repeat)
            print(f"  {name:11} {seconds:7.2f} s  ({seconds / ptm_time:.1f}x ptm's)")
        shutil.rmtree(root / "timed", ignore_errors=True)


if __name__ == "__main__":
    main()
