"""`ptm check` against bandit's B615 (its rule for unpinned Hugging Face downloads), side by side.

1. A large real tree (default: the installed transformers package, thousands of files): both tools
   as subprocesses on the same files; wall times, their ratio, findings each reports, and whether
   every location bandit flags is one ptm reports too (matched on file:line).
2. A small generated corpus of loads bandit cannot see (torch.hub, timm, sentence-transformers,
   aliases, constants, short shas...): what each tool reports per case.

    python bench/check.py [TREE] [--repeat N]
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
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
    elapsed, out = _timed(
        [sys.executable, "-m", "ptmlock", "check", "--format", "json", str(target)], cwd, env
    )
    return elapsed, json.loads(out)


def run_bandit(target: Path, cwd: Path) -> tuple[float, dict]:
    bandit = shutil.which("bandit") or str(Path(sys.executable).parent / "bandit")
    elapsed, out = _timed([bandit, "-t", "B615", "-r", str(target), "-f", "json", "-q"], cwd)
    return elapsed, json.loads(out)


def _key(path: str, line: int) -> tuple[str, int]:
    return os.path.realpath(path), line


def compare_tree(target: Path, repeat: int, cwd: Path) -> None:
    files = sum(1 for _ in target.rglob("*.py"))
    print(f"== {target} ({files} Python files)")
    # Interleaved, so that both tools meet the same load on a shared machine; ptm is cheap to repeat.
    ptm_runs, bandit_runs = [run_ptm(target, cwd)], []
    for _ in range(repeat):
        bandit_runs.append(run_bandit(target, cwd))
        ptm_runs += [run_ptm(target, cwd), run_ptm(target, cwd)]
    ptm_time, ptm = min(ptm_runs, key=lambda r: r[0])
    bandit_time, bandit = min(bandit_runs, key=lambda r: r[0])
    print(f"ptm check      {ptm_time:8.2f} s  (best of {len(ptm_runs)})  {len(ptm['findings'])} findings")
    print(f"bandit -t B615 {bandit_time:8.2f} s  (best of {repeat})  {len(bandit['results'])} findings")
    print(f"ptm is {bandit_time / ptm_time:.1f}x faster")
    by_code = Counter(f["code"] for f in ptm["findings"])
    print("ptm findings by rule:", ", ".join(f"{code} {n}" for code, n in sorted(by_code.items())))
    print(
        "ptm loads by state:  ",
        ", ".join(f"{s} {n}" for s, n in sorted(Counter(x["state"] for x in ptm["loads"]).items())),
    )

    findings = {_key(f["path"], f["line"]) for f in ptm["findings"]}
    loads = {_key(x["path"], x["line"]): x for x in ptm["loads"]}
    flagged = [_key(r["filename"], r["line_number"]) for r in bandit["results"]]
    reported = [k for k in flagged if k in findings]
    recognised = [k for k in flagged if k in loads]
    print(f"bandit locations ptm reports as findings: {len(reported)}/{len(flagged)}")
    print(f"bandit locations ptm recognises as loads: {len(recognised)}/{len(flagged)}")
    for path, line in flagged:
        if (path, line) not in findings:
            load = loads.get((path, line))
            why = f"classified {load['state']}: {load['call']}" if load else "not recognised"
            print(f"  not reported by ptm: {os.path.relpath(path, target)}:{line} ({why})")
    only_ptm = sorted(findings - set(flagged))
    print(f"locations only ptm reports: {len(only_ptm)}")
    for path, line in only_ptm[:12]:
        codes = sorted(f["code"] for f in ptm["findings"] if _key(f["path"], f["line"]) == (path, line))
        print(f"  {os.path.relpath(path, target)}:{line} {' '.join(codes)}")


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


def _default_tree() -> Path:
    spec = importlib.util.find_spec("transformers")  # locates the package without importing it
    if spec is None or spec.origin is None:
        raise SystemExit("transformers is not installed; pass a tree to scan")
    return Path(spec.origin).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", type=Path, help="folder to scan (default: installed transformers)")
    parser.add_argument("--repeat", type=int, default=1, help="bandit runs on the tree (ptm: 2 each + 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:  # no ptm.toml above: pin rules only
        cwd = Path(scratch)
        compare_tree((args.tree or _default_tree()).resolve(), args.repeat, cwd)
        compare_corpus(cwd)


if __name__ == "__main__":
    main()
