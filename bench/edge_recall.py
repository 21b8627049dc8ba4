"""Recall and precision of the interaction edges `ptmlock.dataflow.infer` finds, against edges labelled by
hand in public multi-model repositories (bench/labels/edges/*.toml; how they were made: docs/edge-labels.md).

Each labels file names a repository, the commit it was read at, the paths to scan, whether it is held out
(kept away from whoever tunes the inference), and:

- edges: ``{ from = "path:line", to = "path:line", kind, mode, stage, evidence = "path:line", note }``:
  from and to are the lines of the producing and consuming model loads, as `ptm check` reports them;
  kind is one of taxonomy.EDGE_KINDS (``also`` lists further kinds the same pair has, accepted as right
  too), mode one of taxonomy.HANDOFF_MODES for a feature-handoff, stage one of taxonomy.STAGES; evidence
  is where the output reaches the other model;
- parts: groups of loads that are one model (its weights, then its tokenizer, processor or config): an end
  anywhere in a group stands for the group, and an edge inside a group is no interaction;
- non_edges: ``{ a, b, note }``: two models side by side that do not interact (listed when inferred).

The sources are read at the labelled commits from a folder of git repositories, never from the network
(bench/check_trees.py), the scanned Python files written to a temporary folder with the ``__init__.py`` of
the packages they are in (so that imports resolve as in a checkout), `ptm check --format json` run
there to confirm every labelled end is a load it reports, and ``infer`` run on the folder. An inferred edge
matches a label when its source and target loads are the label's (same file and line, through parts); one
whose reverse is labelled is a direction error. Recall: labelled edges matched / labelled edges. Precision:
inferred edges that match / inferred edges between loads of files the labels name (an edge outside them is
counted, not scored). Kind and mode accuracy are over matched edges (mode: over feature-handoff labels).

    python bench/edge_recall.py [--sources /work/.mirror] [--labels bench/labels/edges] [--show 15]
    python bench/edge_recall.py --labels-only            # every labelled end is a load; counts by kind
    python bench/edge_recall.py --list-loads OWNER/NAME   # the loads ptm check reports in its scanned files
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.check_trees import DEFAULT_SOURCES, MissingSource, find_git_dir, materialise  # noqa: E402
from bench.scores import listing, ratio  # noqa: E402
from ptmlock.dataflow import Inference  # noqa: E402
from ptmlock.taxonomy import EDGE_KINDS, FEATURE_HANDOFF, HANDOFF_MODES, STAGES  # noqa: E402

DEFAULT_LABELS = ROOT / "bench" / "labels" / "edges"
EDGE_KEYS = {"from", "to", "kind", "mode", "stage", "evidence", "note", "also"}
TOP_KEYS = {"repo", "commit", "scan", "held_out", "parts", "edges", "non_edges"}


@dataclass(frozen=True, order=True)
class End:
    """A line of a scanned file: a model load, or where a value passes."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class EdgeLabel:
    source: End
    target: End
    kind: str
    mode: str | None
    stage: str | None
    evidence: End
    note: str
    also: tuple[str, ...] = ()

    def accepts(self, kind: str) -> bool:
        return kind == self.kind or kind in self.also


@dataclass(frozen=True)
class NonEdge:
    a: End
    b: End
    note: str


@dataclass(frozen=True)
class RepoLabels:
    repo: str
    commit: str
    scan: tuple[str, ...]
    held_out: bool
    parts: tuple[tuple[End, ...], ...]
    edges: tuple[EdgeLabel, ...]
    non_edges: tuple[NonEdge, ...]

    def model(self, end: End) -> End:
        """The load that stands for the model ``end`` is part of (itself when it is in no group)."""
        for group in self.parts:
            if end in group:
                return group[0]
        return end

    @property
    def files(self) -> frozenset[str]:
        """The files the labels speak about: inferred edges between their loads are scored."""
        ends = [e for edge in self.edges for e in (edge.source, edge.target)]
        ends += [e for pair in self.non_edges for e in (pair.a, pair.b)]
        ends += [e for group in self.parts for e in group]
        return frozenset(e.path for e in ends)

    def ends(self) -> Iterator[End]:
        """Every load the labels name."""
        for edge in self.edges:
            yield edge.source
            yield edge.target
        for pair in self.non_edges:
            yield pair.a
            yield pair.b
        for group in self.parts:
            yield from group


@dataclass(frozen=True)
class Found:
    """One inferred edge, reduced to what is scored."""

    source: End
    target: End
    kind: str
    mode: str | None
    evidence: str


class LabelError(Exception):
    """A labels file that cannot be read: the message names the file and what is wrong."""


