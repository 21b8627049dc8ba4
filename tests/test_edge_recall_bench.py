"""bench/edge_recall.py: reading edge labels, matching inferred edges to them, the committed labelled set."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench.edge_recall import (
    DEFAULT_LABELS,
    End,
    Found,
    LabelError,
    Listings,
    found_edges,
    main,
    measure,
    read_labels,
    score,
)
from ptmlock.check.loads import Classified, Load
from ptmlock.dataflow import Inference, InferredEdge, Site
from ptmlock.taxonomy import EDGE_KINDS

LABELS = """
repo = "owner/name"
commit = "0123456789012345678901234567890123456789"
scan = ["app"]
held_out = true
parts = [["app/run.py:10", "app/run.py:9"]]
non_edges = [{ a = "app/run.py:10", b = "app/run.py:40", note = "side by side" }]

[[edges]]
from = "app/run.py:10"
to = "app/run.py:20"
kind = "feature-handoff"
mode = "sequential"
evidence = "app/run.py:30"

[[edges]]
from = "app/run.py:40"
to = "app/run.py:20"
kind = "feedback-guidance"
also = ["evaluation"]
evidence = "app/run.py:50"

[[edges]]
to = "app/other.py:5"
from = "app/run.py:20"
kind = "post-processing"
evidence = "app/run.py:60"
"""


def labels_file(tmp_path: Path, text: str = LABELS, name: str = "owner+name.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def found(source: str, target: str, kind: str, mode: str | None = None) -> Found:
    def end(text: str) -> End:
        path, _, line = text.rpartition(":")
        return End(path, int(line))

    return Found(end(source), end(target), kind, mode, "app/run.py:1")


def test_a_label_file_reads_into_edges_parts_and_non_edges(tmp_path: Path) -> None:
    labels = read_labels(labels_file(tmp_path))
    assert labels.held_out
    assert [(str(e.source), str(e.target), e.kind, e.mode) for e in labels.edges] == [
        ("app/run.py:10", "app/run.py:20", "feature-handoff", "sequential"),
        ("app/run.py:40", "app/run.py:20", "feedback-guidance", None),
        ("app/run.py:20", "app/other.py:5", "post-processing", None),
    ]
    assert labels.model(End("app/run.py", 9)) == End("app/run.py", 10)  # the tokenizer stands for its model
    assert labels.files == {"app/run.py", "app/other.py"}


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (('kind = "post-processing"', 'kind = "reranking"'), "kind 'reranking' is not one of"),
        (('mode = "sequential"\n', ""), "a feature-handoff needs a mode"),
        (('kind = "post-processing"', 'kind = "post-processing"\nmode = "parallel"'), "other kinds none"),
        (('to = "app/other.py:5"', 'to = "lib/other.py:5"'), "lib/other.py is not under the scanned paths"),
        (('to = "app/other.py:5"', 'to = "app/other.py"'), "'app/other.py' is not PATH:LINE"),
        (('from = "app/run.py:40"', 'from = "app/run.py:9"'), "an ordered pair of models is labelled twice"),
        (
            ('to = "app/other.py:5"\nfrom = "app/run.py:20"', 'to = "app/run.py:10"\nfrom = "app/run.py:9"'),
            "an edge joins two parts of one model",
        ),
        (("held_out = true", 'held_out = true\nlicence = "mit"'), "unknown keys: licence"),
    ],
)
def test_a_bad_label_is_refused_with_the_file_and_the_fix(
    tmp_path: Path, change: tuple[str, str], says: str
) -> None:
    text = LABELS.replace(*change)
    assert text != LABELS
    path = labels_file(tmp_path, text)
    with pytest.raises(LabelError, match=says) as refused:
        read_labels(path)
    assert str(path) in str(refused.value)


def test_scoring_matches_by_load_lines_through_parts_and_counts_each_kind_of_error(tmp_path: Path) -> None:
    labels = read_labels(labels_file(tmp_path))
    inferred = [
        found("app/run.py:9", "app/run.py:20", "feature-handoff", "parallel"),  # via the tokenizer: matched
        found("app/run.py:10", "app/run.py:20", "feature-handoff", "sequential"),  # the same pair again
        found(
            "app/run.py:20", "app/run.py:40", "feature-handoff", "sequential"
        ),  # the labelled pair reversed
        found("app/run.py:10", "app/run.py:40", "evaluation"),  # a labelled non-edge
        found("app/run.py:9", "app/run.py:10", "feature-handoff", "sequential"),  # inside one model
        found("app/run.py:20", "app/elsewhere.py:3", "evaluation"),  # an end no label names
    ]
    listings = Listings()
    result = score(labels, inferred, listings)
    assert (result.labelled, result.matched, result.scored) == (3, 1, 3)
    assert (result.reversed, result.false, result.within, result.outside) == (1, 1, 1, 1)
    assert (result.kind_right, result.mode_labelled, result.mode_right) == (
        1,
        1,
        0,
    )  # first of the pair counts
    assert result.by_kind == {
        "feature-handoff": [1, 1],
        "feedback-guidance": [0, 1],
        "post-processing": [0, 1],
    }
    assert [line.split(": ", 1)[1] for line in listings.false] == [
        "direction error: the reverse is labelled",
        "labelled non-edge: side by side",
    ]
    assert listings.wrong_kind == [
        "owner/name app/run.py:10 -> app/run.py:20: "
        "feature-handoff/sequential, inferred feature-handoff/parallel"
    ]
    assert len(listings.misses) == 2


def test_a_kind_named_in_also_counts_as_right(tmp_path: Path) -> None:
    labels = read_labels(labels_file(tmp_path))
    right = score(labels, [found("app/run.py:40", "app/run.py:20", "evaluation")], Listings())
    wrong = score(labels, [found("app/run.py:40", "app/run.py:20", "post-processing")], Listings())
    assert (right.matched, right.kind_right) == (1, 1)
    assert (wrong.matched, wrong.kind_right) == (1, 0)


def test_inferred_edges_reduce_to_their_load_lines_and_first_evidence() -> None:
    def load(path: str, line: int) -> Load:
        return Load(
            path,
            line,
            1,
            line,
            40,
            "M.from_pretrained(x)",
            "from_pretrained",
            "huggingface",
            Classified("dynamic"),
        )

    teacher, student = load("train.py", 3), load("train.py", 4)
    edge = InferredEdge(
        teacher,
        student,
        "feedback-guidance",
        None,
        "fine-tuning",
        (Site("train.py", 12, "loss = kl(s, t)"), Site("train.py", 9, "t = teacher(x)")),
    )
    inference = Inference((teacher, student), (edge,), ())
    assert found_edges(inference) == [
        Found(End("train.py", 3), End("train.py", 4), "feedback-guidance", None, "train.py:12")
    ]


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def labelled_source(tmp_path: Path) -> Path:
    """A git repository under tmp_path/sources with two models at its first commit (moved away in the second),
    and a labels folder: one edge between the two loads, one naming line 5, the call, which is no load."""
    source = tmp_path / "sources" / "owner+name"
    (source / "app").mkdir(parents=True)
    git(source, "init", "-q")
    code = source / "app" / "run.py"
    code.write_text(
        "from transformers import AutoModel, AutoModelForSequenceClassification\n"
        "\n"
        "encoder = AutoModel.from_pretrained('org/encoder')\n"
        "reranker = AutoModelForSequenceClassification.from_pretrained('org/reranker')\n"
        "scores = reranker(**encoder(x))\n"
    )
    git(source, "add", ".")
    git(source, "commit", "-q", "-m", "two models")
    commit = git(source, "rev-parse", "HEAD")
    code.write_text("# later the models moved\n")  # the working tree is not what is read
    git(source, "commit", "-q", "-am", "moved")
    labels = tmp_path / "labels"
    labels.mkdir()
    edge = (
        '{{ from = "app/run.py:{}", to = "app/run.py:{}", kind = "post-processing", '
        'evidence = "app/run.py:5" }}'
    )
    (labels / "owner+name.toml").write_text(
        f'repo = "owner/name"\ncommit = "{commit}"\nscan = ["app"]\n'
        f"edges = [{edge.format(3, 4)}, {edge.format(4, 5)}]\n"
    )
    return labels


def test_measure_reads_the_labelled_commit_and_lists_labels_on_lines_that_are_no_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = labelled_source(tmp_path)
    seen: list[str] = []

    def infer(tree: Path) -> list[Found]:
        seen.append((tree / "app" / "run.py").read_text())
        return [found("app/run.py:3", "app/run.py:4", "post-processing")]

    totals = measure(sorted(labels.glob("*.toml")), tmp_path / "sources", infer)
    assert "org/reranker" in seen[0]
    assert (totals["all"].matched, totals["held-out"].labelled, totals["tuning"].labelled) == (1, 0, 2)
    out = capsys.readouterr().out
    assert "labelled loads ptm check does not report (fix the label) (1):\n  owner/name app/run.py:5" in out


def test_labels_only_fails_on_a_label_that_names_no_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = labelled_source(tmp_path)
    with pytest.raises(SystemExit) as failed:
        main(["--labels-only", "--sources", str(tmp_path / "sources"), "--labels", str(labels)])
    assert failed.value.code == 1
    out = capsys.readouterr().out
    assert "owner/name" in out and "  owner/name app/run.py:5" in out
    (labels / "owner+name.toml").write_text(
        (labels / "owner+name.toml").read_text().replace('to = "app/run.py:5"', 'to = "app/run.py:3"')
    )
    main(
        ["--labels-only", "--sources", str(tmp_path / "sources"), "--labels", str(labels)]
    )  # no exit: all loads
    assert "does not report" not in capsys.readouterr().out


def test_the_committed_labels_cover_every_kind_in_enough_repositories() -> None:
    labelled = [read_labels(path) for path in sorted(DEFAULT_LABELS.glob("*.toml"))]
    edges = [edge for labels in labelled for edge in labels.edges]
    assert len(labelled) >= 8 and len(edges) >= 45
    assert all(sum(edge.kind == kind for edge in edges) >= 5 for kind in EDGE_KINDS)
    held_out = [labels for labels in labelled if labels.held_out]
    assert 0 < len(held_out) < len(labelled) / 2
    assert all(len(labels.commit) == 40 for labels in labelled)


def test_measure_writes_the_init_files_of_the_packages_the_scanned_files_are_in(tmp_path: Path) -> None:
    source = tmp_path / "sources" / "owner+name"
    (source / "src" / "pkg" / "sub").mkdir(parents=True)
    git(source, "init", "-q")
    (source / "src" / "pkg" / "__init__.py").write_text("from .util import *\n")
    (source / "src" / "pkg" / "sub" / "__init__.py").write_text("")
    (source / "src" / "pkg" / "util.py").write_text("def load():\n    return None\n")
    (source / "src" / "pkg" / "sub" / "run.py").write_text(
        "from transformers import AutoModel\n\nencoder = AutoModel.from_pretrained('org/encoder')\n"
    )
    git(source, "add", ".")
    git(source, "commit", "-q", "-m", "a package")
    labels = tmp_path / "labels"
    labels.mkdir()
    commit = git(source, "rev-parse", "HEAD")
    (labels / "owner+name.toml").write_text(
        f'repo = "owner/name"\ncommit = "{commit}"\nscan = ["src/pkg/sub/run.py"]\nedges = []\n'
    )
    written: list[set[str]] = []

    def infer(tree: Path) -> list[Found]:
        written.append({p.relative_to(tree).as_posix() for p in tree.rglob("*.py")})
        return []

    measure(sorted(labels.glob("*.toml")), tmp_path / "sources", infer)
    assert written == [{"src/pkg/__init__.py", "src/pkg/sub/__init__.py", "src/pkg/sub/run.py"}]
