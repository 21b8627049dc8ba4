"""Benchmark `ptm install`: cold install against snapshot_download, ingest against sha256sum, warm no-op.

30 synthetic models (~300 files: safetensors weights made with numpy, tokenizer and config files) on the
local fixture hub over real HTTP. Every figure is measured side by side in this one run:

- cold `ptm install` (CLI subprocess, empty store and cache) against a loop of
  `huggingface_hub.snapshot_download(repo, revision=<locked commit>, allow_patterns=<locked files>)` into an
  empty cache, same max_workers (ptm also verifies every sha256; snapshot_download does not);
- store ingest (hash while writing, atomic publish) of ~200 MB of files against `sha256sum` of the same
  bytes, both single-threaded from the page cache;
- warm no-op `ptm install` with everything in place, as a CLI subprocess and in process.

Run: `python bench/install.py` from the repo root, in the venv.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import timed  # noqa: E402
from fixtures.hub import FakeHub, HubServer  # noqa: E402


def model_files(index: int, rng, weight_bytes: int) -> dict[str, bytes]:
    """One model's files: weights as real safetensors, plus the usual small JSON and text files."""
    from safetensors.numpy import save

    rows = max(1, weight_bytes // (4 * 256))
    weights = {"encoder.weight": rng.standard_normal((rows, 256), dtype="float32")}
    vocab = [f"tok{i}_{index}" for i in range(500)]
    return {
        "model.safetensors": save(weights, metadata={"format": "np"}),
        "config.json": json.dumps({"model_type": "bench", "hidden_size": 256, "index": index}).encode(),
        "generation_config.json": json.dumps({"max_length": 64}).encode(),
        "tokenizer.json": json.dumps({"model": {"vocab": {t: i for i, t in enumerate(vocab)}}}).encode(),
        "tokenizer_config.json": json.dumps({"model_max_length": 512}).encode(),
        "special_tokens_map.json": json.dumps({"unk_token": "[UNK]"}).encode(),
        "vocab.txt": "\n".join(vocab).encode(),
        "merges.txt": "\n".join(f"t{i} o{i}" for i in range(300)).encode(),
        "README.md": f"---\nlicense: mit\n---\n# bench model {index}\n".encode(),
        "preprocessor_config.json": json.dumps({"size": 224}).encode(),
    }


def populate(hub: FakeHub, count: int, total_bytes: int) -> dict[str, str]:
    """Create ``count`` repos; return manifest name -> repo id."""
    import numpy as np

    rng = np.random.default_rng(0)
    models = {}
    for index in range(count):
        repo = f"bench/model-{index:02d}"
        weight_bytes = int(total_bytes / count * (0.5 + index / max(1, count - 1)))  # sizes vary 0.5x-1.5x
        hub.create_repo(repo)
        hub.commit(repo, model_files(index, rng, weight_bytes), message="initial")
        models[f"m{index:02d}"] = repo
    return models


def write_project(root: Path, names: dict[str, str]) -> Path:
    """A project folder under ``root`` whose ptm.toml declares the populated repos."""
    project = root / "project"
    project.mkdir()
    (project / "ptm.toml").write_text(
        "".join(f'[models.{name}]\nrepo = "{repo}"\n\n' for name, repo in names.items())
    )
    return project


def run(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)


SNAPSHOT_LOOP = """
import json, sys
from huggingface_hub import snapshot_download
plan = json.loads(sys.argv[1])
for repo, commit, files in plan["models"]:
    snapshot_download(repo, revision=commit, allow_patterns=files, max_workers=plan["workers"])
"""


def cold_install(project: Path, env: dict[str, str], work: Path) -> Callable[[], None]:
    def once() -> None:
        shutil.rmtree(work, ignore_errors=True)
        run([sys.executable, "-m", "ptmlock", "install", "-q"], project, env)

    return once


def cold_snapshot(plan: str, env: dict[str, str], work: Path, project: Path) -> Callable[[], None]:
    def once() -> None:
        shutil.rmtree(work, ignore_errors=True)
        run([sys.executable, "-c", SNAPSHOT_LOOP, plan], project, env)

    return once


def ingest_vs_sha256sum(folder: Path, total_bytes: int, repeat: int) -> tuple[float, float, int]:
    """(seconds to ingest, seconds for sha256sum, bytes) over the same files, both warm in the page cache."""
    from ptmlock.files import hash_file
    from ptmlock.hubs.base import open_local
    from ptmlock.install.store import Store

    files = []
    part = 20 << 20
    for i in range(max(1, total_bytes // part)):
        path = folder / "data" / f"part-{i:02d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(part))
        files.append(path)
    expected = [hash_file(p) for p in files]  # also warms the page cache
    subprocess.run(["sha256sum", *map(str, files)], check=True, capture_output=True)

    def ingest() -> None:
        store = Store(folder / "store")
        shutil.rmtree(store.root, ignore_errors=True)
        for path, (sha, size) in zip(files, expected, strict=True):
            store.ingest(sha, size, open_local(path), str(path))

    def sha256sum() -> None:
        subprocess.run(["sha256sum", *map(str, files)], check=True, capture_output=True)

    return timed(ingest, repeat), timed(sha256sum, repeat), sum(size for _, size in expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=30)
    parser.add_argument("--megabytes", type=int, default=120, help="total size of the models")
    parser.add_argument("--ingest-megabytes", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    hub = FakeHub()
    names = populate(hub, args.models, args.megabytes << 20)
    with HubServer(hub) as server, tempfile.TemporaryDirectory(prefix="ptm-bench-") as tmp:
        root = Path(tmp)
        project = write_project(root, names)
        base = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HF_ENDPOINT": server.url,
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "PTM_MAX_WORKERS": str(args.workers),
        }
        ptm_env = {**base, "PTM_HOME": str(root / "ptm" / "store"), "HF_HOME": str(root / "ptm" / "hf")}
        hf_env = {**base, "HF_HOME": str(root / "hf")}
        run([sys.executable, "-m", "ptmlock", "lock"], project, ptm_env)

        from ptmlock.lockfile import read_lock

        lock = read_lock(project / "ptm.lock")
        assert lock is not None
        files = sum(len(m.files) for m in lock.models.values())
        size = sum(m.size for m in lock.models.values())
        plan = json.dumps(
            {
                "workers": args.workers,
                "models": [[m.repo, m.commit, [f.path for f in m.files]] for m in lock.models.values()],
            }
        )
        ptm_cold = timed(cold_install(project, ptm_env, root / "ptm"), args.repeat)
        hf_cold = timed(cold_snapshot(plan, hf_env, root / "hf", project), args.repeat)

        requests = hub.request_count
        noop_cli = timed(lambda: run([sys.executable, "-m", "ptmlock", "install"], project, ptm_env), 15)
        bare_python = timed(lambda: run([sys.executable, "-c", "pass"], project, ptm_env), 15)
        os.environ.update(ptm_env)
        from ptmlock.install import Options, install
        from ptmlock.project import Project

        noop_lib = timed(lambda: install(Project(project / "ptm.toml"), Options()), 20)
        assert hub.request_count == requests, "a no-op install made a network request"
        ingest, sha256sum, ingested = ingest_vs_sha256sum(
            root / "ingest", args.ingest_megabytes << 20, args.repeat
        )

    mb = 1 << 20
    print(
        f"ptm install benchmark: {len(lock.models)} models, {files} files, {size / mb:.1f} MiB, "
        f"max_workers={args.workers}, local hub over HTTP, median of {args.repeat} (no-op: 15 / 20)"
    )
    rows = [
        ("cold install", "ptm install (CLI)", ptm_cold, "snapshot_download loop", hf_cold),
        ("hash + store", f"ingest {ingested / mb:.0f} MiB", ingest, "sha256sum", sha256sum),
    ]
    print(f"{'':14}{'ptm':<24}{'s':>8}   {'baseline':<24}{'s':>8}{'ratio':>8}")
    for what, ours, ours_s, theirs, theirs_s in rows:
        print(f"{what:14}{ours:<24}{ours_s:8.3f}   {theirs:<24}{theirs_s:8.3f}{ours_s / theirs_s:7.2f}x")
    print(
        f"{'':14}ingest {ingested / mb / ingest:.0f} MiB/s vs sha256sum {ingested / mb / sha256sum:.0f} MiB/s"
    )
    print(f"{'warm no-op':14}{'ptm install (CLI)':<24}{noop_cli:8.3f}   {'python -c pass':<24}", end="")
    print(f"{bare_python:8.3f}")
    print(f"{'':14}{'install() in process':<24}{noop_lib:8.4f}   target: CLI under 0.200 s")


if __name__ == "__main__":
    main()