def _end(text: object, where: str) -> End:
    path, _, line = str(text).rpartition(":")
    if not path or not line.isdigit():
        raise LabelError(f"{where}: {text!r} is not PATH:LINE")
    return End(path, int(line))


def read_labels(path: Path) -> RepoLabels:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise LabelError(f"{path}: {error}") from error
    unknown = set(data) - TOP_KEYS
    if unknown or not {"repo", "commit", "edges"} <= set(data):
        raise LabelError(
            f"{path}: needs repo, commit and edges; unknown keys: {', '.join(sorted(unknown)) or 'none'}"
        )
    scan = tuple(data.get("scan", ["."]))

    def end(text: object, where: str) -> End:
        found = _end(text, where)
        if not any(p == "." or found.path == p or found.path.startswith(p.rstrip("/") + "/") for p in scan):
            raise LabelError(f"{where}: {found.path} is not under the scanned paths {list(scan)}")
        return found

    edges = []
    for number, raw in enumerate(data["edges"], 1):
        where = f"{path}: edge {number}"
        if set(raw) - EDGE_KEYS or not {"from", "to", "kind", "evidence"} <= set(raw):
            raise LabelError(f"{where}: needs from, to, kind, evidence; allowed keys {sorted(EDGE_KEYS)}")
        edge = EdgeLabel(
            end(raw["from"], where),
            end(raw["to"], where),
            raw["kind"],
            raw.get("mode"),
            raw.get("stage"),
            end(raw["evidence"], where),
            raw.get("note", ""),
            tuple(raw.get("also", ())),
        )
        for kind in (edge.kind, *edge.also):
            if kind not in EDGE_KINDS:
                raise LabelError(f"{where}: kind {kind!r} is not one of {', '.join(EDGE_KINDS)}")
        if (edge.kind == FEATURE_HANDOFF) != (edge.mode is not None) or (
            edge.mode is not None and edge.mode not in HANDOFF_MODES
        ):
            modes = ", ".join(HANDOFF_MODES)
            raise LabelError(f"{where}: a feature-handoff needs a mode ({modes}), other kinds none")
        if edge.stage is not None and edge.stage not in STAGES:
            raise LabelError(f"{where}: stage {edge.stage!r} is not one of {', '.join(STAGES)}")
        edges.append(edge)
    parts = tuple(
        tuple(end(text, f"{path}: parts {number}") for text in group)
        for number, group in enumerate(data.get("parts", []), 1)
    )
    grouped = [e for group in parts for e in group]
    if len(set(grouped)) != len(grouped):
        raise LabelError(f"{path}: a load is in two parts groups")
    non_edges = []
    for number, raw in enumerate(data.get("non_edges", []), 1):
        where = f"{path}: non_edge {number}"
        non_edges.append(NonEdge(end(raw["a"], where), end(raw["b"], where), raw.get("note", "")))
    held_out = bool(data.get("held_out", False))
    labels = RepoLabels(data["repo"], data["commit"], scan, held_out, parts, tuple(edges), tuple(non_edges))
    pairs = [(labels.model(e.source), labels.model(e.target)) for e in labels.edges]
    if len(set(pairs)) != len(pairs):
        raise LabelError(f"{path}: an ordered pair of models is labelled twice (name other kinds in `also`)")
    if any(source == target for source, target in pairs):
        raise LabelError(f"{path}: an edge joins two parts of one model")
    return labels


@dataclass
class Score:
    """Counts for one repository, or a set of them."""

    labelled: int = 0
    matched: int = 0
    kind_right: int = 0
    mode_labelled: int = 0  # matched edges labelled feature-handoff
    mode_right: int = 0
    scored: int = 0  # inferred edges between loads of labelled files, one per ordered pair of models
    reversed: int = 0
    false: int = 0
    outside: int = 0  # inferred edges with an end outside the labelled files
    within: int = 0  # inferred edges between two parts of one model
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind: [matched, labelled]

    def add(self, other: Score) -> None:
        for name, value in vars(other).items():
            if name == "by_kind":
                for kind, (hit, total) in value.items():
                    mine = self.by_kind.setdefault(kind, [0, 0])
                    mine[0] += hit
                    mine[1] += total
            else:
                setattr(self, name, getattr(self, name) + value)


@dataclass
class Listings:
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)
    wrong_kind: list[str] = field(default_factory=list)


