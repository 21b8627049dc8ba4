"""The mixed example, end to end: a project of Hugging Face, torch.hub, URL and local models.

Serves the fixture Hugging Face Hub, the fake GitHub API and the file server on free ports, copies this
folder as a fresh clone would have it (the file server's address in place of
http://fixture-files.localhost), runs `ptm lock`, `ptm install` and `ptm install --frozen` there, then
stops every server and runs load.py, which loads each model from the installed bytes with no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.files import FileHost, FileServer, populate_files  # noqa: E402
from fixtures.github import FakeGitHub, GitHubServer, populate_github  # noqa: E402
from fixtures.hub import FakeHub, HubServer, build_tiny_models, populate_standard  # noqa: E402

PLACEHOLDER = "http://fixture-files.localhost"
DEAD = "http://127.0.0.1:9"  # the discard port: any request fails at once


def run(project: Path, args: list[str], env: dict[str, str]) -> None:
    print(f"\n$ {' '.join(args)}", flush=True)
    result = subprocess.run(args, cwd=project, env=env, text=True, capture_output=True)
    print((result.stdout + result.stderr).rstrip())
    if result.returncode != 0:
        sys.exit(f"mixed example failed: `{' '.join(args)}` exited {result.returncode}")


def clone(work: Path, files_url: str) -> Path:
    project = work / "project"
    shutil.copytree(HERE, project, ignore=shutil.ignore_patterns("run.py", "__pycache__", "ptm.lock"))
    manifest = project / "ptm.toml"
    manifest.write_text(manifest.read_text().replace(PLACEHOLDER, files_url))
    return project


def main() -> None:
    work = Path(os.environ.get("PTM_MIXED_DIR") or ROOT / ".mixed")
    shutil.rmtree(work, ignore_errors=True)
    models = build_tiny_models(ROOT / ".pytest_cache" / "ptm-tiny-models")
    hub, github, files = FakeHub(), FakeGitHub(), FileHost()
    populate_standard(hub, models)
    populate_files(files, models)
    with HubServer(hub) as hub_server, FileServer(files) as file_server:
        populate_github(github, file_server.url)
        with GitHubServer(github) as github_server:
            project = clone(work, file_server.url)
            env = {
                **os.environ,
                "HF_ENDPOINT": hub_server.url,
                "PTM_GITHUB_API": github_server.url,
                "PTM_HOME": str(work / "store"),
                "HF_HOME": str(work / "hf"),
                "TORCH_HOME": str(work / "torch"),
                "HF_HUB_DISABLE_TELEMETRY": "1",
                "PYTHONPATH": str(ROOT),
            }
            ptm = [sys.executable, "-m", "ptmlock"]
            run(project, [*ptm, "lock"], env)
            run(project, [*ptm, "install"], env)
            run(project, [*ptm, "install", "--frozen"], env)
    offline = {**env, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": DEAD, "PTM_GITHUB_API": DEAD}
    print("\n# every server is stopped now")
    run(project, [sys.executable, "load.py"], offline)
    print(f"\nMixed project left in {project}")


if __name__ == "__main__":
    main()
