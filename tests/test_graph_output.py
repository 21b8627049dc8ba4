"""`ptm graph -o FILE` draws in the format FILE's extension names; `ptm diff` exits 1 when locks differ."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ptmlock.lockfile import read_lock
from tests.conftest import REPO_ROOT, one_line_error, write_manifest

RETRIEVAL = str(REPO_ROOT / "examples" / "retrieval" / "ptm.toml")


def graph(ptm, *args: str, expect: int = 0):
    return ptm(["-m", RETRIEVAL, "graph", *args], expect=expect)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("g.txt", "text"),
        ("g.dot", "dot"),
        ("g.gv", "dot"),
        ("g.mmd", "mermaid"),
        ("g.HTML", "html"),
        ("g.json", "json"),
    ],
)
def test_output_format_follows_the_extension(ptm, tmp_path, name: str, fmt: str) -> None:
    target = tmp_path / name
    assert graph(ptm, "-o", str(target)).stdout == f"Wrote {target} ({fmt}).\n"
    assert target.read_text() == graph(ptm, "--format", fmt).stdout


def test_svg_extension_draws_svg_not_a_text_tree(ptm, tmp_path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    target = tmp_path / "g.svg"
    graph(ptm, "-o", str(target))
    assert "<svg" in target.read_text()


def test_unknown_extension_is_refused_and_nothing_is_written(ptm, tmp_path) -> None:
    target = tmp_path / "g.png"
    error = one_line_error(graph(ptm, "-o", str(target), expect=2))
    assert error == "error: cannot draw g.png: its extension is none of .txt .dot .gv .mmd .html .svg .json"
    assert one_line_error(graph(ptm, "-o", str(target), "-f", "dot", expect=2)) == error
    assert not target.exists()


def test_a_format_that_contradicts_the_extension_is_refused(ptm, tmp_path) -> None:
    target = tmp_path / "g.svg"
    assert one_line_error(graph(ptm, "-o", str(target), "-f", "text", expect=2)) == (
        "error: --format text does not match g.svg, whose extension means svg; "
        "drop --format or change the extension"
    )
    assert not target.exists()


def test_a_name_without_extension_takes_the_format_given(ptm, tmp_path) -> None:
    target = tmp_path / "graph"
    assert one_line_error(graph(ptm, "-o", str(target), expect=2)) == (
        "error: pass --format to write graph, or give it an extension"
    )
    graph(ptm, "-o", str(target), "-f", "mermaid")
    assert target.read_text() == graph(ptm, "-f", "mermaid").stdout


def test_agreeing_format_and_extension_and_stdout_default(ptm, tmp_path) -> None:
    target = tmp_path / "g.mmd"
    graph(ptm, "-o", str(target), "-f", "mermaid")
    assert target.read_text() == graph(ptm, "-f", "mermaid").stdout
    assert graph(ptm).stdout == graph(ptm, "-f", "text").stdout


MODELS = """\
[models.bert]
repo = "fixtures/tiny-bert"

[models.mlp]
repo = "fixtures/tiny-mlp"
"""


def test_diff_exits_1_and_names_each_changed_file(hub, ptm) -> None:
    write_manifest(MODELS)
    ptm("lock")
    shutil.copy("ptm.lock", "old.lock")
    assert (
        ptm("diff old.lock ptm.lock", expect=0).stdout == "No model changed between old.lock and ptm.lock.\n"
    )
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    removed = sorted(f.path for f in lock.models["bert"].files if f.path != "config.json")[0]
    hub.hub.commit("fixtures/tiny-bert", {"config.json": b"{}", "extra.json": b"[]"}, delete=[removed])
    ptm("lock --upgrade bert")
    lines = ptm("diff old.lock ptm.lock", expect=1).stdout.splitlines()
    assert lines[0].startswith("~ bert")
    expected = sorted([("~", "config.json"), ("+", "extra.json"), ("-", removed)], key=lambda mark: mark[1])
    assert lines[1:4] == [f"    {mark} {path}" for mark, path in expected]
    assert "mlp" not in "\n".join(lines[:4])
    assert ptm("diff old.lock ptm.lock -f json", expect=1).stdout.count('"files_added"') == 1


def test_diff_help_documents_its_exit_codes(ptm) -> None:
    text = ptm("diff --help").stdout
    assert "0  the locks pin the same models and files" in text
    assert "1  they differ" in text
    assert "2  a lock cannot be read" in text