def score(labels: RepoLabels, found: list[Found], listings: Listings) -> Score:
    result = Score(labelled=len(labels.edges))
    by_pair = {(labels.model(e.source), labels.model(e.target)): e for e in labels.edges}
    non_edges = {frozenset((labels.model(p.a), labels.model(p.b))): p for p in labels.non_edges}
    files = labels.files
    seen: dict[tuple[End, End], Found] = {}
    for edge in found:
        pair = (labels.model(edge.source), labels.model(edge.target))
        if pair[0] == pair[1]:
            result.within += 1
        elif edge.source.path not in files or edge.target.path not in files:
            result.outside += 1
        else:
            seen.setdefault(pair, edge)  # several loads of one model: the pair counts once
    where = labels.repo
    for pair, edge in seen.items():
        result.scored += 1
        label = by_pair.get(pair)
        if label is None:
            if pair[::-1] in by_pair:
                result.reversed += 1
                why = "direction error: the reverse is labelled"
            else:
                result.false += 1
                unrelated = non_edges.get(frozenset(pair))
                why = f"labelled non-edge: {unrelated.note}" if unrelated else "no label"
            listings.false.append(
                f"{where} {edge.source} -> {edge.target} {edge.kind} (evidence {edge.evidence}): {why}"
            )
            continue
        result.matched += 1
        if label.accepts(edge.kind):
            result.kind_right += 1
        if label.kind == FEATURE_HANDOFF:
            result.mode_labelled += 1
            if label.accepts(edge.kind) and edge.mode == label.mode:
                result.mode_right += 1
        if not label.accepts(edge.kind) or (label.kind == FEATURE_HANDOFF and edge.mode != label.mode):
            got = f"{edge.kind}/{edge.mode}" if edge.mode else edge.kind
            want = f"{label.kind}/{label.mode}" if label.mode else label.kind
            listings.wrong_kind.append(f"{where} {label.source} -> {label.target}: {want}, inferred {got}")
    for pair, label in by_pair.items():
        counts = result.by_kind.setdefault(label.kind, [0, 0])
        counts[1] += 1
        if pair in seen:
            counts[0] += 1
        else:
            listings.misses.append(
                f"{where} {label.source} -> {label.target} [{label.kind}] at {label.evidence}: {label.note}"
            )
    return result


def _row(name: str, s: Score) -> str:
    return (
        f"{name:<42} {s.labelled:>5}  {ratio(s.matched, s.labelled):>15}  "
        f"{ratio(s.matched, s.scored):>15}  "
        f"{ratio(s.kind_right, s.matched):>15}  {ratio(s.mode_right, s.mode_labelled):>15}  "
        f"{s.reversed:>3} {s.false:>3}  {s.outside:>4}/{s.within}"
    )


def reported_loads(tree: Path) -> set[End]:
    """The loads `ptm check --format json` reports in ``tree`` (the CLI run in this process, in the tree)."""
    from click.testing import CliRunner

    from ptmlock.cli import cli

    with _inside(tree):
        done = CliRunner().invoke(cli, ["check", "--format", "json", "."], env={"PTM_MANIFEST": None})
    if done.exit_code not in (0, 1):
        raise SystemExit(f"ptm check failed in {tree} ({done.exit_code}): {done.stderr[-2000:]}")
    return {End(load["path"], load["line"]) for load in json.loads(done.stdout)["loads"]}


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    """Run in ``folder``: the scanner reads the paths it collects relative to the working directory."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def found_edges(inference: Inference) -> list[Found]:
    """The inferred edges, reduced to what is scored: the two loads' lines, kind, mode, first evidence."""
    return [
        Found(
            End(e.source.path, e.source.line),
            End(e.target.path, e.target.line),
            e.kind,
            e.mode,
            f"{e.evidence[0].path}:{e.evidence[0].line}" if e.evidence else "-",
        )
        for e in inference.edges
    ]


def run_infer(tree: Path) -> list[Found]:
    """The edges ``ptmlock.dataflow.infer.infer`` finds in ``tree``."""
    from ptmlock.dataflow.infer import infer

    with _inside(tree):
        return found_edges(infer([], tree))


Infer = Callable[[Path], list[Found]]


def _trees(
    label_files: list[Path], sources: Path, scratch: Path, skipped: list[str]
) -> Iterator[tuple[RepoLabels, Path]]:
    """Each labelled repository's scanned files, written under ``scratch``; a missing source is skipped."""
    for label_file in label_files:
        labels = read_labels(label_file)
        try:
            git_dir, _ = find_git_dir(sources, labels.repo, labels.commit)
        except MissingSource as missing:
            skipped.append(str(missing))
            continue
        tree = scratch / label_file.stem
        tree.mkdir()
        materialise(git_dir, labels.commit, labels.scan, tree, packages=True)
        yield labels, tree


def _unseen(labels: RepoLabels, tree: Path) -> list[str]:
    """The labelled loads `ptm check` does not report in ``tree``: an edge there cannot be inferred."""
    return [f"{labels.repo} {end}" for end in sorted(set(labels.ends()) - reported_loads(tree))]


