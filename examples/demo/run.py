"""The demo: init, add, lock, install, export, verify, graph, audit, upgrade small projects on the local hub.

`make demo` runs this. It serves the fixture hub on a free port, starts a project with `ptm init` and
`ptm add` in .demo/new-project, copies examples/demo/ptm.toml into .demo/project, and runs the real `ptm`
CLI there, printing each command and what it says.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fixtures.hub import FakeHub, HubServer, build_tiny_models, populate_standard  # noqa: E402

WORK = Path(os.environ.get("PTM_DEMO_DIR") or ROOT / ".demo")


def run(project: Path, *args: str, env: dict[str, str], show: int | None = None, expect: int = 0) -> None:
    print(f"\n$ ptm {' '.join(args)}", flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "ptmlock", *args], cwd=project, env=env, text=True, capture_output=True
    )
    lines = (result.stdout + result.stderr).rstrip().splitlines()
    print("\n".join(lines[:show] + (["..."] if show and len(lines) > show else [])))
    if result.returncode != expect:
        sys.exit(f"demo failed: `ptm {' '.join(args)}` exited {result.returncode}, not {expect}")


def show_file(path: Path, lines: int) -> None:
    print(f"\n$ head -{lines} {path.name}")
    print("\n".join(path.read_text().splitlines()[:lines]))


LOAD = """
import ptmlock
from transformers import AutoModel, AutoTokenizer
path = ptmlock.path("encoder")
tokens = AutoTokenizer.from_pretrained(path)("a small test", return_tensors="pt")
features = AutoModel.from_pretrained(path)(**tokens).last_hidden_state
print(f"loaded encoder@{ptmlock.revision('encoder')[:12]} offline: features {tuple(features.shape)}")
"""


def load_offline(project: Path, env: dict[str, str]) -> None:
    """Application code loads exactly the locked bytes, with the hub out of reach."""
    print("\n$ HF_HUB_OFFLINE=1 python -c 'AutoModel.from_pretrained(ptmlock.path(\"encoder\"))'", flush=True)
    offline = {
        **env,
        "HF_HUB_OFFLINE": "1",
        "HF_ENDPOINT": "http://127.0.0.1:9",
        "TRANSFORMERS_VERBOSITY": "error",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    }
    subprocess.run([sys.executable, "-c", LOAD], cwd=project, env=offline, check=True)


def start_a_project(env: dict[str, str]) -> None:
    """How any project starts: `ptm init`, then `ptm add` for each model, then `ptm lock`."""
    fresh = WORK / "new-project"
    fresh.mkdir(parents=True)
    print("\n# a new project starts with ptm init and ptm add ...")
    run(fresh, "init", env=env)
    run(fresh, "add", "fixtures/tiny-bert", "--name", "encoder", "--task", "feature-extraction", env=env)
    run(fresh, "lock", env=env)
    print("\n# ... the demo project below has also declared how to export and verify its models")


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    project = WORK / "project"
    project.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "demo" / "ptm.toml", project / "ptm.toml")
    hub = FakeHub()
    populate_standard(hub, build_tiny_models(ROOT / ".pytest_cache" / "ptm-tiny-models"))
    with HubServer(hub) as server:
        print(f"local hub serving on {server.url}")
        env = {
            **os.environ,
            "HF_ENDPOINT": server.url,
            "PTM_HOME": str(WORK / "store"),
            "HF_HOME": str(WORK / "hf"),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "PYTHONPATH": str(ROOT),
        }
        start_a_project(env)
        alternative = "--name encoder-v1 --revision v1.0 --group encoder --task feature-extraction"
        run(project, "add", "fixtures/tiny-bert", *alternative.split(), env=env)
        run(project, "lock", env=env)
        show_file(project / "ptm.lock", 16)
        run(project, "lock", "--check", env=env)
        run(project, "install", env=env)
        run(project, "install", env=env)
        load_offline(project, env)
        run(project, "export", env=env)
        run(project, "verify", env=env)
        run(project, "verify", "--frozen", env=env)
        run(project, "graph", env=env)
        run(project, "graph", "--format", "html", "-o", "graph.html", env=env)
        run(project, "audit", env=env)
        run(project, "sbom", "-o", "bom.json", env=env)
        run(project, "outdated", env=env)
        print("\n# upstream, someone pushes new weights to fixtures/tiny-bert@main ...")
        hub.commit("fixtures/tiny-bert", {"config.json": b'{"model_type": "bert", "changed": true}'})
        run(project, "outdated", env=env, expect=1)
        run(project, "lock", "--check", env=env)
        run(project, "lock", "--upgrade", "--dry-run", env=env)
        run(project, "lock", "--upgrade", "encoder", env=env)
        run(project, "install", "--locked", env=env)
    print(f"\nDemo project left in {project}")


if __name__ == "__main__":
    main()
