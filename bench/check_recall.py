"""Recall and precision of `ptm check` on real model-load sites, labelled by hand (bench/labels/*.toml).

Each labels file names a public repository, the commit its sites were read at, the paths to scan and, per
site, the path, the line of the call, what it loads and what a checker should say:

- blocking: a remote load that is not pinned (no revision, a branch or tag, code run from the hub): an
  error or warning is expected, so that the pre-commit hook fails. An id traced to a hub id through
  constants, defaults, command-line defaults or calls in the same tree counts; so does a call that asks for
  a branch, or may run hub code (trust_remote_code not literally False) with no way to pass a revision,
  whatever its id;
- pinned: pinned to a commit, or the library checks the file's hash: no finding;
- local: a path on disk (a saved checkpoint, a temporary folder, a constant path): no finding;
- dynamic: the id is truly unknown when the code is read (a required command-line argument, a helper's
  parameter): an info note (PTM005) at most;
- dataset: a dataset load (PTM020, apart from the model rules).

The sources are read at the labelled commits from a folder of git repositories, never from the network
(bench/check_trees.py: `owner+name/repo`, `owner+name` or `name`, bare or a clone: `git clone
https://github.com/owner/name SOURCES/owner+name`, then `git -C SOURCES/owner+name fetch origin COMMIT` if
the commit is on no branch). The scanned Python files are written to a temporary folder with no ptm.toml
(pin rules only) and checked with `ptm check --format json` from this checkout. A finding belongs to a site
when the site's line lies within the finding's lines in the same file.

Recall: blocking sites with an error or warning / all blocking sites. Precision: model sites (not dataset
sites) with an error or warning that are labelled blocking / all model sites with one. Findings on lines
no label names are counted and listed, not scored.

    python bench/check_recall.py [--sources /work/.mirror] [--labels bench/labels] [--show 15]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.check_trees import DEFAULT_SOURCES, MissingSource, find_git_dir, materialise  # noqa: E402
from bench.scores import listing, ratio  # noqa: E402

EXPECTATIONS = ("blocking", "pinned", "local", "dynamic", "dataset")
BLOCKING_SEVERITIES = {"error", "warning"}
DATASET_CODE = "PTM020"


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    expect: str
    loads: str


@dataclass(frozen=True)
class Labels:
    repo: str
    commit: str
    scan: tuple[str, ...]
    sites: tuple[Site, ...]


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    end_line: int
    code: str
    severity: str
    message: str

    @property
    def blocking(self) -> bool:
        return self.severity in BLOCKING_SEVERITIES


def read_labels(path: Path) -> Labels:
    data = tomllib.loads(path.read_text())
    sites = tuple(Site(s["path"], int(s["line"]), s["expect"], s["loads"]) for s in data["sites"])
    for site in sites:
        if site.expect not in EXPECTATIONS:
            raise SystemExit(
                f"{path}: {site.path}:{site.line}: expect must be one of {', '.join(EXPECTATIONS)}"
            )
    if len({(s.path, s.line) for s in sites}) != len(sites):
        raise SystemExit(f"{path}: a site is labelled twice")
    return Labels(data["repo"], data["commit"], tuple(data.get("scan", ["."])), sites)


def run_ptm(tree: Path) -> tuple[float, list[Finding]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PTM_MANIFEST", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ptmlock", "check", "--format", "json", "."],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"ptm check failed in {tree} ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    return elapsed, [
        Finding(
            os.path.relpath(tree / f["path"], tree).replace(os.sep, "/"),
            f["line"],
            f.get("end_line") or f["line"],
            f["code"],
            f["severity"],
            f["message"],
        )
        for f in report["findings"]
    ]


@dataclass
class Score:
    """Counts for one repository (or all of them)."""

    sites: Counter[str]
    caught: int = 0  # blocking sites with a blocking finding
    flagged: int = 0  # model sites with a blocking finding
    flagged_right: int = 0  # ...of which labelled blocking
    wrong_blocking: int = 0  # pinned/local sites with a blocking finding
    noted_clean: int = 0  # pinned/local sites with only a note
    dynamic_noted: int = 0  # dynamic sites with a note (and nothing blocking)
    dynamic_blocking: int = 0
    dataset_rule: int = 0  # dataset sites with the dataset rule
    dataset_other: int = 0  # dataset sites with a model rule only
    unlabelled_blocking: int = 0
    unlabelled_notes: int = 0

    def add(self, other: Score) -> None:
        self.sites.update(other.sites)
        for name in vars(self):
            if name != "sites":
                setattr(self, name, getattr(self, name) + getattr(other, name))


def _on(site: Site, findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.path == site.path and f.line <= site.line <= f.end_line]


def score(
    labels: Labels, findings: list[Finding], misses: list[str], wrong: list[str], extra: list[str]
) -> Score:
    result = Score(Counter(site.expect for site in labels.sites))
    matched: set[Finding] = set()
    for site in labels.sites:
        here = _on(site, findings)
        matched.update(here)
        blocking = [f for f in here if f.blocking]
        where = f"{labels.repo} {site.path}:{site.line}"
        if site.expect == "dataset":
            if any(f.code == DATASET_CODE for f in here):
                result.dataset_rule += 1
            elif here:
                result.dataset_other += 1
                wrong.append(f"{where} [dataset]: {site.loads} -> {', '.join(f.code for f in here)}")
            continue
        if blocking:
            result.flagged += 1
            result.flagged_right += site.expect == "blocking"
        if site.expect == "blocking":
            if blocking:
                result.caught += 1
            else:
                got = ", ".join(f"{f.code} ({f.severity})" for f in here) or "nothing"
                misses.append(f"{where}: {site.loads} -> {got}")
        elif site.expect == "dynamic":
            result.dynamic_blocking += bool(blocking)
            result.dynamic_noted += bool(here and not blocking)
            if blocking:
                wrong.append(f"{where} [dynamic]: {site.loads} -> {', '.join(f.code for f in blocking)}")
        elif blocking:
            result.wrong_blocking += 1
            wrong.append(f"{where} [{site.expect}]: {site.loads} -> {', '.join(f.code for f in blocking)}")
        elif here:
            result.noted_clean += 1
            wrong.append(f"{where} [{site.expect}]: {site.loads} -> note {', '.join(f.code for f in here)}")
    for finding in findings:
        if finding not in matched:
            if finding.blocking:
                result.unlabelled_blocking += 1
            else:
                result.unlabelled_notes += 1
            extra.append(
                f"{labels.repo} {finding.path}:{finding.line}: {finding.code} {finding.message[:100]}"
            )
    return result


def _row(name: str, s: Score) -> str:
    clean = s.sites["pinned"] + s.sites["local"]
    return (
        f"{name:<40} {sum(s.sites.values()):>5}  {ratio(s.caught, s.sites['blocking']):>15}  "
        f"{ratio(s.flagged_right, s.flagged):>15}  {s.wrong_blocking:>3}+{s.noted_clean:<2}/{clean:<4} "
        f"{s.dynamic_noted:>3}/{s.dynamic_blocking:<2}/{s.sites['dynamic']:<4} "
        f"{s.dataset_rule:>3}/{s.dataset_other:<2}/{s.sites['dataset']:<4} "
        f"{s.unlabelled_blocking:>4}/{s.unlabelled_notes}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES, help="folder of git repositories")
    parser.add_argument(
        "--labels", type=Path, default=ROOT / "bench" / "labels", help="folder of *.toml labels"
    )
    parser.add_argument("--show", type=int, default=15, help="lines listed per kind of disagreement")
    args = parser.parse_args()
    label_files = sorted(args.labels.glob("*.toml"))
    if not label_files:
        raise SystemExit(f"no *.toml labels in {args.labels}")
    total = Score(Counter())
    rows = []
    misses: list[str] = []
    wrong: list[str] = []
    extra: list[str] = []
    scan_time = 0.0
    files = 0
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ptm-recall-") as scratch:
        for label_file in label_files:
            labels = read_labels(label_file)
            tree = Path(scratch) / labels.repo.replace("/", "+")
            tree.mkdir()
            try:
                git_dir, _ = find_git_dir(args.sources, labels.repo, labels.commit)
            except MissingSource as missing:
                skipped.append(str(missing))
                continue
            files += materialise(git_dir, labels.commit, labels.scan, tree)
            elapsed, findings = run_ptm(tree)
            scan_time += elapsed
            repo_score = score(labels, findings, misses, wrong, extra)
            total.add(repo_score)
            rows.append(_row(labels.repo, repo_score))
    print(
        f"ptm check on {len(rows)} repositories ({files} Python files), "
        f"{sum(total.sites.values())} labelled sites "
        f"({', '.join(f'{total.sites[e]} {e}' for e in EXPECTATIONS)}); ptm ran {scan_time:.1f} s\n"
    )
    print(
        f"{'repository':<40} {'sites':>5}  {'recall':>15}  {'precision':>15}  {'clean FP':<12} "
        f"{'dynamic':<12} {'dataset':<12} {'unlabelled'}"
    )
    for row in rows:
        print(row)
    print(_row("total", total))
    print(
        "\nrecall: blocking sites with an error/warning; precision: model sites with an error/warning that "
        "are labelled blocking;\nclean FP: pinned/local sites with an error/warning + with a note only / "
        "all; dynamic: with a note / with an error or warning / all;\ndataset: with PTM020 / with a model "
        "rule only / all; unlabelled: errors+warnings / notes on lines no label names"
    )
    listing("repositories skipped, not under --sources", skipped, args.show)
    listing("blocking sites ptm lets pass", misses, args.show)
    listing("findings on pinned, local or dynamic sites; dataset sites under a model rule", wrong, args.show)
    listing("findings on unlabelled lines of the scanned files", extra, args.show)


if __name__ == "__main__":
    main()