def measure(
    label_files: list[Path], sources: Path, infer: Infer = run_infer, show: int = 15
) -> dict[str, Score]:
    """Score every labelled repository under ``sources``, print the report, return the totals by set."""
    totals = {"all": Score(), "tuning": Score(), "held-out": Score()}
    rows: list[str] = []
    listings = Listings()
    skipped: list[str] = []
    unseen: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ptm-edges-") as scratch:
        for labels, tree in _trees(label_files, sources, Path(scratch), skipped):
            unseen += _unseen(labels, tree)
            repo_score = score(labels, infer(tree), listings)
            for name in ("all", "held-out" if labels.held_out else "tuning"):
                totals[name].add(repo_score)
            rows.append(_row(labels.repo + (" (held out)" if labels.held_out else ""), repo_score))
    edges = totals["all"]
    print(f"edge inference on {len(rows)} repositories, {edges.labelled} labelled edges\n")
    print(
        f"{'repository':<42} {'edges':>5}  {'recall':>15}  {'precision':>15}  {'kind right':>15}  "
        f"{'mode right':>15}  rev  FP  outside/within"
    )
    for row in rows:
        print(row)
    for name, total in totals.items():
        print(_row(f"total {name}", total))
    by_kind = (f"{kind} {ratio(*edges.by_kind.get(kind, [0, 0]))}" for kind in EDGE_KINDS)
    print("\nrecall by kind: " + ", ".join(by_kind))
    print(
        "recall: labelled edges inferred; precision: inferred edges between loads of labelled files that\n"
        "match a label; kind/mode right: over matched edges (mode: feature-handoff labels); rev: inferred\n"
        "in the reverse direction; FP: matching no label; outside: inferred edges with an end in a file no\n"
        "label names; within: between two parts of one model (neither scored)"
    )
    listing("repositories skipped, not under --sources", skipped, show)
    listing("labelled loads ptm check does not report (fix the label)", unseen, show)
    listing("labelled edges not inferred", listings.misses, show)
    listing("inferred edges matching no label", listings.false, show)
    listing("matched edges with another kind or mode", listings.wrong_kind, show)
    return totals


def check_labels(label_files: list[Path], sources: Path, show: int = 15) -> int:
    """Without inferring anything: confirm every labelled end is a load ptm check reports, and count the
    labels by repository and kind. Returns how many ends are not loads."""
    skipped: list[str] = []
    unseen: list[str] = []
    print(f"{'repository':<42} {'held out':>8}  {'edges':>5}  " + "  ".join(f"{k:>17}" for k in EDGE_KINDS))
    with tempfile.TemporaryDirectory(prefix="ptm-edges-") as scratch:
        for labels, tree in _trees(label_files, sources, Path(scratch), skipped):
            unseen += _unseen(labels, tree)
            kinds = [sum(edge.kind == kind for edge in labels.edges) for kind in EDGE_KINDS]
            print(
                f"{labels.repo:<42} {'yes' if labels.held_out else '':>8}  {len(labels.edges):>5}  "
                + "  ".join(f"{count:>17}" for count in kinds)
            )
    listing("repositories skipped, not under --sources", skipped, show)
    listing("labelled loads ptm check does not report (fix the label)", unseen, show)
    return len(unseen)


def list_loads(label_files: list[Path], sources: Path, repo: str) -> None:
    """Print the loads ptm check reports in the files ``repo``'s labels scan: the ends a label may use."""
    for label_file in label_files:
        labels = read_labels(label_file)
        if labels.repo != repo:
            continue
        git_dir, _ = find_git_dir(sources, labels.repo, labels.commit)
        with tempfile.TemporaryDirectory(prefix="ptm-edges-") as scratch:
            materialise(git_dir, labels.commit, labels.scan, Path(scratch), packages=True)
            for end in sorted(reported_loads(Path(scratch))):
                print(end)
        return
    raise SystemExit(f"no labels for {repo} under the labels folder")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES, help="folder of git repositories")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, help="folder of *.toml edge labels")
    parser.add_argument("--show", type=int, default=15, help="lines listed per kind of disagreement")
    parser.add_argument("--list-loads", metavar="OWNER/NAME", help="print one labelled repository's loads")
    parser.add_argument(
        "--labels-only", action="store_true", help="check the labels against ptm check's loads; infer nothing"
    )
    args = parser.parse_args(argv)
    label_files = sorted(args.labels.glob("*.toml"))
    if not label_files:
        raise SystemExit(f"no *.toml labels in {args.labels}")
    try:
        if args.list_loads:
            list_loads(label_files, args.sources, args.list_loads)
        elif args.labels_only:
            if check_labels(label_files, args.sources, args.show):
                raise SystemExit(1)
        else:
            measure(label_files, args.sources, show=args.show)
    except LabelError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
