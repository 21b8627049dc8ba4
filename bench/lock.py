"""Benchmark `ptm lock` against a plain sequential loop over the same huggingface_hub calls.

30 models on the local fixture hub, every request delayed by 50 ms (a far-away hub or a mirror).
Both sides do the same work: model info with file metadata, then fetch and hash each small file
whose sha256 the hub does not report. Run: `python bench/lock.py` (from the repo root, in the venv).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import manifest_for, populate
from bench.timing import timed
from fixtures.hub import FakeHub, HubServer, ServerFeatures


def sequential_baseline(endpoint: str, repos: list[str]) -> dict[str, dict[str, str]]:
    """What a careful user script would do without ptmlock: one model, one file after another."""
    from huggingface_hub import HfApi, hf_hub_url
    from huggingface_hub.utils import get_session, hf_raise_for_status

    api = HfApi(endpoint=endpoint)
    pins: dict[str, dict[str, str]] = {}
    for repo in repos:
        info = api.model_info(repo, files_metadata=True)
        hashes = {}
        for sibling in info.siblings or []:
            if sibling.lfs:
                hashes[sibling.rfilename] = sibling.lfs.sha256
                continue
            url = hf_hub_url(repo, sibling.rfilename, revision=info.sha, endpoint=endpoint)
            response = get_session().get(url)
            hf_raise_for_status(response)
            hashes[sibling.rfilename] = hashlib.sha256(response.content).hexdigest()
        pins[repo] = hashes
    return pins


def ptm_lock_in_process(project: Path) -> None:
    from ptmlock import config
    from ptmlock.install.store import Store
    from ptmlock.project import Project
    from ptmlock.resolve import lock_project

    manifest = Project(project / "ptm.toml").manifest()
    lock_project(manifest, previous=None, keeper=Store(config.ptm_home()))


def ptm_lock_cli(project: Path) -> None:
    (project / "ptm.lock").unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "ptmlock", "lock"],
        cwd=project,
        check=True,
        capture_output=True,
        env=bytecode_env(project),
    )


def bytecode_env(scratch: Path) -> dict[str, str]:
    """The environment with bytecode written and read (outside the checkout), as an installed package
    runs: PYTHONDONTWRITEBYTECODE would make every start compile ptmlock from source."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(scratch / ".pycache")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=30)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    hub = FakeHub()
    repos = populate(hub, args.models)
    hub.features = ServerFeatures(latency_s=args.latency_ms / 1000)
    with HubServer(hub) as server, tempfile.TemporaryDirectory() as tmp:
        os.environ["HF_ENDPOINT"] = server.url
        os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
        project = Path(tmp)
        (project / "ptm.toml").write_text(manifest_for(repos))

        requests_before = hub.request_count
        baseline = timed(lambda: sequential_baseline(server.url, repos), args.repeat)
        baseline_requests = (hub.request_count - requests_before) // args.repeat
        requests_before = hub.request_count
        in_process = timed(lambda: ptm_lock_in_process(project), args.repeat)
        ptm_requests = (hub.request_count - requests_before) // args.repeat
        cli = timed(lambda: ptm_lock_cli(project), args.repeat)

    print(
        f"ptm lock benchmark: {args.models} models, {args.latency_ms:.0f} ms per request, "
        f"median of {args.repeat}"
    )
    print(f"{'':32}{'seconds':>10}{'requests':>10}{'speed-up':>10}")
    print(f"{'sequential huggingface_hub loop':32}{baseline:10.3f}{baseline_requests:10d}{1:10.1f}x")
    print(f"{'ptm lock (library)':32}{in_process:10.3f}{ptm_requests:10d}{baseline / in_process:10.1f}x")
    print(f"{'ptm lock (CLI subprocess)':32}{cli:10.3f}{ptm_requests:10d}{baseline / cli:10.1f}x")


if __name__ == "__main__":
    main()
