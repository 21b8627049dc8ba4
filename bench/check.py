"""`ptm check` against bandit's B615 (its rule for unpinned Hugging Face downloads), side by side in one run.

1. Real trees, each scanned by both tools as subprocesses on the same files: best wall times and their
   ratio, the findings each reports (ptm's split into errors/warnings, which fail the pre-commit hook, and
   notes), and how many of the lines bandit flags ptm reports too (matched on file:line). The default trees
   are the installed transformers package, diffusers' src/diffusers and three application repositories
   (detection + generation, a vision-language model, RAG), the last four read at their newest snapshot from
   a folder of git repositories (bench/check_trees.py; no network).
2. A small generated corpus of loads bandit cannot see (torch.hub, timm, sentence-transformers, aliases,
   constants, short shas...): what each tool reports per case.
3. The pre-commit hook on a one-file commit, whole process: bench/startup.py's measurement (`ptm check
   train.py` with a 5-model ptm.lock against `python -c "import click"`, medians of fresh processes).

    python bench/check.py [TREE ...] [--sources /work/.mirror] [--repeat N] [--show N] [--startup-repeat N]

A TREE is a folder, an installed package's name, or `owner/name[:path]` read from --sources.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.check_trees import DEFAULT_SOURCES, MissingSource, find_git_dir, materialise  # noqa: E402

DEFAULT_TREES = (
    "transformers",
    "huggingface/diffusers:src/diffusers",
    "IDEA-Research/Grounded-Segment-Anything",
    "haotian-liu/LLaVA",
    "infiniflow/ragflow",
)
BLOCKING = {"error", "warning"}

SHA = "0123456789abcdef0123456789abcdef01234567"
_AUTO = "from transformers import AutoModel\n"

# name -> source; each loads one model in a way a pinning check should flag.
CORPUS = {
    "torch_hub_tag": 'import torch\ntorch.hub.load("pytorch/vision:v0.10.0", "resnet18")\n',
    "torch_hub_no_ref": 'import torch\ntorch.hub.load("pytorch/vision", "resnet18")\n',
    "timm_pretrained": 'import timm\ntimm.create_model("resnet50", pretrained=True)\n',
    "sentence_transformers": (
        'from sentence_transformers import SentenceTransformer\nSentenceTransformer("all-MiniLM-L6-v2")\n'
    ),
    "open_clip": 'import open_clip\nopen_clip.create_model("ViT-B-32", pretrained="laion2b_s34b_b79k")\n',
    "tensorflow_hub": 'import tensorflow_hub as hub\nhub.load("https://tfhub.dev/google/universal-sentence-encoder")\n',
    "diffusers": 'from diffusers import DiffusionPipeline\nDiffusionPipeline.from_pretrained("org/sd")\n',
    "peft_adapter": 'from peft import PeftModel\nPeftModel.from_pretrained(base, "org/adapter")\n',
    "pipeline_model": 'from transformers import pipeline\npipeline("fill-mask", model="org/model")\n',
    "module_alias": 'import transformers as tf\ntf.AutoModel.from_pretrained("org/model")\n',
    "class_alias": 'from transformers import AutoModel as AM\nAM.from_pretrained("org/model")\n',
    "class_in_variable": (
        "from transformers import AutoModel\ncls = AutoModel\ncls.from_pretrained('org/model')\n"
    ),
    "branch_in_constant": (
        'from transformers import AutoModel\nREV = "main"\nAutoModel.from_pretrained("org/m", revision=REV)\n'
    ),
    "short_hex_tag": f'{_AUTO}AutoModel.from_pretrained("o/m", revision="abc1234")\n',
    "env_default_branch": (
        "import os\nfrom transformers import AutoModel\n"
        'AutoModel.from_pretrained("org/m", revision=os.environ.get("REV", "main"))\n'
    ),
    "kwargs_dict_branch": (f'{_AUTO}KW = {{"revision": "dev"}}\nAutoModel.from_pretrained("o/m", **KW)\n'),
    "plain_unpinned": 'from transformers import AutoModel\nAutoModel.from_pretrained("org/model")\n',
    "pinned_control": f'{_AUTO}AutoModel.from_pretrained("o/m", revision="{SHA}")\n',
}


def _timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout


def run_ptm(target: Path, cwd: Path) -> tuple[float, dict]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PTM_MANIFEST", None)
    elapsed, out = _timed(
        [sys.executable, "-m", "ptmlock", "check", "--format", "json", str(target)], cwd, env
    )
    return elapsed, json.loads(out)


def run_bandit(target: Path, cwd: Path) -> tuple[float, dict]:
    bandit = shutil.which("bandit") or str(Path(sys.executable).parent / "bandit")
    elapsed, out = _timed([bandit, "-t", "B615", "-r", str(target), "-f", "json", "-q"], cwd)
    return elapsed, json.loads(out)


def _key(path: str, line: int, cwd: Path) -> tuple[str, int]:
    return os.path.realpath(cwd / path), line


@dataclass(frozen=True)
class TreeResult:
    name: str
    files: int
    ptm_seconds: float
    bandit_seconds: float
    ptm_blocking: int
    ptm_notes: int
    bandit_findings: int
    bandit_reported: int  # as an error or warning
    bandit_noted: int  # as a note only


def resolve_tree(spec: str, sources: Path, scratch: Path) -> tuple[str, Path]:
    """A folder to scan for ``spec`` (a folder, an installed package, or owner/name[:path] in ``sources``)."""
    if Path(spec).is_dir():
        return spec, Path(spec).resolve()
    if "/" not in spec:
        found = importlib.util.find_spec(spec)  # locates the package without importing it
        if found is None or found.origin is None:
            raise SystemExit(f"{spec}: not a folder nor an installed package")
        package = Path(found.origin).parent
        return f"{spec} {_installed_version(spec)} (installed)", package
    repo, _, path = spec.partition(":")
    git_dir, commit = find_git_dir(sources, repo)
    into = scratch / "trees" / repo.replace("/", "+")
    into.mkdir(parents=True)
    materialise(git_dir, commit, (path or ".",), into)
    return f"{repo}{':' + path if path else ''}@{commit[:7]}", into / path if path else into


def _installed_version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def compare_tree(name: str, target: Path, repeat: int, show: int, cwd: Path) -> TreeResult:
    files = sum(1 for _ in target.rglob("*.py"))
    print(f"== {name} ({files} Python files)")
    # Interleaved, so that both tools meet the same load on a shared machine; ptm is cheap to repeat.
    ptm_runs, bandit_runs = [run_ptm(target, cwd)], []
    for _ in range(repeat):
        bandit_runs.append(run_bandit(target, cwd))
        ptm_runs += [run_ptm(target, cwd), run_ptm(target, cwd)]
    ptm_time, ptm = min(ptm_runs, key=lambda r: r[0])
    bandit_time, bandit = min(bandit_runs, key=lambda r: r[0])
    blocking = [f for f in ptm["findings"] if f["severity"] in BLOCKING]
    print(
        f"ptm check      {ptm_time:8.2f} s  (best of {len(ptm_runs)})  {len(blocking)} errors/warnings, "
        f"{len(ptm['findings']) - len(blocking)} notes"
    )
    print(f"bandit -t B615 {bandit_time:8.2f} s  (best of {repeat})  {len(bandit['results'])} findings")
    by_code = Counter(f["code"] for f in ptm["findings"])
    print("ptm findings by rule:", ", ".join(f"{code} {n}" for code, n in sorted(by_code.items())))
    states = Counter(x["state"] for x in ptm["loads"])
    print("ptm loads by state:  ", ", ".join(f"{s} {n}" for s, n in sorted(states.items())))

    findings = {_key(f["path"], f["line"], cwd) for f in blocking}
    loads = {_key(x["path"], x["line"], cwd): x for x in ptm["loads"]}
    flagged = [_key(r["filename"], r["line_number"], cwd) for r in bandit["results"]]
    notes = {_key(f["path"], f["line"], cwd) for f in ptm["findings"]} - findings
    reported = [k for k in flagged if k in findings]
    noted = [k for k in flagged if k in notes]
    print(
        f"bandit locations ptm reports as errors/warnings: {len(reported)}/{len(flagged)}, "
        f"as notes only: {len(noted)}/{len(flagged)}"
    )
    missed = [k for k in flagged if k not in findings]
    for path, line in missed[:show]:
        load = loads.get((path, line))
        why = f"classified {load['state']}: {load['call']}" if load else "not recognised"
        print(f"  not reported by ptm: {os.path.relpath(path, target)}:{line} ({why})")
    if len(missed) > show:
        print(f"  ... {len(missed) - show} more")
    only_ptm = sorted(findings - set(flagged))
    print(f"locations only ptm reports as errors/warnings: {len(only_ptm)}")
    for path, line in only_ptm[:show]:
        codes = sorted(f["code"] for f in blocking if _key(f["path"], f["line"], cwd) == (path, line))
        print(f"  {os.path.relpath(path, target)}:{line} {' '.join(codes)}")
    print()
    return TreeResult(
        name,
        files,
        ptm_time,
        bandit_time,
        len(blocking),
        len(ptm["findings"]) - len(blocking),
        len(flagged),
        len(reported),
        len(noted),
    )


def print_summary(results: list[TreeResult]) -> None:
    print(
        f"{'tree':<52} {'files':>5} {'ptm s':>7} {'bandit s':>8} {'speed-up':>8} "
        f"{'ptm err+warn/notes':>18} {'bandit':>6}  bandit's lines ptm reports (err+warn / notes)"
    )
    for r in results:
        print(
            f"{r.name:<52} {r.files:>5} {r.ptm_seconds:>7.2f} {r.bandit_seconds:>8.2f} "
            f"{r.bandit_seconds / r.ptm_seconds:>7.1f}x {f'{r.ptm_blocking}/{r.ptm_notes}':>18} "
            f"{r.bandit_findings:>6}  {r.bandit_reported} / {r.bandit_noted}"
        )


def compare_corpus(cwd: Path) -> None:
    corpus = cwd / "corpus"
    corpus.mkdir()
    for name, source in CORPUS.items():
        (corpus / f"{name}.py").write_text(textwrap.dedent(source))
    ptm_time, ptm = run_ptm(corpus, cwd)
    bandit_time, bandit = run_bandit(corpus, cwd)
    print(f"\n== generated corpus ({len(CORPUS)} files): ptm {ptm_time:.2f} s, bandit {bandit_time:.2f} s")
    ptm_codes: dict[str, set[str]] = {}
    for f in ptm["findings"]:
        ptm_codes.setdefault(Path(f["path"]).stem, set()).add(f["code"])
    bandit_hits = Counter(Path(r["filename"]).stem for r in bandit["results"])
    print(f"{'case':<24} {'ptm':<18} bandit")
    for name in CORPUS:
        codes = " ".join(sorted(ptm_codes.get(name, ()))) or "-"
        print(f"{name:<24} {codes:<18} {'B615' if bandit_hits[name] else '-'}")
    missed = [n for n in CORPUS if n != "pinned_control" and not bandit_hits[n]]
    ptm_missed = [n for n in CORPUS if n != "pinned_control" and n not in ptm_codes]
    print(
        f"flagged by ptm: {len(CORPUS) - 1 - len(ptm_missed)}/{len(CORPUS) - 1}; "
        f"by bandit: {len(CORPUS) - 1 - len(missed)}/{len(CORPUS) - 1}"
    )
    print(f"bandit misses: {', '.join(missed)}")


def hook_startup(repeat: int) -> None:
    """bench/startup.py's measurement, in this run: a fresh `ptm check` of one file against the floor."""
    print("\n== the pre-commit hook on a one-file commit (bench/startup.py)")
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "startup.py"), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"bench/startup.py failed ({done.returncode}): {done.stderr[-2000:]}")
    print(done.stdout, end="")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", help=f"default: {' '.join(DEFAULT_TREES)}")
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES, help="folder of git repositories")
    parser.add_argument("--repeat", type=int, default=1, help="bandit runs per tree (ptm: 2 each + 1)")
    parser.add_argument("--show", type=int, default=8, help="disagreeing locations listed per tree")
    parser.add_argument("--startup-repeat", type=int, default=15, help="fresh processes per start-up case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ptm-bench-check-") as scratch:  # no ptm.toml above: pin rules
        cwd = Path(scratch)
        trees = []
        for spec in args.trees or DEFAULT_TREES:
            try:
                trees.append(resolve_tree(spec, args.sources, cwd))
            except MissingSource as missing:
                print(f"skipped: {missing}")
        results = [compare_tree(name, target, args.repeat, args.show, cwd) for name, target in trees]
        compare_corpus(cwd)
    hook_startup(args.startup_repeat)
    print("\n== ptm check against bandit -t B615, per tree (best wall times, side by side)")
    print_summary(results)


if __name__ == "__main__":
    main()
