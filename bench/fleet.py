"""Benchmark a fleet of CI jobs installing one lock: from the hub only, an OCI mirror, an S3 cache.

N concurrent jobs (separate stores and Hugging Face caches, as separate runners have) install the same
30-model lock from the local fixture hub, which sleeps ``--latency-ms`` per request like a distant Hub.
Side by side in one run:

- hub only: every job downloads every file from the hub;
- OCI mirror: the models were pushed once (`ptm push`) to a CNCF Distribution registry on loopback; the
  jobs install with PTM_OCI_MIRROR;
- S3 cache: SeaweedFS on loopback (PTM_CACHE_REMOTE); the first job fills it from the hub, then the
  others run at once and read it.

For each: requests that reached the hub during the fleet, bytes the hub served (every job's
downloaded_bytes, which counts hub bytes only), and the wall time of the whole fleet.

Run: `python bench/fleet.py` from the repo root, in the venv (needs `docker-registry` and `weed`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.install import populate, write_project  # noqa: E402
from fixtures.hub import FakeHub, HubServer, ServerFeatures  # noqa: E402
from fixtures.registry import Registry  # noqa: E402
from fixtures.s3 import SeaweedS3  # noqa: E402
from ptmlock.lockfile import LockedFile  # noqa: E402


def ptm(args: list[str], project: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ptmlock", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def job_env(base: dict[str, str], root: Path, name: str) -> dict[str, str]:
    return {**base, "PTM_HOME": str(root / name / "ptm"), "HF_HOME": str(root / name / "hf")}


def fleet(
    label: str, jobs: int, project: Path, base: dict[str, str], root: Path, hub: FakeHub, first_alone: bool
) -> tuple[str, int, int, float]:
    """Run the jobs (the first one alone first, when asked); (label, hub requests, hub bytes, seconds)."""
    before = hub.request_count
    started = time.perf_counter()
    served = 0
    waves = [[0], list(range(1, jobs))] if first_alone else [list(range(jobs))]
    for wave in waves:
        running = [
            ptm(["install", "--frozen", "--format", "json"], project, job_env(base, root, f"{label}-{i}"))
            for i in wave
        ]
        for process in running:
            out, err = process.communicate(timeout=900)
            if process.returncode != 0:
                raise SystemExit(f"{label}: a job failed: {err.strip()}")
            served += json.loads(out)["downloaded_bytes"]
    return label, hub.request_count - before, served, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=30)
    parser.add_argument("--megabytes", type=int, default=60, help="total size of the models")
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()

    hub = FakeHub()
    names = populate(hub, args.models, args.megabytes << 20)
    with (
        HubServer(hub) as server,
        Registry() as registry,
        SeaweedS3() as s3,
        tempfile.TemporaryDirectory(prefix="ptm-fleet-") as tmp,
    ):
        s3.bucket("ptm")
        root = Path(tmp)
        project = write_project(root, names)
        base = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HF_ENDPOINT": server.url,
            "HF_HUB_DISABLE_TELEMETRY": "1",
            **s3.env,
        }
        seed = job_env(base, root, "seed")
        for step in (["lock"], ["install", "--quiet"], ["push", f"oci://{registry.address}/fleet"]):
            process = ptm(step, project, seed)
            if process.wait(900) != 0:
                raise SystemExit(
                    f"seeding: ptm {' '.join(step)} failed: {process.stderr.read() if process.stderr else ''}"
                )
        lock_bytes = sum(f.size for path in [project / "ptm.lock"] for f in _locked_files(path))
        hub.features = ServerFeatures(latency_s=args.latency_ms / 1000)
        results = [
            fleet("hub only", args.jobs, project, base, root, hub, first_alone=False),
            fleet(
                "OCI mirror",
                args.jobs,
                project,
                {**base, "PTM_OCI_MIRROR": f"oci://{registry.address}/fleet"},
                root,
                hub,
                first_alone=False,
            ),
            fleet(
                "S3 cache",
                args.jobs,
                project,
                {**base, "PTM_CACHE_REMOTE": "s3://ptm/fleet"},
                root,
                hub,
                first_alone=True,
            ),
        ]

    mb = 1 << 20
    print(
        f"fleet benchmark: {args.jobs} concurrent jobs, {args.models} models "
        f"({lock_bytes / mb:.1f} MiB each job), "
        f"hub latency {args.latency_ms:.0f} ms per request"
    )
    print(f"{'':12}{'hub requests':>14}{'hub MiB':>10}{'fleet s':>10}{'time vs hub only':>18}")
    _, base_requests, base_bytes, base_seconds = results[0]
    for label, requests, served, seconds in results:
        print(f"{label:12}{requests:>14}{served / mb:>10.1f}{seconds:>10.1f}{seconds / base_seconds:>17.2f}x")
    for label, requests, served, _ in results[1:]:
        print(
            f"{label}: {requests / max(1, base_requests):.2f} of the hub requests, "
            f"{served / max(1, base_bytes):.2f} of the hub bytes"
        )


def _locked_files(path: Path) -> list[LockedFile]:
    from ptmlock.lockfile import read_lock

    lock = read_lock(path)
    assert lock is not None
    return [f for model in lock.models.values() for f in model.files]


if __name__ == "__main__":
    main()
