"""Benchmark `ptm install` of url, torch.hub and local models against doing it by hand, in one run.

Everything is served over real HTTP by the local fixture servers; each figure is the median of a few
cold runs (empty store), measured side by side:

- url: 40 files of 512 kB, 25 ms of latency per request. `ptm install` (in process: parallel, hashed
  while streaming, atomic) against a loop that downloads and hashes the same URLs one after the other.
- torch.hub: a repository of 300 files. `ptm install` (the zipball fetched once, every file checked
  against the lock, stored and laid out) against what torch.hub itself does on a cold cache: download
  the zipball and extract it, checking nothing.
- local: a 100 MB model folder. `ptm install` (hashed into the store, laid out) against `shutil.copytree`
  plus a sha256 of every file; and the warm no-op `ptm install` against the cold one.

Run: `python bench/sources.py` from the repo root, in the venv.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.files import FileHost, FileServer  # noqa: E402
from fixtures.github import FakeGitHub, GitHubServer  # noqa: E402

REPEAT = 3
HUBCONF = b"dependencies = []\n\ndef noop():\n    return None\n"


def median_time(prepare: Callable[[], None], action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        prepare()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def lock_and_installer(work: Path, manifest: str) -> tuple[Callable[[], None], Callable[[], object]]:
    """Lock ``manifest`` in its own project; return (empty the store, cold install) for timing."""
    from ptmlock import config
    from ptmlock.install import Options, install
    from ptmlock.install.store import Store
    from ptmlock.lockfile import write_lock
    from ptmlock.project import Project
    from ptmlock.resolve import lock_project

    project_dir = work / "project"
    project_dir.mkdir(exist_ok=True)
    (project_dir / "ptm.toml").write_text(manifest)
    project = Project(project_dir / "ptm.toml")
    write_lock(
        project.lock_path, lock_project(project.manifest(), None, keeper=Store(config.ptm_home())).lock
    )

    def empty_store() -> None:
        for folder in ("store", "torch"):
            shutil.rmtree(work / folder, ignore_errors=True)

    return empty_store, lambda: install(project, Options(frozen=True))


def bench_url(work: Path) -> tuple[float, float]:
    import httpx2

    host = FileHost(latency_s=0.025)
    names = [f"shard-{i:02d}.bin" for i in range(40)]
    for i, name in enumerate(names):
        host.put(f"model/{name}", os.urandom(512 * 1024 - i))
    with FileServer(host) as server:
        urls = [f"{server.url}/model/{name}" for name in names]
        entries = ",\n".join(f'    {{ url = "{url}" }}' for url in urls)
        empty, install = lock_and_installer(work, f'[models.shards]\nhub = "url"\nfiles = [\n{entries},\n]\n')
        ptm = median_time(empty, install)

        def by_hand() -> None:
            with httpx2.Client() as client:
                for url in urls:
                    hashlib.sha256(client.get(url).content).hexdigest()

        return ptm, median_time(lambda: None, by_hand)


def bench_torchhub(work: Path) -> tuple[float, float]:
    import httpx2

    github = FakeGitHub()
    github.repos.create_repo("bench/hubconf")
    tree = {f"pkg/module_{i:03d}.py": os.urandom(3000).hex().encode() for i in range(299)}
    github.repos.commit("bench/hubconf", {"hubconf.py": HUBCONF, **tree})
    with GitHubServer(github) as server:
        os.environ["PTM_GITHUB_API"] = server.url
        manifest = (
            '[models.hub]\nhub = "torchhub"\nrepo = "bench/hubconf"\nrevision = "main"\nentry = "noop"\n'
        )
        empty, install = lock_and_installer(work, manifest)
        ptm = median_time(empty, install)
        url = f"{server.url}/repos/bench/hubconf/zipball/main"
        target = work / "torch-hub-cache"

        def like_torch_hub() -> None:
            shutil.rmtree(target, ignore_errors=True)
            data = httpx2.get(url, follow_redirects=True).content
            zipfile.ZipFile(io.BytesIO(data)).extractall(target)

        return ptm, median_time(lambda: None, like_torch_hub)


def bench_local(work: Path) -> tuple[float, float, float]:
    from ptmlock.install import Options, install
    from ptmlock.project import Project

    folder = work / "project" / "models" / "scratch"
    folder.mkdir(parents=True)
    for i in range(4):
        (folder / f"part-{i}.bin").write_bytes(os.urandom(25 * 1000 * 1000))
    empty, cold = lock_and_installer(work, '[models.scratch]\nhub = "local"\npath = "models/scratch"\n')
    ptm = median_time(empty, cold)
    copy_to = work / "copy"

    def copy_and_hash() -> None:
        shutil.copytree(folder, copy_to)
        for path in sorted(copy_to.iterdir()):
            hashlib.sha256(path.read_bytes()).hexdigest()

    copy = median_time(lambda: shutil.rmtree(copy_to, ignore_errors=True), copy_and_hash)
    project = Project(work / "project" / "ptm.toml")
    noop = median_time(lambda: None, lambda: install(project, Options(frozen=True)))
    return ptm, copy, noop


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="ptm-bench-sources-") as tmp:
        for name in ("url", "torchhub", "local"):
            work = Path(tmp) / name
            work.mkdir()
            os.environ.update(
                PTM_HOME=str(work / "store"), HF_HOME=str(work / "hf"), TORCH_HOME=str(work / "torch")
            )
            if name == "url":
                ptm, other = bench_url(work)
                rows.append(
                    ("url: 40 files x 512 kB, 25 ms/request", ptm, "sequential download + sha256", other)
                )
            elif name == "torchhub":
                ptm, other = bench_torchhub(work)
                rows.append(("torch.hub: 300-file repository", ptm, "zipball download + extractall", other))
            else:
                ptm, other, noop = bench_local(work)
                rows.append(("local: 100 MB folder", ptm, "copytree + sha256 of each file", other))
                rows.append(("local: warm no-op install", noop, "the cold ptm install above", ptm))
    print(f"{'case':<40} {'ptm install':>12} {'other':>9} {'speed-up':>9}  other")
    for case, ptm, other_name, other in rows:
        print(f"{case:<40} {ptm:>11.4f}s {other:>8.4f}s {other / ptm:>8.1f}x  {other_name}")


if __name__ == "__main__":
    main()
